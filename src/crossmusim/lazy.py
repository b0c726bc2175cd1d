"""Names a package exports but imports on first use (PEP 562), so that importing one light module of
the package (metrics, a cache) does not load torch or datasets through its `__init__`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """The package's module `__getattr__`: `exports` maps each name to the submodule defining it."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    return __getattr__

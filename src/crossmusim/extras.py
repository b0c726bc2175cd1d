"""Lazy imports of heavy optional dependencies with the exact install line on failure."""

from __future__ import annotations

import importlib
from types import ModuleType

from crossmusim.errors import MissingExtraError


def require(module: str, extra: str, install: str | None = None) -> ModuleType:
    """Import `module`, or fail with `pip install "crossmusim[extra]"` (or the given install line)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module.split(".")[0], extra, install) from exc

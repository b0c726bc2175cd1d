"""Registries: a name -> a builder, extensible through Python entry points.

Audio towers, text towers and baselines are looked up by name here instead of if/elif chains. Another
package adds one by declaring an entry point (the way simonw/llm finds its plugins):

    [project.entry-points."crossmusim.audio_towers"]
    my-tower = "my_package.towers:build"

What the entry point names: for `crossmusim.audio_towers`, `build(config: AudioTowerConfig,
pretrained: bool, folder: Path | None) -> AudioTower`; for `crossmusim.text_towers`, `build(config: TextTowerConfig,
folder: Path | None) -> TextTower` (`folder`: the saved model folder being loaded, or None); for
`crossmusim.baselines`, a `crossmusim.evaluation.baselines.Baseline` (or a plain
`build(request) -> Embedder`). Built-in names come first: an entry point cannot replace one (it is
reported, not used), so a stray plugin never changes what a built-in name means.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from crossmusim.errors import UserError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, what: str, group: str, option: str, adapt: Callable[[object], T] | None = None):
        """`what`: the kind of thing, for messages; `group`: the entry-point group; `option`: the
        command-line option that names one (for the error line); `adapt`: turns a loaded entry point
        into a registry value (a plain function into a spec, say)."""
        self.what, self.group, self.option = what, group, option
        self._adapt = adapt or (lambda value: value)  # type: ignore[assignment,return-value]
        self._builtin: dict[str, T] = {}
        self._plugins: dict[str, EntryPoint] | None = None
        self._loaded: dict[str, T] = {}
        self._shadowed: list[str] = []

    def register(self, name: str, value: T) -> T:
        """Add a built-in; a second value under one name is a programming error."""
        if name in self._builtin:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._builtin[name] = value
        return value

    def reload(self) -> None:
        """Look for entry points again (after installing a plugin into a running interpreter)."""
        self._plugins, self._loaded, self._shadowed = None, {}, []

    def _entry_points(self) -> dict[str, EntryPoint]:
        if self._plugins is None:
            found = {ep.name: ep for ep in entry_points(group=self.group)}
            self._shadowed = sorted(name for name in found if name in self._builtin)
            self._plugins = {name: ep for name, ep in found.items() if name not in self._builtin}
        return self._plugins

    @property
    def shadowed(self) -> list[str]:
        """Entry points named like a built-in (not used)."""
        self._entry_points()
        return self._shadowed

    def names(self) -> list[str]:
        """Built-in names in registration order, then entry-point names sorted."""
        return list(self._builtin) + sorted(self._entry_points())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._builtin or name in self._entry_points())

    def get(self, name: str) -> T:
        """The value registered as `name`; an unknown name is one line listing the known ones."""
        if name in self._builtin:
            return self._builtin[name]
        if name in self._loaded:
            return self._loaded[name]
        plugin = self._entry_points().get(name)
        if plugin is None:
            raise UserError(f"{self.option} {name!r}: no such {self.what}; choose {', '.join(self.names())}")
        try:
            value = self._adapt(plugin.load())
        except Exception as exc:  # a broken plugin names itself, not a traceback into importlib
            package = plugin.dist.name if plugin.dist is not None else "its package"
            raise UserError(
                f"{self.what} {name!r} (entry point {plugin.value} of {package}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        self._loaded[name] = value
        return value

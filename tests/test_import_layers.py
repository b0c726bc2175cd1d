"""No two modules of crossmusim import each other, at the top or inside a function (an import inside a
function hides a circle, it does not remove it). Imports under `if TYPE_CHECKING:` count too."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The crossmusim modules `path` imports (a `from package import name` that names a module counts
    as that module)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in (SRC / "crossmusim").rglob("*.py")}
    known = set(files)
    return {name: imported_modules(path, known) - {name} for name, path in files.items()}


def test_no_two_modules_import_each_other():
    graph = import_graph()
    circles = sorted({tuple(sorted((a, b))) for a, targets in graph.items() for b in targets if a in graph.get(b, ())})
    assert circles == [], "modules importing each other: " + "; ".join(f"{a} <-> {b}" for a, b in circles)


def test_the_walk_sees_imports_inside_functions():
    graph = import_graph()
    assert "crossmusim.evaluation.probe" in graph["crossmusim.evaluation.baselines"]  # imported inside _probe

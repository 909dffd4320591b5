"""The package's layout is its architecture: each subpackage imports only the ones below it."""

from __future__ import annotations

import ast
from pathlib import Path

import graphdiff

# lowest first; a module may import its own layer and any lower one
LAYERS = ["errors", "values", "primitives", "ir", "modes", "compiler", "graph", "transforms", "cost",
          "views", "readwrite", "builders", "cli"]  # fmt: skip
PACKAGE = Path(graphdiff.__file__).parent


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside `if TYPE_CHECKING:`) for every graphdiff import in a file."""
    tree = ast.parse(path.read_text())
    found = []
    checking = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("graphdiff"):
            targets = (
                [node.module] if node.module != "graphdiff" else [f"graphdiff.{a.name}" for a in node.names]
            )
            found += [(t, node.lineno, id(node) in checking) for t in targets]
        elif isinstance(node, ast.Import):
            found += [
                (a.name, node.lineno, id(node) in checking)
                for a in node.names
                if a.name.startswith("graphdiff")
            ]
    return found


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(("graphdiff", *path.relative_to(PACKAGE).with_suffix("").parts))
        if module == "graphdiff.__init__":
            continue  # the root wires the layers together
        for target, line, type_only in _imports(path):
            low, high = _layer(module), _layer(target)
            if low is not None and high is not None and high > low and not type_only:
                upward.append(f"{module}:{line} imports {target}")
    assert not upward, upward


def test_every_module_belongs_to_a_layer():
    loose = [
        p.name
        for p in PACKAGE.glob("*.py")
        if p.stem not in LAYERS and p.stem not in ("__init__", "__main__")
    ]
    packages = {
        p.name for p in PACKAGE.iterdir() if p.is_dir() and any(p.rglob("*.py"))
    }  # data folders hold none
    assert not loose and packages <= set(LAYERS)


def test_the_layout_check_can_fail(tmp_path):
    # a module of the graph layer importing the pictures above it is reported
    (tmp_path / "bad.py").write_text("from graphdiff.views.draw import draw\n")
    assert [t for t, _, _ in _imports(tmp_path / "bad.py")] == ["graphdiff.views.draw"]
    assert _layer("graphdiff.views.draw") > _layer("graphdiff.graph.graph")

"""Data flows one way: no feedsmith module imports one from a higher layer (docs/architecture.md),
and none imports inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "feedsmith"
LAYERS = [
    {"errors", "checks", "_version", "settings", "model", "text", "ids", "dates", "redact",
     "content_coding", "addresses", "periods"},
    {"http", "sources", "topics", "merge"},
    {"config"},
    {"crawl_cache", "render_cache", "convert", "store", "ingest", "parsers", "seed", "render"},
    {"report", "similar", "crawl", "publish", "entries", "inspection", "maintenance", "jobs",
     "serve", "init", "digest", "mail"},
    {"cli", "__init__", "__main__"},
]
LAYER = {name: number for number, names in enumerate(LAYERS) for name in names}


def imported_modules(path: Path) -> list[tuple[str, bool]]:
    """(top-level feedsmith module, imported at module level) for each relative import."""
    inner = len(path.relative_to(PACKAGE).parts) > 1
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            if inner and node.level == 1:
                continue  # a sibling inside the same package
            names = ([node.module.split(".")[0]] if node.module
                     else [a.name if a.name in LAYER else "__init__" for a in node.names])
            found += [(name, id(node) in top_level) for name in names]
    return found


def test_every_module_is_in_a_layer() -> None:
    modules = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.glob("*")
               if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert modules == set(LAYER)


def test_no_module_imports_from_a_higher_layer_or_inside_a_function() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = LAYER[path.relative_to(PACKAGE).parts[0].removesuffix(".py")]
        for name, at_top in imported_modules(path):
            if LAYER[name] > mine or not at_top:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}"
                             + ("" if at_top else " inside a function"))
    assert wrong == []

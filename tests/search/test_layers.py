"""The search library sits below the business rules and the pages."""

import ast
from pathlib import Path

import forum.search

LIBRARY = Path(forum.search.__file__).parent
PAGES = {"views.py"}  # the search page, on its way to the posts blueprint: it may load cards and ask the Guardian
BACKENDS = {"whoosh_backend", "whoosh_sets", "whoosh_internals", "postgres"}
WHOOSH = {"whoosh_backend", "whoosh_sets", "whoosh_internals"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_the_library_imports_no_services_permissions_or_views():
    for path in LIBRARY.glob("*.py"):
        if path.name in PAGES:
            continue
        above = {
            name
            for name in imports(path)
            if name.startswith(("forum.services", "forum.permissions")) or name.rsplit(".", 1)[-1] == "views"
            or ".views." in name
        }  # fmt: skip
        assert not above, f"forum/search/{path.name} imports {sorted(above)}"


def test_no_backend_imports_another():
    for name in BACKENDS:
        family = WHOOSH if name in WHOOSH else {name}
        others = {f"forum.search.{other}" for other in BACKENDS - family}
        found = {i for i in imports(LIBRARY / f"{name}.py") if i in others or i.rsplit(".", 1)[0] in others}
        assert not found, f"forum/search/{name}.py imports {sorted(found)}"

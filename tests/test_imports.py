"""No import cycles, in the JavaScript of pwa/ or the Python of python/datasette_pwa/, and each side of pwa/ imports only
its own modules and shared/ (issue 25): a reader following an import never comes back to where they started."""

import ast
import re

from conftest import ROOT

PWA = ROOT / "pwa"
PACKAGE = ROOT / "python" / "datasette_pwa"
# A runtime import or re-export, one per line as the code is written (JSDoc's type-only @import is not one).
JS_IMPORT = re.compile(r"""^(?:import|export)\b[^"'\n]*?(?:from\s*)?["'](\.{1,2}/[^"']+)["']""", re.M)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the list of modules around it (a depth-first search)."""
    found, done = [], set()

    def visit(node, path):
        if node in path:
            found.append(path[path.index(node) :])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def javascript_imports() -> dict[str, set[str]]:
    graph = {}
    for file in PWA.rglob("*.js"):
        name = file.relative_to(PWA).as_posix()
        targets = {(file.parent / t).resolve() for t in JS_IMPORT.findall(file.read_text())}
        graph[name] = {t.relative_to(PWA.resolve()).as_posix() for t in targets if t.is_file()}
    return graph


def python_module(file) -> str:
    parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_imports() -> dict[str, set[str]]:
    """{module: the package's modules it imports, anywhere in it (an import inside a function is still a cycle)}."""
    modules = {python_module(f): f for f in PACKAGE.rglob("*.py")}
    graph = {}
    for name, file in modules.items():
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                module = ".".join(p for p in (base, node.module) if p)
                # `from . import errors` imports the submodule; `from .errors import translate`, the module
                targets |= {f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_the_javascript_has_no_import_cycle():
    assert not cycles(javascript_imports())


def test_each_side_of_pwa_imports_only_its_own_modules_and_shared():
    crossing = [
        f"{name} imports {target}"
        for name, targets in javascript_imports().items()
        for target in targets
        if target.split("/")[0] not in {name.split("/")[0], "shared"}
    ]
    assert not crossing


def test_the_python_has_no_import_cycle():
    graph = python_imports()
    assert "datasette_pwa.features.history" in graph["datasette_pwa.plugin"]  # the graph is read
    assert not cycles(graph)

"""Structure facts for the code review (issues 12 and 18): imports from a package's modules back up to its own
`__init__`, import circles between modules, imports from a lower layer to a higher one (the layers contract in
pyproject.toml, which `lint-imports` enforces in CI), modules over 400 lines, functions over 30 lines.

Every import statement counts, also one inside a function or under `if TYPE_CHECKING`: it hides a dependency at
run time, not in the structure.

    python bench/structure.py [package folder, default summarise]
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MODULE_LINES = 400
FUNCTION_LINES = 30


def upward_imports(root: Path) -> list[str]:
    """`from . import name` inside a package's module, where `name` is not a submodule: it runs the
    package's `__init__` and reads back up from it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        package = path.parent
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module:
                for alias in node.names:
                    if not (package / f"{alias.name}.py").exists() and not (package / alias.name).is_dir():
                        found.append(f"{path}:{node.lineno} from . import {alias.name}")
    return found


def _name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """The package's modules that one import statement in `module` names."""
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names if a.name in known)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            parts = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:  # `from . import base` names a submodule; `from .x import name`, the module x
            yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in its code."""
    files = {_name(p, root): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        found = {t for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 for t in _targets(node, module, is_package, known)}
        graph[module] = {t for t in found if t in known and t != module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (strongly connected components of
    more than one module, Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layers(pyproject: Path, package: str) -> list[set[str]]:
    """The layers of the package's layers contract in pyproject.toml, highest first, as module names."""
    if not pyproject.is_file():
        return []
    config = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("importlinter", {})
    for contract in config.get("contracts", []):
        if contract.get("type") == "layers" and package in contract.get("containers", []):
            return [{f"{package}.{m.strip().strip('()')}" for m in layer.replace("|", ":").split(":")}
                    for layer in contract["layers"]]
    return []


def upward(graph: dict[str, set[str]], stack: list[set[str]]) -> list[str]:
    """Imports from a module of a lower layer to a module of a higher one."""

    def level(module: str) -> int | None:
        for k, layer in enumerate(stack):
            if any(module == m or module.startswith(m + ".") for m in layer):
                return k
        return None

    found = []
    for module in sorted(graph):
        for target in sorted(graph[module]):
            low, high = level(module), level(target)
            if low is not None and high is not None and high < low:
                found.append(f"{module} -> {target}")
    return found


def long_modules(root: Path) -> list[tuple[str, int]]:
    sizes = [(str(p), len(p.read_text(encoding="utf-8").splitlines())) for p in sorted(root.rglob("*.py"))]
    return [(p, n) for p, n in sizes if n > MODULE_LINES]


def long_functions(root: Path) -> list[tuple[str, int]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - start + 1
                if length > FUNCTION_LINES:
                    found.append((f"{path}:{node.lineno} {node.name}", length))
    return found


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "summarise")
    to_init = upward_imports(root)
    graph = import_graph(root)
    found = circles(graph)
    stack = layers(root.parent / "pyproject.toml", root.name)
    against = upward(graph, stack)
    modules = long_modules(root)
    functions = long_functions(root)
    print(f"imports up to the package's own __init__: {len(to_init)}")
    for line in to_init:
        print(f"  {line}")
    print(f"import circles: {len(found)}" + (f" ({sum(map(len, found))} modules)" if found else ""))
    for component in found:
        print(f"  {len(component)} modules: {' '.join(component)}")
    print(f"imports from a lower layer to a higher one: {len(against)}"
          + ("" if stack else " (no layers contract in pyproject.toml)"))
    for line in against:
        print(f"  {line}")
    print(f"modules over {MODULE_LINES} lines: {len(modules)}")
    for name, n in modules:
        print(f"  {name}: {n}")
    print(f"functions over {FUNCTION_LINES} lines: {len(functions)}")
    for name, n in sorted(functions, key=lambda x: -x[1]):
        print(f"  {name}: {n}")


if __name__ == "__main__":
    main()

"""Structure facts for the code review (issue 12): imports from a package's modules back up to its own
`__init__`, modules over 400 lines, functions over 30 lines.

    python bench/structure.py [package folder, default summarise]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

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
    upward = upward_imports(root)
    modules = long_modules(root)
    functions = long_functions(root)
    print(f"imports up to the package's own __init__: {len(upward)}")
    for line in upward:
        print(f"  {line}")
    print(f"modules over {MODULE_LINES} lines: {len(modules)}")
    for name, n in modules:
        print(f"  {name}: {n}")
    print(f"functions over {FUNCTION_LINES} lines: {len(functions)}")
    for name, n in sorted(functions, key=lambda x: -x[1]):
        print(f"  {name}: {n}")


if __name__ == "__main__":
    main()

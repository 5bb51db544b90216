"""Small rooms: no function over 80 lines in the packages already split (calibration/, app/,
sources/; the others join as they are split), and no import cycle among the package's modules
at import time."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "presence_coach"
SPLIT = ("calibration", "sources", "app")  # sub-packages held to the function length
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def test_no_long_functions_in_the_split_packages() -> None:
    long = []
    for sub in SPLIT:
        for path in sorted((PACKAGE / sub).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                    lines = (node.end_lineno or node.lineno) - start + 1
                    if lines > MAX_FUNCTION_LINES:
                        long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


def _imports_at_load(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports when it is loaded (module-level statements)."""
    out = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module} & modules.keys()
            out |= {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names} & modules.keys()
    return out - {name}


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports_at_load(name, path, modules) for name, path in modules.items()}
    assert graph["presence_coach.calibration.live"] >= {"presence_coach.session.live"}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise AssertionError(" -> ".join((*path[path.index(name) :], name)))
        if name in done:
            return
        for dep in sorted(graph[name]):
            visit(dep, (*path, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())

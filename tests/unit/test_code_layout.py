"""Small rooms: no function over 80 lines anywhere in the package, and no import cycle among
the package's modules, counting every import statement anywhere in a module (inside functions
too)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "presence_coach"
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def test_no_long_functions() -> None:
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                lines = (node.end_lineno or node.lineno) - start + 1
                if lines > MAX_FUNCTION_LINES:
                    name = path.relative_to(PACKAGE)
                    long.append(f"{name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports: every import statement anywhere in it (at load,
    inside functions, under ``TYPE_CHECKING``), each an edge of the import graph."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module} & modules.keys()
            out |= {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names} & modules.keys()
    return out - {name}


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
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


def test_arrows_point_one_way() -> None:
    """Shared types are leaves; sources know nothing of sessions; a run's analysis knows
    nothing of the summary (the summary reads the store)."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    for leaf in ("presence_coach.events", "presence_coach.clock", "presence_coach.errors"):
        assert graph[leaf] == set(), leaf
    assert graph["presence_coach.sources.base"] <= {"presence_coach.errors"}
    back = {
        (name, dep)
        for name, deps in graph.items()
        for dep in deps
        if (name.startswith("presence_coach.sources") and ".session" in dep)
        or (name == "presence_coach.session.analysis" and ".summary" in dep)
    }
    assert not back, sorted(back)

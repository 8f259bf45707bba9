"""The library's shape: stage packages, imports one way, no cycles, no private names
across modules, modules of a readable size (see lib/README.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib" / "annual_review"

# The stages in pipeline order: a module may import from its own stage or earlier ones.
STAGES = ["core", "inputs", "figures", "blocks", "runs", "publish", "build", "cli"]
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int | None:
    """The stage index of ``annual_review.<stage>...``; None for the package root."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return STAGES.index(parts[1])


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import of the library."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "annual_review":
                continue
            names = [a.name for a in node.names]
            # ``from pkg import module`` imports the module itself
            modules = [f"{target}.{n}" for n in names if _is_module(f"{target}.{n}")]
            if modules:
                found.extend((m, [], node.lineno) for m in modules)
                names = [n for n in names if not _is_module(f"{target}.{n}")]
            if names or not modules:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "annual_review":
                    found.append((alias.name, [], node.lineno))
    return found


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (LIB / rel).with_suffix(".py").is_file() or (LIB / rel / "__init__.py").is_file()


MODULES = sorted(LIB.rglob("*.py"))


def test_the_library_has_stage_packages_each_with_a_docstring() -> None:
    packages = [p.parent.name for p in LIB.glob("*/__init__.py")]
    assert set(STAGES[:-1]) <= set(packages)
    for name in STAGES[:-1]:
        doc = ast.get_docstring(ast.parse((LIB / name / "__init__.py").read_text()))
        assert doc and "import" in doc, f"{name}/__init__.py must say what it may import"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_run_from_later_stages_to_earlier_ones(path: Path) -> None:
    here = stage_of(module_name(path))
    for target, _, line in imports_of(path):
        there = stage_of(target)
        if here is None or there is None:
            continue
        assert there <= here, (
            f"{module_name(path)}:{line} imports {target}: "
            f"{STAGES[here]} may not import from the later stage {STAGES[there]}"
        )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_takes_another_modules_private_names(path: Path) -> None:
    for target, names, line in imports_of(path):
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{module_name(path)}:{line} imports {private} from {target}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_modules_stay_readable(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module_name(path)} has {lines} lines; split it"


def test_the_import_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        here = module_name(path)
        graph[here] = {t for t, _, _ in imports_of(path) if t != here}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_checker_finds_a_backward_import(tmp_path: Path) -> None:
    """The rules above can fail: a figures module importing a publish module is caught."""
    path = LIB / "figures" / "indicators.py"
    found = imports_of(path)
    assert all(stage_of(t) is None or stage_of(t) <= STAGES.index("figures") for t, _, _ in found)
    assert stage_of("annual_review.publish.pages") > stage_of("annual_review.figures.facts")


def test_git_ignores_no_module_of_the_library() -> None:
    """A pattern such as ``build/`` must not hide a stage package from a commit."""
    import subprocess

    listed = subprocess.run(
        ["git", "check-ignore", "--no-index", *map(str, MODULES)],
        cwd=LIB,
        capture_output=True,
        text=True,
    )
    if listed.returncode == 128:
        pytest.skip("not a git checkout")
    assert listed.stdout.strip() == "", listed.stdout

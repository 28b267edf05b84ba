"""The architecture, checked: imports go only downward, never in a loop, and modules stay small enough to read.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: a type-only import still
couples two modules, and a function-local one is a cycle postponed to run time. AGENTS.md explains the layers.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tools", "storage")

# Lower numbers are lower layers; a module may import its own layer or any layer below it.
LAYERS: dict[str, int] = {
    "storage": 0,
    "tools": 1,
    # Leaves of the bot: configuration, every sentence a person reads, and the metrics registry.
    "bot.config": 2,
    "bot.text": 2,
    "bot.observe": 2,
    # What every feature runs on: the shared services, Slack's Web API, the model providers, the generic scheduler.
    "bot.platform": 3,
    "bot.llm": 3,
    "bot.scheduler": 3,
    # Features.
    "bot.access": 4,
    "bot.google": 4,
    "bot.digest": 4,
    "bot.alerts": 4,
    "bot.agent": 4,
    "bot.subscriptions": 4,
    "bot.retention": 4,
    "bot.notes": 4,
    # Slack's front door: the bolt app, web routes, listeners, slash commands, buttons and App Home views.
    "bot.slack": 5,
    # The composition root and the entry points built on it.
    "bot.main": 6,
    "bot.bench": 6,
    "bot": 6,  # bot/__main__.py
}

# A feature may use another only where this says so (and never in both directions): the Google connection is what
# the others read through; alerts are posted the way digests are.
FEATURE_USES: dict[str, frozenset[str]] = {
    "bot.access": frozenset(),
    "bot.google": frozenset(),
    "bot.retention": frozenset(),
    "bot.notes": frozenset(),
    "bot.digest": frozenset({"bot.google"}),
    "bot.alerts": frozenset({"bot.google", "bot.digest"}),
    "bot.agent": frozenset({"bot.google"}),
    "bot.subscriptions": frozenset({"bot.google"}),
}

# Fakes speak Slack's, Google's and the model providers' wire formats for tests and benchmarks; the running bot never
# imports them (only the benchmarks, which start them).
FAKES = ("bot.fakes", "tools.fakes")
MAY_IMPORT_FAKES = ("bot.bench", "bot.fakes", "tools.fakes")

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# A longer function says why it is one piece in its docstring, with these words.
KEPT_WHOLE = "Kept whole"

# Modules and functions still being split, each entry still too long (the lists may only shrink); issue 13 emptied
# them.
PENDING_MODULES: frozenset[str] = frozenset()
PENDING_FUNCTIONS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def project_modules() -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            modules[name] = Module(name=name, path=path)
    return modules


def imported_names(module: Module) -> Iterator[tuple[str, int]]:
    """Every dotted name `module` imports, anywhere in the file, with its line."""
    tree = ast.parse(module.path.read_text(), filename=str(module.path))
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def project_imports(modules: dict[str, Module]) -> dict[str, dict[str, int]]:
    """module -> {project module it imports: line}; a `from package import name` counts the module `name` if it is
    one, else the package."""
    graph: dict[str, dict[str, int]] = {}
    for name, module in modules.items():
        edges: dict[str, int] = {}
        for target, line in imported_names(module):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def layer_of(name: str) -> str:
    """The most specific entry of `LAYERS` that contains module `name`."""
    candidates = [layer for layer in LAYERS if name == layer or name.startswith(layer + ".")]
    if not candidates:
        raise AssertionError(f"{name} belongs to no layer: add its package to LAYERS in tests/test_layers.py")
    return max(candidates, key=len)


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not (size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for node in graph:
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return groups


MODULES = project_modules()
GRAPH = project_imports(MODULES)


def test_the_import_graph_is_read_from_every_project_module() -> None:
    # A guard against a parser that silently sees nothing: these edges exist and cross layers.
    assert "bot.platform.services" in GRAPH["bot.main.build"]
    assert "storage.db" in GRAPH["bot.platform.services"]
    assert len(MODULES) > 150


def test_no_module_imports_itself_back_through_others() -> None:
    cycles = strongly_connected(GRAPH)
    assert cycles == [], "import cycles (type-only and function-local imports count):\n" + "\n".join(
        " <-> ".join(group) for group in cycles
    )


def test_imports_only_go_down_the_layers() -> None:
    upward = []
    for name, targets in GRAPH.items():
        here = layer_of(name)
        for target, line in targets.items():
            there = layer_of(target)
            if LAYERS[there] > LAYERS[here]:
                upward.append(f"{MODULES[name].path.relative_to(ROOT)}:{line} {name} ({here}) -> {target} ({there})")
    assert upward == [], "imports that climb a layer:\n" + "\n".join(upward)


def test_features_use_each_other_only_where_declared() -> None:
    crossing = []
    for name, targets in GRAPH.items():
        here = layer_of(name)
        if here not in FEATURE_USES:
            continue
        for target, line in targets.items():
            there = layer_of(target)
            if there in FEATURE_USES and there != here and there not in FEATURE_USES[here]:
                crossing.append(f"{MODULES[name].path.relative_to(ROOT)}:{line} {name} -> {target}")
    assert crossing == [], "a feature imports another it is not declared to use:\n" + "\n".join(crossing)


def test_declared_feature_uses_have_no_loop() -> None:
    for feature, uses in FEATURE_USES.items():
        for other in uses:
            assert feature not in FEATURE_USES[other], f"{feature} and {other} may not use each other"


def test_the_running_bot_never_imports_the_fakes() -> None:
    offenders = [
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if not name.startswith(MAY_IMPORT_FAKES)
        for target in targets
        if target.startswith(FAKES)
    ]
    assert offenders == []


def _is_fake(module: Module) -> bool:
    return module.name.startswith(FAKES)


def _is_migration(module: Module) -> bool:
    return module.name.startswith("storage.migrations.versions")


def test_modules_stay_small_enough_to_read_in_one_sitting() -> None:
    long = {
        str(module.path.relative_to(ROOT)): lines
        for module in MODULES.values()
        if not _is_fake(module) and (lines := len(module.path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    new = [f"{path}: {lines} lines" for path, lines in sorted(long.items()) if path not in PENDING_MODULES]
    assert new == [], f"modules over {MAX_MODULE_LINES} lines (split them by concern):\n" + "\n".join(new)
    assert sorted(PENDING_MODULES - long.keys()) == [], "split already: remove from PENDING_MODULES"


def long_functions() -> dict[str, str]:
    """ "path name" -> what to print, for every function over the limit whose docstring does not say why."""
    found = {}
    for module in MODULES.values():
        if _is_migration(module):
            continue  # generated schema steps, read as data
        tree = ast.parse(module.path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_FUNCTION_LINES and KEPT_WHOLE not in (ast.get_docstring(node) or ""):
                path = module.path.relative_to(ROOT)
                found[f"{path} {node.name}"] = f"{path}:{node.lineno} {node.name}: {lines} lines"
    return found


def test_long_functions_say_why_they_are_one_piece() -> None:
    found = long_functions()
    new = [text for key, text in sorted(found.items()) if key not in PENDING_FUNCTIONS]
    assert new == [], (
        f"functions over {MAX_FUNCTION_LINES} lines: split them, or say why not in the docstring "
        f"('{KEPT_WHOLE} because ...'):\n" + "\n".join(new)
    )
    assert sorted(PENDING_FUNCTIONS - found.keys()) == [], "split already: remove from PENDING_FUNCTIONS"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("bot.main.build", "bot.main"), ("bot.slack.views.home", "bot.slack"), ("bot", "bot"), ("tools.x", "tools")],
)
def test_a_module_belongs_to_its_most_specific_layer(name: str, expected: str) -> None:
    assert layer_of(name) == expected

"""The shape of the code (docs/architecture.md): no import loops anywhere, a layered kernel,
and domain packages that meet only through core. Read from the source, nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "timebank", "charity", "credit")
DOMAINS = ("timebank", "charity", "credit")

# The kernel's floors, bottom first. A module imports only from its own floor or below; a core
# module not named here is a door (pages, API, CLI, the app factory) and may import any floor.
KERNEL_FLOORS = (
    # ground: plumbing that knows no table
    {"core.clock", "core.config", "core.crypto", "core.events", "core.extensions", "core.labels",
     "core.pdf", "core.scores", "core.ids", "core.timeutil", "core.logging", "core.errors",
     "core.db", "core.schemas", "core.keys", "core.inputs", "core.spreadsheets",
     "core.leadership", "core.categories"},
    # tables, each with the few functions that write it
    {"core.accounts.models", "core.orgs.models", "core.audit", "core.sanctions", "core.outbox",
     "core.workdays", "core.jobs", "core.idempotency", "core.models", "core.catalogues",
     "core.notices.models", "core.schedules"},
    # services
    {"core.accounts.services", "core.orgs.services"},
    # who may do what, and the API base that documents it
    {"core.auth", "core.api_base"},
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """Project modules ``name`` imports, at the top or inside a function."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _loops() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, loops = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    return loops


def test_no_module_imports_its_way_back_to_itself():
    """Counting imports inside functions: a loop hidden in a function is still a loop."""
    assert _loops() == []


def test_the_kernel_is_layered_ground_tables_services_auth():
    floor = {name: level for level, names in enumerate(KERNEL_FLOORS) for name in names}
    assert set(floor) <= set(MODULES), set(floor) - set(MODULES)
    upward = sorted((name, target) for name in floor for target in GRAPH[name]
                    if target.startswith("core") and floor.get(target, len(KERNEL_FLOORS))
                    > floor[name])
    assert upward == []


def test_domain_packages_meet_only_through_core():
    crossing = sorted((name, target) for name in MODULES for target in GRAPH[name]
                      if name.split(".")[0] in DOMAINS and target.split(".")[0] in DOMAINS
                      and target.split(".")[0] != name.split(".")[0])
    assert crossing == []


def test_core_knows_the_domains_only_by_name():
    assert sorted((n, t) for n in MODULES if n.startswith("core") for t in GRAPH[n]
                  if t.split(".")[0] in DOMAINS) == []

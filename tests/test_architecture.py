"""The package's shape, read from its source with `ast`: data flows down between the
areas, no module reaches into another area's views, no status changes outside
its model's transition methods, and only views, tasks and commands commit. README's
"How it is built" says the same in words."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "campaign"

# Which areas each area may import (besides the shared modules at the top of the
# package: text, domain, form_fields, database, extensions, queue...). Lowest first.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "statements": frozenset(),
    "outbox": frozenset(),
    "accounts": frozenset({"statements", "outbox"}),
    "abuse": frozenset({"statements", "accounts"}),
    "signing": frozenset({"statements", "outbox", "abuse"}),
    "addressees": frozenset({"statements"}),
    "moderation": frozenset({"statements", "outbox", "accounts", "abuse", "signing"}),
    "letters": frozenset({"statements", "outbox", "accounts", "signing"}),
    "updates": frozenset({"statements", "outbox", "accounts", "signing"}),
    "exports": frozenset({"statements", "accounts", "signing"}),
    "progress": frozenset({"statements", "accounts", "signing", "moderation"}),
    "replies": frozenset({"statements", "outbox", "accounts", "signing", "addressees"}),
    # Removing an addressee takes its failed letters with it.
    "drafting": frozenset({"statements", "accounts", "signing", "addressees", "letters"}),
    "digests": frozenset({"statements", "outbox", "accounts", "signing", "letters",
                          "replies", "progress"}),
    # Privacy forgets personal data wherever an area keeps it (a digest names networks).
    "privacy": frozenset({"statements", "outbox", "accounts", "signing", "moderation",
                         "updates", "digests"}),
    "public": frozenset({"statements", "abuse", "signing", "replies", "updates",
                         "privacy", "letters"}),
    "sharing": frozenset({"statements", "accounts", "signing"}),
}
# Shared modules that reach into areas, each for a reason: the factory registers every
# area's blueprint, models.py imports every model module for Alembic, the commands
# call services, and the rate limiter's key is the abuse defences' client key.
SHARED_MAY_IMPORT: dict[str, frozenset[str]] = {
    "campaign": frozenset(MAY_IMPORT),
    "campaign.models": frozenset(MAY_IMPORT),
    "campaign.cli": frozenset(MAY_IMPORT),
    "campaign.extensions": frozenset({"abuse"}),
}
# Imports against the flow still to be cut. Remove entries; never add one.
NOT_YET_CUT: frozenset[tuple[str, str]] = frozenset()


def area_of(module: str) -> str | None:
    """The area (subpackage) a module belongs to; None for the shared modules."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports, wherever the
    import statement stands (in a function too). `from campaign.x import y` counts as
    an import of campaign.x.y when y is a module."""
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    as_path = package.parent.joinpath(*submodule.split("."))
                    is_module = as_path.with_suffix(".py").exists() or as_path.is_dir()
                    imported.add(submodule if is_module else node.module)
        graph[_module_name(path)] = {name for name in imported
                                     if name == "campaign" or name.startswith("campaign.")}
    return graph


def violations(graph: Mapping[str, Iterable[str]],
               may_import: Mapping[str, frozenset[str]] = MAY_IMPORT,
               shared_may_import: Mapping[str, frozenset[str]] = SHARED_MAY_IMPORT,
               not_yet_cut: frozenset[tuple[str, str]] = NOT_YET_CUT) -> list[str]:
    found = []
    for module, imports in sorted(graph.items()):
        area = area_of(module)
        if area is not None and area not in may_import:
            found.append(f"{module}: area {area} is not in MAY_IMPORT")
            continue
        for imported in sorted(imports):
            target = area_of(imported)
            if target is None or target == area:
                continue
            if imported.rsplit(".", 1)[-1].endswith("views") and area is not None:
                found.append(f"{module} imports {imported}: another area's views")
            allowed = may_import.get(area, frozenset()) if area is not None \
                else shared_may_import.get(module, frozenset())
            if target not in allowed and (module, target) not in not_yet_cut:
                found.append(f"{module} imports {imported}: {area or module} may not use "
                             f"{target}")
    return found


def cycle_in(table: Mapping[str, frozenset[str]]) -> list[str] | None:
    """An import cycle the table would allow, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(area: str) -> list[str] | None:
        if state.get(area) == "open":
            return [*path[path.index(area):], area]
        if state.get(area) == "done":
            return None
        state[area] = "open"
        path.append(area)
        for below in sorted(table.get(area, frozenset())):
            if (cycle := visit(below)) is not None:
                return cycle
        path.pop()
        state[area] = "done"
        return None

    for area in sorted(table):
        if (cycle := visit(area)) is not None:
            return cycle
    return None


def test_data_flows_down_between_the_areas():
    assert violations(import_graph()) == []


def test_the_table_of_areas_has_no_cycle():
    assert cycle_in(MAY_IMPORT) is None


def test_every_area_on_disk_is_in_the_table():
    areas = {path.name for path in PACKAGE.iterdir()
             if path.is_dir() and (path / "__init__.py").exists()}
    assert areas == set(MAY_IMPORT)


def test_the_exceptions_still_to_cut_are_still_there():
    # Once cut, an exception must leave the list, so that it cannot come back unseen.
    graph = import_graph()
    for module, target in NOT_YET_CUT:
        assert any(area_of(imported) == target for imported in graph[module])


# --- The checker itself, on graphs made up for it ----------------------------------


TABLE = {"statements": frozenset(), "signing": frozenset({"statements"}),
         "public": frozenset({"statements", "signing"})}


def test_checker_allows_an_import_down_the_table():
    graph = {"campaign.public.views": {"campaign.signing.services", "campaign.extensions"}}
    assert violations(graph, TABLE, {}, frozenset()) == []


def test_checker_refuses_an_import_up_the_table():
    graph = {"campaign.statements.services": {"campaign.public.services"}}
    assert violations(graph, TABLE, {}, frozenset()) == [
        "campaign.statements.services imports campaign.public.services: "
        "statements may not use public"]


def test_checker_refuses_another_areas_views_even_below():
    graph = {"campaign.public.api": {"campaign.signing.views"}}
    assert violations(graph, TABLE, {}, frozenset()) == [
        "campaign.public.api imports campaign.signing.views: another area's views"]


def test_checker_refuses_a_shared_module_reaching_into_an_area():
    graph = {"campaign.rendering": {"campaign.signing.models"}}
    assert violations(graph, TABLE, {}, frozenset()) == [
        "campaign.rendering imports campaign.signing.models: campaign.rendering may not "
        "use signing"]


def test_checker_refuses_an_area_missing_from_the_table():
    graph = {"campaign.newarea.services": {"campaign.statements.models"}}
    assert violations(graph, TABLE, {}, frozenset()) == [
        "campaign.newarea.services: area newarea is not in MAY_IMPORT"]


def test_a_table_allowing_two_areas_to_import_each_other_has_a_cycle():
    assert cycle_in({**TABLE, "statements": frozenset({"public"})}) == [
        "public", "signing", "statements", "public"]


# --- Statuses change on their models -----------------------------------------------


STATE_ATTRIBUTES = {"status", "state"}


def status_assignments(source: str) -> list[int]:
    """Lines that assign a status (or state) attribute: `x.status = ...`, augmented or
    annotated, or `setattr(x, "status", ...)`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "setattr" and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant)
              and node.args[1].value in STATE_ATTRIBUTES):
            lines.append(node.lineno)
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr in STATE_ATTRIBUTES:
                    lines.append(node.lineno)
    return lines


def test_no_status_is_assigned_outside_a_model():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name != "models.py"
             for line in status_assignments(path.read_text())]
    assert found == []


@pytest.mark.parametrize("source", [
    "signature.status = IndividualStatus.HIDDEN",
    "a.b.state = 1",
    "x.status: Status = Status.DONE",
    "setattr(message, 'status', OutboxStatus.SENT)",
])
def test_status_checker_finds_an_assignment(source):
    assert status_assignments(source) == [1]


def test_status_checker_leaves_comparisons_and_bulk_values_alone():
    assert status_assignments(
        "ok = signature.status == IndividualStatus.CONFIRMED\n"
        "query = update(Model).values(status=Status.INVALIDATED)\n") == []


# --- Who commits ---------------------------------------------------------------------


def commits_in(source: str) -> list[int]:
    """Lines that call `.commit()` on anything (a session, a connection, a
    transaction)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"]


def may_commit(path: Path) -> bool:
    """The callers: a request's view, a task (the loop of a job that is several
    transactions lives there too), a command. Services never commit; the worker's
    own package (worker/) is outside campaign/ and calls only tasks."""
    return (path.name == "tasks.py" or path.name.endswith("views.py")
            or path.relative_to(PACKAGE).as_posix() == "cli.py")


# Modules below the callers that must commit themselves, each with its reason. None
# today; an entry needs a reason a reviewer accepts.
MAY_COMMIT_BELOW_THE_CALLERS: dict[str, str] = {}


def test_only_views_tasks_and_commands_commit():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}"
             for path in sorted(PACKAGE.rglob("*.py"))
             if not may_commit(path)
             and path.relative_to(PACKAGE).as_posix() not in MAY_COMMIT_BELOW_THE_CALLERS
             for line in commits_in(path.read_text())]
    assert found == []


@pytest.mark.parametrize("source", [
    "db.session.commit()",
    "connection.commit()",
    "self.session.commit()",
])
def test_commit_checker_finds_a_commit(source):
    assert commits_in(source) == [1]


def test_commit_checker_leaves_flushes_and_after_commit_hooks_alone():
    assert commits_in("db.session.flush()\nenqueue_after_commit(TASK, (1,))\n"
                      "with engine.begin() as connection:\n    pass\n") == []


def test_every_area_keeps_its_views_and_its_forms_in_one_room_each():
    # An area's pages are in its views.py (one blueprint or several) and their forms in
    # its forms.py: a newcomer looks for a page in one place.
    stray = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.glob("*/*.py")
                   if path.stem.endswith(("views", "forms"))
                   and path.stem not in {"views", "forms"})
    assert stray == []

"""The drafting services on their own: positions under their unique constraints (run
these on PostgreSQL too, which checks them row by row), and the lifecycle's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.drafting import services as drafting
from campaign.drafting.importer import ParsedDemandGroup, ParsedSignatory, ParsedStatement
from campaign.extensions import db
from campaign.rendering import MARKDOWN_LENGTH
from campaign.statements import services as statements
from campaign.statements.models import (
    Demand,
    DemandGroup,
    Statement,
    StatementError,
    StatementStatus,
)
from tests.conftest import import_example


def _reload(statement_id: int) -> Statement:
    db.session.expire_all()
    return db.session.get(Statement, statement_id)


def _positions(statement: Statement) -> list[list[int]]:
    return [[demand.position for demand in group.demands] for group in statement.demand_groups]


def test_moving_a_demand_swaps_it_with_its_neighbour_and_positions_stay_unique(app_context):
    statement = import_example(publish=False)
    group = statement.demand_groups[1]
    texts = [demand.text for demand in group.demands]

    for _ in range(4):  # from the top to the bottom, one step at a time
        drafting.move_demand(_moving(group, texts[0]), 1)
        db.session.commit()
        group = _reload(statement.id).demand_groups[1]

    assert [demand.text for demand in group.demands] == [*texts[1:], texts[0]]
    assert sorted(demand.position for demand in group.demands) == [0, 1, 2, 3, 4]
    with pytest.raises(StatementError, match="already at the bottom"):
        drafting.move_demand(_moving(group, texts[0]), 1)


def _moving(group: DemandGroup, text: str) -> Demand:
    return next(demand for demand in group.demands if demand.text == text)


def test_moving_groups_and_adding_after_a_removal_keep_positions_unique(app_context):
    statement = import_example(publish=False)
    first, second, third = statement.demand_groups

    drafting.move_demand_group(third, -1)
    drafting.move_demand_group(third, -1)
    drafting.remove_demand_group(second)
    db.session.commit()
    added = drafting.add_demand_group(_reload(statement.id), "We also ask:")
    drafting.add_demand(added, "Answer us.")
    db.session.commit()

    groups = _reload(statement.id).demand_groups
    assert [group.id for group in groups] == [third.id, first.id, added.id]
    assert len({group.position for group in groups}) == 3
    assert db.session.scalar(select(db.func.count()).select_from(Demand).where(
        Demand.group_id == second.id)) == 0


def test_lifecycle_refuses_impossible_transitions(app_context):
    statement = import_example(publish=False)

    with pytest.raises(StatementError, match="Only a published statement can be closed"):
        statements.close_statement(statement)
    with pytest.raises(StatementError, match="Only a closed statement can be reopened"):
        statements.reopen_statement(statement)
    statements.publish_statement(statement)
    with pytest.raises(StatementError, match="Only a draft can be published"):
        statements.publish_statement(statement)
    statements.close_statement(statement)

    assert statement.status is StatementStatus.CLOSED
    assert statement.closed_at is not None
    assert statement.is_visible and not statement.is_open_for_signing


def test_slug_of_another_statement_is_refused(app_context):
    import_example(slug="taken", publish=True)
    statement = import_example(slug="mine", publish=False)

    with pytest.raises(StatementError) as refused:
        drafting.update_details(statement, drafting.StatementDetails(
            title="A title", slug="Taken", statement_date=None, body_markdown=""))

    assert refused.value.field == "slug"


@pytest.mark.parametrize("close", [False, True])
def test_a_published_statement_keeps_its_address(app_context, close):
    # Given up, the address would be free for another team's statement, and the links
    # out in letters, e-mails and other sites' widgets would lead signers to it.
    statement = import_example(slug="ours", publish=True)
    if close:
        statements.close_statement(statement)

    with pytest.raises(StatementError, match="keeps its address") as refused:
        drafting.update_details(statement, drafting.StatementDetails(
            title="A title", slug="ours-renamed", statement_date=None, body_markdown=""))

    assert refused.value.field == "slug"
    assert statement.slug == "ours"
    drafting.update_details(statement, drafting.StatementDetails(
        title="A corrected title", slug="ours", statement_date=None, body_markdown=""))
    assert statement.title == "A corrected title"


def test_a_draft_may_change_its_address(app_context):
    statement = import_example(slug="working-title", publish=False)

    drafting.update_details(statement, drafting.StatementDetails(
        title="A title", slug="final-title", statement_date=None, body_markdown=""))

    assert statement.slug == "final-title"


def test_a_signatory_listed_with_an_affiliation_is_saved_with_it(app_context):
    from campaign.drafting.importer import parse_statement
    from campaign.drafting.services import create_statement_from_text
    from campaign.signing.models import OrganizationSignature

    text = ("Free the journalists\n\nWe call on the Government of Ruritania to:\n"
            "1. Release every journalist held for their work.\n"
            "2. Drop the charges against them.\n\nSigned,\n"
            "Jane Doe, Professor of Law, Kyiv University\nZMINA Human Rights Centre\n")
    reading = parse_statement(text)
    assert any(signatory.affiliation for signatory in reading.signatories)

    statement = create_statement_from_text(reading, slug="journalists")
    db.session.commit()

    names = set(db.session.scalars(select(OrganizationSignature.name).where(
        OrganizationSignature.statement_id == statement.id)))
    assert "Jane Doe, Professor of Law, Kyiv University" in names


def test_an_over_long_lead_text_is_refused_by_the_services_too(app_context):
    # The import command and any other caller reach the services without a form.
    statement = import_example(slug="ours", publish=False)
    crafted = "[a" * (MARKDOWN_LENGTH // 2 + 1)

    with pytest.raises(StatementError) as refused:
        drafting.update_details(statement, drafting.StatementDetails(
            title="A title", slug="ours", statement_date=None, body_markdown=crafted))
    with pytest.raises(StatementError, match="The lead text is longer than"):
        drafting.create_statement_from_text(ParsedStatement(
            title="A title", date=None, body=crafted, demand_groups=[], signatories=[],
            dropped_lines=[], unplaced_lines=[]),
            slug="another")

    assert refused.value.field == "body_markdown"
    assert statement.body_markdown != crafted


def _reading(addressee: str, signatory: str) -> ParsedStatement:
    return ParsedStatement(
        title="Free them", date=None, body="", signatories=[ParsedSignatory(signatory, None)],
        demand_groups=[ParsedDemandGroup("", [addressee], ["Release them."])],
        dropped_lines=[], unplaced_lines=[])


@pytest.mark.parametrize(("addressee", "signatory", "message"), [
    ("A" * 301, "ZMINA", "An addressee's name in group 1 of demands is longer than 300"),
    # Stored in NFC, where U+FB2C becomes three characters.
    ("\ufb2c" * 101, "ZMINA", "An addressee's name in group 1 of demands is longer than 300"),
    ("The Government", "Z" * 201, "The name of signatory 1 is longer than 200 characters"),
])
def test_a_name_longer_than_its_column_is_refused_by_the_services_too(
        app_context, addressee, signatory, message):
    # The import command reaches the services without a form, and SQLite would keep it.
    with pytest.raises(StatementError, match=message):
        drafting.create_statement_from_text(_reading(addressee, signatory), slug="long")
    db.session.rollback()

    assert db.session.scalars(select(Statement)).all() == []


@pytest.mark.parametrize("wanted", ["invitations", "Reset password", "teams", "new"])
def test_a_slug_that_a_workspace_address_uses_is_refused(app_context, wanted):
    # /coordinate/invitations/edit is the invitation page's address, not the statement's.
    statement = import_example(slug="ours", publish=False)

    with pytest.raises(StatementError, match="choose another slug") as renamed:
        drafting.update_details(statement, drafting.StatementDetails(
            title="A title", slug=wanted, statement_date=None, body_markdown=""))
    with pytest.raises(StatementError, match="choose another slug") as created:
        drafting.create_statement_from_text(ParsedStatement(
            title=wanted, date=None, body="", demand_groups=[], signatories=[],
            dropped_lines=[], unplaced_lines=[]))

    assert renamed.value.field == created.value.field == "slug"
    assert statement.slug == "ours"


def test_the_reserved_slugs_are_the_workspace_words_read_from_the_routes(app):
    reserved = statements.reserved_slugs(app.url_map)
    urls = app.url_map.bind("localhost")
    workspace_words = {rule.rule.split("/")[2] for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/coordinate/")} - {"<slug>"}

    assert workspace_words - {""} <= reserved
    assert {"invitations", "reset-password", "address-book", "teams", "new"} <= reserved
    # The clashes the review found: these statements' edit pages were other pages.
    for word in ("invitations", "reset-password"):
        assert urls.match(f"/coordinate/{word}/edit")[0] != "drafting.edit"
    assert "crimea-2020" not in reserved
    assert urls.match("/coordinate/crimea-2020/edit") == ("drafting.edit", {"slug": "crimea-2020"})

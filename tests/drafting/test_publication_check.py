"""Publishing checks the statement: no title, no group of demands, a group addressed to
nobody or without demands is refused, the same way on the page, in the transition and
in the command line, and the page says what is missing and links to where to fix it."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from campaign.drafting import services as drafting
from campaign.drafting.importer import parse_statement
from campaign.extensions import db
from campaign.statements import services as statements
from campaign.statements.models import Statement, StatementIncomplete, StatementStatus
from tests.conftest import import_example
from tests.drafting.test_drafting_pages import draft_example, press, signed_in_drafter
from tests.test_cli import run_cli

NO_DEMANDS = "An open letter\n\nWe are worried about the law.\n"


def _messages(statement: Statement) -> list[str]:
    return [problem.message for problem in statements.publication_problems(statement)]


def test_a_complete_statement_has_nothing_missing(app_context):
    assert _messages(import_example(publish=False)) == []


def test_each_missing_part_is_named_and_publishing_is_refused(app_context):
    statement = import_example(publish=False)
    first, second, _third = statement.demand_groups
    first.address_to([])
    for demand in list(second.demands):
        drafting.remove_demand(demand)
    statement.title = "  "
    db.session.flush()

    with pytest.raises(StatementIncomplete) as refused:
        statements.publish_statement(statement)

    assert [problem.message for problem in refused.value.problems] == [
        "The statement has no title.",
        "Group 1 of demands is addressed to nobody.",
        "Group 2 of demands has no demand.",
    ]
    assert [problem.group_id for problem in refused.value.problems] == [
        None, first.id, second.id]
    assert statement.status is StatementStatus.DRAFT
    assert statement.published_at is None


def test_a_statement_without_groups_cannot_be_published_by_its_own_transition(app_context):
    statement = import_example(publish=False)
    for group in list(statement.demand_groups):
        drafting.remove_demand_group(group)
    db.session.flush()

    with pytest.raises(StatementIncomplete, match="The statement has no group of demands"):
        statement.publish()
    assert statement.status is StatementStatus.DRAFT


def test_a_reading_without_demands_is_not_created_published(app_context):
    with pytest.raises(StatementIncomplete, match="The statement has no group of demands"):
        drafting.create_statement_from_text(parse_statement(NO_DEMANDS), publish=True)


def test_the_page_says_what_is_missing_links_to_it_and_does_not_publish(app):
    slug = draft_example(app)
    with app.app_context():
        statement = db.session.scalars(select(Statement).where(Statement.slug == slug)).one()
        group = statement.demand_groups[1]
        group.address_to([])
        group_id = group.id
        db.session.commit()
    client = signed_in_drafter(app, slug)

    before = unescape(client.get(f"/coordinate/{slug}/edit").text)
    refused = press(client, f"/coordinate/{slug}/edit", f"/coordinate/{slug}/publish")

    assert "Before it can be published, the statement needs:" in before
    assert refused.status_code == 400
    page = unescape(refused.text)
    assert "The statement was not published: it lacks what its readers need." in page
    assert (f'<li><a href="/coordinate/{slug}/groups/{group_id}">'
            "Group 2 of demands is addressed to nobody.</a></li>") in page
    assert client.get(f"/s/{slug}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Statement.status)) is StatementStatus.DRAFT


def test_the_page_links_a_missing_group_to_where_groups_are_added(app):
    slug = draft_example(app)
    with app.app_context():
        statement = db.session.scalars(select(Statement).where(Statement.slug == slug)).one()
        for group in list(statement.demand_groups):
            drafting.remove_demand_group(group)
        db.session.commit()
    client = signed_in_drafter(app, slug)

    refused = press(client, f"/coordinate/{slug}/edit", f"/coordinate/{slug}/publish")

    assert refused.status_code == 400
    assert (f'<a href="/coordinate/{slug}/edit#groups">'
            "The statement has no group of demands.</a>") in unescape(refused.text)


def test_the_command_refuses_to_publish_with_the_same_messages_and_saves_nothing(app, tmp_path):
    letter = tmp_path / "letter.txt"
    letter.write_text(NO_DEMANDS, encoding="utf-8")

    result = run_cli(app, "import-statement", str(letter), "--slug", "letter", "--publish")

    assert result.exit_code != 0
    assert "- The statement has no group of demands." in result.output.splitlines()
    assert "nothing saved" in result.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Statement)) == 0


def test_a_published_statement_shows_no_checklist(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)

    press(client, f"/coordinate/{slug}/edit", f"/coordinate/{slug}/publish")

    assert "Before it can be published" not in client.get(f"/coordinate/{slug}/edit").text

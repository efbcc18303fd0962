"""Every page, form and export of a statement is for its team alone.

The routes are read from the application's URL map, so a page added later is
checked without anyone remembering to list it here.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.abuse.models import EntryTarget, ListEntry, ListKind
from campaign.extensions import db
from campaign.moderation.models import Invalidation
from campaign.signing.models import IndividualSignature, OrganizationSignature
from campaign.statements.models import Addressee, Demand, DemandGroup, Statement
from tests.conftest import import_example
from tests.moderation import factories
from tests.support import csrf_token

OTHER_SLUG = "another-coalitions-statement"


def statement_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every coordinator route of one statement."""
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/coordinate/<slug>")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def object_ids(slug: str) -> dict[str, object]:
    """The URL arguments naming things of this statement, as a coordinator's links do."""
    statement = db.session.scalars(select(Statement).where(Statement.slug == slug)).one()
    group = db.session.scalars(select(DemandGroup).where(
        DemandGroup.statement_id == statement.id)).first()
    # A reply (with a document) is recorded the first time, as a coordinator would.
    from datetime import date

    from campaign.replies.models import Reply

    reply_id = db.session.scalars(select(Reply.id).where(
        Reply.statement_id == statement.id)).first()
    if reply_id is None:
        reply = Reply(statement=statement, addressee=statement.addressees[0],
                      received_on=date(2020, 3, 1), text="We have received your letter.",
                      document_name="reply.pdf", document_type="application/pdf",
                      document=b"%PDF-1.4")
        db.session.add(reply)
        db.session.commit()
        reply_id = reply.id
    return {
        "slug": slug,
        "group_id": group.id,
        "demand_id": db.session.scalars(
            select(Demand.id).where(Demand.group_id == group.id)).first(),
        "addressee_id": db.session.scalars(select(Addressee.id).where(
            Addressee.statement_id == statement.id)).first(),
        "organization_id": db.session.scalars(select(OrganizationSignature.id).where(
            OrganizationSignature.statement_id == statement.id,
            OrganizationSignature.founding.is_(False))).first(),
        "signature_id": db.session.scalars(select(IndividualSignature.id).where(
            IndividualSignature.statement_id == statement.id)).first(),
        "reply_id": reply_id,
        "letter_id": _a_letter_id(statement),
        "update_id": _an_update_id(statement),
        "entry_id": _a_list_entry_id(statement),
        "language": _a_translation_language(statement),
    }


def _a_translation_language(statement: Statement) -> str:
    """The language of a draft translation of the statement, started the first time."""
    from campaign.statements.models import StatementTranslation

    if db.session.scalars(select(StatementTranslation).where(
            StatementTranslation.statement_id == statement.id)).first() is None:
        db.session.add(StatementTranslation(statement=statement, language="uk"))
        db.session.commit()
    return "uk"


def _a_list_entry_id(statement: Statement) -> int:
    """An entry of the statement's block list, added the first time."""
    entry_id = db.session.scalars(select(ListEntry.id).where(
        ListEntry.statement_id == statement.id)).first()
    if entry_id is None:
        entry = ListEntry(statement_id=statement.id, list_kind=ListKind.BLOCK,
                          target=EntryTarget.DOMAIN, value="spam.example", reason="flood")
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
    return entry_id


def _an_update_id(statement: Statement) -> int:
    """A draft update of the statement, written the first time, as a coordinator would."""
    from campaign.updates.models import Update
    from campaign.updates.services import write_update

    update_id = db.session.scalars(select(Update.id).where(
        Update.statement_id == statement.id)).first()
    if update_id is None:
        update = write_update(statement, "News", "Text.", by=None)
        db.session.commit()
        update_id = update.id
    return update_id


def _a_letter_id(statement: Statement) -> int:
    """A letter of the statement, made the first time (to deliver by hand: the
    example's addressees have no e-mail address), as a coordinator's send would."""
    from campaign.letters.models import Letter
    from campaign.letters.services import send_letters

    letter_id = db.session.scalars(select(Letter.id).where(
        Letter.statement_id == statement.id)).first()
    if letter_id is None:
        send_letters(statement, [statement.addressees[0]], by=None)
        db.session.commit()
        letter_id = db.session.scalars(select(Letter.id).where(
            Letter.statement_id == statement.id)).one()
    return letter_id


def url_for_rule(rule: str, ids: dict[str, object]) -> str:
    url = rule
    for name, value in ids.items():
        url = url.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
    assert "<" not in url, f"no value for an argument of {rule}"
    return url


def snapshot(slug: str) -> list[tuple]:
    """What a coordinator's action could change, to show that nothing did."""
    statement = db.session.scalars(select(Statement).where(Statement.slug == slug)).one()
    return [
        (statement.title, statement.slug, statement.status, statement.sign_on_token,
         statement.body_markdown),
        *db.session.execute(select(DemandGroup.id, DemandGroup.position, DemandGroup.intro)
                            .where(DemandGroup.statement_id == statement.id)
                            .order_by(DemandGroup.id)).all(),
        *db.session.execute(select(Demand.id, Demand.position, Demand.text)
                            .join(DemandGroup).where(DemandGroup.statement_id == statement.id)
                            .order_by(Demand.id)).all(),
        *db.session.execute(select(Addressee.id, Addressee.name).where(
            Addressee.statement_id == statement.id).order_by(Addressee.id)).all(),
        *db.session.execute(select(OrganizationSignature.id, OrganizationSignature.status,
                                   OrganizationSignature.display_name).where(
            OrganizationSignature.statement_id == statement.id)
            .order_by(OrganizationSignature.id)).all(),
        *db.session.execute(select(IndividualSignature.id, IndividualSignature.status).where(
            IndividualSignature.statement_id == statement.id)
            .order_by(IndividualSignature.id)).all(),
        *db.session.execute(select(ListEntry.id, ListEntry.value).where(
            ListEntry.statement_id == statement.id).order_by(ListEntry.id)).all(),
        *db.session.execute(select(Invalidation.id).where(
            Invalidation.statement_id == statement.id)).all(),
    ]


def populate(slug: str) -> None:
    factories.organization(slug, "Kharkiv Solidarity Network", "contact@solidarity.example.org")
    factories.individual(slug, "Olena Kovalenko", "olena@example.org")


@pytest.fixture
def other_statement(app: Flask, statement_slug: str) -> dict[str, object]:
    """A second coalition's statement, with signatures, that the signed-in coordinator
    is not on the team of."""
    with app.app_context():
        import_example(slug=OTHER_SLUG)
        populate(OTHER_SLUG)
        return object_ids(OTHER_SLUG)


def test_every_statement_route_is_checked(app):
    routes = statement_routes(app)
    assert len(routes) >= 30
    assert ("GET", "/coordinate/<slug>/export/individuals.csv", "exports.individuals_csv") in routes


def test_a_coordinator_of_another_statement_gets_404_everywhere_and_changes_nothing(
    app, coordinator_client: FlaskClient, statement_slug, other_statement
):
    token = csrf_token(coordinator_client.get("/coordinate/new").text)
    with app.app_context():
        before = snapshot(OTHER_SLUG)

    answers = {}
    for method, rule, endpoint in statement_routes(app):
        url = url_for_rule(rule, other_statement)
        response = (coordinator_client.get(url) if method == "GET"
                    else coordinator_client.post(url, data={"csrf_token": token}))
        answers[f"{method} {endpoint}"] = response.status_code

    assert {route: status for route, status in answers.items() if status != 404} == {}
    with app.app_context():
        assert snapshot(OTHER_SLUG) == before


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_statement_route(
    app, client: FlaskClient, other_statement
):
    token = csrf_token(client.get("/coordinate/sign-in").text)
    with app.app_context():
        before = snapshot(OTHER_SLUG)

    not_sent_to_sign_in = {}
    for method, rule, endpoint in statement_routes(app):
        url = url_for_rule(rule, other_statement)
        response = (client.get(url) if method == "GET"
                    else client.post(url, data={"csrf_token": token}))
        if response.status_code != 302 or not response.headers["Location"].startswith(
                "/coordinate/sign-in"):
            not_sent_to_sign_in[f"{method} {endpoint}"] = response.status_code

    assert not_sent_to_sign_in == {}
    with app.app_context():
        assert snapshot(OTHER_SLUG) == before


def test_every_form_of_the_team_refuses_a_post_without_its_csrf_token(
    app, coordinator_client: FlaskClient, statement_slug
):
    with app.app_context():
        populate(statement_slug)
        ids = object_ids(statement_slug)
        before = snapshot(statement_slug)

    accepted = {}
    for method, rule, endpoint in statement_routes(app):
        if method == "POST":
            response = coordinator_client.post(url_for_rule(rule, ids), data={})
            if response.status_code != 400 or "The form could not be sent" not in response.text:
                accepted[endpoint] = response.status_code

    assert accepted == {}
    with app.app_context():
        assert snapshot(statement_slug) == before

"""Bulk invalidation: the criteria, the preview's counts, the worker's batches, and
the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from campaign.abuse.services import Client
from campaign.accounts.models import Coordinator
from campaign.database import utcnow
from campaign.extensions import db
from campaign.moderation.invalidation import (
    Criteria,
    CriteriaError,
    invalidate_next_batch,
    like_pattern,
    parse_criteria,
    preview_invalidation,
    request_invalidation,
)
from campaign.moderation.models import Invalidation, InvalidationState
from campaign.moderation.tasks import invalidate_signatures
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    TallyKind,
)
from campaign.signing.services import (
    ConfirmationError,
    IndividualSignatureRequest,
    SigningOutcome,
    confirm_signature,
    sign_as_individual,
)
from campaign.signing.tally import add_to_tally, read_counts
from campaign.statements.models import Statement
from campaign.statements.services import get_statement
from tests.abuse import factories
from tests.conftest import create_coordinator_for, import_example, sign_in
from tests.support import csrf_token, hidden_fields

FLOOD = "203.0.113.0/24"

# --- Criteria ----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "field", "message"), [
    ({}, None, "Give at least one criterion"),
    ({"ip_range": "203.0.113.128/25"}, "ip_range", "narrower than /24 cannot be matched"),
    ({"ip_range": "10.0.0.0/8"}, "ip_range", "a /16 or narrower"),
    ({"ip_range": "2001:db8::/32"}, "ip_range", "a /40 or narrower"),
    ({"ip_range": "203.0.113.9/24"}, "ip_range", "Did you mean 203.0.113.0/24?"),
    ({"ip_range": "spam"}, "ip_range", "is not an IP range"),
    ({"email_domain": "not a domain"}, "email_domain", "is not a domain name"),
    ({"name_pattern": "*"}, "name_pattern", "at least two letters"),
    ({"created_from": datetime(2026, 3, 2, tzinfo=UTC),
      "created_to": datetime(2026, 3, 1, tzinfo=UTC)}, "created_to", "must come after"),
])
def test_criteria_that_cannot_be_used_say_why(app_context, given, field, message):
    with pytest.raises(CriteriaError, match=message) as raised:
        parse_criteria(**given)
    assert raised.value.field == field


def test_criteria_are_kept_in_their_canonical_form(app_context):
    assert parse_criteria(ip_range=" 203.0.0.0/16 ", email_domain="@Приклад.укр",
                          name_pattern="  Bot   *  ") == Criteria(
        ip_range="203.0.0.0/16", email_domain="xn--80aikifvh.xn--j1amh", name_pattern="Bot *")


@pytest.mark.parametrize(("pattern", "like"), [
    ("Kovalenko", "%kovalenko%"),
    ("bot-*", "bot-%"),
    ("user?", "user_"),
    ("100%_sure\\", "%100\\%\\_sure\\\\%"),
])
def test_a_name_pattern_is_a_like_pattern_with_its_own_wildcards_only(pattern, like):
    assert like_pattern(pattern) == like


# --- Preview and the worker's batches ---------------------------------------------------


@pytest.fixture
def flood(app_context):
    """A statement with, from the flooding network: 3 confirmed, 1 unconfirmed, 1 held,
    1 withdrawn individual and 1 approved organization; and signatures that must not
    be touched."""
    statement = import_example()
    other = import_example("other")
    for number in range(3):
        factories.individual(statement.id, f"bot{number}@mail.example", name=f"Bot {number}",
                             ip_prefix=FLOOD)
    factories.individual(statement.id, "bot3@mail.example", ip_prefix=FLOOD,
                         status=IndividualStatus.UNCONFIRMED)
    factories.individual(statement.id, "bot4@mail.example", ip_prefix=FLOOD,
                         status=IndividualStatus.SUSPECTED)
    factories.individual(statement.id, "gone@mail.example", ip_prefix=FLOOD,
                         status=IndividualStatus.WITHDRAWN)
    factories.organization(statement.id, "Fake Front", "front@mail.example", ip_prefix=FLOOD)
    factories.individual(statement.id, "olena@example.org", name="Олена Коваленко")
    factories.individual(other.id, "bot9@mail.example", ip_prefix=FLOOD)
    add_to_tally(statement.id, TallyKind.INDIVIDUALS, 4)
    add_to_tally(statement.id, TallyKind.ORGANIZATIONS, 1)
    add_to_tally(other.id, TallyKind.INDIVIDUALS, 1)
    coordinator = Coordinator(email="mariia@example.org", name="Mariia", password_hash="x")
    db.session.add(coordinator)
    db.session.commit()
    return statement, other, coordinator


def test_the_preview_counts_matches_by_state(flood):
    statement, _other, _coordinator = flood

    preview = preview_invalidation(statement, parse_criteria(ip_range=FLOOD))

    assert preview.individuals == {IndividualStatus.CONFIRMED: 3,
                                   IndividualStatus.UNCONFIRMED: 1,
                                   IndividualStatus.SUSPECTED: 1,
                                   IndividualStatus.WITHDRAWN: 1}
    assert preview.organizations == {OrganizationStatus.APPROVED: 1}
    assert preview.to_invalidate == 6


@pytest.mark.parametrize(("criteria", "individuals", "organizations"), [
    ({"ip_range": "203.0.112.0/20"}, 6, 1),
    ({"ip_range": "198.51.100.0/24"}, 1, 0),
    ({"email_domain": "MAIL.example"}, 6, 1),
    ({"email_domain": "other.mail.example"}, 0, 0),
    ({"name_pattern": "bot"}, 3, 0),
    ({"name_pattern": "BOT ?"}, 3, 0),
    ({"name_pattern": "fake*"}, 0, 1),
    ({"name_pattern": "ОЛЕНА"}, 1, 0),
    ({"name_pattern": "b%t"}, 0, 0),
    ({"ip_range": FLOOD, "name_pattern": "bot 1"}, 1, 0),
])
def test_each_criterion_matches_in_sql(flood, criteria, individuals, organizations):
    statement, _other, _coordinator = flood

    preview = preview_invalidation(statement, parse_criteria(**criteria))

    assert sum(preview.individuals.values()) == individuals
    assert sum(preview.organizations.values()) == organizations


def test_a_time_window_matches_when_signatures_were_made(app_context):
    statement = import_example()
    for hour in (9, 10, 11):
        factories.individual(statement.id, f"h{hour}@example.org",
                             created_at=datetime(2026, 3, 1, hour, 30, tzinfo=UTC))
    db.session.commit()

    preview = preview_invalidation(statement, parse_criteria(
        created_from=datetime(2026, 3, 1, 10, tzinfo=UTC),
        created_to=datetime(2026, 3, 1, 11, 30, tzinfo=UTC)))

    assert preview.individuals == {IndividualStatus.CONFIRMED: 1}


def test_the_worker_invalidates_in_batches_and_the_counts_follow(flood):
    statement, other, coordinator = flood
    organizations_before = read_counts(statement.id).organizations
    invalidation = request_invalidation(statement, parse_criteria(ip_range=FLOOD),
                                        "Flood of 3 March", shown=6, by=coordinator)
    db.session.commit()
    assert invalidation.matched == 6 and invalidation.state is InvalidationState.QUEUED
    # Made after it was asked for: not in the preview, so not invalidated.
    factories.individual(statement.id, "late@mail.example", ip_prefix=FLOOD,
                         created_at=utcnow() + timedelta(seconds=1))
    db.session.commit()

    batches = 0
    while invalidate_next_batch(invalidation.id, batch_size=2):
        db.session.commit()
        batches += 1

    db.session.commit()
    assert batches == 3 + 1  # 5 individuals by two, then the organization
    invalidation = db.session.get(Invalidation, invalidation.id)
    assert invalidation.state is InvalidationState.DONE and invalidation.finished_at
    assert (invalidation.individuals_invalidated, invalidation.organizations_invalidated) \
        == (5, 1)
    statuses = dict(db.session.execute(
        select(IndividualSignature.email, IndividualSignature.status)).all())
    assert [email for email, status in statuses.items()
            if status is IndividualStatus.INVALIDATED] == [
        "bot0@mail.example", "bot1@mail.example", "bot2@mail.example", "bot3@mail.example",
        "bot4@mail.example"]
    assert statuses["gone@mail.example"] is IndividualStatus.WITHDRAWN
    assert statuses["olena@example.org"] is IndividualStatus.CONFIRMED
    assert statuses["late@mail.example"] is IndividualStatus.CONFIRMED
    assert db.session.scalars(select(OrganizationSignature.status).where(
        OrganizationSignature.name == "Fake Front")).one() is OrganizationStatus.INVALIDATED
    assert read_counts(statement.id).individuals == 1
    assert read_counts(statement.id).organizations == organizations_before - 1
    assert read_counts(other.id).individuals == 1
    # Running it again (a second delivery of its task) changes nothing.
    assert not invalidate_next_batch(invalidation.id)


def _bot_signs(statement: Statement) -> SigningOutcome:
    return sign_as_individual(statement, IndividualSignatureRequest(
        name="Bot", email="bot@mail.example", country="UA", name_display=NameDisplay.FULL,
        wants_updates=False))


def _invalidate_the_domain(statement: Statement) -> None:
    coordinator = Coordinator(email="mariia@example.org", name="Mariia", password_hash="x")
    db.session.add(coordinator)
    db.session.commit()
    criteria = parse_criteria(email_domain="mail.example")
    invalidation = request_invalidation(
        statement, criteria, "bots", by=coordinator,
        shown=preview_invalidation(statement, criteria).to_invalidate)
    db.session.commit()
    invalidate_signatures.run(invalidation.id)


def _newest_token() -> str:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                              ).first().context["token"]


def _mails_status_and_count(statement: Statement) -> tuple[int, IndividualStatus, int]:
    """The e-mails queued, the one signature's status, and the statement's count."""
    return (db.session.scalar(select(func.count()).select_from(OutboxMessage)),
            db.session.scalars(select(IndividualSignature.status)).one(),
            read_counts(statement.id).individuals)


def _past_the_resend_interval() -> None:
    db.session.execute(update(IndividualSignature)
                       .values(last_mailed_at=utcnow() - timedelta(days=1)))
    db.session.commit()


def test_an_invalidated_signature_cannot_be_confirmed_by_its_old_link(app_context):
    statement = import_example()
    _bot_signs(statement)
    token = db.session.scalars(select(OutboxMessage)).one().context["token"]
    _invalidate_the_domain(statement)

    with pytest.raises(ConfirmationError):
        confirm_signature(token)


def test_an_address_invalidated_before_anyone_confirmed_it_can_be_signed_with_again(
        app_context):
    """A flood that typed real people's addresses is invalidated whole; the owner of
    one of them, signing later, starts over and is mailed a new link, which only their
    mailbox receives."""
    statement = import_example()
    _bot_signs(statement)
    _invalidate_the_domain(statement)
    _past_the_resend_interval()

    outcome = _bot_signs(statement)
    db.session.commit()

    assert outcome is SigningOutcome.CONFIRMATION_SENT
    assert _mails_status_and_count(statement) == (2, IndividualStatus.UNCONFIRMED, 0)
    confirm_signature(_newest_token())
    db.session.commit()
    assert read_counts(statement.id).individuals == 1


def test_a_confirmed_signature_invalidated_by_the_coordinators_stays_invalidated(app_context):
    statement = import_example()
    _bot_signs(statement)
    confirm_signature(db.session.scalars(select(OutboxMessage)).one().context["token"])
    db.session.commit()
    _invalidate_the_domain(statement)
    _past_the_resend_interval()

    outcome = _bot_signs(statement)
    db.session.commit()

    assert outcome is SigningOutcome.HELD
    assert _mails_status_and_count(statement) == (1, IndividualStatus.INVALIDATED, 0)


def test_new_signatures_record_their_email_domain(app_context):
    statement = import_example()
    sign_as_individual(statement, IndividualSignatureRequest(
        name="Олена", email="Olena@Приклад.УКР", country="UA", name_display=NameDisplay.FULL,
        wants_updates=False))
    db.session.commit()

    assert db.session.scalars(select(IndividualSignature.email_domain)).one() \
        == "xn--80aikifvh.xn--j1amh"


# --- The pages -------------------------------------------------------------------------


def url(slug: str, page: str = "") -> str:
    return f"/coordinate/{slug}/invalidations{page}"


@pytest.fixture
def flooded_slug(app: Flask, statement_slug: str) -> str:
    with app.app_context():
        statement = get_statement(statement_slug)
        for number in range(3):
            factories.individual(statement.id, f"bot{number}@mail.example",
                                 name=f"Bot {number}", ip_prefix=FLOOD)
        factories.individual(statement.id, "bot3@mail.example", ip_prefix=FLOOD,
                             status=IndividualStatus.UNCONFIRMED)
        factories.individual(statement.id, "olena@example.org", name="Olena Kovalenko")
        add_to_tally(statement.id, TallyKind.INDIVIDUALS, 4)
        db.session.commit()
    return statement_slug


def public_count(client: FlaskClient, slug: str) -> int:
    with client.application.app_context():
        return read_counts(get_statement(slug).id).individuals


def test_preview_then_confirm_then_the_worker_runs(app, client, coordinator_client,
                                                   flooded_slug):
    page = coordinator_client.get(url(flooded_slug))
    assert page.status_code == 200
    assert f'action="{url(flooded_slug, "/preview")}"' in page.text

    preview = coordinator_client.get(url(flooded_slug, "/preview"),
                                     query_string={"ip_range": FLOOD})

    assert preview.status_code == 200
    assert "4 signatures would be invalidated." in preview.text
    assert '<tr data-status="confirmed"><th scope="row">confirmed</th><td>3</td><td>0</td>' \
        in preview.text
    assert '<tr data-status="unconfirmed"><th scope="row">not confirmed</th><td>1</td>' \
        in preview.text
    assert public_count(app.test_client(), flooded_slug) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 0

    response = coordinator_client.post(url(flooded_slug), data={
        **hidden_fields(preview.text), "reason": "Flood of 3 March"})

    assert response.status_code == 302
    log = coordinator_client.get(url(flooded_slug)).text
    assert "The invalidation is under way: 4 signatures matched." in log
    assert "Waiting for the worker" in log and "Flood of 3 March" in log
    assert "Mariia Tomak" in log and FLOOD in log
    with app.app_context():
        invalidation_id = db.session.scalars(select(Invalidation.id)).one()
        invalidate_signatures.run(invalidation_id)

    log = coordinator_client.get(url(flooded_slug)).text
    assert "Done:" in log and "4 of 4 signatures invalidated" in log
    assert public_count(client, flooded_slug) == 1
    statement_page = client.get(f"/s/{flooded_slug}").text
    assert "Olena Kovalenko" in statement_page and "Bot 1" not in statement_page


def test_a_confirmation_invalidates_only_as_many_as_its_preview_showed(app, coordinator_client,
                                                                     flooded_slug):
    preview = coordinator_client.get(url(flooded_slug, "/preview"),
                                     query_string={"ip_range": FLOOD}).text
    assert "Invalidate 4 signatures" in preview
    with app.app_context():
        factories.individual(get_statement(flooded_slug).id, "bot9@mail.example",
                             ip_prefix=FLOOD)
        db.session.commit()

    response = coordinator_client.post(url(flooded_slug), data={
        **hidden_fields(preview), "reason": "Flood of 3 March"})

    assert response.status_code == 409
    assert ("More or fewer signatures match now than the preview showed: 5, not 4. "
            "Check them and confirm again.") in response.text
    assert "Invalidate 5 signatures" in response.text
    assert "Flood of 3 March" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 0

    response = coordinator_client.post(url(flooded_slug), data={
        **hidden_fields(response.text), "reason": "Flood of 3 March"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Invalidation.matched)).one() == 5


def test_a_confirmation_without_its_previews_count_invalidates_nothing(app, coordinator_client,
                                                                      flooded_slug):
    preview = coordinator_client.get(url(flooded_slug, "/preview"),
                                     query_string={"ip_range": FLOOD}).text
    confirmation = {**hidden_fields(preview), "reason": "Flood of 3 March"}
    del confirmation["shown"]

    response = coordinator_client.post(url(flooded_slug), data=confirmation)

    assert response.status_code == 409
    assert ("Confirm from the preview: it shows how many signatures would be "
            "invalidated.") in response.text
    assert "Invalidate 4 signatures" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 0


def test_a_confirmation_sent_twice_asks_for_one_invalidation(app, coordinator_client,
                                                              flooded_slug):
    preview = coordinator_client.get(url(flooded_slug, "/preview"),
                                     query_string={"ip_range": FLOOD}).text
    confirmation = {**hidden_fields(preview), "reason": "Flood of 3 March"}

    first = coordinator_client.post(url(flooded_slug), data=confirmation)
    second = coordinator_client.post(url(flooded_slug), data=confirmation)

    assert first.status_code == 302
    assert second.status_code == 409
    assert ("An invalidation by these criteria is under way already: its progress is "
            "shown on the invalidations page.") in second.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 1


@pytest.mark.parametrize(("query", "message"), [
    ({"ip_range": "203.0.113.0/33"}, "is not an IP range"),
    ({"ip_range": "203.0.113.128/25"}, "narrower than /24 cannot be matched"),
    ({"email_domain": "x" * 300}, "is not a domain name"),
    ({"created_from": "yesterday"}, "Not a valid datetime value."),
    ({"name_pattern": "y" * 500}, "Use at most 120 characters."),
    ({}, "Give at least one criterion"),
])
def test_bad_criteria_are_a_form_error_never_a_500(coordinator_client, flooded_slug, query,
                                                   message):
    response = coordinator_client.get(url(flooded_slug, "/preview"), query_string=query)

    assert response.status_code == 400
    assert message in response.text


def test_confirming_without_a_reason_invalidates_nothing(app, coordinator_client,
                                                         flooded_slug):
    preview = coordinator_client.get(url(flooded_slug, "/preview"),
                                     query_string={"email_domain": "mail.example"})

    response = coordinator_client.post(url(flooded_slug), data={
        "email_domain": "mail.example", "reason": "  ",
        "csrf_token": csrf_token(preview.text)})

    assert response.status_code == 400
    assert "Say why: the reason is kept in the log." in response.text
    assert "4 signatures would be invalidated." in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 0


def test_nul_bytes_in_a_pattern_or_a_reason_are_refused_not_a_500(app, coordinator_client,
                                                                  flooded_slug):
    preview = coordinator_client.get(url(flooded_slug, "/preview"),
                                     query_string={"name_pattern": "Bot 1"})
    for sent in (coordinator_client.get(url(flooded_slug, "/preview"),
                                        query_string={"name_pattern": "Bot\x00 1"}),
                 coordinator_client.post(url(flooded_slug), data={
                     "name_pattern": "Bot 1", "reason": "a\x00bot",
                     "csrf_token": csrf_token(preview.text)})):
        assert sent.status_code == 400
        assert "contains a NUL character" in sent.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 0


def test_another_team_gets_404(app, coordinator_client, flooded_slug):
    with app.app_context():
        import_example("other")
        create_coordinator_for("other@example.org", "other")
    stranger = app.test_client()
    sign_in(stranger, "other@example.org")
    token = csrf_token(stranger.get("/coordinate/other/lists").text)

    assert stranger.get(url(flooded_slug)).status_code == 404
    assert stranger.get(url(flooded_slug, "/preview"),
                        query_string={"ip_range": FLOOD}).status_code == 404
    assert stranger.post(url(flooded_slug), data={
        "ip_range": FLOOD, "reason": "r", "csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invalidation)) == 0


def test_the_migration_fills_the_email_domain_of_existing_signatures(tmp_path, mail_dir):
    """On a database of its own (SQLite, whichever database the suite uses): the
    migration before this one, rows as they were, then this one."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'migrating.sqlite'}", mail_dir)
    with app.app_context():
        upgrade(revision="0006")
        now = utcnow().replace(tzinfo=None)
        statement_id = db.session.execute(text(
            "INSERT INTO statement (slug, title, body_markdown, status, created_at) "
            "VALUES ('s', 'S', '', 'published', :now) RETURNING id"), {"now": now}).scalar()
        db.session.execute(text(
            "INSERT INTO organization_signature (statement_id, name, name_key, contact_name, "
            "contact_email, authorized_to_sign, founding, wants_updates, status, created_at) "
            "VALUES (:statement, :name, :name, 'C', :email, true, :founding, true, 'approved', "
            ":now)"), [{"statement": statement_id, "name": name, "email": email, "now": now,
                        "founding": email is None}
                       for name, email in (("zmina", "info@Zmina.example"), ("f", None))])
        db.session.execute(text(
            "INSERT INTO individual_signature (statement_id, name, email, country, "
            "name_display, wants_updates, status, created_at) VALUES "
            "(:statement, 'Олена', :email, 'UA', 'full', false, 'confirmed', :now)"),
            [{"statement": statement_id, "email": email, "now": now}
             for email in ("olena@приклад.укр", "ivan@mail.example", "erased:3")])
        db.session.commit()

        upgrade(revision="0008")

        assert dict(db.session.execute(text(
            "SELECT email, email_domain FROM individual_signature")).all()) == {
            "olena@приклад.укр": "xn--80aikifvh.xn--j1amh",
            "ivan@mail.example": "mail.example", "erased:3": None}
        assert dict(db.session.execute(text(
            "SELECT name, email_domain FROM organization_signature")).all()) == {
            "zmina": "zmina.example", "f": None}
        db.session.remove()


def _sign_from(statement: Statement, name: str, address: str) -> SigningOutcome:
    return sign_as_individual(statement, IndividualSignatureRequest(
        name=name, email="olena@example.org", country="UA", name_display=NameDisplay.FULL,
        wants_updates=False), client=Client(address))


def _invalidate_the_network(statement: Statement, network: str) -> None:
    coordinator = db.session.scalars(select(Coordinator)).first() or Coordinator(
        email="mariia@example.org", name="Mariia", password_hash="x")
    db.session.add(coordinator)
    db.session.commit()
    criteria = parse_criteria(ip_range=network)
    invalidation = request_invalidation(
        statement, criteria, "flood", by=coordinator,
        shown=preview_invalidation(statement, criteria).to_invalidate)
    db.session.commit()
    invalidate_signatures.run(invalidation.id)


def _confirm_newest_link_from(address: str) -> None:
    confirm_signature(_newest_token(), client=Client(address))
    db.session.commit()


SIGNERS_NETWORK, FLOOD_NETWORK = "198.51.100.9", "203.0.113.7"


@pytest.mark.parametrize(("first", "second"), [(FLOOD_NETWORK, SIGNERS_NETWORK),
                                               (SIGNERS_NETWORK, FLOOD_NETWORK)],
                         ids=["signer-takes-over-a-floods-row", "flood-resends-a-signers"])
def test_a_signer_is_not_invalidated_with_a_flood_network_that_typed_their_address(
        app_context, first, second):
    """Anyone can type an address, only its owner can confirm: the row answers for the
    network that confirmed it, not for a flood's, which a coordinator may invalidate
    again after the signer confirmed."""
    statement = import_example()
    _sign_from(statement, "Olena Kovalenko", first)
    _invalidate_the_network(statement, "203.0.113.0/24")
    _past_the_resend_interval()
    assert _sign_from(statement, "Olena Kovalenko", second) \
        is SigningOutcome.CONFIRMATION_SENT
    db.session.commit()
    _confirm_newest_link_from(SIGNERS_NETWORK)

    _invalidate_the_network(statement, "203.0.113.0/24")

    assert db.session.scalars(select(IndividualSignature.status)).one() \
        is IndividualStatus.CONFIRMED
    assert read_counts(statement.id).individuals == 1

"""The rules of signing, tested on the services directly."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from campaign.database import utcnow
from campaign.extensions import db
from campaign.moderation.services import approve_organization
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    OrganizationType,
    TallyKind,
)
from campaign.signing.services import (
    ConfirmationError,
    IndividualSignatureRequest,
    OrganizationSignatureRequest,
    SigningError,
    SigningOutcome,
    confirm_signature,
    sign_as_individual,
    sign_for_organization,
)
from campaign.signing.tally import add_to_tally, read_counts
from campaign.statements.models import Statement, StatementStatus
from tests.conftest import import_example
from tests.support import wait_for

pytestmark = pytest.mark.usefixtures("app_context")


def person(**changes: object) -> IndividualSignatureRequest:
    values = dict(name="Olena  Kovalenko ", email="Olena@Example.ORG", country="UA",
                  name_display=NameDisplay.FIRST_NAME_AND_INITIAL, wants_updates=False)
    values.update(changes)
    return IndividualSignatureRequest(**values)  # type: ignore[arg-type]


def organization(**changes: object) -> OrganizationSignatureRequest:
    values = dict(name="Kharkiv Solidarity Network", country="UA",
                  organization_type=OrganizationType.NGO, website="https://solidarity.example.org",
                  contact_name="Iryna Shevchenko", contact_email="Iryna@Solidarity.example.org",
                  authorized_to_sign=True)
    values.update(changes)
    return OrganizationSignatureRequest(**values)  # type: ignore[arg-type]


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def signature_count() -> int:
    return db.session.scalar(select(func.count()).select_from(IndividualSignature))


def sign(statement, request, *, commit: bool = True) -> SigningOutcome:
    outcome = sign_as_individual(statement, request)
    if commit:
        db.session.commit()
    return outcome


def token_of(message: OutboxMessage) -> str:
    return message.context["token"]


def test_signing_stores_normalized_unconfirmed_signature_and_queues_confirmation():
    statement = import_example()

    assert sign(statement, person()) is SigningOutcome.CONFIRMATION_SENT

    signature = db.session.scalars(select(IndividualSignature)).one()
    assert (signature.name, signature.email, signature.status) == (
        "Olena Kovalenko", "olena@example.org", IndividualStatus.UNCONFIRMED)
    [message] = outbox()
    assert message.to_address == "olena@example.org"
    assert message.template == "confirm_signature"
    assert statement.title in message.subject
    # Only the hash of the link's token is stored.
    assert signature.confirmation_token_hash != token_of(message)
    assert read_counts(statement.id).individuals == 0


def test_same_address_in_other_case_creates_no_second_row_and_resends_only_after_interval():
    statement = import_example()
    sign(statement, person())

    outcome = sign(statement, person(email="OLENA@example.org", name="Olena K"))

    assert outcome is SigningOutcome.NOTHING_SENT_RECENTLY_MAILED
    assert signature_count() == 1
    assert len(outbox()) == 1

    signature = db.session.scalars(select(IndividualSignature)).one()
    signature.last_mailed_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    assert sign(statement, person(email="olena@EXAMPLE.org", name="Olena K")) is (
        SigningOutcome.CONFIRMATION_SENT)
    assert signature_count() == 1
    first, second = outbox()
    assert second.template == "confirm_signature"
    # The newer link replaces the older, and the latest details are what is confirmed.
    with pytest.raises(ConfirmationError, match="not valid"):
        confirm_signature(token_of(first))
    confirmed = confirm_signature(token_of(second))
    assert confirmed.name == "Olena K"


@pytest.mark.parametrize(("first", "later", "kept"), [
    (NameDisplay.HIDDEN, NameDisplay.FULL, NameDisplay.HIDDEN),
    (NameDisplay.HIDDEN, NameDisplay.FIRST_NAME_AND_INITIAL, NameDisplay.HIDDEN),
    (NameDisplay.FIRST_NAME_AND_INITIAL, NameDisplay.FULL, NameDisplay.FIRST_NAME_AND_INITIAL),
    (NameDisplay.FULL, NameDisplay.HIDDEN, NameDisplay.HIDDEN),
    (NameDisplay.FULL, NameDisplay.FIRST_NAME_AND_INITIAL, NameDisplay.FIRST_NAME_AND_INITIAL),
])
def test_a_later_submission_may_hide_a_pending_name_more_but_never_show_it_more(
        first, later, kept):
    # Anyone can submit a signer's address: whoever does must not be able to turn a
    # name its signer chose to hide into one shown on the statement's page.
    statement = import_example()
    sign(statement, person(name_display=first))
    signature = db.session.scalars(select(IndividualSignature)).one()
    signature.last_mailed_at = utcnow() - timedelta(minutes=6)
    db.session.commit()

    assert sign(statement, person(name_display=later, name="Olena Kovalenko Kyiv")) is (
        SigningOutcome.CONFIRMATION_SENT)

    confirmed = confirm_signature(token_of(outbox()[-1]))
    assert confirmed.name_display is kept
    assert confirmed.name == "Olena Kovalenko Kyiv"


def test_confirming_counts_the_signature_once_and_the_link_cannot_be_reused():
    statement = import_example()
    sign(statement, person())
    token = token_of(outbox()[0])

    signature = confirm_signature(token)
    db.session.commit()

    assert signature.status is IndividualStatus.CONFIRMED
    assert signature.public_name == "Olena K."
    assert read_counts(statement.id).individuals == 1
    with pytest.raises(ConfirmationError, match="used already"):
        confirm_signature(token)
    assert read_counts(statement.id).individuals == 1


def test_expired_link_confirms_nothing():
    statement = import_example()
    sign(statement, person())
    signature = db.session.scalars(select(IndividualSignature)).one()
    signature.confirmation_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    with pytest.raises(ConfirmationError, match="expired"):
        confirm_signature(token_of(outbox()[0]))
    assert signature.status is IndividualStatus.UNCONFIRMED
    assert read_counts(statement.id).individuals == 0


def test_signing_again_after_confirming_is_told_by_email_that_it_already_counts():
    statement = import_example()
    sign(statement, person())
    confirm_signature(token_of(outbox()[0]))
    signature = db.session.scalars(select(IndividualSignature)).one()
    signature.last_mailed_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    assert sign(statement, person(name="Someone Else")) is (
        SigningOutcome.ALREADY_SIGNED_NOTICE_SENT)

    assert signature_count() == 1
    assert signature.name == "Olena Kovalenko"
    assert outbox()[-1].template == "already_signed"
    assert read_counts(statement.id).individuals == 1


def test_a_closed_or_draft_statement_takes_no_signature():
    statement = import_example()
    statement.status = StatementStatus.CLOSED
    db.session.commit()

    with pytest.raises(SigningError):
        sign_as_individual(statement, person())
    db.session.rollback()
    assert signature_count() == 0
    assert outbox() == []


def test_organization_waits_for_approval_after_confirming():
    statement = import_example()
    assert sign_for_organization(statement, organization()) is SigningOutcome.CONFIRMATION_SENT
    db.session.commit()
    organizations_before = read_counts(statement.id).organizations

    confirmed = confirm_signature(token_of(outbox()[0]))
    db.session.commit()

    assert confirmed.status is OrganizationStatus.AWAITING_APPROVAL
    assert confirmed.contact_email == "iryna@solidarity.example.org"
    assert read_counts(statement.id).organizations == organizations_before


def test_organization_name_in_other_case_is_the_same_organization():
    statement = import_example()
    sign_for_organization(statement, organization())
    db.session.commit()
    confirm_signature(token_of(outbox()[0]))
    db.session.commit()
    listed = db.session.scalars(select(OrganizationSignature).where(
        OrganizationSignature.founding.is_(False))).one()
    approve_organization(listed)
    listed.last_mailed_at = None

    outcome = sign_for_organization(statement, organization(
        name="kharkiv  SOLIDARITY network", contact_email="other@example.org"))
    db.session.commit()

    assert outcome is SigningOutcome.ALREADY_SIGNED_NOTICE_SENT
    assert db.session.scalar(select(func.count()).where(
        OrganizationSignature.founding.is_(False))) == 1
    notice = outbox()[-1]
    assert (notice.to_address, notice.template) == ("other@example.org",
                                                    "organization_already_signed")


def test_organization_without_authority_is_refused():
    statement = import_example()
    with pytest.raises(SigningError, match="authorized"):
        sign_for_organization(statement, organization(authorized_to_sign=False))
    assert outbox() == []


def test_two_first_signatures_at_once_with_one_address_leave_one_row(app):
    """The unique constraint decides between two requests for a new address: the one
    that comes second waits for the first to commit, then finds the row it wrote."""
    statement = import_example()
    db.session.commit()
    statement_id = statement.id
    assert sign(statement, person(), commit=False) is SigningOutcome.CONFIRMATION_SENT

    second_is_writing = threading.Event()
    outcomes: list[SigningOutcome] = []

    def second_request() -> None:
        with app.app_context():
            @event.listens_for(db.engine, "before_cursor_execute")
            def writing(connection, cursor, statement_text, *args):
                if threading.current_thread() is second and statement_text.startswith(
                        ("INSERT", "BEGIN IMMEDIATE")):
                    second_is_writing.set()

            try:
                outcomes.append(sign(db.session.get(Statement, statement_id),
                                     person(name="Olena Kovalenko-Petrenko")))
            finally:
                event.remove(db.engine, "before_cursor_execute", writing)
                db.session.remove()

    second = threading.Thread(target=second_request)
    second.start()
    assert second_is_writing.wait(timeout=30)
    if db.engine.dialect.name == "postgresql":
        wait_for(lambda: db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")),
            what="the second request to wait for the first one's row")
    db.session.commit()
    second.join(timeout=30)

    # Both were told to check their e-mail; one confirmation went out, and the second
    # request, within the resend interval, sent nothing.
    assert outcomes == [SigningOutcome.NOTHING_SENT_RECENTLY_MAILED]
    assert signature_count() == 1
    assert db.session.scalars(select(IndividualSignature.name)).one() == "Olena Kovalenko"
    assert len(outbox()) == 1


def test_signing_again_after_withdrawing_starts_over_and_counts_once_confirmed():
    statement = import_example()
    sign(statement, person())
    confirm_signature(token_of(outbox()[0]))
    signature = db.session.scalars(select(IndividualSignature)).one()
    signature.status = IndividualStatus.WITHDRAWN
    signature.withdrawn_at = utcnow()
    signature.last_mailed_at = utcnow() - timedelta(hours=1)
    add_to_tally(statement.id, TallyKind.INDIVIDUALS, -1)
    db.session.commit()

    assert sign(statement, person(name="Olena K.")) is SigningOutcome.CONFIRMATION_SENT

    assert outbox()[-1].template == "confirm_signature"
    assert signature.status is IndividualStatus.UNCONFIRMED
    assert read_counts(statement.id).individuals == 0
    confirm_signature(token_of(outbox()[-1]))
    db.session.commit()
    assert signature.status is IndividualStatus.CONFIRMED
    assert read_counts(statement.id).individuals == 1

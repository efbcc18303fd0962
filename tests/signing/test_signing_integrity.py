"""What a hostile probe found in signing, closed: a dead signer's link opening the
next signer's page, resends racing past their limit, one mailbox signing under many
spellings, addresses we accept but cannot deliver, and an organization's pending
co-signature taken over by whoever submits its name."""

from __future__ import annotations

import html
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import (
    IndividualSignature,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.signing.services import IndividualSignatureRequest, sign_as_individual
from campaign.signing.signer_links import (
    _serializer,
    signer_page_url_by_id,
    signer_token_by_id,
)
from campaign.signing.signer_services import send_signer_links
from campaign.statements.services import get_statement
from campaign.text import InvalidEmail, UndeliverableEmail, ascii_address, canonical_email
from tests.conftest import make_app
from tests.moderation import factories
from tests.public.test_signer_page import press, sign_and_confirm, signer_page_link
from tests.public.test_signing_pages import (
    assert_error_next_to,
    cosign,
    deliver_mail,
    link_in_latest_mail_to,
    open_confirmation_page,
    press_confirm,
    sign,
)
from tests.support import (
    committed_meanwhile,
    csrf_token,
    organization_fields,
    path_of,
    text_of,
)

ALICE = "alice@example.org"
BOB = "bob@example.org"


def a_day_ago(app: Flask, model: type = IndividualSignature) -> None:
    """As if the signer was last written to yesterday: out of the resend interval."""
    with app.app_context():
        db.session.execute(update(model).values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()


def outbox_to(app: Flask, address: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == address).order_by(OutboxMessage.id)))


def individuals(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return list(db.session.execute(
            select(IndividualSignature.id, IndividualSignature.email)
            .order_by(IndividualSignature.id)))


# --- Hole 1: a signer's link opens that signature and no other -------------------------


def test_an_erased_signers_link_does_not_open_the_next_signers_page(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug,
                     **{"person-name": "Alice Adams", "person-email": ALICE})
    alice_link = signer_page_link(app, mail_dir, ALICE)
    [(alice_id, _)] = individuals(app)
    unsubscribe_link = alice_link.replace("/signer/", "/unsubscribe/")
    press(client, f"{alice_link}/erase", "Erase my data")

    sign_and_confirm(app, client, mail_dir, statement_slug,
                     **{"person-name": "Bob Brown", "person-email": BOB})
    [(bob_id, _)] = individuals(app)
    assert bob_id != alice_id  # never an erased signature's id again, on SQLite too
    assert "Signed as Bob Brown." in client.get(signer_page_link(app, mail_dir, BOB)).text

    for path in (alice_link, unsubscribe_link):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link no longer works" in response.text
        assert "Bob" not in response.text
    assert client.post(unsubscribe_link, data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_a_link_is_good_only_with_its_signatures_secret(app, client, statement_slug):
    with app.app_context():
        signature_id = factories.individual(statement_slug, "Olena Kovalenko", ALICE)
        secret = db.session.get(IndividualSignature, signature_id).link_secret
        assert len(secret) >= 22  # 16 random bytes, URL-safe
        good = path_of(signer_page_url_by_id("i", signature_id, secret))
        tampered = signer_token_by_id("i", signature_id, secret[:-1] + ("A" if secret[-1] != "A"
                                                                        else "B"))
        # A link as they were made before they carried a secret: signed, but dead now.
        old_style = _serializer().dumps(["i", signature_id])

    assert "Signed as Olena Kovalenko." in client.get(good).text
    for token in (tampered, old_style):
        response = client.get(f"/signer/{token}")
        assert response.status_code == 404
        assert "This link no longer works" in response.text


def test_an_erased_signer_who_signs_again_starts_clean(app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug,
                     **{"person-email": "jane.doe@gmail.com", "person-wants_updates": "y",
                        "person-name_display": "hidden"})
    old_link = signer_page_link(app, mail_dir, "jane.doe@gmail.com")
    press(client, f"{old_link}/erase", "Erase my data")

    sign(client, statement_slug, **{"person-email": "janedoe+again@gmail.com"})

    with app.app_context():
        signature = db.session.scalars(select(IndividualSignature)).one()
        assert (signature.email, signature.confirmed_at, signature.wants_updates,
                signature.name_display) == ("janedoe+again@gmail.com", None, False,
                                            NameDisplay.FULL)
    [mail] = [message for message in deliver_mail(app, mail_dir)
              if "janedoe+again@gmail.com" in str(message["To"])]
    assert "Please confirm your signature" in str(mail["Subject"])
    assert client.get(old_link).status_code == 404


# --- Hole 4: one e-mail per resend interval, however many ask at once --------------------


RACERS = 32


def race(app: Flask, database_url: str, mail_dir: Path, work) -> None:
    """Run `work` in RACERS threads at once, each with its own session. On PostgreSQL
    every thread is held before its first write until all have read, which is the
    moment the probe's concurrent requests raced through; SQLite makes writers take
    turns (BEGIN IMMEDIATE), so there they simply run together."""
    racing_app = make_app(database_url, mail_dir,
                          SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RACERS + 2})
    barrier = threading.Barrier(RACERS, timeout=60)
    held = threading.local()
    errors: list[BaseException] = []
    with racing_app.app_context():
        engine = db.engine
        force = engine.dialect.name == "postgresql"

        @event.listens_for(engine, "before_cursor_execute")
        def hold_before_first_write(connection, cursor, statement_text, *args):
            writes = statement_text.startswith("UPDATE") or statement_text.startswith(
                "INSERT INTO outbox_message")
            if force and writes and not getattr(held, "done", False):
                held.done = True
                barrier.wait()

    def racer() -> None:
        try:
            with racing_app.app_context():
                work()
                db.session.commit()
        except BaseException as error:
            errors.append(error)
        finally:
            with racing_app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with racing_app.app_context():
        event.remove(engine, "before_cursor_execute", hold_before_first_write)
        engine.dispose()
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)


def test_32_requests_for_the_link_at_once_send_one_email(
        app, database_url, mail_dir, statement_slug):
    with app.app_context():
        factories.individual(statement_slug, "Olena Kovalenko", ALICE)
    a_day_ago(app)
    before = len(outbox_to(app, ALICE))

    def ask() -> None:
        send_signer_links(get_statement(statement_slug), ALICE)

    race(app, database_url, mail_dir, ask)
    assert len(outbox_to(app, ALICE)) == before + 1


def test_32_signatures_again_at_once_after_the_interval_send_one_email(
        app, database_url, mail_dir, statement_slug):
    with app.app_context():
        factories.individual(statement_slug, "Olena Kovalenko", ALICE, confirm=False)
    a_day_ago(app)
    before = len(outbox_to(app, ALICE))

    def sign_again() -> None:
        sign_as_individual(get_statement(statement_slug), IndividualSignatureRequest(
            name="Olena Kovalenko", email=ALICE, country="UA",
            name_display=NameDisplay.FULL, wants_updates=False))

    race(app, database_url, mail_dir, sign_again)
    assert len(outbox_to(app, ALICE)) == before + 1
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                          "WHERE wait_event_type = 'Lock'")) == 0


# --- Hole 4: one mailbox is one signer, however its address is spelled ------------------


@pytest.mark.parametrize(("typed", "canonical"), [
    ("jane@example.org", "jane@example.org"),
    ("Jane@EXAMPLE.org", "jane@example.org"),
    ("jane+petition@example.org", "jane@example.org"),
    ("jane.doe@example.org", "jane.doe@example.org"),  # dots count outside Gmail
    ("Jane.Doe+x+y@Gmail.com", "janedoe@gmail.com"),
    ("j.a.n.e.d.o.e@googlemail.com", "janedoe@gmail.com"),
    ("janedoe@GoogleMail.COM", "janedoe@gmail.com"),
    ("  janedoe@gmail.com ", "janedoe@gmail.com"),
    ("+only@example.org", "+only@example.org"),  # nothing but a tag: kept whole
    ("olena@приклад.укр", "olena@xn--80aikifvh.xn--j1amh"),
    ("olena@XN--80AIKIFVH.xn--j1amh", "olena@xn--80aikifvh.xn--j1amh"),
    ("a@straße.de", "a@xn--strae-oqa.de"),
])
def test_canonical_email(typed, canonical):
    assert canonical_email(typed) == canonical


@pytest.mark.parametrize("typed", ["not an address", "олена@example.org"])
def test_canonical_email_refuses_what_is_no_deliverable_address(typed):
    with pytest.raises(InvalidEmail):
        canonical_email(typed)


GMAIL_SPELLINGS = ["jane.doe@gmail.com", "janedoe@gmail.com", "Jane.Doe@Gmail.com",
                   "j.a.n.e.d.o.e@gmail.com", "janedoe+petition@gmail.com",
                   "jane.doe+x@googlemail.com", "JANEDOE@GOOGLEMAIL.COM", "j.anedoe+1@gmail.com"]


def test_eight_spellings_of_one_gmail_mailbox_make_one_signature_and_one_email(
        app, client, mail_dir, statement_slug):
    for spelling in GMAIL_SPELLINGS:
        response = sign(client, statement_slug, **{"person-email": spelling})
        assert response.status_code == 302
    assert individuals(app)[0][1] == "jane.doe@gmail.com"
    assert len(individuals(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_another_spelling_later_is_answered_at_the_address_that_signed(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug,
                     **{"person-email": "jane.doe@gmail.com"})
    a_day_ago(app)
    sign(client, statement_slug, **{"person-email": "janedoe+other@googlemail.com"})
    a_day_ago(app)
    page = client.get(f"/s/{statement_slug}")
    client.post(f"/s/{statement_slug}/manage", data={
        "manage-email": "JaneDoe@gmail.com", "manage-csrf_token": csrf_token(page.text)})

    mails = deliver_mail(app, mail_dir)
    assert [str(message["To"]) for message in mails] == ["jane.doe@gmail.com"] * 3
    assert "You have already signed it" in text_of(mails[1])
    assert "Manage my signature" in mails[2].get_body(("html",)).get_content()
    assert outbox_to(app, "janedoe+other@googlemail.com") == []


# --- Hole 5: addresses we cannot deliver are refused; international domains work --------


def test_an_address_with_non_latin_letters_before_the_at_is_refused_on_the_forms(
        app, client, statement_slug):
    message = ("We cannot send e-mail to addresses with non-Latin letters before the @ yet; "
               "please use another address.")
    response = sign(client, statement_slug, **{"person-email": "олена@example.org"})
    assert response.status_code == 400
    assert_error_next_to(response.text.replace("&#39;", "'"), "person-email", message)
    response = cosign(client, statement_slug,
                      organization_fields(**{"org-contact_email": "ірина@example.org"}))
    assert response.status_code == 400
    assert_error_next_to(response.text.replace("&#39;", "'"), "org-contact_email", message)
    assert individuals(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    with pytest.raises(UndeliverableEmail):
        canonical_email("олена@example.org")


@pytest.mark.parametrize(("typed", "envelope"), [
    ("olena@приклад.укр", "olena@xn--80aikifvh.xn--j1amh"),
    # IDNA 2008, as the registries use: Python's own codec would write to strasse.de.
    ("anna@straße.de", "anna@xn--strae-oqa.de"),
])
def test_an_international_domain_signs_and_its_mail_is_delivered_in_ascii(
        app, client, smtp_app, smtp, statement_slug, typed, envelope):
    response = sign(client, statement_slug, **{"person-email": typed})
    assert response.status_code == 302
    assert individuals(app)[0][1] == typed
    assert ascii_address(typed) == envelope
    with smtp_app.app_context():
        deliver_due_messages()
    [received] = smtp.messages
    assert str(received["To"]) == envelope
    assert "/confirm/" in text_of(received)


# --- Hole 6: an organization's pending co-signature cannot be taken over ---------------


CONTACT = "iryna@solidarity.example.org"
NEWCOMER = "mallory@example.net"
# What anyone but its contact is told of a co-signature the statement does not list.
FROM_ANOTHER_CONTACT = "has already been sent from another contact address"


def organization_row(app: Flask) -> tuple[str, str | None, str | None]:
    with app.app_context():
        row = db.session.scalars(select(OrganizationSignature)
                                 .where(OrganizationSignature.founding.is_(False))).one()
        return row.contact_email, row.contact_name, row.confirmation_token_hash


def coordinator_of(app: Flask, slug: str):
    from tests.conftest import create_coordinator_for, sign_in

    with app.app_context():
        create_coordinator_for("mariia@example.org", slug)
    coordinator = app.test_client()
    sign_in(coordinator, "mariia@example.org")
    return coordinator


def decide(coordinator, slug: str, organization_id: int, action: str) -> str:
    """A coordinator's button on the organizations page; the page after it, as text."""
    from tests.moderation.factories import press

    answer = press(coordinator, f"/coordinate/{slug}/organizations",
                   f"/coordinate/{slug}/organizations/{organization_id}/{action}")
    assert answer.status_code in (302, 303)
    return html.unescape(coordinator.get(answer.headers["Location"]).text)


def contacts_and_statuses(app: Flask) -> list[tuple[str, OrganizationStatus]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(OrganizationSignature.contact_email, OrganizationSignature.status)
            .where(OrganizationSignature.founding.is_(False))
            .order_by(OrganizationSignature.id))]


def test_a_name_sent_first_keeps_no_one_from_co_signing_and_the_coordinators_choose(
        app, client, mail_dir, statement_slug):
    """Anyone can send an organization's name first, with an address of their own, and
    even confirm it. The real contact co-signs as anyone would; both wait side by
    side for the coordinators, who list one, and then cannot list the other."""
    cosign(client, statement_slug, organization_fields(**{
        "org-contact_email": NEWCOMER, "org-contact_name": "Mallory"}))
    newcomer_confirms(app, mail_dir, client)

    response = cosign(client, statement_slug, organization_fields(**{
        "org-name": "KHARKIV Solidarity Network "}))

    assert response.status_code == 302
    contacts_link = link_in_latest_mail_to(app, mail_dir, CONTACT)
    page = open_confirmation_page(client, contacts_link)
    assert press_confirm(client, contacts_link, csrf_token(page)).status_code == 200
    assert contacts_and_statuses(app) == [(NEWCOMER, OrganizationStatus.AWAITING_APPROVAL),
                                          (CONTACT, OrganizationStatus.AWAITING_APPROVAL)]
    coordinator = coordinator_of(app, statement_slug)
    queue = coordinator.get(f"/coordinate/{statement_slug}/organizations").text
    assert NEWCOMER in queue and CONTACT in queue
    with app.app_context():
        squat_id, real_id = db.session.scalars(
            select(OrganizationSignature.id).where(OrganizationSignature.founding.is_(False))
            .order_by(OrganizationSignature.id)).all()

    decide(coordinator, statement_slug, real_id, "approve")
    refused = decide(coordinator, statement_slug, squat_id, "approve")

    assert ("Kharkiv Solidarity Network cannot be approved: another co-signature by this "
            "name is listed already.") in refused
    assert contacts_and_statuses(app) == [(NEWCOMER, OrganizationStatus.AWAITING_APPROVAL),
                                          (CONTACT, OrganizationStatus.APPROVED)]


def test_two_namesakes_approved_at_once_list_one(app, client, mail_dir, statement_slug):
    """The other coordinator's approval of the namesake commits between this one's
    reading the page and its write: the unique index refuses, and it is said why."""
    cosign(client, statement_slug, organization_fields(**{"org-contact_email": NEWCOMER}))
    newcomer_confirms(app, mail_dir, client)
    cosign(client, statement_slug, organization_fields())
    contacts_link = link_in_latest_mail_to(app, mail_dir, CONTACT)
    press_confirm(client, contacts_link, csrf_token(open_confirmation_page(client, contacts_link)))
    coordinator = coordinator_of(app, statement_slug)
    with app.app_context():
        contacts_id = db.session.scalars(select(OrganizationSignature.id).where(
            OrganizationSignature.contact_email == CONTACT)).one()
    # Before this approval's savepoint, whose rollback would take it back too.
    with committed_meanwhile(
            app, "UPDATE organization_signature SET status = 'approved', approved_at = "
            f"confirmed_at WHERE contact_email = '{NEWCOMER}'",
            at=lambda statement: statement.startswith("SAVEPOINT")) as approved:
        page = decide(coordinator, statement_slug, contacts_id, "approve")

    assert approved
    assert "cannot be approved: another co-signature by this name is listed already" in page
    # (The other approval, made here in this request's own transaction, went back with
    # it; in another it would stand.)
    assert dict(contacts_and_statuses(app))[CONTACT] is OrganizationStatus.AWAITING_APPROVAL


def co_signature_standing(app, client, statement_slug: str, standing: str
                          ) -> tuple[int, OrganizationStatus]:
    """Kharkiv Solidarity Network, co-signed by its contact and brought to STANDING:
    its id and status."""
    held = standing in ("held", "invalidated")
    cosign(client, statement_slug, organization_fields(
        **({"org-homepage": "https://offers.example"} if held else {})))
    with app.app_context():
        signature = db.session.scalars(select(OrganizationSignature)
                                       .where(OrganizationSignature.founding.is_(False))).one()
        if standing == "invalidated":
            signature.invalidate()
        if standing in ("awaiting approval", "rejected"):
            signature.confirm(utcnow())
        if standing == "rejected":
            signature.reject("Not an organization.", utcnow())
        db.session.commit()
        standing_now = (signature.id, signature.status)
    a_day_ago(app, OrganizationSignature)
    return standing_now


@pytest.mark.parametrize("standing", ["unconfirmed", "held", "awaiting approval"])
def test_someone_else_naming_an_organization_not_listed_learns_nothing_of_where_it_stands(
        app, client, mail_dir, statement_slug, standing):
    # A stranger typing organizations' names, one e-mail each, must not read off which
    # tried to co-sign, which the coordinators are checking, or held. Only a listed
    # co-signature holds its name: the stranger is answered as if nobody had sent one.
    signature_id, status = co_signature_standing(app, client, statement_slug, standing)

    cosign(client, statement_slug, organization_fields(**{"org-contact_email": NEWCOMER}))

    [notice] = [message for message in deliver_mail(app, mail_dir)
                if NEWCOMER in str(message["To"])]
    for body in (text_of(notice), notice.get_body(("html",)).get_content()):
        assert "Please confirm that Kharkiv Solidarity Network co-signs" in body
        for telling in (FROM_ANOTHER_CONTACT, "checking", "held", "already"):
            assert telling not in body, telling
    with app.app_context():
        # A held co-signature stays in the coordinators' queue.
        assert db.session.get(OrganizationSignature, signature_id).status is status


@pytest.mark.parametrize("standing", ["rejected", "invalidated"])
def test_an_organizations_name_taken_first_by_someone_else_is_freed_by_the_coordinators(
        app, client, mail_dir, statement_slug, standing):
    """Anyone can co-sign first in a real organization's name with an address of their
    own. Once the coordinators reject it, or judge it not genuine, the name holds no
    more: the real organization co-signs as any would, and the stranger's row stays."""
    _, squat_status = co_signature_standing(app, client, statement_slug, standing)

    answer = cosign(client, statement_slug, organization_fields(**{
        "org-contact_email": NEWCOMER, "org-contact_name": "Iryna Shevchenko"}))

    assert answer.status_code == 302
    [mail] = [message for message in deliver_mail(app, mail_dir)
              if NEWCOMER in str(message["To"])]
    assert "Please confirm that Kharkiv Solidarity Network co-signs" in text_of(mail)
    assert contacts_and_statuses(app) == [(CONTACT, squat_status),
                                          (NEWCOMER, OrganizationStatus.UNCONFIRMED)]

    # Its own contact, trying again, is answered as before and makes no new row.
    a_day_ago(app, OrganizationSignature)
    cosign(client, statement_slug, organization_fields())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrganizationSignature)
                                 .where(OrganizationSignature.founding.is_(False))) == 2


def cosign_as_another_request_commits(app: Flask, client, slug: str, change: str
                                      ) -> tuple[Any, int, bool]:
    """Co-sign as the contact, while another request commits CHANGE (SQL) between the
    insert that gives way to the contact's row and the read of that row; the answer,
    how many inserts were tried, and whether CHANGE ran."""
    inserts: list[str] = []

    def read_after_an_insert(statement: str) -> bool:
        if statement.startswith("INSERT INTO organization_signature"):
            inserts.append(statement)
        return bool(inserts) and statement.startswith("SELECT") and (
            "FROM organization_signature" in statement)

    with committed_meanwhile(app, change, at=read_after_an_insert) as ran:
        answer = cosign(client, slug, organization_fields())
    return answer, len(inserts), bool(ran)


def test_a_co_signature_erased_as_its_contact_sends_it_again_is_sent_anew(
        app, client, mail_dir, statement_slug):
    """The contact's second submission gives way to its pending co-signature, which is
    erased before it can be read (from its page, in another tab, at that moment): a
    new co-signature is stored and mailed instead of the request failing."""
    cosign(client, statement_slug, organization_fields())
    deliver_mail(app, mail_dir)
    a_day_ago(app, OrganizationSignature)

    answer, inserts, erased = cosign_as_another_request_commits(
        app, client, statement_slug,
        f"DELETE FROM organization_signature WHERE contact_email = '{CONTACT}'")

    # Erased before the read, and so the insert was tried again.
    assert erased and inserts == 2
    assert answer.status_code == 302
    _first, second = [message for message in deliver_mail(app, mail_dir)
                      if CONTACT in str(message["To"])]
    assert "Please confirm that Kharkiv Solidarity Network co-signs" in text_of(second)
    assert contacts_and_statuses(app) == [(CONTACT, OrganizationStatus.UNCONFIRMED)]


def test_its_contact_sending_it_again_as_the_coordinators_invalidate_it_makes_no_second(
        app, client, mail_dir, statement_slug):
    """The second submission gives way to the contact's pending co-signature, which the
    coordinators judge not genuine before it is read: it is answered about that one,
    as any submission after an invalidation is, not given a new co-signature."""
    cosign(client, statement_slug, organization_fields())
    deliver_mail(app, mail_dir)

    answer, inserts, invalidated = cosign_as_another_request_commits(
        app, client, statement_slug, "UPDATE organization_signature SET status = "
        f"'invalidated' WHERE contact_email = '{CONTACT}'")

    assert invalidated and inserts == 1
    assert answer.status_code == 302
    assert contacts_and_statuses(app) == [(CONTACT, OrganizationStatus.INVALIDATED)]


def test_erasing_a_rejected_co_signature_leaves_the_mail_of_the_one_that_took_its_name(
        app, client, mail_dir, statement_slug):
    from campaign.privacy.services import erase_signature

    squat_id, _ = co_signature_standing(app, client, statement_slug, "rejected")
    deliver_mail(app, mail_dir)
    cosign(client, statement_slug, organization_fields(**{"org-contact_email": NEWCOMER}))
    with app.app_context():
        waiting = db.session.execute(select(OutboxMessage.to_address).where(
            OutboxMessage.status == OutboxStatus.PENDING)).scalars().all()
        assert waiting == [NEWCOMER]

        # The rejected one's contact erases it from its own page.
        erase_signature(db.session.get(OrganizationSignature, squat_id))
        db.session.commit()

    [confirmation] = [message for message in deliver_mail(app, mail_dir)
                      if NEWCOMER in str(message["To"])]
    assert "Please confirm that Kharkiv Solidarity Network co-signs" in text_of(confirmation)


def newcomer_confirms(app: Flask, mail_dir: Path, client) -> None:
    """The newcomer confirms its co-signature, which then holds the name."""
    link = link_in_latest_mail_to(app, mail_dir, NEWCOMER)
    assert press_confirm(client, link, csrf_token(open_confirmation_page(client, link))
                         ).status_code == 200


def test_a_rejection_undone_beside_a_namesake_listed_since_cannot_be_approved(
        app, client, mail_dir, statement_slug):
    squat_id, _ = co_signature_standing(app, client, statement_slug, "rejected")
    cosign(client, statement_slug, organization_fields(**{"org-contact_email": NEWCOMER}))
    newcomer_confirms(app, mail_dir, client)
    coordinator = coordinator_of(app, statement_slug)
    with app.app_context():
        newcomer_id = db.session.scalars(select(OrganizationSignature.id).where(
            OrganizationSignature.contact_email == NEWCOMER)).one()
    decide(coordinator, statement_slug, newcomer_id, "approve")

    decide(coordinator, statement_slug, squat_id, "undo")
    refused = decide(coordinator, statement_slug, squat_id, "approve")

    assert "cannot be approved: another co-signature by this name is listed" in refused
    assert contacts_and_statuses(app) == [(CONTACT, OrganizationStatus.AWAITING_APPROVAL),
                                          (NEWCOMER, OrganizationStatus.APPROVED)]


@pytest.mark.parametrize("decision", ["rejected", "approved"])
def test_a_decision_cannot_be_undone_beside_its_contacts_newer_co_signature(
        app, client, mail_dir, statement_slug, decision):
    """The contact sends the form again as a coordinator decides on its co-signature,
    between the read that would have answered about it and the insert: the contact
    then has a newer, undecided one, and the decision cannot be undone beside it."""
    first_id, _ = co_signature_standing(app, client, statement_slug, "awaiting approval")
    with committed_meanwhile(
            app, f"UPDATE organization_signature SET status = '{decision}', approved_at = "
            f"confirmed_at, rejected_at = confirmed_at WHERE id = {first_id}",
            at=lambda statement: statement.startswith("INSERT INTO organization_signature"),
    ) as decided:
        assert cosign(client, statement_slug, organization_fields()).status_code == 302
    assert decided

    page = decide(coordinator_of(app, statement_slug), statement_slug, first_id, "undo")

    assert ("cannot be reconsidered: its contact has sent a co-signature by this name "
            "since, which awaits a decision.") in page
    assert [status for _contact, status in contacts_and_statuses(app)] == [
        OrganizationStatus(decision), OrganizationStatus.UNCONFIRMED]


def test_a_stranger_naming_a_held_co_signature_leaves_it_to_its_contact(
        app, client, mail_dir, statement_slug):
    """Held for review, a co-signature holds no name: a stranger's submission by the
    same name is a co-signature of its own, and leaves the held one, and its resend
    interval, to its contact, whose own submission releases it with a link."""
    cosign(client, statement_slug, organization_fields(**{"org-homepage": "https://x.example"}))
    a_day_ago(app, OrganizationSignature)
    cosign(client, statement_slug, organization_fields(**{"org-contact_email": NEWCOMER}))

    cosign(client, statement_slug, organization_fields())

    assert contacts_and_statuses(app) == [(CONTACT, OrganizationStatus.UNCONFIRMED),
                                          (NEWCOMER, OrganizationStatus.UNCONFIRMED)]
    assert link_in_latest_mail_to(app, mail_dir, CONTACT)


def test_the_same_contact_signing_again_gets_a_fresh_link(
        app, client, mail_dir, statement_slug):
    cosign(client, statement_slug, organization_fields())
    first_link = link_in_latest_mail_to(app, mail_dir, CONTACT)
    a_day_ago(app, OrganizationSignature)
    cosign(client, statement_slug, organization_fields(**{
        "org-contact_email": CONTACT.upper(), "org-contact_name": "Iryna Shevchenko-Bondar"}))

    fresh_link = link_in_latest_mail_to(app, mail_dir, CONTACT)
    assert fresh_link != first_link
    assert organization_row(app)[1] == "Iryna Shevchenko-Bondar"
    page = open_confirmation_page(client, fresh_link)
    assert press_confirm(client, fresh_link, csrf_token(page)).status_code == 200


def test_someone_else_naming_a_co_signed_organization_is_not_given_its_page(
        app, client, mail_dir, statement_slug):
    with app.app_context():
        db.session.get(OrganizationSignature, factories.organization(statement_slug)
                       ).approve(utcnow())
        db.session.commit()
    a_day_ago(app, OrganizationSignature)
    cosign(client, statement_slug, organization_fields(**{"org-contact_email": NEWCOMER}))

    [notice] = [message for message in deliver_mail(app, mail_dir)
                if NEWCOMER in str(message["To"])]
    assert "has already co-signed" in text_of(notice)
    assert "/signer/" not in text_of(notice)
    assert "/signer/" not in notice.get_body(("html",)).get_content()


def test_a_founding_organization_has_no_contact_and_no_key(app_context, statement_slug):
    founding = db.session.scalars(select(OrganizationSignature)).first()
    assert founding.founding and founding.contact_email_key is None


def test_a_submission_as_the_signer_confirms_leaves_the_confirmed_details_alone(
        app, client, mail_dir, statement_slug):
    """Someone submits the signer's address with other details at the moment the
    signer confirms (the confirmation commits while the submission waits for the
    row): what the signer confirmed stays as it is, and is what the page lists."""
    sign(client, statement_slug, **{"person-email": ALICE, "person-name": "Alice Bondar"})
    deliver_mail(app, mail_dir)
    a_day_ago(app)

    def claiming_the_mailing(statement: str) -> bool:
        return statement.startswith("UPDATE individual_signature SET last_mailed_at")

    with committed_meanwhile(
            app, "UPDATE individual_signature SET status = 'confirmed', "
            "confirmed_at = CURRENT_TIMESTAMP, confirmation_token_hash = NULL, "
            "confirmation_expires_at = NULL", at=claiming_the_mailing) as confirmed:
        sign(client, statement_slug, **{"person-email": ALICE, "person-name": "Someone Else"})

    assert confirmed
    with app.app_context():
        signature = db.session.scalars(select(IndividualSignature)).one()
        assert (signature.name, signature.confirmation_token_hash) == ("Alice Bondar", None)
    [notice] = [message for message in deliver_mail(app, mail_dir)
                if ALICE in str(message["To"])][1:]
    assert "/confirm/" not in text_of(notice)

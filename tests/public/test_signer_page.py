"""The signer's own page, reached from the link in their e-mails: how the name is
shown, updates, withdrawing, erasing; one-click unsubscribe; and asking for the link
again from the statement page. Everything a person does goes through the test client
with CSRF on, and the links are read from the delivered e-mails."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, cast, func, or_, select, update

from campaign.database import utcnow
from campaign.exports.services import individual_rows
from campaign.extensions import db
from campaign.letters.building import build_letter
from campaign.moderation.services import approve_organization
from campaign.outbox.models import MailRequest, OutboxMessage, OutboxStatus
from campaign.outbox.requests import answer_mail_requests
from campaign.replies.services import ReplyDetails, publish_reply, record_reply
from campaign.replies.tasks import notify_signers_of_reply
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.signing.signer_links import signer_token
from campaign.statements.services import get_statement
from tests.moderation import factories
from tests.public.test_signing_pages import (
    button_texts,
    counts_line,
    deliver_mail,
    link_in_latest_mail_to,
    open_confirmation_page,
    press_confirm,
    sign,
    statement_page,
    text_of_id,
)
from tests.support import csrf_token, path_of, sql_statements, text_of

NAME = "Olena Kovalenko"
EMAIL = "olena@example.org"
SIGNER_LINK = re.compile(r"https?://\S+/signer/[\w.-]+")


# --- What a person does ----------------------------------------------------------


def sign_and_confirm(app: Flask, client: FlaskClient, mail_dir: Path, slug: str,
                     **overrides: str) -> None:
    sign(client, slug, **overrides)
    link = link_in_latest_mail_to(app, mail_dir, overrides.get("person-email", EMAIL))
    response = press_confirm(client, link, csrf_token(open_confirmation_page(client, link)))
    assert response.status_code == 200


def signer_page_link(app: Flask, mail_dir: Path, address: str = EMAIL) -> str:
    """The path of the signer-page link in the newest e-mail to `address` that has one."""
    for message in reversed(deliver_mail(app, mail_dir)):
        if address in str(message["To"]) and (match := SIGNER_LINK.search(text_of(message))):
            return path_of(match[0])
    raise AssertionError(f"no e-mail to {address} links to a signer page")


def press(client: FlaskClient, page_path: str, button: str, **fields: str):
    """Press `button` on the page: post its form with the page's CSRF token."""
    page = client.get(page_path)
    assert page.status_code == 200, page.status_code
    assert button in button_texts(page.text), f"no button {button!r} on {page_path}"
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page.text,
                       re.S)
    action = next(action for action, body in forms if f">{button}</button>" in body)
    return client.post(action, data={**fields, "csrf_token": csrf_token(page.text)},
                       follow_redirects=True)


def the_signature(app: Flask, address: str = EMAIL) -> IndividualSignature | None:
    with app.app_context():
        signature = db.session.scalars(
            select(IndividualSignature).where(IndividualSignature.email == address)
        ).one_or_none()
        if signature is not None:
            db.session.expunge(signature)
        return signature


def rows_holding(app: Flask, *needles: str) -> list[str]:
    """Every "table.column" of every table whose text holds one of the needles."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                text = cast(column, Text)
                hits = db.session.scalar(select(func.count()).select_from(table).where(
                    or_(*(func.lower(text).like(f"%{needle.lower()}%") for needle in needles))))
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


# --- The link, and the page ------------------------------------------------------


def test_the_confirmation_email_links_to_the_signers_own_page(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    confirm_mail = next(message for message in deliver_mail(app, mail_dir)
                    if EMAIL in str(message["To"]))
    assert "Once you have confirmed, you can manage your signature" in text_of(confirm_mail)

    page = client.get(signer_page_link(app, mail_dir))
    assert page.status_code == 200
    assert "Signed as Olena Kovalenko." in page.text
    assert "Your signature counts, and your name is shown as" in page.text
    for button in ("Save how my name is shown", "Send me updates"):
        assert button in button_texts(page.text)
    # Withdrawing and erasing cannot be undone: each asks on a page of its own.
    for link_text in ("Withdraw my signature…", "Erase my data…"):
        assert link_text in page.text
    assert "moderation log keeps that an action happened, but no longer on whom" in page.text


# What the page says of a signature in each status: only a confirmed one counts.
INDIVIDUAL_STANDING = {
    IndividualStatus.UNCONFIRMED: "Not confirmed yet: it counts once you follow the link "
                                  "in the confirmation e-mail.",
    IndividualStatus.CONFIRMED: "Your signature counts, and your name is shown as "
                                "“Olena Kovalenko”.",
    IndividualStatus.HIDDEN: "The coordinators have taken your signature off the "
                             "statement's page: it is not listed or counted.",
    IndividualStatus.WITHDRAWN: "You have withdrawn this signature: it is not listed or "
                                "counted, and we do not write to you about this statement.",
    IndividualStatus.SUSPECTED: "The coordinators have yet to check your signature: until "
                                "then it is not listed or counted. If they let it through, "
                                "we e-mail you a link to confirm it.",
    IndividualStatus.INVALIDATED: "The coordinators could not accept your signature, so it "
                                  "is not listed or counted.",
}
ORGANIZATION_STANDING = {
    OrganizationStatus.UNCONFIRMED: "Not confirmed yet: follow the link in the "
                                    "confirmation e-mail.",
    OrganizationStatus.AWAITING_APPROVAL: "A coordinator has yet to check the co-signature "
                                          "before the organization is listed.",
    OrganizationStatus.APPROVED: "The organization is listed as a co-signatory.",
    OrganizationStatus.REJECTED: "The coordinators did not list the organization.",
    OrganizationStatus.SUSPECTED: "The coordinators have yet to check the co-signature: "
                                  "until then the organization is not listed or counted. If "
                                  "they let it through, we e-mail you a link to confirm it.",
    OrganizationStatus.INVALIDATED: "The coordinators could not accept the co-signature, so "
                                    "the organization is not listed or counted.",
}


@pytest.mark.parametrize("status", list(IndividualStatus))
def test_the_page_says_whether_the_signature_counts_in_each_status(
        app, client, mail_dir, statement_slug, status):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)
    with app.app_context():
        db.session.execute(update(IndividualSignature).values(status=status))
        db.session.commit()

    assert text_of_id(client.get(link).text, "signature-status") == INDIVIDUAL_STANDING[status]


@pytest.mark.parametrize("status", [IndividualStatus.UNCONFIRMED, IndividualStatus.CONFIRMED,
                                    IndividualStatus.HIDDEN, IndividualStatus.SUSPECTED])
def test_the_page_says_updates_go_only_while_the_signature_counts(
        app, client, mail_dir, statement_slug, status):
    sign_and_confirm(app, client, mail_dir, statement_slug, **{"person-wants_updates": "y"})
    link = signer_page_link(app, mail_dir)
    with app.app_context():
        db.session.execute(update(IndividualSignature).values(status=status))
        db.session.commit()

    assert text_of_id(client.get(link).text, "updates-status") == (
        "We send you updates about this statement." if status is IndividualStatus.CONFIRMED
        else "You asked for updates about this statement: we send them while your "
             "signature counts.")


@pytest.mark.parametrize("status", list(OrganizationStatus))
def test_the_contacts_page_says_whether_the_cosignature_counts_in_each_status(
        app, client, statement_slug, status):
    with app.app_context():
        organization_id = factories.organization(statement_slug)
        db.session.execute(update(OrganizationSignature).values(status=status))
        db.session.commit()
        token = signer_token(db.session.get(OrganizationSignature, organization_id))

    assert text_of_id(client.get(f"/signer/{token}").text, "signature-status") == \
        ORGANIZATION_STANDING[status]


def test_an_unknown_or_altered_link_is_a_clear_not_found_page(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)
    for path in (link[:-2] + "xx", "/signer/nonsense", "/unsubscribe/nonsense"):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link no longer works" in response.text
    assert client.post("/unsubscribe/nonsense",
                       data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_changing_how_the_name_is_shown_changes_the_statement_page_not_the_count(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)
    before = counts_line(statement_page(client, statement_slug))
    assert NAME in statement_page(client, statement_slug)

    page = press(client, link, "Save how my name is shown",
                 name_display="first_name_and_initial")
    assert "Saved: your name is now shown as you chose." in page.text
    shown = statement_page(client, statement_slug)
    assert "Olena K." in shown and NAME not in shown

    press(client, link, "Save how my name is shown", name_display="hidden")
    shown = statement_page(client, statement_slug)
    assert "Olena" not in shown
    assert counts_line(shown) == before


def test_updates_can_be_turned_off_and_on(app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug, **{"person-wants_updates": "y"})
    link = signer_page_link(app, mail_dir)
    page = press(client, link, "Stop updates")
    assert "we will not send you updates" in page.text
    assert the_signature(app).wants_updates is False
    press(client, link, "Send me updates")
    assert the_signature(app).wants_updates is True


def test_an_action_without_its_security_token_is_refused_and_changes_nothing(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)
    for action in ("withdraw", "erase", "updates/on"):
        assert client.post(f"{link}/{action}").status_code == 400
    assert client.post(f"{link}/name", data={"name_display": "hidden"}).status_code == 400
    signature = the_signature(app)
    assert signature.status is IndividualStatus.CONFIRMED
    assert signature.name_display.value == "full" and signature.wants_updates is False


# --- Withdrawing -------------------------------------------------------------------


def test_a_withdrawn_signature_leaves_the_page_the_counts_letters_exports_and_mailings(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug, **{"person-wants_updates": "y"})
    with app.app_context():
        factories.individual(statement_slug, "Taras Melnyk", "taras@example.org",
                             wants_updates=True)
    link = signer_page_link(app, mail_dir)
    assert "2 individuals have signed" in counts_line(statement_page(client, statement_slug))
    with app.app_context():
        # Mail about this statement still waiting to go out.
        reply = record_reply(get_statement(statement_slug), ReplyDetails(
            addressee_id=get_statement(statement_slug).demand_groups[0].addressees[0].id,
            demand_group_id=None, received_on=date.today(), text="We will consider it."),
            recorded_by_id=None)
        db.session.commit()
        reply_id = reply.id
        publish_reply(reply)
        db.session.commit()
        notify_signers_of_reply(reply_id)
        pending = db.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.to_address == EMAIL,
            OutboxMessage.status == OutboxStatus.PENDING)).all()
        assert pending

    confirmation = client.get(f"{link}/withdraw")
    assert "Withdraw your signature?" in confirmation.text
    assert the_signature(app).status is not IndividualStatus.WITHDRAWN, "asking changes nothing"
    page = press(client, f"{link}/withdraw", "Withdraw my signature")
    assert "Your signature is withdrawn" in page.text
    assert "Withdraw my signature…" not in page.text
    assert "Erase my data…" in page.text

    shown = statement_page(client, statement_slug)
    assert NAME not in shown
    assert "1 individual has signed" in counts_line(shown)
    assert client.get(f"/api/v1/statements/{statement_slug}").json["counts"]["individuals"] == 1
    signature = the_signature(app)
    assert signature.status is IndividualStatus.WITHDRAWN
    assert signature.withdrawn_at is not None
    with app.app_context():
        statement_id = get_statement(statement_slug).id
    with app.app_context():
        # The export of the signers, read as the coordinators' download reads it.
        assert [row[0] for row in individual_rows(statement_id)] == ["Taras Melnyk"]
    with app.app_context():
        statement = get_statement(statement_slug)
        letter = build_letter(statement.demand_groups[0].addressees[0])
        assert list(letter.individual_names()) == ["Taras Melnyk"]
        # The notification waiting for the withdrawn signer is cancelled, and a second
        # announcement writes to the others only.
        assert {message.status for message in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(pending)))} \
            == {OutboxStatus.CANCELLED}
        db.session.execute(update(OutboxMessage).where(OutboxMessage.to_address == EMAIL)
                           .values(dedupe_key=None))
        db.session.commit()
        assert notify_signers_of_reply(reply_id) == 0


# --- Erasing -------------------------------------------------------------------------


def test_erasing_deletes_the_signature_and_leaves_the_address_and_name_in_no_table(
        app, client, mail_dir, statement_slug, coordinator_client):
    sign_and_confirm(app, client, mail_dir, statement_slug, **{"person-wants_updates": "y"})
    link = signer_page_link(app, mail_dir)
    with app.app_context():
        statement = get_statement(statement_slug)
        # A reply announced to the signer (sent), and a link asked for again (pending).
        reply = record_reply(statement, ReplyDetails(
            addressee_id=statement.demand_groups[0].addressees[0].id, demand_group_id=None,
            received_on=date.today(), text="Noted."), recorded_by_id=None)
        publish_reply(reply)
        db.session.commit()
        notify_signers_of_reply(reply.id)
    deliver_mail(app, mail_dir)
    with app.app_context():
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    client.post(f"/s/{statement_slug}/manage", data={
        "manage-email": EMAIL,
        "manage-csrf_token": csrf_token(client.get(f"/s/{statement_slug}").text)})
    # A coordinator hid and showed the signature again: the log has two entries.
    with app.app_context():
        signature_id = the_signature(app).id
    from tests.moderation.factories import press as press_coordinator
    for action in ("hide", "unhide"):
        response = press_coordinator(
            coordinator_client, f"/coordinate/{statement_slug}/individuals",
            f"/coordinate/{statement_slug}/individuals/{signature_id}/{action}")
        assert response.status_code in (302, 303), response.status_code
    assert rows_holding(app, EMAIL, NAME)
    assert "1 individual has signed" in counts_line(statement_page(client, statement_slug))

    page = press(client, f"{link}/erase", "Erase my data")
    assert "Your signature and your details are erased." in page.text
    assert NAME not in page.text
    assert "0 individuals have signed" in counts_line(page.text)
    assert rows_holding(app, EMAIL, NAME) == []
    assert client.get(link).status_code == 404
    with app.app_context():
        kept = db.session.scalars(select(OutboxMessage)).all()
        assert kept and all(message.status is not OutboxStatus.PENDING for message in kept)
        assert {message.to_address for message in kept} == {"erased"}
        assert all(message.context == {} for message in kept)


def test_an_organizations_contact_erases_the_cosignature_and_the_count_drops(
        app, client, mail_dir, statement_slug):
    contact = "iryna@solidarity.example.org"
    with app.app_context():
        organization_id = factories.organization(statement_slug)
        approve_organization(db.session.get(OrganizationSignature, organization_id))
        db.session.commit()
    before = counts_line(statement_page(client, statement_slug))
    assert "Kharkiv Solidarity Network" in statement_page(client, statement_slug)
    link = signer_page_link(app, mail_dir, contact)  # in the "now listed" e-mail

    page = client.get(link).text
    assert "Co-signed for Kharkiv Solidarity Network" in page
    assert "Withdraw my signature" not in button_texts(page)
    press(client, link, "Stop updates")
    page = press(client, f"{link}/erase", "Erase my data")
    assert "Kharkiv Solidarity Network" not in statement_page(client, statement_slug)
    organizations_before = int(before.split()[0])
    assert counts_line(page.text).startswith(f"{organizations_before - 1} organization")
    assert rows_holding(app, contact, "Iryna Shevchenko") == []


# --- One-click unsubscribe ------------------------------------------------------------


def test_unsubscribe_shows_a_button_and_the_one_click_post_needs_no_session(
        app, mail_dir, statement_slug):
    with app.app_context():
        signature_id = factories.individual(statement_slug, NAME, EMAIL, wants_updates=True)
        organization_id = factories.organization(statement_slug)
        tokens = [signer_token(db.session.get(IndividualSignature, signature_id)),
                  signer_token(db.session.get(OrganizationSignature, organization_id))]
    for token in tokens:
        page = app.test_client().get(f"/unsubscribe/{token}")
        assert page.status_code == 200
        assert "Stop updates for this statement" in button_texts(page.text)
        # A mail client's POST: no cookie, no session, no CSRF token.
        mail_client = app.test_client(use_cookies=False)
        response = mail_client.post(f"/unsubscribe/{token}",
                                    data="List-Unsubscribe=One-Click",
                                    content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert "Updates stopped" in response.text
        assert "Set-Cookie" not in response.headers
    with app.app_context():
        assert db.session.get(IndividualSignature, signature_id).wants_updates is False
        assert db.session.get(OrganizationSignature, organization_id).wants_updates is False


# --- Asking for the link again ---------------------------------------------------------


def ask_for_the_link(client: FlaskClient, slug: str, address: str) -> str:
    page = client.get(f"/s/{slug}")
    assert "Manage your signature" in page.text
    response = client.post(f"/s/{slug}/manage", data={
        "manage-email": address, "manage-csrf_token": csrf_token(page.text)},
        follow_redirects=True)
    assert response.status_code == 200
    return response.text


def outbox_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def what_the_request_wrote(app: Flask) -> list[tuple[str, str]]:
    """The mail requests waiting for the worker, and the outbox's rows."""
    with app.app_context():
        return [*db.session.execute(select(MailRequest.kind, MailRequest.email)).all(),
                *db.session.execute(select(OutboxMessage.template, OutboxMessage.to_address)
                                    .where(OutboxMessage.status == OutboxStatus.PENDING))
                .all()]


def answer_requests(app: Flask) -> None:
    """What the worker does every second (worker/beat.py)."""
    with app.app_context():
        answer_mail_requests()
        db.session.commit()


def a_signer_mailed_long_ago(app: Flask, mail_dir: Path, slug: str) -> None:
    """Olena, who signed long enough ago that her link may be sent again."""
    with app.app_context():
        factories.individual(slug, NAME, EMAIL)
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    deliver_mail(app, mail_dir)


def test_asking_for_the_link_answers_the_same_and_mails_only_a_signer(
        app, client, mail_dir, statement_slug):
    a_signer_mailed_long_ago(app, mail_dir, statement_slug)
    before = outbox_count(app)

    # The request writes down the address as typed, the same for an address that
    # signed and one that did not, and nothing else: its time tells nobody which.
    unknown = ask_for_the_link(client, statement_slug, "nobody@example.org")
    assert "If this address signed the statement, we have sent it a link" in unknown
    assert what_the_request_wrote(app) == [("signer_links", "nobody@example.org")]
    answer_requests(app)
    assert what_the_request_wrote(app) == []
    assert outbox_count(app) == before

    known = ask_for_the_link(client, statement_slug, EMAIL.upper())
    assert known == unknown
    assert what_the_request_wrote(app) == [("signer_links", EMAIL.upper())]
    answer_requests(app)
    assert what_the_request_wrote(app) == [("signer_link", EMAIL)]
    assert outbox_count(app) == before + 1
    link = signer_page_link(app, mail_dir)
    assert "Signed as Olena Kovalenko." in client.get(link).text

    # Asked again at once: the same answer, and no second e-mail.
    assert ask_for_the_link(client, statement_slug, EMAIL) == unknown
    answer_requests(app)
    assert outbox_count(app) == before + 1


def test_asking_for_the_link_does_the_same_work_whether_or_not_the_address_signed(
        app, client, mail_dir, statement_slug):
    """Its time must not tell whether someone signed: the request writes the address
    down, and the worker looks it up."""
    a_signer_mailed_long_ago(app, mail_dir, statement_slug)

    token = csrf_token(client.get(f"/s/{statement_slug}").text)

    def statements_for(address: str) -> list[str]:
        with app.app_context(), sql_statements() as seen:
            assert client.post(f"/s/{statement_slug}/manage", data={
                "manage-email": address, "manage-csrf_token": token}).status_code == 302
        return seen

    statements_for("warming-up@example.org")
    signed = statements_for(EMAIL)
    never_signed = statements_for("nobody@example.org")

    assert signed == never_signed
    assert not any("signature" in statement for statement in signed)
    assert signer_page_link(app, mail_dir)


def test_the_signers_pages_are_kept_by_no_cache(app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)

    for path in (link, f"{link}/erase", f"{link}/withdraw"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["Cache-Control"] == "no-store", path


def test_asking_for_the_link_with_a_bad_address_is_explained_at_the_field(
        client, statement_slug):
    page = client.get(f"/s/{statement_slug}")
    response = client.post(f"/s/{statement_slug}/manage", data={
        "manage-email": "not an address", "manage-csrf_token": csrf_token(page.text)})
    assert response.status_code == 400
    assert 'id="manage-email-error"' in response.text


def test_the_already_signed_notice_and_the_reply_announcement_link_to_the_signers_page(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug, **{"person-wants_updates": "y"})
    with app.app_context():
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    sign(client, statement_slug)
    with app.app_context():
        statement = get_statement(statement_slug)
        reply = record_reply(statement, ReplyDetails(
            addressee_id=statement.demand_groups[0].addressees[0].id, demand_group_id=None,
            received_on=date.today(), text="Noted."), recorded_by_id=None)
        publish_reply(reply)
        db.session.commit()
        notify_signers_of_reply(reply.id)
    mails = [message for message in deliver_mail(app, mail_dir) if EMAIL in str(message["To"])]
    already, announcement = mails[-2:]
    assert "You have already signed it" in text_of(already)
    assert "has replied to the statement" in text_of(announcement)
    for message in (already, announcement):
        assert "Manage your signature" in text_of(message)
        link = path_of(SIGNER_LINK.search(text_of(message))[0])
        assert "Signed as Olena Kovalenko." in client.get(link).text


def test_a_withdrawn_signer_cannot_turn_updates_back_on(app, client, mail_dir, statement_slug):
    """The page offers no such button, and a form posted anyway is refused: a withdrawn
    signature asking for updates would keep its address after the statement closes
    (campaign.privacy.services.erase_addresses_after_close)."""
    sign_and_confirm(app, client, mail_dir, statement_slug, **{"person-wants_updates": "y"})
    link = signer_page_link(app, mail_dir)
    press(client, f"{link}/withdraw", "Withdraw my signature")
    assert "Send me updates" not in button_texts(client.get(link).text)

    token = csrf_token(client.get(f"{link}/erase").text)
    page = client.post(f"{link}/updates/on", data={"csrf_token": token}, follow_redirects=True)

    assert "we will send you updates" not in page.text
    assert the_signature(app).wants_updates is False


def test_saving_the_name_from_a_tab_opened_before_withdrawing_says_why_nothing_changed(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)
    token = csrf_token(client.get(link).text)
    press(client, f"{link}/withdraw", "Withdraw my signature")

    page = client.post(f"{link}/name", data={"csrf_token": token, "name_display": "hidden"},
                       follow_redirects=True)

    assert "You have withdrawn this signature: its name is not shown." in page.text
    assert the_signature(app).name_display.value == "full"

"""Signing as a person does it: the statement page, the form, the e-mail and its link.

Everything goes through the test client with CSRF on; the outbox is delivered in this
process to .eml files, which the tests read as the signer reads their inbox.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.message import EmailMessage
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.statements.models import Statement, StatementStatus
from campaign.text import name_key
from tests.conftest import SERVER_NAME
from tests.support import (
    confirmation_link,
    csrf_token,
    individual_fields,
    organization_fields,
    path_of,
    post_form,
    read_mail_dir,
    session_csrf_token,
)

ORGANIZATION = "Kharkiv Solidarity Network"
CONTACT_EMAIL = "iryna@solidarity.example.org"


# --- What a person does ----------------------------------------------------------


def sign(client: FlaskClient, slug: str, **overrides: str):
    return post_form(client, f"/s/{slug}", f"/s/{slug}/sign", individual_fields(**overrides))


def cosign(client: FlaskClient, slug: str, fields: dict[str, str]):
    return post_form(client, f"/s/{slug}", f"/s/{slug}/cosign", fields)


def deliver_mail(app: Flask, mail_dir: Path) -> list[EmailMessage]:
    with app.app_context():
        deliver_due_messages()
    return read_mail_dir(mail_dir)


def link_in_latest_mail_to(app: Flask, mail_dir: Path, address: str) -> str:
    """The path of the confirmation link in the newest e-mail to `address`."""
    messages = [message for message in deliver_mail(app, mail_dir)
                if address in str(message["To"])]
    assert messages, f"no e-mail to {address}"
    return path_of(confirmation_link(messages[-1]))


def open_confirmation_page(client: FlaskClient, link: str) -> str:
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    assert "Confirm my signature" in button_texts(page.text)
    return page.text


def press_confirm(client: FlaskClient, link: str, token: str):
    return client.post(link, data={"csrf_token": token}, follow_redirects=True)


def statement_page(client: FlaskClient, slug: str) -> str:
    page = client.get(f"/s/{slug}")
    assert page.status_code == 200, page.status_code
    return unescape(page.text)


def counts_line(html: str) -> str:
    return " ".join(text_of_id(html, "counts").split())


# --- What the database holds -----------------------------------------------------


def count_rows(app: Flask, model: type, *conditions: object) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def individual_statuses(app: Flask) -> list[IndividualStatus]:
    with app.app_context():
        return list(db.session.scalars(select(IndividualSignature.status)))


def new_organizations(app: Flask) -> int:
    return count_rows(app, OrganizationSignature, OrganizationSignature.founding.is_(False))


def set_statement_status(app: Flask, slug: str, status: StatementStatus) -> None:
    with app.app_context():
        db.session.execute(update(Statement).where(Statement.slug == slug).values(status=status))
        db.session.commit()


# --- Reading a page --------------------------------------------------------------


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def start_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _StartTags()
    parser.feed(html)
    return parser.tags


def attributes_of(html: str, element_id: str) -> dict[str, str | None]:
    matches = [attrs for _, attrs in start_tags(html) if attrs.get("id") == element_id]
    assert len(matches) == 1, f"{len(matches)} elements with id {element_id!r}"
    return matches[0]


def text_of_id(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element with id {element_id!r}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match[2])).split())


def button_texts(html: str) -> list[str]:
    return [" ".join(unescape(text).split())
            for text in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]


def form_actions(html: str) -> list[str | None]:
    return [attrs.get("action") for tag, attrs in start_tags(html) if tag == "form"]


def assert_error_next_to(html: str, field_id: str, message: str) -> None:
    """The message is in a paragraph the field points at, and the field is marked invalid."""
    assert message in text_of_id(html, f"{field_id}-error")
    field = attributes_of(html, field_id)
    assert field.get("aria-invalid") == "true"
    assert f"{field_id}-error" in (field.get("aria-describedby") or "").split()


# --- Individuals: the whole walk -------------------------------------------------


@pytest.mark.parametrize(
    ("name_display", "shown_as", "thanks_says"),
    [
        ("full", "Olena Kovalenko", "It is shown as “Olena Kovalenko”."),
        ("first_name_and_initial", "Olena K.", "It is shown as “Olena K.”."),
        ("hidden", None, "Your name is not shown."),
    ],
)
def test_signing_confirming_by_email_link_counts_and_shows_the_name_as_chosen(
    app, client, statement_slug, mail_dir, name_display, shown_as, thanks_says
):
    first_view = statement_page(client, statement_slug)
    assert "0 individuals have signed" in counts_line(first_view)
    assert f"/s/{statement_slug}/sign#sign" in form_actions(first_view)

    response = sign(client, statement_slug, **{"person-name_display": name_display})

    assert response.status_code == 302
    assert response.location.endswith(f"/s/{statement_slug}/check-your-email")
    check_page = client.get(response.location)
    assert check_page.status_code == 200
    assert "Check your e-mail" in text_of_id(check_page.text, "main")

    [message] = deliver_mail(app, mail_dir)
    assert message["To"] == "olena@example.org"
    link = path_of(confirmation_link(message))

    confirm_page = open_confirmation_page(client, link)
    # Opening the link (as a mail scanner would) counts nothing.
    assert individual_statuses(app) == [IndividualStatus.UNCONFIRMED]
    assert "0 individuals have signed" in counts_line(statement_page(client, statement_slug))

    thanks = press_confirm(client, link, csrf_token(confirm_page))

    assert thanks.status_code == 200
    assert thanks.request.path == f"/s/{statement_slug}/thanks"
    thanks_text = text_of_id(thanks.text, "main")
    assert "Thank you" in thanks_text
    assert "Your signature counts." in thanks_text
    assert thanks_says in thanks_text
    assert individual_statuses(app) == [IndividualStatus.CONFIRMED]

    page = statement_page(client, statement_slug)
    assert "1 individual has signed" in counts_line(page)
    if shown_as is None:
        assert "Olena" not in page
        assert "Kovalenko" not in page
        assert "1 person signed without showing their name." in page
    else:
        assert shown_as in page
        assert "Nobody has signed as an individual yet." not in page
    if name_display != "full":
        assert "Kovalenko" not in page


def test_the_session_cookie_that_leads_to_the_thanks_page_carries_no_name(
        app, client, statement_slug, mail_dir):
    """A session cookie is signed, not encrypted: anyone holding it (a shared computer,
    a proxy's log) reads it."""
    sign(client, statement_slug)
    [message] = deliver_mail(app, mail_dir)
    link = path_of(confirmation_link(message))
    confirmed = client.post(link, data={"csrf_token": csrf_token(
        open_confirmation_page(client, link))})
    assert confirmed.status_code == 302

    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=SERVER_NAME)
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert "Olena" not in json.dumps(session, ensure_ascii=False)
    assert "Kovalenko" not in json.dumps(session, ensure_ascii=False)
    thanks = client.get(confirmed.location)
    assert "It is shown as “Olena Kovalenko”." in text_of_id(thanks.text, "main")


def test_the_confirmation_page_shows_what_a_second_submission_changed_before_it_counts(
    app, mail_dir, statement_slug
):
    """Anyone who knows an address can send the form again for it before it is
    confirmed: its owner must see what will be published before confirming it."""
    with app.app_context():
        Statement.query.filter_by(slug=statement_slug).one().asks_affiliation = True
        db.session.commit()
    signer, stranger = app.test_client(), app.test_client()
    sign(signer, statement_slug)
    with app.app_context():
        # Past the resend interval, so the second submission is mailed a new link.
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    sign(stranger, statement_slug, **{"person-affiliation": "Informant of the occupiers",
                                      "person-country": "PL", "person-wants_updates": "y"})

    page = open_confirmation_page(signer, link_in_latest_mail_to(app, mail_dir,
                                                                 "olena@example.org"))

    details = text_of_id(unescape(page), "signature-details")
    assert "Affiliation or title, shown with your name: Informant of the occupiers" in details
    assert "Country: Poland" in details
    assert "You will get updates about this statement by e-mail." in details
    assert "Not what you sent? Do not confirm" in unescape(page)


def test_a_strangers_tagged_spelling_does_not_keep_the_signers_link_bouncing(
    app, mail_dir, statement_slug
):
    """"olena+x@" finds the row of "olena@" (one mailbox, one signature), but a server
    that knows no +tags bounces mail to it: until confirmed, the link goes to the
    spelling typed last."""
    sign(app.test_client(), statement_slug, **{"person-email": "olena+x@corp.example.org"})
    with app.app_context():
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()

    sign(app.test_client(), statement_slug, **{"person-email": "olena@corp.example.org"})

    recipients = [str(message["To"]) for message in deliver_mail(app, mail_dir)]
    assert recipients == ["olena+x@corp.example.org", "olena@corp.example.org"]
    assert count_rows(app, IndividualSignature) == 1


def test_a_confirmed_signer_is_written_to_at_the_address_they_confirmed_from(
    app, client, mail_dir, statement_slug
):
    sign(client, statement_slug, **{"person-email": "olena@corp.example.org"})
    link = link_in_latest_mail_to(app, mail_dir, "olena@corp.example.org")
    press_confirm(client, link, csrf_token(open_confirmation_page(client, link)))
    with app.app_context():
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()

    sign(app.test_client(), statement_slug, **{"person-email": "olena+x@corp.example.org"})

    recipients = [str(message["To"]) for message in deliver_mail(app, mail_dir)]
    assert recipients[-1] == "olena@corp.example.org"


def test_the_confirmation_page_shows_no_affiliation_beside_a_name_not_shown(
    app, client, mail_dir, statement_slug
):
    with app.app_context():
        Statement.query.filter_by(slug=statement_slug).one().asks_affiliation = True
        db.session.commit()
    sign(client, statement_slug, **{"person-affiliation": "Lawyer, Crimean Human Rights Group",
                                    "person-name_display": "hidden"})

    page = unescape(open_confirmation_page(
        client, link_in_latest_mail_to(app, mail_dir, "olena@example.org")))

    assert "Your name will not be shown" in page
    assert "Lawyer, Crimean Human Rights Group" not in page


def test_a_confirmed_signature_answers_for_the_network_that_confirmed_it(
    app, mail_dir, statement_slug
):
    """Anyone can submit an address; only its owner can confirm it. The network the
    abuse tools judge a signature by is the confirming browser's."""
    stranger, signer = app.test_client(), app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    signer.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    sign(stranger, statement_slug)
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature.ip_prefix)).one() \
            == "203.0.113.0/24"

    link = link_in_latest_mail_to(app, mail_dir, "olena@example.org")
    press_confirm(signer, link, csrf_token(open_confirmation_page(signer, link)))

    with app.app_context():
        assert db.session.scalars(select(IndividualSignature.ip_prefix)).one() \
            == "198.51.100.0/24"


# --- Individuals: bad input ------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"person-name": ""}, "person-name", "Enter your name."),
        ({"person-name": "   "}, "person-name", "Enter your name."),
        ({"person-email": ""}, "person-email", "Enter your e-mail address."),
        ({"person-email": "not-an-address"}, "person-email", "Enter a valid e-mail address"),
        ({"person-name": "x" * 10_000}, "person-name", "Use at most 120 characters."),
        # 120 characters as typed, 360 once stored in NFC, which PostgreSQL would refuse.
        ({"person-name": "\ufb2c" * 120}, "person-name", "Use at most 120 characters."),
        ({"person-country": "XX"}, "person-country", "Choose a country from the list."),
    ],
    ids=["empty-name", "blank-name", "empty-email", "malformed-email", "10000-character-name",
         "name-longer-once-normalized", "unknown-country"],
)
def test_bad_input_is_explained_next_to_its_field_and_saves_nothing(
    app, client, statement_slug, overrides, field_id, message
):
    response = sign(client, statement_slug, **overrides)

    assert response.status_code == 400
    assert_error_next_to(response.text, field_id, message)
    assert count_rows(app, IndividualSignature) == 0
    assert count_rows(app, OutboxMessage) == 0


def test_the_name_field_says_to_write_the_first_name_first(client, statement_slug):
    """"First name and initial" keeps the first word and the last one's initial: a name
    typed family name first, as many write it in Ukrainian, would show the family name
    of a signer who chose to hide it."""
    page = client.get(f"/s/{statement_slug}").text
    assert 'aria-describedby="person-name-hint"' in page
    assert ("Your first name, then your family name: shown as “First name and initial”, "
            "“Lesia Ukrainka” becomes “Lesia U.”.") in unescape(page)
    in_ukrainian = client.get(f"/s/{statement_slug}", headers={"Accept-Language": "uk"}).text
    assert "Спершу ім’я, потім прізвище" in unescape(in_ukrainian)


def test_a_form_sent_back_with_an_error_keeps_the_country_chosen(client, statement_slug):
    # The country options are rendered once and reused: the selection must not be.
    assert client.get(f"/s/{statement_slug}").status_code == 200
    sign(client, statement_slug, **{"person-country": "PL", "person-name": ""})
    response = sign(client, statement_slug, **{"person-country": "UA", "person-name": ""})

    selected = re.findall(r'<option selected value="(\w*)"|<option value="(\w*)" selected',
                          response.text)
    assert [first or second for first, second in selected] == ["UA"]


def test_form_sent_without_its_security_token_is_refused_and_saves_nothing(
    app, client, statement_slug
):
    assert client.get(f"/s/{statement_slug}").status_code == 200

    response = client.post(f"/s/{statement_slug}/sign", data=individual_fields())

    assert response.status_code == 400
    assert "The form could not be sent" in text_of_id(response.text, "main")
    assert count_rows(app, IndividualSignature) == 0
    assert count_rows(app, OutboxMessage) == 0


# --- Individuals: links that cannot be used --------------------------------------


def test_a_used_confirmation_link_is_explained_and_counts_nothing_more(
    app, client, statement_slug, mail_dir
):
    sign(client, statement_slug)
    link = link_in_latest_mail_to(app, mail_dir, "olena@example.org")
    token = csrf_token(open_confirmation_page(client, link))
    assert press_confirm(client, link, token).status_code == 200

    opened_again = client.get(link)
    pressed_again = press_confirm(client, link, token)

    for response in (opened_again, pressed_again):
        assert response.status_code == 400
        text = text_of_id(response.text, "main")
        assert "This link cannot be used" in text
        assert "it has been used already" in text
        assert "Confirm my signature" not in button_texts(response.text)
    assert "1 individual has signed" in counts_line(statement_page(client, statement_slug))
    assert individual_statuses(app) == [IndividualStatus.CONFIRMED]


def test_an_expired_confirmation_link_is_explained_and_counts_nothing(
    app, client, statement_slug, mail_dir
):
    sign(client, statement_slug)
    link = link_in_latest_mail_to(app, mail_dir, "olena@example.org")
    token = session_csrf_token(client)
    with app.app_context():
        db.session.execute(update(IndividualSignature).values(
            confirmation_expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()

    opened = client.get(link)
    pressed = press_confirm(client, link, token)

    for response in (opened, pressed):
        assert response.status_code == 400
        assert "This confirmation link has expired" in text_of_id(response.text, "main")
    assert "0 individuals have signed" in counts_line(statement_page(client, statement_slug))
    assert individual_statuses(app) == [IndividualStatus.UNCONFIRMED]


# --- Individuals: the same address twice -----------------------------------------


@pytest.mark.parametrize("confirmed_first", [False, True], ids=["unconfirmed", "confirmed"])
def test_signing_again_in_another_case_adds_no_row_and_the_page_reveals_nothing(
    app, client, statement_slug, mail_dir, confirmed_first
):
    first = sign(client, statement_slug)
    first_page = client.get(first.location).text
    if confirmed_first:
        link = link_in_latest_mail_to(app, mail_dir, "olena@example.org")
        press_confirm(client, link, csrf_token(open_confirmation_page(client, link)))

    second = sign(client, statement_slug, **{"person-email": "OLENA@Example.ORG",
                                             "person-name": "Olena K"})

    assert second.status_code == 302
    assert second.location == first.location
    assert client.get(second.location).text == first_page
    assert count_rows(app, IndividualSignature) == 1
    expected = "1 individual has signed" if confirmed_first else "0 individuals have signed"
    assert expected in counts_line(statement_page(client, statement_slug))


# --- Organizations ---------------------------------------------------------------


def test_cosigning_without_the_authority_tick_is_explained_at_the_checkbox_and_saves_nothing(
    app, client, statement_slug
):
    fields = organization_fields()
    del fields["org-authorized_to_sign"]

    response = cosign(client, statement_slug, fields)

    assert response.status_code == 400
    assert_error_next_to(response.text, "org-authorized_to_sign",
                         "Tick this box to confirm that you may sign for the organization.")
    assert new_organizations(app) == 0
    assert count_rows(app, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"org-name": "   "}, "org-name", "Enter the organization's name."),
        ({"org-contact_name": ""}, "org-contact_name", "Enter the name of the contact person."),
        ({"org-contact_email": "not-an-address"}, "org-contact_email",
         "Enter a valid e-mail address"),
        ({"org-website": "ftp://files.example.org"}, "org-website",
         "Enter a web address starting with https://"),
        ({"org-website": "javascript:alert(1)"}, "org-website",
         "Enter a web address such as https://example.org"),
        ({"org-contact_name": "\ufb2c" * 120}, "org-contact_name",
         "Use at most 120 characters."),
    ],
    ids=["blank-name", "empty-contact", "malformed-contact-email", "ftp-website",
         "script-website", "contact-name-longer-once-normalized"],
)
def test_bad_organization_details_are_explained_next_to_their_field_and_save_nothing(
    app, client, statement_slug, overrides, field_id, message
):
    response = cosign(client, statement_slug, organization_fields(**overrides))

    assert response.status_code == 400
    assert_error_next_to(unescape(response.text), field_id, message)
    assert new_organizations(app) == 0
    assert count_rows(app, OutboxMessage) == 0


def test_an_organization_name_whose_folded_key_is_longer_than_the_name_is_taken(
    app, client, statement_slug
):
    # Folded for comparison, "ß" is "ss": the key of a 200-character name is longer.
    name = ("Gesellschaft für Straßenkinder " + "ß" * 200)[:200]

    response = cosign(client, statement_slug, organization_fields(**{"org-name": name}))

    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(OrganizationSignature)
                                    .where(OrganizationSignature.name == name)).one()
        assert stored.name_key == name_key(name)
        assert len(stored.name_key) > 200


def test_cosigned_organization_is_listed_only_after_confirming_and_approval_and_never_its_email(
    app, client, statement_slug, mail_dir
):
    response = cosign(client, statement_slug, organization_fields())
    assert response.status_code == 302
    check_page = client.get(response.location)
    assert "Check your e-mail" in text_of_id(check_page.text, "main")

    link = link_in_latest_mail_to(app, mail_dir, CONTACT_EMAIL)
    confirm_page = open_confirmation_page(client, link)
    assert f"Co-signing for {ORGANIZATION}." in text_of_id(confirm_page, "main")
    thanks = press_confirm(client, link, csrf_token(confirm_page))
    assert thanks.status_code == 200
    assert f"The co-signature of {ORGANIZATION} is confirmed." in text_of_id(thanks.text, "main")

    before_approval = statement_page(client, statement_slug)
    assert ORGANIZATION not in before_approval
    assert "12 organizations" in counts_line(before_approval)

    result = app.test_cli_runner().invoke(
        args=["approve-organization", statement_slug, ORGANIZATION])
    assert result.exit_code == 0, result.output
    assert f"Approved: {ORGANIZATION}" in result.output

    page = statement_page(client, statement_slug)
    assert ORGANIZATION in page
    assert "13 organizations" in counts_line(page)
    api = client.get(f"/api/v1/statements/{statement_slug}")
    assert ORGANIZATION in [organization["name"] for organization in api.json["organizations"]]
    for public in (page, client.get(f"/s/{statement_slug}").text, api.text,
                   json.dumps(api.json, ensure_ascii=False)):
        assert CONTACT_EMAIL not in public
        assert "Iryna Shevchenko" not in public
    with app.app_context():
        organization = db.session.scalars(select(OrganizationSignature).where(
            OrganizationSignature.founding.is_(False))).one()
        assert organization.status is OrganizationStatus.APPROVED
        assert organization.contact_email == CONTACT_EMAIL


# --- A closed statement ----------------------------------------------------------


def test_a_closed_statement_says_so_and_refuses_signatures(app, client, statement_slug):
    open_page = client.get(f"/s/{statement_slug}").text
    token_from_before = csrf_token(open_page)
    set_statement_status(app, statement_slug, StatementStatus.CLOSED)

    page = statement_page(client, statement_slug)
    assert "This statement is closed: it no longer takes signatures." in page
    # Only the form that e-mails a signer the link to their own page stays: signers of
    # a closed statement may still withdraw or erase their signature.
    assert form_actions(page) == [f"/s/{statement_slug}/manage#manage"]
    assert "Sign" not in button_texts(page)

    # Someone who opened the page before it closed sends the form anyway.
    for action, fields in ((f"/s/{statement_slug}/sign", individual_fields()),
                           (f"/s/{statement_slug}/cosign", organization_fields())):
        prefix = next(iter(fields)).partition("-")[0]
        response = client.post(action, data={**fields, f"{prefix}-csrf_token": token_from_before})
        assert response.status_code == 400
        assert "This statement is closed: it no longer takes signatures." in unescape(
            response.text)

    assert count_rows(app, IndividualSignature) == 0
    assert new_organizations(app) == 0
    assert count_rows(app, OutboxMessage) == 0


def test_a_link_left_on_a_signature_that_cannot_be_confirmed_now_is_explained(
    app, client, statement_slug, mail_dir
):
    """A confirmed signature that still holds a link (a submission that raced the
    confirmation could leave one, before resends read the row again): the link is
    answered as a used one, never with an error."""
    sign(client, statement_slug)
    link = link_in_latest_mail_to(app, mail_dir, "olena@example.org")
    token = session_csrf_token(client)
    with app.app_context():
        db.session.execute(update(IndividualSignature).values(
            status=IndividualStatus.CONFIRMED, confirmed_at=utcnow()))
        db.session.commit()

    opened = client.get(link)
    pressed = press_confirm(client, link, token)

    for response in (opened, pressed):
        assert response.status_code == 400
        assert "it has been used already" in text_of_id(response.text, "main")
        assert "Confirm my signature" not in button_texts(response.text)

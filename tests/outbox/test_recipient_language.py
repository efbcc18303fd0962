"""Everyone is written to in their own language: a signer in the language they signed
in, an organization's contact likewise, a coordinator in the language of their
settings, an addressee in the language of their address-book entry. The worker
renders each e-mail (and a letter's PDF) in it; the subject was written in it."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from campaign.accounts.models import Coordinator
from campaign.accounts.services import request_password_reset
from campaign.extensions import db
from campaign.letters.services import send_letters
from campaign.moderation.services import reject_organization
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import IndividualSignature, OrganizationSignature
from campaign.statements.services import get_statement
from campaign.updates.services import publish_update, write_update
from campaign.updates.tasks import fan_out_update
from tests.conftest import SERVER_NAME, create_coordinator_for, import_example
from tests.moderation import factories
from tests.support import individual_fields, post_form, read_mail_dir, text_of


def sign(client: FlaskClient, slug: str, **fields: str):
    response = post_form(client, f"/s/{slug}", f"/s/{slug}/sign", individual_fields(**fields))
    assert response.status_code == 302, response.text
    return response


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_a_signer_is_written_to_in_the_language_they_signed_in(
        app: Flask, smtp_app: Flask, smtp, statement_slug: str) -> None:
    ukrainian, english = app.test_client(), app.test_client()
    ukrainian.set_cookie("language", "uk", domain=SERVER_NAME)
    sign(ukrainian, statement_slug, **{"person-name": "Олена Коваленко",
                                       "person-email": "olena@example.org"})
    sign(english, statement_slug, **{"person-name": "Jane Doe",
                                     "person-email": "jane@example.org"})
    with app.app_context():
        languages = dict(db.session.execute(
            select(IndividualSignature.email, IndividualSignature.language)).all())
    assert languages == {"olena@example.org": "uk", "jane@example.org": "en"}

    # Delivered by the worker, over real SMTP, with no request (and so no reader's
    # language) around it.
    with smtp_app.app_context():
        deliver_due_messages()
    mail = {message["To"]: message for message in smtp.messages}

    olena = mail["olena@example.org"]
    assert olena["Subject"].startswith("Підтвердьте свій підпис: ")
    assert olena["Content-Language"] == "uk"
    body = text_of(olena)
    assert "Вітаємо, Олена Коваленко!" in body
    # 72 hours: the "few" form (2, 3, 4, 22…, 72) of the three Ukrainian plurals.
    assert "Посилання спрацює один раз і діє 72 години." in body
    assert "Please confirm" not in body and "The link works" not in body
    assert '<html lang="uk">' in html_of(olena)

    jane = mail["jane@example.org"]
    assert jane["Subject"].startswith("Please confirm your signature: ")
    assert "The link works once and for 72 hours." in text_of(jane)


def test_an_organizations_contact_is_told_in_the_language_they_co_signed_in(
        app_context: None, mail_dir) -> None:
    slug = import_example().slug
    with force_locale("uk"):
        organization_id = factories.organization(slug, "Харківська мережа солідарності")
    organization = db.session.get(OrganizationSignature, organization_id)
    assert organization.language == "uk"
    coordinator = db.session.get(Coordinator, create_coordinator_for("c@example.org", slug))

    # The coordinator works in English; the contact reads the rejection in Ukrainian.
    reject_organization(organization, "Немає підтвердження повноважень.", by=coordinator)
    db.session.commit()
    deliver_due_messages()
    [rejection] = [message for message in read_mail_dir(mail_dir)
                   if "не внесено до списку" in message["Subject"]]
    assert rejection["Subject"] == ("Харківська мережа солідарності не внесено до списку "
                                    f"підписантів заяви: {get_statement(slug).title}")
    assert "Координатори вирішили не вносити організацію" in text_of(rejection)


def test_a_coordinator_chooses_the_language_of_their_mail(
        app: Flask, coordinator_client: FlaskClient, mail_dir) -> None:
    page = coordinator_client.get("/coordinate/settings")
    assert '<option value="uk">Українська</option>' in page.text
    response = post_form(coordinator_client, "/coordinate/settings", "/coordinate/settings",
                         {"digest_hour": "7", "language": "uk"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Coordinator.language)).one() == "uk"
        # Asked for from an English page, written in the coordinator's language.
        request_password_reset("coordinator@example.org")
        db.session.commit()
        deliver_due_messages()
    [reset] = read_mail_dir(mail_dir)
    assert reset["Subject"] == "Відновлення пароля в Undersigned"
    assert "Посилання спрацює один раз і діє 60 хвилин." in text_of(reset)

    bad = post_form(coordinator_client, "/coordinate/settings", "/coordinate/settings",
                    {"digest_hour": "7", "language": "xx"})
    assert bad.status_code == 400 and "Not a valid choice" in bad.text


def test_an_update_reaches_each_signer_in_their_own_language(app_context, mail_dir) -> None:
    slug = import_example().slug
    with force_locale("uk"):
        factories.individual(slug, "Олена", "olena@example.org", wants_updates=True)
    factories.individual(slug, "Jane", "jane@example.org", wants_updates=True)
    deliver_due_messages()
    for path in mail_dir.glob("*.eml"):
        path.unlink()
    statement = get_statement(slug)
    coordinator = db.session.get(Coordinator, create_coordinator_for("c@example.org", slug))
    update = write_update(statement, "Lviv", "The council met us.", by=coordinator)
    publish_update(update)
    db.session.commit()
    fan_out_update(update.id)
    deliver_due_messages()

    mail = {message["To"]: message for message in read_mail_dir(mail_dir)}
    assert (mail["olena@example.org"]["Subject"]
            == f"Lviv — оновлення щодо заяви «{statement.title}»")
    assert "Відписатися від цих листів" in text_of(mail["olena@example.org"])
    assert mail["jane@example.org"]["Subject"] == f"Lviv — an update on “{statement.title}”"
    assert {row.locale for row in db.session.scalars(select(OutboxMessage))} >= {"uk", "en"}


@pytest.mark.pdf
def test_a_letter_to_a_ukrainian_addressee_is_entirely_in_ukrainian(app_context, mail_dir):
    slug = import_example().slug
    statement = get_statement(slug)
    addressee = statement.addressees[0]
    addressee.email, addressee.language = "office@gov.example", "uk"
    other = statement.addressees[1]
    other.email, other.language = "office@other.example", "pt-BR"  # no catalog: English
    coordinator = db.session.get(Coordinator, create_coordinator_for("c@example.org", slug))
    for number in range(2):
        factories.individual(slug, f"Особа {number}", f"person{number}@example.org")
    deliver_due_messages()
    for path in mail_dir.glob("*.eml"):
        path.unlink()

    send_letters(statement, [addressee, other], by=coordinator)
    db.session.commit()
    deliver_due_messages()
    mail = {message["To"]: message for message in read_mail_dir(mail_dir)}

    letter = mail["office@gov.example"]
    assert f"Наші вимоги до {addressee.name}" in text_of(letter)
    assert "2 особи" in text_of(letter)  # the "few" form
    [attachment] = list(letter.iter_attachments())
    pdf_text = " ".join(page.extract_text() for page in
                        PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert "Наші вимоги до" in pdf_text and "Сторінка 1 з" in pdf_text
    assert "2 особи" in pdf_text
    # The fixed texts; the statement itself is English (it has no translation yet).
    for english in ("Our demands", "Page 1 of", "Signed by", "To:"):
        assert english not in pdf_text

    assert "Our demands to" in text_of(mail["office@other.example"])

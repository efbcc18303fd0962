"""Every public page, every page of the workspace and every kind of e-mail, rendered
in Ukrainian, hold no English of the interface: a string left unmarked for
translation, or marked and left untranslated, fails here.

The statement, its people and its addressees are Ukrainian here, so that two
English words in a row on a Ukrainian page can only come from the interface. Two
checks, on the text a reader sees (and the labels a screen reader reads):
- no English message of the catalog of two words or more appears in it (the
  catalog's own strings, marked but not translated);
- no two English words of the catalog's vocabulary stand next to each other (a
  string never marked), outside what is marked with lang="en", code, e-mail
  addresses and web addresses, and the few words in ALLOWED below.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from campaign.accounts.models import Coordinator, Team
from campaign.accounts.services import add_to_team, invite_to_team, request_password_reset
from campaign.addressees.services import AddresseeDetails, add_entry
from campaign.digests.deadlines import close_statements_past_deadline
from campaign.digests.services import announce_milestones, send_due_digests
from campaign.extensions import db
from campaign.letters.services import send_letters
from campaign.moderation.services import approve_organization, reject_organization
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.replies.services import ReplyDetails, publish_reply, record_reply
from campaign.replies.tasks import notify_signers_of_reply
from campaign.signing.models import IndividualSignature, OrganizationSignature, OrganizationType
from campaign.signing.services import OrganizationSignatureRequest, sign_for_organization
from campaign.signing.signer_links import signer_page_url
from campaign.signing.signer_services import send_signer_links
from campaign.signing.tally import TallyKind, add_to_tally
from campaign.statements.services import create_sign_on_link, get_statement
from campaign.statements.translating import (
    add_translation,
    approve_translation,
    save_translation,
    source_parts,
)
from campaign.updates.services import publish_update, write_update
from campaign.updates.tasks import fan_out_update
from tests.conftest import SERVER_NAME, create_coordinator_for, import_example, sign_in
from tests.moderation import factories
from tests.support import PROJECT_ROOT, path_of, read_mail_dir, text_of

CATALOG = PROJECT_ROOT / "campaign" / "translations" / "uk" / "LC_MESSAGES" / "messages.po"
# Words that stay as they are in a Ukrainian interface: the product's name, and
# formats, standards and units that are written the same in Ukrainian.
ALLOWED = {"Undersigned", "UTC", "PDF", "CSV", "HTML", "DOC", "DOCX", "ODT", "TXT", "PNG",
           "JPEG", "GIF", "WebP", "Markdown", "CIDR", "IPv", "IP", "slug", "ZMINA", "UA",
           "NUL", "kovalenko", "bot",
           # The sites a statement is shared on, named as they name themselves.
           "Telegram", "WhatsApp", "Signal", "X", "Facebook", "Mastodon"}
_URL_OR_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:org|example|test)\b\S*")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and aria-label, title, placeholder
    and alt attributes; not what is marked as another language, nor code."""

    SKIPPED: ClassVar[set[str]] = {"script", "style", "code", "pre", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        other_language = (attributes.get("lang") or "uk").split("-")[0] != "uk"
        void = tag in {"br", "hr", "img", "input", "meta", "link", "option"}
        if not void:
            self.stack.append((tag, tag in self.SKIPPED or other_language))
        if not (self._skipping() or other_language):
            self.parts.extend(value for name, value in attrs
                              if name in {"aria-label", "title", "placeholder", "alt"} and value)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_of_catalog() -> tuple[list[str], set[str]]:
    """The catalog's English fragments of two words or more (placeholders split
    them), and every English word it uses."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    fragments, vocabulary = [], set()
    for message in catalog:
        for msgid in (message.id if isinstance(message.id, tuple) else (message.id,)):
            for fragment in _PLACEHOLDER.split(msgid or ""):
                words = _LATIN_WORD.findall(fragment)
                vocabulary.update(word.lower() for word in words)
                if len(words) >= 2:
                    fragments.append(" ".join(fragment.split()).strip(" ,.:;·—"))
    return sorted(set(fragments), key=len, reverse=True), vocabulary - {
        word.lower() for word in ALLOWED}


FRAGMENTS, VOCABULARY = english_of_catalog()


def english_in(text: str) -> list[str]:
    """What in this Ukrainian text is English of the interface."""
    found = [fragment for fragment in FRAGMENTS if fragment and fragment in text]
    words = _LATIN_WORD.findall(_URL_OR_ADDRESS.sub(" ", text))
    for first, second in pairwise(words):
        if first.lower() in VOCABULARY and second.lower() in VOCABULARY and re.search(
                rf"\b{re.escape(first)}\W{{1,3}}{re.escape(second)}\b", text):
            found.append(f"{first} {second}")
    return found


def make_ukrainian(slug: str) -> None:
    """The example statement, its groups, demands and addressees, in Ukrainian."""
    statement = get_statement(slug)
    statement.language = "uk"
    statement.title = "Заява щодо звільнення політв'язнів"
    statement.body_markdown = "Ми, організації громадянського суспільства, заявляємо."
    for number, group in enumerate(statement.demand_groups, start=1):
        group.intro = f"Закликаємо адресатів групи {number}:"
        for demand_number, demand in enumerate(group.demands, start=1):
            demand.text = f"Вимога {number}.{demand_number}: звільнити всіх."
    for number, addressee in enumerate(statement.addressees, start=1):
        addressee.name = f"Адресат {number}"
        addressee.role = "Міністерство"
        addressee.email = f"adresat{number}@gov.example"
        addressee.language = "uk"
    # This statement's own, in a set order: renaming another statement's again could
    # meet a name it holds (the database checks each row's uniqueness as it goes).
    for number, organization in enumerate(db.session.scalars(
            select(OrganizationSignature)
            .where(OrganizationSignature.statement_id == statement.id)
            .order_by(OrganizationSignature.id)), start=1):
        organization.name = f"Організація-ініціатор {number}"
        organization.name_key = organization.name.casefold()
    db.session.commit()


def build_world(app: Flask, mail_dir: Path) -> dict[str, str]:
    """A statement in every state the pages show, everyone in it Ukrainian, every kind
    of e-mail sent once; returns the values the pages' addresses need."""
    with app.app_context(), force_locale("uk"):
        slug = import_example().slug
        make_ukrainian(slug)
        draft = import_example("chernetka", publish=False).slug
        make_ukrainian(draft)
        statement = get_statement(slug)
        coordinator_id = create_coordinator_for("koordynatorka@example.org", slug, draft,
                                                name="Марія Томак")
        coordinator = db.session.get(Coordinator, coordinator_id)
        coordinator.language, coordinator.is_admin, coordinator.digest_hour = "uk", True, 7
        approved = factories.organization(slug, "Харківська мережа", "iryna@kharkiv.example")
        approve_organization(db.session.get(OrganizationSignature, approved), by=coordinator)
        rejected = factories.organization(slug, "Відхилена спілка", "vidh@spilka.example")
        reject_organization(db.session.get(OrganizationSignature, rejected), "Немає повноважень.",
                            by=coordinator)
        factories.organization(slug, "Спілка на розгляді", "rozghliad@spilka.example")
        olena = factories.individual(slug, "Олена Коваленко", "olena@example.org",
                                     wants_updates=True)
        factories.individual(slug, "Тарас Шевченко", "taras@example.org", confirm=False)
        db.session.commit()
        # Signing again: an already-signed notice, to a person and to an organization.
        for signature in db.session.scalars(select(IndividualSignature)):
            signature.last_mailed_at = None
        for signature in db.session.scalars(select(OrganizationSignature)):
            signature.last_mailed_at = None
        factories.individual(slug, "Олена Коваленко", "olena@example.org", confirm=False)
        sign_for_organization(statement, OrganizationSignatureRequest(
            name="Харківська мережа", country="UA", organization_type=OrganizationType.NGO,
            website=None, contact_name="Інший контакт", contact_email="inshyi@kharkiv.example",
            authorized_to_sign=True))
        db.session.commit()
        for signature in db.session.scalars(select(IndividualSignature)):
            signature.last_mailed_at = None
        send_signer_links(statement, "olena@example.org")
        request_password_reset("koordynatorka@example.org")
        invite_to_team(db.session.get_one(Team, statement.team_id), "nova@example.org",
                       coordinator)
        entry = add_entry(coordinator_id, AddresseeDetails(
            name="Верховна Рада", role="Голова", email="rada@gov.example", language="uk"))
        update = write_update(statement, "Зустріч у Львові", "Ми зустрілися з радою.",
                              by=coordinator)
        publish_update(update)
        draft_update = write_update(statement, "Наступна зустріч", "Ми зустрінемося знову.",
                                    by=coordinator)
        reply = record_reply(statement, ReplyDetails(
            addressee_id=statement.addressees[0].id, demand_group_id=None,
            received_on=date(2026, 3, 1), text="Ми розглянемо ваші вимоги."),
            recorded_by_id=coordinator_id)
        publish_reply(reply)
        send_letters(statement, statement.addressees[:2], by=coordinator)
        sign_on = create_sign_on_link(get_statement(draft))
        # An official English translation (the page links to it) and a Russian draft
        # that lacks most of its parts (the workspace lists them).
        english = add_translation(statement, "en")
        save_translation(english, {part.key: f"English of {part.key}"
                                   for part in source_parts(statement)})
        approve_translation(english)
        save_translation(add_translation(statement, "ru"), {"title": "Заявление"})
        db.session.commit()
        fan_out_update(update.id)
        notify_signers_of_reply(reply.id)
        add_to_tally(statement.id, TallyKind.INDIVIDUALS, 100)
        db.session.commit()
        announce_milestones()
        send_due_digests(datetime.now(UTC).replace(hour=7) + timedelta(days=1))
        db.session.commit()
        closing = import_example("terminova")
        closing.title = "Заява з кінцевим терміном"
        closing.time_zone = "Europe/Kyiv"
        closing.signing_deadline = datetime.now(UTC) - timedelta(minutes=1)
        add_to_team(closing, coordinator)
        # After the digests, which would name its (English) founding signatories.
        close_statements_past_deadline(datetime.now(UTC))
        db.session.commit()
        deliver_due_messages()
        signer = db.session.get(IndividualSignature, olena)
        return {
            "slug": slug, "draft": draft, "sign_on": sign_on,
            "signer_page": path_of(signer_page_url(signer)),
            "organization": str(approved), "rejected": str(rejected),
            "addressee": str(statement.addressees[0].id),
            # Sent no letter, so it can be removed: its page asks first.
            "unlettered_addressee": str(statement.addressees[-1].id),
            "group": str(statement.demand_groups[0].id),
            "demand": str(statement.demand_groups[0].demands[0].id),
            "update": str(update.id), "draft_update": str(draft_update.id), "reply": str(reply.id),
            "entry": str(entry.id),
        }


def links_in(mail_dir: Path, pattern: str) -> list[str]:
    found = []
    for message in read_mail_dir(mail_dir):
        found.extend(re.findall(rf"https?://{re.escape(SERVER_NAME)}({pattern})",
                                text_of(message)))
    return found


PUBLIC_PAGES = [
    "/", "/s/{slug}", "/s/{slug}/check-your-email", "/s/{slug}/thanks",
    "/s/{slug}/manage/sent", "/privacy", "{signer_page}", "/confirm/not-a-token",
    "/s/{draft}/private/{sign_on}", "/s/{draft}/private/{sign_on}/check-your-email",
    "/coordinate/sign-in", "/coordinate/forgot-password", "/coordinate/forgot-password/sent",
    "/coordinate/reset-password/not-a-token", "/no-such-page", "/signer/not-a-token",
    "/s/{slug}/widget", "/s/{slug}/share/signal", "/s/{slug}/share/mastodon",
]
WORKSPACE_PAGES = [
    "/coordinate/", "/coordinate/new", "/coordinate/settings", "/coordinate/address-book",
    "/coordinate/address-book/new", "/coordinate/address-book/{entry}",
    "/coordinate/instance-lists", "/coordinate/{slug}/",
    "/coordinate/{slug}/edit", "/coordinate/{draft}/edit", "/coordinate/{slug}/addressees/new",
    "/coordinate/{slug}/addressees/{addressee}", "/coordinate/{slug}/demands/{demand}",
    "/coordinate/{slug}/groups/{group}", "/coordinate/{slug}/export", "/coordinate/{slug}/held",
    "/coordinate/{slug}/individuals", "/coordinate/{slug}/invalidations",
    "/coordinate/{slug}/invalidations/preview?email_domain=example.org",
    "/coordinate/{slug}/letters", "/coordinate/{slug}/letters/to/{addressee}",
    "/coordinate/{slug}/letters/to/{addressee}/text", "/coordinate/{slug}/lists",
    "/coordinate/{slug}/moderation-log", "/coordinate/{slug}/organizations",
    "/coordinate/{slug}/organizations/{organization}/name",
    "/coordinate/{slug}/organizations/{rejected}/reject", "/coordinate/{slug}/replies",
    "/coordinate/{slug}/team", "/coordinate/{slug}/updates",
    "/coordinate/{slug}/updates/{update}", "/dev/mail/", "/coordinate/password",
    "/coordinate/{draft}/delete", "/coordinate/{slug}/founding-organizations/new",
    "/coordinate/{slug}/share",
    "/coordinate/{slug}/translations",
    "/coordinate/{slug}/translations/en", "/coordinate/{slug}/translations/ru",
    "/coordinate/{slug}/translations/ru/remove",
    "/coordinate/{slug}/addressees/{unlettered_addressee}/remove",
    "/coordinate/{slug}/updates/{draft_update}/publish",
    "/coordinate/{slug}/demands/{demand}/remove", "/coordinate/{slug}/groups/{group}/remove",
]


def ukrainian_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("language", "uk", domain=SERVER_NAME)
    return client


def test_every_page_is_in_ukrainian(app: Flask, mail_dir: Path) -> None:
    values = build_world(app, mail_dir)
    public = ukrainian_client(app)
    # Pages that only a link from an e-mail opens: followed from the Ukrainian mail.
    pages = [page.format(**values) for page in PUBLIC_PAGES]
    pages += links_in(mail_dir, r"/confirm/[\w-]+")[:1]
    pages += links_in(mail_dir, r"/unsubscribe/[\w-]+")[:1]
    pages += links_in(mail_dir, r"/coordinate/reset-password/[\w-]+")[:1]
    pages += links_in(mail_dir, r"/coordinate/invitations/[\w-]+")[:1]
    assert len(pages) == len(PUBLIC_PAGES) + 4, "an e-mail's link is missing"
    workspace = ukrainian_client(app)
    sign_in(workspace, "koordynatorka@example.org")

    english = {}
    for client, paths in ((public, pages),
                          (workspace, [page.format(**values) for page in WORKSPACE_PAGES])):
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code in (200, 400, 404), (path, response.status_code)
            assert response.mimetype in ("text/html", "text/plain"), path
            text = (visible_text(response.text) if response.mimetype == "text/html"
                    else response.text)
            if response.mimetype == "text/html":
                assert '<html lang="uk">' in response.text, path
            if found := english_in(text):
                english[path] = found
    assert english == {}


def test_every_email_is_in_ukrainian(app: Flask, mail_dir: Path) -> None:
    build_world(app, mail_dir)
    with app.app_context():
        kinds = set(db.session.scalars(select(OutboxMessage.template)))
    every_kind = {path.stem for path in (PROJECT_ROOT / "templates" / "emails").glob("*.txt")}
    assert kinds == every_kind, "an e-mail kind was not sent: add it to build_world"

    english = {}
    for message in read_mail_dir(mail_dir):
        assert message["Content-Language"] == "uk", message["Subject"]
        html = message.get_body(preferencelist=("html",)).get_content()
        for part, text in (("subject", message["Subject"]), ("text", text_of(message)),
                           ("html", visible_text(html))):
            if found := english_in(text):
                english[f"{message['Subject']} ({part})"] = found
    assert english == {}


@pytest.mark.parametrize(("count", "shown"), [
    (1, "1 особа підписала"), (2, "2 особи підписали"), (5, "5 осіб підписали"),
    (11, "11 осіб підписали"), (21, "21 особа підписала"), (22, "22 особи підписали")])
def test_the_count_on_the_public_page_takes_the_right_ukrainian_plural(
        app: Flask, count: int, shown: str) -> None:
    with app.app_context():
        slug = import_example().slug
        add_to_tally(get_statement(slug).id, TallyKind.INDIVIDUALS, count)
        db.session.commit()
    page = ukrainian_client(app).get(f"/s/{slug}")
    assert re.search(rf"·\s*{shown}\s*</p>", page.text), shown

"""The honeypot: a field no person sees or reaches, whose filling holds a signature
(or sends nothing, on the resend form) while the page says what it always says."""

from __future__ import annotations

from html.parser import HTMLParser

from campaign.abuse.models import HoldReason
from campaign.database import utcnow
from campaign.extensions import db
from campaign.signing.models import IndividualStatus, OrganizationStatus
from campaign.statements.services import create_sign_on_link
from tests.abuse.limits_setup import (
    client_from,
    cosign,
    individual,
    mailed_to,
    organization,
    sign,
)
from tests.conftest import import_example
from tests.support import PROJECT_ROOT, post_form, sql_statements

TRAP = {"person-homepage": "https://cheap-pills.example"}


def test_a_filled_honeypot_holds_the_signature(client, app, statement_slug):
    honest = sign(client, statement_slug, "olena@example.org")
    trapped = sign(client, statement_slug, "bot@example.org", **TRAP)

    assert (trapped.status_code, trapped.location) == (honest.status_code, honest.location)
    with app.app_context():
        bot = individual("bot@example.org")
        assert (bot.status, bot.hold_reason) == (IndividualStatus.SUSPECTED, HoldReason.HONEYPOT)
        assert mailed_to() == ["olena@example.org"]


def test_a_filled_honeypot_holds_the_co_signature(client, app, statement_slug):
    response = cosign(client, statement_slug, "Spam Inc", "bot@example.org",
                      **{"org-homepage": "x"})

    assert response.status_code == 302
    with app.app_context():
        spam = organization("Spam Inc")
        assert (spam.status, spam.hold_reason) == (
            OrganizationStatus.SUSPECTED, HoldReason.HONEYPOT)
        assert mailed_to() == []


def test_a_filled_honeypot_on_the_resend_form_sends_nothing(limited_app, app, statement_slug):
    browser = client_from(limited_app(CONFIRMATION_RESEND_MINUTES=0), "203.0.113.5")
    sign(browser, statement_slug, "olena@example.org")

    response = post_form(browser, f"/s/{statement_slug}", f"/s/{statement_slug}/manage",
                         {"manage-email": "olena@example.org", "manage-homepage": "x"})

    assert response.status_code == 302
    assert response.location.endswith(f"/s/{statement_slug}/manage/sent")
    with app.app_context():
        assert mailed_to() == ["olena@example.org"]


class _Traps(HTMLParser):
    """The honeypot inputs of a page, each with its attributes and those of the
    elements around it."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict[str, str | None]] = []
        self.traps: dict[str, tuple[dict[str, str | None], list[dict[str, str | None]]]] = {}
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"] or "")
        if tag == "input" and (attributes.get("name") or "").endswith("-homepage"):
            self.traps[attributes["name"] or ""] = (attributes, list(self.open))
        elif tag == "div":
            self.open.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.open:
            self.open.pop()


def _assert_hidden_from_people_and_assistive_technology(html: str, names: set[str]) -> None:
    parser = _Traps()
    parser.feed(html)
    assert set(parser.traps) == names
    for attributes, around in parser.traps.values():
        assert attributes["tabindex"] == "-1"
        assert attributes["autocomplete"] == "off"
        assert "style" not in attributes
        assert attributes["id"] in parser.labels
        container = around[-1]
        assert container["class"] == "trap" and container["aria-hidden"] == "true"
        assert "style" not in container


def test_the_honeypots_are_hidden_and_out_of_reach(client, statement_slug):
    page = client.get(f"/s/{statement_slug}").text

    _assert_hidden_from_people_and_assistive_technology(
        page, {"person-homepage", "org-homepage", "manage-homepage"})
    assert "Leave this field empty" in page
    css = (PROJECT_ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    rule = css[css.index(".trap {"):].split("}")[0]
    assert "position: absolute" in rule and "left: -10000px" in rule


def test_the_private_sign_on_page_has_its_honeypot(client, app):
    with app.app_context():
        token = create_sign_on_link(import_example("draft", publish=False))
        db.session.commit()

    page = client.get(f"/s/draft/private/{token}").text

    _assert_hidden_from_people_and_assistive_technology(page, {"org-homepage"})


def test_a_held_signer_asking_for_their_link_is_sent_nothing(limited_app, app, statement_slug):
    """Holding a signature means no e-mail to the address it names: not its
    confirmation, and not its page's link either."""
    browser = client_from(limited_app(CONFIRMATION_RESEND_MINUTES=0), "203.0.113.5")
    sign(browser, statement_slug, "victim@example.org", **TRAP)

    response = post_form(browser, f"/s/{statement_slug}", f"/s/{statement_slug}/manage",
                         {"manage-email": "victim@example.org"})

    assert response.location.endswith(f"/s/{statement_slug}/manage/sent")
    with app.app_context():
        assert individual("victim@example.org").status is IndividualStatus.SUSPECTED
        assert mailed_to() == []


def test_a_held_submission_reads_no_signature_whoever_it_names(client, app, statement_slug):
    # Its answer is the same page, and its time must not tell either: the database is
    # asked the same for an address that has signed as for one that has not.
    sign(client, statement_slug, "olena@example.org")
    with app.app_context():
        signed = individual("olena@example.org")
        signed.confirm(utcnow())
        db.session.commit()

    def statements_of(email: str) -> list[str]:
        with sql_statements() as seen:
            assert sign(client, statement_slug, email, **TRAP).status_code == 302
        return seen

    with app.app_context():
        statements_of("warming-up@example.org")
        for_the_signer = statements_of("olena@example.org")
        for_a_stranger = statements_of("never-signed@example.org")

    assert for_the_signer == for_a_stranger
    with app.app_context():
        assert individual("olena@example.org").status is IndividualStatus.CONFIRMED

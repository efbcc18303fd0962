"""No input, however hostile, gets a 500: NUL characters, ids beyond the database's
integers, invalid UTF-8 and percent-encoding, overlong values; first the cases a probe
found, then a property-based test (hypothesis) over every public form and the API.

The forms are sent as a browser sends them, with the CSRF token of their page; a few
examples leave the token out. PostgreSQL is where most of these failed (it refuses a
NUL in text and an id beyond 2**31 - 1): run with TEST_DATABASE_URL set, too."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from campaign.accounts.models import Coordinator, Team
from campaign.accounts.services import invite_to_team, request_password_reset
from campaign.database import utcnow
from campaign.extensions import db
from campaign.input_checks import LARGEST_ID
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import IndividualSignature, OrganizationSignature, TallyKind
from campaign.signing.signer_links import signer_links
from campaign.signing.tally import add_to_tally
from campaign.statements.services import create_sign_on_link, get_statement
from tests.conftest import (
    COORDINATOR_PASSWORD,
    create_coordinator_for,
    import_example,
    make_app,
    sign_in,
)
from tests.support import (
    csrf_token,
    individual_fields,
    organization_fields,
    path_of,
    post_form,
    read_mail_dir,
    text_of,
)

COORDINATOR = "coordinator@example.org"
MEMBER = "member@example.org"


# --- The cases the probe found ---------------------------------------------------------


def count_signatures(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IndividualSignature))


def test_a_nul_character_in_a_form_is_refused_with_a_clear_page(app, client, statement_slug):
    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields(**{"person-name": "Olena\x00Kovalenko"}))

    assert response.status_code == 400
    assert "What you sent could not be used" in response.text
    assert "contains a NUL character" in response.text
    assert count_signatures(app) == 0


@pytest.mark.parametrize("path", [
    "/s/crimea%00", "/confirm/abc%00def", "/signer/%00", "/unsubscribe/x%00",
    "/coordinate/invitations/%00", "/coordinate/reset-password/%00", "/s/crimea-2020?q=%00",
])
def test_a_nul_character_in_an_address_is_refused(client, statement_slug, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "contains a NUL character" in response.text


def test_a_nul_character_in_an_api_address_is_refused_in_json(client, statement_slug):
    response = client.get("/api/v1/statements/crimea%00")

    assert response.status_code == 400
    assert response.json == {"error": "Bad Request", "status": 400}


def int_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, URL) of every route that takes an id, with ids beyond what the database
    holds, and the statement's slug where one is asked for."""
    urls = []
    for rule in app.url_map.iter_rules():
        ids = [name for name in rule.arguments if "int" in type(
            rule._converters[name]).__name__.lower() or name.endswith("_id")]
        if not ids:
            continue
        for too_large in (LARGEST_ID + 1, 10**30):
            values = {name: too_large if name in ids else "crimea-2020"
                      for name in rule.arguments}
            path = rule.rule
            for name, value in values.items():
                path = re.sub(rf"<[^>]*:?{name}>", str(value), path)
            urls.extend((method, path) for method in sorted(rule.methods or ())
                        if method in {"GET", "POST"})
    return urls


def test_ids_beyond_the_database_integer_are_no_page_on_every_route(app, coordinator_client,
                                                                     statement_slug):
    routes = int_routes(app)
    assert len(routes) >= 60  # public and coordinator routes, GET and POST

    for method, url in routes:
        response = coordinator_client.open(url, method=method)
        # Werkzeug answers 405 where another method's route has the same path.
        assert response.status_code in (404, 405), (method, url, response.status_code)
    assert coordinator_client.get(
        f"/coordinate/{statement_slug}/letters/to/{LARGEST_ID}").status_code == 404


def test_every_id_in_an_address_is_bounded_to_the_database_integer(app):
    bounded = [(rule.rule, converter.max) for rule in app.url_map.iter_rules()
               for converter in rule._converters.values() if hasattr(converter, "max")]

    assert bounded
    assert {maximum for _, maximum in bounded} == {LARGEST_ID}


def test_invalid_utf8_and_percent_encoding_get_no_error(app, client, statement_slug):
    for path in ("/s/%ff%fe", "/s/%zz", "/s/%c0%af", "/confirm/%e2%82", "/signer/%",
                 "/api/v1/statements/%ff"):
        # 400 is the confirmation page's "this link cannot be used".
        assert client.get(path).status_code in (400, 404), path
    assert client.get(f"/s/{statement_slug}?q=%ff%fe&%zz=1").status_code == 200

    page = client.get(f"/s/{statement_slug}")
    body = urlencode({**individual_fields(), "person-csrf_token": csrf_token(page.text)})
    body = body.replace("Olena+Kovalenko", "Olena%ff%fe%c0")
    response = client.post(f"/s/{statement_slug}/sign", data=body.encode(),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    with app.app_context():
        # Werkzeug keeps bytes that are not UTF-8 as their percent-encoding.
        assert db.session.scalars(select(IndividualSignature.name)).one().startswith("Olena")


def test_overlong_values_get_a_message_at_the_field(app, client, statement_slug):
    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields(**{"person-name": "x" * 100_000}))

    assert response.status_code == 400
    assert "Use at most 120 characters." in response.text
    assert count_signatures(app) == 0


RIGHT_TO_LEFT_OVERRIDE = "\u202e"


def test_a_name_cannot_turn_the_names_after_it_around(app, client, statement_slug):
    # An override opened in a name and never closed reverses the rest of its line:
    # on the statement's page, every signer listed after it.
    for name, email in ((f"Anna{RIGHT_TO_LEFT_OVERRIDE}", "anna@example.org"),
                        ("Taras \u2067Melnyk\u202a", "taras@example.org")):
        response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                             individual_fields(**{"person-name": name, "person-email": email}))
        assert response.status_code == 302
    organization = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/cosign",
                             organization_fields(**{"org-name": f"ZMINA{RIGHT_TO_LEFT_OVERRIDE}",
                                                    "org-contact_name": "Iryna\u202d"}))
    assert organization.status_code == 302

    with app.app_context():
        assert sorted(db.session.scalars(select(IndividualSignature.name))) == [
            "Anna", "Taras Melnyk"]
        assert db.session.execute(
            select(OrganizationSignature.name, OrganizationSignature.contact_name)
            .filter_by(contact_email="iryna@solidarity.example.org")).one() == (
            "ZMINA", "Iryna")


def test_a_name_of_direction_controls_alone_is_a_missing_name(app, client, statement_slug):
    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields(**{"person-name": f" {RIGHT_TO_LEFT_OVERRIDE}\u2066 "}))

    assert response.status_code == 400
    assert "Enter your name." in response.text
    assert count_signatures(app) == 0


def test_each_listed_name_keeps_its_direction_to_itself(app, client, statement_slug):
    # Names stored before controls were taken out, and names written right to left.
    names = [f"Anna{RIGHT_TO_LEFT_OVERRIDE}", "\u05d0\u05e0\u05d4", "Taras Melnyk"]
    for number in range(len(names)):
        post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                  individual_fields(**{"person-email": f"signer{number}@example.org"}))
    with app.app_context():
        for number, name in enumerate(names):
            signature = db.session.scalars(select(IndividualSignature).filter_by(
                email=f"signer{number}@example.org")).one()
            signature.name = name
            signature.confirm(utcnow())
            add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS)
        db.session.commit()

    page = client.get(f"/s/{statement_slug}").text

    listed = page[page.index('<p class="individuals">'):]
    listed = listed[:listed.index("</p>")]
    assert sorted(re.findall(r"<bdi>(.*?)</bdi>", listed)) == sorted(names)
    # Nothing but the separators between them.
    assert re.sub(r"<bdi>.*?</bdi>", "", listed).replace(";", "").split() == [
        '<p', 'class="individuals">', "."]


# --- Every public form, under hypothesis ------------------------------------------------

HOSTILE_VALUES = [
    "", " ", "\x00", "a\x00b", "\r\n", "x\r\nBcc: victim@example.org", "\x0b\x0c\x1b[31m\x7f",
    "%00", "%ff", "\ufeff", "\u202eevil", "' OR '1'='1", "<script>alert(1)</script>",
    "x" * 100_000, "é" * 5000, "🙂" * 300, "2147483648", "-1", "9" * 50, "@", "a@b", "@@",
    "a@" + "b" * 300 + ".org", "name@[127.0.0.1]", '"quoted"@example.org',
    "олена@приклад.укр", "o.le.na+tag@gmail.com", "javascript:alert(1)",
    "http://" + "a" * 400 + ".org", "//evil.example", "https://evil.example/",
]


# Put inside a plausible value, where a check of the whole value may miss it.
INSIDE = ["\x00", "\r\n", "\n", "\x0b", "\x1b", "\u202e", "\ufeff", "%00", "\u2028", "\t"]

# A hostile value: one from the list, any text, or any bytes.
HOSTILE = st.one_of(st.sampled_from(HOSTILE_VALUES),
                    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
                    st.binary(max_size=40))


def submissions(fields: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str | bytes]]:
    """The form filled in plausibly, then up to three fields made hostile, one perhaps
    left out, and perhaps a field the form does not have."""
    names = sorted(fields)

    @st.composite
    def submission(draw: st.DrawFn) -> dict[str, str | bytes]:
        values: dict[str, str | bytes] = draw(st.fixed_dictionaries(
            {name: st.sampled_from(plausible) for name, plausible in fields.items()}))
        for name in draw(st.sets(st.sampled_from(names), max_size=3)) if names else ():
            plausible = str(values[name])
            values[name] = draw(st.one_of(HOSTILE, st.sampled_from(INSIDE).map(
                lambda inside, plausible=plausible: plausible[:3] + inside + plausible[3:])))
        for name in draw(st.sets(st.sampled_from(names), max_size=1)) if names else ():
            del values[name]
        values.update(draw(st.dictionaries(st.text(max_size=12), HOSTILE, max_size=1)))
        return values

    return submission()


NAMES = ["Olena Kovalenko", "Iryna Shevchenko", "Ö", "Ли"]
EMAILS = ["olena@example.org", "iryna@solidarity.example.org",
          COORDINATOR, "new.member@example.org"]
PASSWORDS = ["correct horse battery staple", "a much longer new passphrase"]


def plausible_fields(fields: dict[str, str]) -> dict[str, list[str]]:
    return {name: [value] for name, value in fields.items()}


@dataclass(frozen=True)
class PublicForm:
    page: str  # where a person finds the form (and its CSRF token)
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # plausible values
    prefix: str = ""
    signed_in: bool = False
    csrf_exempt: bool = False  # one-click unsubscribe: a mail client has no token


@dataclass
class Capabilities:
    """Everything the public forms need: a statement, a draft with a private sign-on
    link, a confirmed signer, a pending confirmation, a password reset and a team
    invitation, with the links their e-mails carry."""

    slug: str
    private_page: str
    confirm_link: str
    signer_page: str
    unsubscribe: str
    reset_link: str
    invitation_link: str  # to an address with no account yet
    member_invitation_link: str  # to MEMBER, who has an account


def links_in_mail(app: Flask, mail_dir: Path, pattern: str, to: str = "") -> list[str]:
    with app.app_context():
        deliver_due_messages()
    return [path_of(link) for message in read_mail_dir(mail_dir) if to in str(message["To"])
            for link in re.findall(rf"https?://\S+{pattern}[\w.-]+", text_of(message))]


def prepare(app: Flask, mail_dir: Path, slug: str) -> Capabilities:
    client = app.test_client()
    assert post_form(client, f"/s/{slug}", f"/s/{slug}/sign",
                     individual_fields(**{"person-wants_updates": "y"})).status_code == 302
    (first_link,) = links_in_mail(app, mail_dir, "/confirm/")
    page = client.get(first_link)
    assert client.post(first_link, data={"csrf_token": csrf_token(page.text)}).status_code < 400
    assert post_form(client, f"/s/{slug}", f"/s/{slug}/sign", individual_fields(**{
        "person-email": "second@example.org"})).status_code == 302
    with app.app_context():
        statement = get_statement(slug)
        inviter = db.session.get(Coordinator, create_coordinator_for(COORDINATOR, slug))
        create_coordinator_for(MEMBER)
        team = db.session.get_one(Team, statement.team_id)
        invite_to_team(team, "new.member@example.org", inviter)
        invite_to_team(team, MEMBER, inviter)
        request_password_reset(COORDINATOR)
        draft = import_example(slug="private-draft", publish=False)
        sign_on_token = create_sign_on_link(draft)
        signer = db.session.scalars(select(IndividualSignature).where(
            IndividualSignature.email == "olena@example.org")).one()
        signer_page, unsubscribe = signer_links(signer)
        db.session.commit()
    confirm_links = links_in_mail(app, mail_dir, "/confirm/")
    return Capabilities(
        slug=slug,
        private_page=f"/s/private-draft/private/{sign_on_token}",
        confirm_link=next(link for link in confirm_links if link != first_link),
        signer_page=path_of(signer_page),
        unsubscribe=path_of(unsubscribe),
        reset_link=links_in_mail(app, mail_dir, "/coordinate/reset-password/")[-1],
        invitation_link=links_in_mail(app, mail_dir, "/coordinate/invitations/",
                                      to="new.member@example.org")[-1],
        member_invitation_link=links_in_mail(app, mail_dir, "/coordinate/invitations/",
                                             to=MEMBER)[-1],
    )


def person(slug: str) -> dict[str, list[str]]:
    return {**plausible_fields(individual_fields()), "person-name": NAMES,
            "person-email": EMAILS, "person-wants_updates": ["y"]}


def organization() -> dict[str, list[str]]:
    return {**plausible_fields(organization_fields()), "org-name": NAMES,
            "org-contact_email": EMAILS}


PUBLIC_FORMS: dict[str, Callable[[Capabilities], PublicForm]] = {
    "signing": lambda c: PublicForm(f"/s/{c.slug}", f"/s/{c.slug}/sign", person(c.slug),
                                    "person-"),
    "co-signing": lambda c: PublicForm(f"/s/{c.slug}", f"/s/{c.slug}/cosign",
                                       organization(), "org-"),
    "private co-signing": lambda c: PublicForm(c.private_page, f"{c.private_page}/cosign",
                                               organization(), "org-"),
    "resend my link": lambda c: PublicForm(f"/s/{c.slug}", f"/s/{c.slug}/manage",
                                           {"manage-email": EMAILS}, "manage-"),
    "confirm": lambda c: PublicForm(c.confirm_link, c.confirm_link),
    "signer page: name": lambda c: PublicForm(c.signer_page, f"{c.signer_page}/name", {
        "name_display": ["full", "first_name_and_initial", "hidden"]}),
    "signer page: updates": lambda c: PublicForm(c.signer_page, f"{c.signer_page}/updates/off"),
    "signer page: withdraw": lambda c: PublicForm(c.signer_page, f"{c.signer_page}/withdraw"),
    "signer page: erase": lambda c: PublicForm(c.signer_page, f"{c.signer_page}/erase"),
    "unsubscribe": lambda c: PublicForm(c.unsubscribe, c.unsubscribe, {
        "List-Unsubscribe": ["One-Click"]}, csrf_exempt=True),
    # Every refused sign-in answers alike (400), so the plausible values are the right
    # ones: an example left whole signs in, and shows that examples get that far.
    "sign-in": lambda c: PublicForm("/coordinate/sign-in", "/coordinate/sign-in", {
        "email": [COORDINATOR], "password": [COORDINATOR_PASSWORD], "next": ["/coordinate/"]}),
    "forgot password": lambda c: PublicForm("/coordinate/forgot-password",
                                            "/coordinate/forgot-password", {"email": EMAILS}),
    "reset password": lambda c: PublicForm(c.reset_link, c.reset_link, {
        "password": PASSWORDS, "password_again": PASSWORDS}),
    "invitation: new account": lambda c: PublicForm(
        c.invitation_link, f"{c.invitation_link}/account",
        {"name": NAMES, "password": PASSWORDS, "password_again": PASSWORDS}),
    "invitation: accept": lambda c: PublicForm(
        c.member_invitation_link, f"{c.member_invitation_link}/accept", signed_in=True),
}

HYPOTHESIS = settings(max_examples=60, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@pytest.fixture
def hostile_app(database_url: str, mail_dir: Path, app: Flask) -> Flask:
    """The application with its rate limits off: they would hold or refuse most
    examples before the code under test reads them."""
    return make_app(database_url, mail_dir, RATELIMIT_ENABLED=False)


def form_body(values: dict[str, str | bytes]) -> bytes:
    return urlencode({name: value.encode() if isinstance(value, str) else value
                      for name, value in values.items()}).encode("ascii")


def answer_of(client: FlaskClient, action: str, body: bytes) -> int:
    response = client.post(action, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, response.text[:2000]
    return response.status_code


def open_form(app: Flask, form: PublicForm) -> tuple[FlaskClient, str | None]:
    """A browser that opened the form's page, and the page's CSRF token."""
    client = app.test_client()
    if form.signed_in:
        sign_in(client, MEMBER)
    page = client.get(form.page)
    assert page.status_code == 200, (form.page, page.status_code)
    return client, None if form.csrf_exempt else csrf_token(page.text)


def test_a_nul_character_in_any_field_of_a_public_form_is_refused(hostile_app, mail_dir,
                                                                  statement_slug):
    capabilities = prepare(hostile_app, mail_dir, statement_slug)

    for form_name, make_form in PUBLIC_FORMS.items():
        form = make_form(capabilities)
        client, token = open_form(hostile_app, form)
        for name in form.fields:
            values = {field: plausible[0] for field, plausible in form.fields.items()}
            values[name] = values[name][:3] + "\x00" + values[name][3:]
            if token:
                values[f"{form.prefix}csrf_token"] = token
            response = client.post(form.action, data=values)
            assert response.status_code == 400, (form_name, name, response.status_code)
            assert "contains a NUL character" in response.text, (form_name, name)


@pytest.mark.parametrize("form_name", list(PUBLIC_FORMS))
def test_no_public_form_answers_5xx_to_any_input(hostile_app, mail_dir, statement_slug,
                                                 form_name):
    form = PUBLIC_FORMS[form_name](prepare(hostile_app, mail_dir, statement_slug))
    client, token = open_form(hostile_app, form)
    statuses: set[int] = set()

    @HYPOTHESIS
    @given(values=submissions(form.fields), with_token=st.integers(0, 9).map(bool))
    def submit(values: dict[str, str | bytes], with_token: bool) -> None:
        if form.action == "/coordinate/sign-in":
            # Each example starts with the account not slowed down by the wrong
            # passwords of the examples before it (a refusal then looks like validation).
            with hostile_app.app_context():
                db.session.execute(update(Coordinator).values(
                    failed_sign_ins=0, sign_in_blocked_until=None))
                db.session.commit()
        if with_token and token:
            values = {**values, f"{form.prefix}csrf_token": token}
        statuses.add(answer_of(client, form.action, form_body(values)))

    submit()
    assert statuses - {400, 429}, f"{form_name}: no example got past validation ({statuses})"


PATH_SEGMENTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=200).map(
        lambda text: quote(text, safe="")),
    st.sampled_from(["%zz", "%ff%fe", "%c0%af", "%00", "..%2F..", "%e2%80%ae", "%",
                     "9" * 40, "a" * 5000, "%25", "%2e%2e"]))
# Any bytes; "%" is kept as it is, so that invalid percent-encoding comes up too.
QUERIES = st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode)).map(
    lambda raw: quote_from_bytes(raw, safe="=&%+"))


def test_no_public_address_answers_5xx_to_any_slug_token_or_query(hostile_app, mail_dir,
                                                                  statement_slug):
    capabilities = prepare(hostile_app, mail_dir, statement_slug)
    client = hostile_app.test_client()
    templates = ["/api/v1/statements/{}", "/s/{}", "/s/{}/thanks", "/s/{}/manage/sent",
                 "/s/{}/check-your-email", "/confirm/{}", "/signer/{}", "/unsubscribe/{}",
                 f"/s/{statement_slug}/private/{{}}", f"/s/{statement_slug}/replies/{{}}/document",
                 "/coordinate/reset-password/{}", "/coordinate/invitations/{}",
                 f"/s/{{}}/private/{capabilities.private_page.rsplit('/', 1)[1]}"]
    token = csrf_token(client.get(capabilities.signer_page).text)

    @HYPOTHESIS
    @given(template=st.sampled_from(templates), segment=PATH_SEGMENTS, query=QUERIES,
           method=st.sampled_from(["GET", "POST"]))
    def request(template: str, segment: str, query: str, method: str) -> None:
        response = client.open(f"{template.format(segment)}?{query}", method=method,
                               data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code < 500, (template, segment, query, method)
        if template.startswith("/api/"):
            assert response.mimetype == "application/json"

    request()

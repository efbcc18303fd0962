"""Co-signing a draft before launch through its private sign-on link."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import OrganizationSignature, OrganizationStatus, OrganizationType
from campaign.signing.services import (
    OrganizationSignatureRequest,
    SigningError,
    sign_for_organization,
)
from campaign.statements.models import Statement
from campaign.statements.services import close_statement, get_statement
from tests.conftest import SERVER_NAME, create_coordinator_for, import_example, sign_in
from tests.support import (
    confirmation_link,
    csrf_token,
    organization_fields,
    path_of,
    post_form,
    read_mail_dir,
)

SLUG = "crimea-draft"
ORGANIZATION = "Kharkiv Solidarity Network"
CONTACT = "iryna@solidarity.example.org"


@pytest.fixture
def coordinator(app: Flask):
    with app.app_context():
        import_example(slug=SLUG, publish=False)
        create_coordinator_for("lead@example.org", SLUG)
    client = app.test_client()
    sign_in(client, "lead@example.org")
    return client


def press(client, action: str):
    token = csrf_token(client.get(f"/coordinate/{SLUG}/edit").text)
    return client.post(action, data={"csrf_token": token})


def create_link(client) -> str:
    press(client, f"/coordinate/{SLUG}/sign-on-link")
    page = client.get(f"/coordinate/{SLUG}/edit").text
    prefix = f"http://{SERVER_NAME}/s/{SLUG}/private/"
    start = page.index(prefix)
    return path_of(page[start:page.index('"', start)])


def organization_status(app: Flask) -> OrganizationStatus | None:
    with app.app_context():
        return db.session.scalar(select(OrganizationSignature.status).where(
            OrganizationSignature.name == ORGANIZATION))


def test_organization_co_signs_a_draft_through_the_private_link(app, coordinator, mail_dir):
    link = create_link(coordinator)
    signer = app.test_client()

    page = signer.get(link)
    assert page.status_code == 200
    assert "This statement is not published yet" in page.text
    assert 'id="cosign-heading"' in page.text
    assert 'id="sign-heading"' not in page.text  # individuals sign after launch
    assert signer.get(f"/s/{SLUG}").status_code == 404

    sent = post_form(signer, link, f"{link}/cosign", organization_fields())
    assert sent.status_code == 302
    assert "Check your e-mail" in signer.get(sent.headers["Location"]).text
    with app.app_context():
        deliver_due_messages()
    [mail] = [m for m in read_mail_dir(mail_dir) if CONTACT in str(m["To"])]
    confirm = path_of(confirmation_link(mail))
    confirmed = signer.post(confirm, data={"csrf_token": csrf_token(signer.get(confirm).text)},
                            follow_redirects=True)

    assert confirmed.status_code == 200
    assert f"The co-signature of {ORGANIZATION} is confirmed" in confirmed.text
    assert "The statement is not published yet" in confirmed.text
    assert organization_status(app) is OrganizationStatus.AWAITING_APPROVAL


def test_revoked_link_no_longer_opens_the_draft(app, coordinator):
    link = create_link(coordinator)

    revoked = press(coordinator, f"/coordinate/{SLUG}/sign-on-link/revoke")

    assert "The private sign-on link is revoked" in coordinator.get(
        revoked.headers["Location"]).text
    assert app.test_client().get(link).status_code == 404


def test_cosigning_form_with_a_revoked_link_is_turned_away(app, coordinator):
    link = create_link(coordinator)
    signer = app.test_client()
    page = signer.get(link)
    press(coordinator, f"/coordinate/{SLUG}/sign-on-link/revoke")

    response = signer.post(f"{link}/cosign", data={
        **organization_fields(), "org-csrf_token": csrf_token(page.text)})

    assert response.status_code == 404
    assert organization_status(app) is None


def test_link_leads_to_the_public_page_once_published(app, coordinator):
    link = create_link(coordinator)

    press(coordinator, f"/coordinate/{SLUG}/publish")

    response = app.test_client().get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{SLUG}"


def test_sign_on_link_is_only_for_a_draft(app, coordinator):
    press(coordinator, f"/coordinate/{SLUG}/publish")

    refused = press(coordinator, f"/coordinate/{SLUG}/sign-on-link")

    assert "A private sign-on link is for a draft" in coordinator.get(
        refused.headers["Location"]).text
    with app.app_context():
        assert get_statement(SLUG).sign_on_token is None


# --- The rule, in the service --------------------------------------------------------


def _request() -> OrganizationSignatureRequest:
    return OrganizationSignatureRequest(
        name=ORGANIZATION, country="UA", organization_type=OrganizationType.NGO, website=None,
        contact_name="Iryna Shevchenko", contact_email=CONTACT, authorized_to_sign=True)


def test_draft_takes_a_co_signature_only_with_its_sign_on_token(app_context):
    statement: Statement = import_example(slug=SLUG, publish=False)
    statement.sign_on_token = "the-right-token"

    for token in (None, "a-wrong-token"):
        with pytest.raises(SigningError, match="not open for signing"):
            sign_for_organization(statement, _request(), sign_on_token=token)
    sign_for_organization(statement, _request(), sign_on_token="the-right-token")

    assert db.session.scalar(select(OrganizationSignature.status).where(
        OrganizationSignature.name == ORGANIZATION)) is OrganizationStatus.UNCONFIRMED


def test_closed_statement_refuses_even_a_sign_on_token(app_context):
    statement: Statement = import_example(slug=SLUG, publish=True)
    statement.sign_on_token = "the-right-token"

    close_statement(statement)

    with pytest.raises(SigningError):
        sign_for_organization(statement, _request(), sign_on_token="the-right-token")

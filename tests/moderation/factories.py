"""Signatures made as signers make them (the signing services and the e-mailed
token), and pressing a coordinator page's buttons as a browser does."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    NameDisplay,
    OrganizationSignature,
    OrganizationType,
)
from campaign.signing.services import (
    IndividualSignatureRequest,
    OrganizationSignatureRequest,
    confirm_signature,
    sign_as_individual,
    sign_for_organization,
)
from campaign.statements.services import get_statement
from tests.support import csrf_token


def _confirm_latest_mail_to(address: str) -> int:
    token = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
    ).first().context["token"]
    signature = confirm_signature(token)
    db.session.commit()
    return signature.id


def organization(slug: str, name: str = "Kharkiv Solidarity Network",
                 email: str = "iryna@solidarity.example.org", *, confirm: bool = True,
                 website: str | None = "https://solidarity.example.org") -> int:
    """An organization awaiting approval (or unconfirmed); call inside an app context."""
    sign_for_organization(get_statement(slug), OrganizationSignatureRequest(
        name=name, country="UA", organization_type=OrganizationType.NGO, website=website,
        contact_name="Iryna Shevchenko", contact_email=email, authorized_to_sign=True))
    db.session.commit()
    if confirm:
        return _confirm_latest_mail_to(email)
    return db.session.scalars(
        select(OrganizationSignature.id).where(OrganizationSignature.contact_email == email)
    ).one()


def individual(slug: str, name: str, email: str, *, confirm: bool = True,
               wants_updates: bool = False, country: str = "UA",
               name_display: NameDisplay = NameDisplay.FULL) -> int:
    """An individual signature, confirmed unless told otherwise; returns its id."""
    sign_as_individual(get_statement(slug), IndividualSignatureRequest(
        name=name, email=email, country=country, name_display=name_display,
        wants_updates=wants_updates))
    db.session.commit()
    if confirm:
        return _confirm_latest_mail_to(email)
    return db.session.scalars(
        select(IndividualSignature.id).where(IndividualSignature.email == email)).one()


def press(client: FlaskClient, page_url: str, action: str):
    """Press the button of the form posting to `action`, which must be on the page."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    assert f'action="{action}"' in page.text, f"no form posting to {action} on {page_url}"
    return client.post(action, data={"csrf_token": csrf_token(page.text)})

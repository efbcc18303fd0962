"""Applications with small limits of their own, on the suite's database, and signing
as a browser does (through the forms, from an address of our choosing)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.outbox.requests import answer_mail_requests
from campaign.signing.models import IndividualSignature, OrganizationSignature
from tests.support import individual_fields, organization_fields, post_form

_CSRF_VALUE = re.compile(r'(name="(?:[\w-]*-)?csrf_token"[^>]*value=")[^"]+(")')

MakeApp = Callable[..., Flask]


def client_from(app: Flask, address: str) -> FlaskClient:
    """A browser connecting from this address (no proxy in between)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign(client: FlaskClient, slug: str, email: str, **fields: str):
    return post_form(client, f"/s/{slug}", f"/s/{slug}/sign",
                     individual_fields(**{"person-email": email, **fields}))


def cosign(client: FlaskClient, slug: str, name: str, email: str, *, page: str | None = None,
           action: str | None = None, **fields: str):
    return post_form(client, page or f"/s/{slug}", action or f"/s/{slug}/cosign",
                     organization_fields(**{"org-name": name, "org-contact_email": email,
                                            **fields}))


def individual(email: str) -> IndividualSignature:
    return db.session.scalars(
        select(IndividualSignature).where(IndividualSignature.email == email)).one()


def organization(name: str) -> OrganizationSignature:
    return db.session.scalars(
        select(OrganizationSignature).where(OrganizationSignature.name == name)).one()


def mailed_to() -> list[str]:
    """Who the outbox writes to, once the worker has answered the mail requests."""
    answer_mail_requests()
    db.session.commit()
    return list(db.session.scalars(select(OutboxMessage.to_address).order_by(OutboxMessage.id)))


def without_csrf_tokens(html: str) -> str:
    return _CSRF_VALUE.sub(r"\1…\2", html)

"""Signatures as the abuse defences see them: with a network, an e-mail domain and a
time, written straight to the database (what the signing form records there is
tested with the form)."""

from __future__ import annotations

from datetime import datetime

from campaign.abuse.domains import email_domain
from campaign.database import utcnow
from campaign.extensions import db
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
)


def individual(statement_id: int, email: str, *, name: str = "Someone Signing",
               ip_prefix: str | None = "198.51.100.0/24",
               status: IndividualStatus = IndividualStatus.CONFIRMED,
               created_at: datetime | None = None) -> IndividualSignature:
    created_at = created_at or utcnow()
    signature = IndividualSignature(
        statement_id=statement_id, name=name, email=email, email_domain=email_domain(email),
        country="UA", name_display=NameDisplay.FULL, status=status, ip_prefix=ip_prefix,
        created_at=created_at,
        confirmed_at=created_at if status is IndividualStatus.CONFIRMED else None)
    db.session.add(signature)
    return signature


def organization(statement_id: int, name: str, contact_email: str, *,
                 ip_prefix: str | None = "198.51.100.0/24",
                 status: OrganizationStatus = OrganizationStatus.APPROVED,
                 created_at: datetime | None = None) -> OrganizationSignature:
    signature = OrganizationSignature(
        statement_id=statement_id, name=name, name_key=name.casefold(), country="UA",
        contact_name="Contact Person", contact_email=contact_email,
        email_domain=email_domain(contact_email), authorized_to_sign=True, status=status,
        ip_prefix=ip_prefix, created_at=created_at or utcnow())
    db.session.add(signature)
    return signature

"""Erasing a signature forgets what the outbox held of it: no row keeps the name or
the address, in its recipient, its subject or what it was written from."""

from __future__ import annotations

import json

from sqlalchemy import select

from campaign.accounts.models import Coordinator
from campaign.extensions import db
from campaign.moderation.services import approve_organization
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.tasks import deliver_due_messages
from campaign.privacy.services import ERASED, erase_signature
from campaign.signing.models import OrganizationSignature, OrganizationType
from campaign.signing.services import OrganizationSignatureRequest, sign_for_organization
from campaign.statements.services import get_statement
from tests.conftest import create_coordinator_for, import_example
from tests.moderation import factories

ORGANIZATION = "Кримська правозахисна група «Світанок»"
CONTACT = "iryna@svitanok.example.org"
SOMEONE_ELSE = "taras@elsewhere.example.org"


def everything_in(message: OutboxMessage) -> str:
    return " ".join(str(value) for value in (
        message.to_address, message.subject, message.reply_to, message.dedupe_key,
        message.last_error, json.dumps(message.context, ensure_ascii=False)))


def test_erasing_an_organization_leaves_neither_its_name_nor_its_address_in_the_outbox(
    app_context,
):
    statement = import_example()
    coordinator = db.session.get(Coordinator, create_coordinator_for(
        "coordinator@example.org", statement.slug))
    organization = db.session.get(OrganizationSignature, factories.organization(
        statement.slug, ORGANIZATION, CONTACT))
    approve_organization(organization, by=coordinator)
    db.session.commit()
    # Someone else signs for it too, and is told it has already co-signed: once by
    # mail that leaves, and once by mail still waiting when it is erased.
    for _ in range(2):
        deliver_due_messages()
        db.session.get(OrganizationSignature, organization.id).last_mailed_at = None
        sign_for_organization(get_statement(statement.slug), OrganizationSignatureRequest(
            name=ORGANIZATION, country="UA", organization_type=OrganizationType.NGO,
            website=None, contact_name="Taras", contact_email=SOMEONE_ELSE,
            authorized_to_sign=True))
        db.session.commit()
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert sum(ORGANIZATION in subject for subject in subjects) >= 2
    sent = db.session.scalar(select(db.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENT))

    erase_signature(db.session.get(OrganizationSignature, organization.id))
    db.session.commit()

    rows = db.session.scalars(select(OutboxMessage)).all()
    for row in rows:
        assert ORGANIZATION not in everything_in(row)
        assert CONTACT not in everything_in(row) and SOMEONE_ELSE not in everything_in(row)
    # The record of what was sent stays, without what it said to whom.
    assert [(row.status, row.to_address, row.subject) for row in rows] == \
        [(OutboxStatus.SENT, ERASED, ERASED)] * sent


def co_sign(statement_slug: str, contact: str) -> None:
    sign_for_organization(get_statement(statement_slug), OrganizationSignatureRequest(
        name=ORGANIZATION, country="UA", organization_type=OrganizationType.NGO,
        website=None, contact_name="Taras", contact_email=contact, authorized_to_sign=True))
    db.session.commit()


def notices_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address,
        OutboxMessage.template == "organization_already_signed")))


def listed_with_a_namesake_waiting(app_context) -> tuple[int, int]:
    """The organization, listed, and someone else's co-signature by its name, sent
    before it was: their ids."""
    statement = import_example()
    co_sign(statement.slug, SOMEONE_ELSE)
    listed = db.session.get(OrganizationSignature, factories.organization(
        statement.slug, ORGANIZATION, CONTACT))
    approve_organization(listed)
    db.session.commit()
    namesake = db.session.scalars(select(OrganizationSignature.id).where(
        OrganizationSignature.contact_email == SOMEONE_ELSE)).one()
    return listed.id, namesake


def test_erasing_the_listed_organization_forgets_its_notice_to_a_namesakes_contact(
        app_context):
    listed_id, _ = listed_with_a_namesake_waiting(app_context)
    # The namesake's contact sends the name again, and is told it is listed.
    db.session.get(OrganizationSignature, listed_id).last_mailed_at = None
    co_sign("crimea-2020", SOMEONE_ELSE)
    assert len(notices_to(SOMEONE_ELSE)) == 1

    erase_signature(db.session.get(OrganizationSignature, listed_id))
    db.session.commit()

    assert notices_to(SOMEONE_ELSE) == []


def test_a_namesake_erased_leaves_the_notices_about_the_listed_one(app_context):
    listed_id, namesake_id = listed_with_a_namesake_waiting(app_context)
    db.session.get(OrganizationSignature, listed_id).last_mailed_at = None
    co_sign("crimea-2020", "petro@svitanok.example.org")
    assert len(notices_to("petro@svitanok.example.org")) == 1

    erase_signature(db.session.get(OrganizationSignature, namesake_id))
    db.session.commit()

    assert len(notices_to("petro@svitanok.example.org")) == 1

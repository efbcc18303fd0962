"""Moderating organizations: a co-signature is public only once a coordinator approves it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.services import queue_email
from campaign.signing.models import OrganizationSignature, OrganizationStatus, TallyKind
from campaign.signing.tally import add_to_tally
from campaign.signing.validation import name_key
from campaign.statements.models import Statement


class ModerationError(Exception):
    """The action does not fit the organization's state; the message says why."""


def find_organization(statement: Statement, name: str) -> OrganizationSignature | None:
    return db.session.scalars(
        select(OrganizationSignature).where(OrganizationSignature.statement_id == statement.id,
                                            OrganizationSignature.name_key == name_key(name))
    ).one_or_none()


def organizations_awaiting_approval(statement: Statement) -> list[OrganizationSignature]:
    return list(db.session.scalars(
        select(OrganizationSignature)
        .where(OrganizationSignature.statement_id == statement.id,
               OrganizationSignature.status == OrganizationStatus.AWAITING_APPROVAL)
        .order_by(OrganizationSignature.confirmed_at)
    ))


def approve_organization(organization: OrganizationSignature) -> None:
    if organization.status is OrganizationStatus.APPROVED:
        raise ModerationError(_("%(name)s is already approved.", name=organization.name))
    if organization.status is OrganizationStatus.UNCONFIRMED:
        raise ModerationError(_(
            "%(name)s cannot be approved yet: its contact has not confirmed by e-mail.",
            name=organization.name))
    if organization.status is OrganizationStatus.REJECTED:
        raise ModerationError(_("%(name)s was rejected.", name=organization.name))
    organization.approve()
    add_to_tally(organization.statement_id, TallyKind.ORGANIZATIONS)
    assert organization.contact_email is not None
    queue_email(
        to=organization.contact_email,
        subject=_("%(organization)s now appears on: %(title)s",
                  organization=organization.name, title=organization.statement.title),
        template="organization_approved",
        context={
            "statement_title": organization.statement.title,
            "statement_slug": organization.statement.slug,
            "signer_name": organization.contact_name,
            "organization_name": organization.name,
        },
    )

"""Moderation: organizations are public only once a coordinator approves them, a
coordinator may hide an abusive individual signature, and releases or invalidates the
signatures the abuse defences held (see campaign.abuse.services).

Every action is written to the audit log (ModerationAction) in the same transaction
as the change, and keeps the public counts in step through the tally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Coordinator
from campaign.database import utcnow
from campaign.extensions import db
from campaign.languages import in_language
from campaign.moderation.forms import HOLD_REASON_LABELS
from campaign.moderation.models import ModerationAction, ModerationActionKind
from campaign.outbox.services import queue_email
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
    SignatureStatusError,
    TallyKind,
)
from campaign.signing.services import mail_new_confirmation_link
from campaign.signing.signer_links import signer_page_url
from campaign.signing.tally import add_to_tally
from campaign.statements.models import Statement
from campaign.text import name_key, normalize_name

T = TypeVar("T")

# Moderation pages list the latest signatures and actions; older ones stay in the
# database and the exports, and the page stays fast however many there are.
LIST_LIMIT = 200

INDIVIDUAL_ACTIONS = frozenset({ModerationActionKind.HIDE, ModerationActionKind.UNHIDE})
# About a held signature of either kind.
HELD_ACTIONS = frozenset({ModerationActionKind.RELEASE, ModerationActionKind.INVALIDATE})


class ModerationError(Exception):
    """The action does not fit the signature's state; the message says why."""


def organizations_awaiting_approval_named(statement: Statement, name: str,
                                          ) -> list[OrganizationSignature]:
    """The co-signatures by this name awaiting approval: several contacts may have sent
    one (campaign.signing.models.NAME_HOLDING_STATUSES)."""
    return list(db.session.scalars(
        select(OrganizationSignature).where(
            OrganizationSignature.statement_id == statement.id,
            OrganizationSignature.name_key == name_key(name),
            OrganizationSignature.status == OrganizationStatus.AWAITING_APPROVAL)
        .order_by(OrganizationSignature.confirmed_at, OrganizationSignature.id)))


def organization_to_moderate(statement: Statement, organization_id: int,
                             ) -> OrganizationSignature | None:
    """Locked until the commit, so that two coordinators clicking at once cannot both
    count the same change in the tally."""
    return db.session.scalars(
        select(OrganizationSignature)
        .where(OrganizationSignature.id == organization_id,
               OrganizationSignature.statement_id == statement.id)
        .with_for_update()
    ).one_or_none()


def individual_to_moderate(statement: Statement, signature_id: int,
                           ) -> IndividualSignature | None:
    return db.session.scalars(
        select(IndividualSignature)
        .where(IndividualSignature.id == signature_id,
               IndividualSignature.statement_id == statement.id)
        .with_for_update()
    ).one_or_none()


def organizations_awaiting_approval(statement: Statement) -> list[OrganizationSignature]:
    return _organizations(statement, OrganizationStatus.AWAITING_APPROVAL,
                          OrganizationSignature.confirmed_at)


@dataclass(frozen=True)
class OrganizationQueue:
    awaiting: list[OrganizationSignature]
    approved: list[OrganizationSignature]
    rejected: list[OrganizationSignature]


def load_organization_queue(statement: Statement) -> OrganizationQueue:
    return OrganizationQueue(
        awaiting=organizations_awaiting_approval(statement),
        approved=_organizations(statement, OrganizationStatus.APPROVED,
                                OrganizationSignature.approved_at.desc()),
        rejected=_organizations(statement, OrganizationStatus.REJECTED,
                                OrganizationSignature.rejected_at.desc()),
    )


def _organizations(statement: Statement, status: OrganizationStatus,
                   order: object) -> list[OrganizationSignature]:
    return list(db.session.scalars(
        select(OrganizationSignature)
        .where(OrganizationSignature.statement_id == statement.id,
               OrganizationSignature.status == status)
        .order_by(order, OrganizationSignature.id)
        .limit(LIST_LIMIT)
    ))


def approve_organization(organization: OrganizationSignature, *,
                         by: Coordinator | None = None) -> None:
    """`by` is None when approved from the command line. Refused while another
    co-signature by the name is listed: the unique index of approved names decides,
    between two coordinators approving namesakes at once too."""
    try:
        with db.session.begin_nested():
            _transition(lambda: organization.approve(utcnow()))
    except IntegrityError as error:
        raise ModerationError(_(
            "%(name)s cannot be approved: another co-signature by this name is listed "
            "already. Reject one of them, or undo the approval of the one listed first.",
            name=organization.shown_name)) from error
    add_to_tally(organization.statement_id, TallyKind.ORGANIZATIONS)
    _record(organization, ModerationActionKind.APPROVE, by)
    # A founding signatory that was undone and approved again has no contact to tell.
    if organization.contact_email is not None:
        _mail_contact(organization, "organization_approved", lazy_gettext(
            "%(organization)s now appears on: %(title)s",
            organization=organization.shown_name, title=organization.statement.title))


def reject_organization(organization: OrganizationSignature, reason: str, *,
                        by: Coordinator) -> None:
    """The reason is stored and e-mailed to the contact: write it for them."""
    reason = reason.strip()
    if not reason:
        raise ModerationError(_("Give the reason: it is sent to the organization's contact."))
    _transition(lambda: organization.reject(reason, utcnow()))
    _record(organization, ModerationActionKind.REJECT, by, reason)
    if organization.contact_email is not None:
        _mail_contact(organization, "organization_rejected", lazy_gettext(
            "%(organization)s is not listed on: %(title)s",
            organization=organization.shown_name, title=organization.statement.title),
            reason=reason)


def undo_decision(organization: OrganizationSignature, *, by: Coordinator) -> None:
    """An approved or rejected organization goes back to awaiting approval. Nobody is
    e-mailed: the next decision tells the contact where they stand."""
    try:
        # One undecided co-signature per name and contact (a unique index): its contact
        # may have sent the name again as the decision was being made.
        with db.session.begin_nested():
            undone = _transition(organization.undo_decision)
    except IntegrityError as error:
        raise ModerationError(_(
            "%(name)s cannot be reconsidered: its contact has sent a co-signature by this "
            "name since, which awaits a decision. Decide on that one instead.",
            name=organization.shown_name)) from error
    if undone is OrganizationStatus.APPROVED:
        add_to_tally(organization.statement_id, TallyKind.ORGANIZATIONS, -1)
        detail = _("approved → awaiting approval")
    else:
        detail = _("rejected → awaiting approval")
    _record(organization, ModerationActionKind.UNDO, by, detail)


def rename_organization(organization: OrganizationSignature, display_name: str, *,
                        by: Coordinator) -> None:
    """Change how the name is shown; a blank name, or the name as submitted, shows the
    name as submitted again."""
    new_name = normalize_name(display_name)
    if len(new_name) > 200:
        raise ModerationError(ngettext("Keep the name under %(num)d character.",
                                       "Keep the name under %(num)d characters.", 200))
    old_name = organization.shown_name
    if (new_name or organization.name) == old_name:
        raise ModerationError(_("The name shown is already “%(name)s”.", name=old_name))
    organization.display_name = new_name if new_name and new_name != organization.name else None
    _record(organization, ModerationActionKind.RENAME, by,
            f"{old_name} → {organization.shown_name}")


def recent_individuals(statement: Statement) -> list[IndividualSignature]:
    """The latest confirmed individual signatures: only these are public, so only
    these can need hiding."""
    return list(db.session.scalars(
        select(IndividualSignature)
        .where(IndividualSignature.statement_id == statement.id,
               IndividualSignature.status == IndividualStatus.CONFIRMED)
        .order_by(IndividualSignature.confirmed_at.desc(), IndividualSignature.id.desc())
        .limit(LIST_LIMIT)
    ))


def hidden_individuals(statement: Statement) -> list[IndividualSignature]:
    return list(db.session.scalars(
        select(IndividualSignature)
        .where(IndividualSignature.statement_id == statement.id,
               IndividualSignature.status == IndividualStatus.HIDDEN)
        .order_by(IndividualSignature.hidden_at.desc(), IndividualSignature.id.desc())
        .limit(LIST_LIMIT)
    ))


def hide_individual(signature: IndividualSignature, *, by: Coordinator) -> None:
    """Out of the public list and the counts. The signer is not told.

    Only a confirmed signature can be hidden: an unconfirmed one is not public, and
    its signer could still confirm it, which would make it public again."""
    _transition(lambda: signature.hide(utcnow()))
    add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS, -1)
    _record(signature, ModerationActionKind.HIDE, by)


def unhide_individual(signature: IndividualSignature, *, by: Coordinator) -> None:
    _transition(signature.unhide)
    add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS)
    _record(signature, ModerationActionKind.UNHIDE, by)


@dataclass(frozen=True)
class HeldSignatures:
    individuals: list[IndividualSignature]
    organizations: list[OrganizationSignature]


def load_held_signatures(statement: Statement) -> HeldSignatures:
    """The signatures the abuse defences held on this statement, newest first."""
    return HeldSignatures(
        individuals=list(db.session.scalars(
            select(IndividualSignature)
            .where(IndividualSignature.statement_id == statement.id,
                   IndividualSignature.status == IndividualStatus.SUSPECTED)
            .order_by(IndividualSignature.created_at.desc(), IndividualSignature.id.desc())
            .limit(LIST_LIMIT))),
        organizations=_organizations(statement, OrganizationStatus.SUSPECTED,
                                     OrganizationSignature.created_at.desc()),
    )


def count_held_signatures(statement: Statement) -> int:
    return sum(db.session.scalar(
        select(func.count()).select_from(model)
        .where(model.statement_id == statement.id, model.status == model.statuses.SUSPECTED)
    ) or 0 for model in (IndividualSignature, OrganizationSignature))


def release_signature(signature: IndividualSignature | OrganizationSignature, *,
                      by: Coordinator) -> None:
    """Let a held signature through: it is unconfirmed, and its signer (or the
    organization's contact) is sent the confirmation link now, as on signing. It
    counts once confirmed (and, for an organization, approved)."""
    reason = signature.hold_reason
    _transition(signature.release)
    mail_new_confirmation_link(signature)
    _record(signature, ModerationActionKind.RELEASE, by, _reason_label(reason))


def invalidate_signature(signature: IndividualSignature | OrganizationSignature, *,
                         by: Coordinator) -> None:
    """Judge a held signature not genuine: it stays out of every list, count and
    mailing, and nobody is told."""
    reason = signature.hold_reason
    _transition(signature.invalidate)
    _record(signature, ModerationActionKind.INVALIDATE, by, _reason_label(reason))


def _transition(change: Callable[[], T]) -> T:
    try:
        return change()
    except SignatureStatusError as error:
        raise ModerationError(str(error)) from error


def _reason_label(reason: object) -> str:
    label = HOLD_REASON_LABELS.get(reason)  # type: ignore[call-overload]
    return str(label) if label is not None else ""


@dataclass(frozen=True)
class LogEntry:
    created_at: datetime
    kind: ModerationActionKind
    coordinator_name: str | None
    # The organization's name as shown, or the individual's name as given; None once
    # the signature was erased.
    signature_name: str | None
    detail: str
    # None when it cannot be told: a held signature, since erased.
    is_about_an_individual: bool | None


def moderation_log(statement: Statement) -> list[LogEntry]:
    """Newest first, in one query."""
    rows = db.session.execute(
        select(ModerationAction.created_at, ModerationAction.kind, Coordinator.name,
               OrganizationSignature.name, OrganizationSignature.display_name,
               IndividualSignature.name, ModerationAction.detail,
               ModerationAction.individual_signature_id.is_not(None),
               ModerationAction.organization_signature_id.is_not(None))
        .outerjoin(Coordinator, Coordinator.id == ModerationAction.coordinator_id)
        .outerjoin(OrganizationSignature,
                   OrganizationSignature.id == ModerationAction.organization_signature_id)
        .outerjoin(IndividualSignature,
                   IndividualSignature.id == ModerationAction.individual_signature_id)
        .where(ModerationAction.statement_id == statement.id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(LIST_LIMIT)
    )
    return [
        LogEntry(created_at=created_at, kind=kind, coordinator_name=coordinator_name,
                 signature_name=display_name or organization_name or individual_name,
                 detail=detail,
                 is_about_an_individual=True if kind in INDIVIDUAL_ACTIONS or of_individual
                 else False if of_organization or kind not in HELD_ACTIONS else None)
        for (created_at, kind, coordinator_name, organization_name, display_name,
             individual_name, detail, of_individual, of_organization) in rows
    ]


def _record(signature: OrganizationSignature | IndividualSignature,
            kind: ModerationActionKind, by: Coordinator | None, detail: str = "") -> None:
    is_organization = isinstance(signature, OrganizationSignature)
    db.session.add(ModerationAction(
        statement_id=signature.statement_id,
        coordinator_id=by.id if by is not None else None,
        kind=kind,
        organization_signature_id=signature.id if is_organization else None,
        individual_signature_id=None if is_organization else signature.id,
        detail=detail,
    ))


def _mail_contact(organization: OrganizationSignature, template: str, subject: Any,
                  **extra: str) -> None:
    """SUBJECT is a lazy string, written in the contact's language as the e-mail is."""
    assert organization.contact_email is not None
    with in_language(organization.language):
        queue_email(
            to=organization.contact_email,
            subject=str(subject),
            template=template,
            context={
                "statement_title": organization.statement.title,
                "statement_slug": organization.statement.slug,
                "signer_name": organization.contact_name,
                "organization_name": organization.shown_name,
                "signer_page_url": signer_page_url(organization),
                **extra,
            },
        )


def set_organization_logo(organization: OrganizationSignature, logo: str | None) -> None:
    """A logo a coordinator gives an organization (a founding signatory has no form to
    send one), or takes away (an unfit picture); LOGO is a stored logo's name, or None.
    The file of a logo no one names any more is swept later (campaign.signing.logos)."""
    organization.logo = logo

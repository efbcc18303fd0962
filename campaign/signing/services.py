"""Signing a statement: as an individual or for an organization, confirmed by e-mail.

Whatever the case, the signer is told the same thing on the page ("check your
e-mail") and the e-mail says what happened, so someone who tries the form with a
journalist's address learns nothing about whether that person signed.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import and_, case, func, or_, select, update

from campaign.abuse.domains import email_domain
from campaign.abuse.services import Client, hold_reason_for
from campaign.database import insert_unless_present, utcnow
from campaign.extensions import db
from campaign.languages import current_language, in_language
from campaign.outbox.services import queue_email
from campaign.signing.first_signature import CONFIRMATION_TEMPLATE, link_lifetime
from campaign.signing.logos import PreparedLogo, store_logo
from campaign.signing.models import (
    NAME_RELEASED_STATUSES,
    SIGN_AGAIN_STATUSES,
    IndividualSignature,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    OrganizationType,
    TallyKind,
    new_confirmation_token,
)
from campaign.signing.signer_links import signer_page_url
from campaign.signing.tally import add_to_tally
from campaign.statements.models import AFFILIATION_LENGTH, Statement, StatementStatus
from campaign.statements.translating import title_in
from campaign.text import canonical_email, hash_token, name_key, normalize_email, normalize_name

Signature = IndividualSignature | OrganizationSignature


class SigningError(Exception):
    """A rule of signing was broken; the message is fit to show the signer."""


class SigningOutcome(enum.Enum):
    CONFIRMATION_SENT = "confirmation_sent"
    ALREADY_SIGNED_NOTICE_SENT = "already_signed_notice_sent"
    # We wrote to this address moments ago; another e-mail now would only flood the
    # inbox (or let a stranger use our form to do so).
    NOTHING_SENT_RECENTLY_MAILED = "recently_mailed"
    # Held by the abuse defences (campaign.abuse.services): nothing sent, nothing
    # counted, and an existing signature left as it was.
    HELD = "held"


@dataclass(frozen=True)
class IndividualSignatureRequest:
    name: str
    email: str
    country: str
    name_display: NameDisplay
    wants_updates: bool
    # Kept only where the statement asks for it (see signature_affiliation).
    affiliation: str | None = None


@dataclass(frozen=True)
class OrganizationSignatureRequest:
    name: str
    country: str
    organization_type: OrganizationType
    website: str | None
    contact_name: str
    contact_email: str
    authorized_to_sign: bool
    # The logo as it will be stored (campaign.signing.logos.prepare_logo), if one was sent.
    logo: PreparedLogo | None = None


def _check_open_for_signing(statement: Statement, sign_on_token: str | None = None) -> None:
    """A published statement takes signatures; a draft only from organizations that
    hold its private sign-on link."""
    if statement.is_open_for_signing or holds_sign_on_link(statement, sign_on_token):
        return
    raise SigningError(_("This statement is not open for signing."))


def signature_affiliation(statement: Statement, affiliation: str | None) -> str | None:
    """What is stored of the affiliation typed: nothing where the statement does not
    ask for one (a crafted form cannot slip one in), one line, at most its length."""
    if not statement.asks_affiliation or not affiliation:
        return None
    return normalize_name(affiliation)[:AFFILIATION_LENGTH] or None


def holds_sign_on_link(statement: Statement, sign_on_token: str | None) -> bool:
    return bool(
        statement.status is StatementStatus.DRAFT
        and statement.sign_on_token
        and sign_on_token
        and hmac.compare_digest(statement.sign_on_token, sign_on_token)
    )


def sign_as_individual(
    statement: Statement, request: IndividualSignatureRequest, *, client: Client | None = None,
) -> SigningOutcome:
    """``client`` is who submitted the public form; None when not from one."""
    _check_open_for_signing(statement)
    email = normalize_email(request.email)
    # One mailbox, one signature: a second spelling of the address finds the first
    # one's row. Until it is confirmed, the link goes to the spelling typed last: where
    # a provider ignores "+tags" and dots every spelling reaches the one mailbox, and
    # where a server does not, the spelling the signer typed is the one that works (a
    # stranger's "olena+x@" must not keep the real signer's link bouncing). Once
    # confirmed, what we write goes to the address it was confirmed from.
    return _sign(
        IndividualSignature,
        {"statement_id": statement.id, "email_key": canonical_email(email)},
        {"email": email, "email_domain": email_domain(email)},
        {"name": normalize_name(request.name), "country": request.country,
         "name_display": request.name_display, "wants_updates": request.wants_updates,
         "affiliation": signature_affiliation(statement, request.affiliation),
         "language": current_language()},
        lambda signature: signature.email,
        lambda signature: _mail(signature.email, signature, "already_signed", lazy_gettext(
            "You have already signed: %(title)s", title=statement.title)),
        email=email,
        client=client,
    )


def sign_for_organization(
    statement: Statement, request: OrganizationSignatureRequest,
    *, sign_on_token: str | None = None, client: Client | None = None,
) -> SigningOutcome:
    """``sign_on_token`` is the one in the private link the organization followed, if
    it co-signs a draft before launch."""
    _check_open_for_signing(statement, sign_on_token)
    if not request.authorized_to_sign:
        raise SigningError(_("Only someone authorized to sign for the organization may do so."))
    contact_email = normalize_email(request.contact_email)
    contact_key = canonical_email(contact_email)
    name = normalize_name(request.name)
    key = name_key(name)
    # A held submission keeps its logo, for the coordinators who may release it
    # (partners co-signing from one office's network are held after the first), while
    # the statement has fewer than HELD_LOGOS_PER_STATEMENT held co-signatures with
    # one. Past that it keeps none: the form is held, never refused, held rows live for
    # days, and a script sending co-signature after co-signature, each with a picture
    # of its own, would fill the disk. Judged once per request (see Client): _sign
    # gets the same answer.
    held = hold_reason_for(statement.id, form=OrganizationSignature.__tablename__,
                           client=client, email=contact_email)
    # Written before the signature is committed, so that a row never names a missing
    # file; a file no row names is swept later (campaign.signing.logos).
    logo = (store_logo(request.logo)
            if request.logo and (not held or _room_for_held_logo(statement)) else None)

    def is_its_contact(signature: OrganizationSignature) -> bool:
        return signature.contact_email_key == contact_key

    def answering_instead_of_a_new_one() -> OrganizationSignature | None:
        # Its contact co-signing again after a rejection or an invalidation is
        # answered about that co-signature (told where it stands, or held). Anyone
        # co-signing by the name of an organization listed is answered about the one
        # listed. An undecided one of its own is found by the insert, and renewed.
        return db.session.scalars(
            select(OrganizationSignature)
            .where(OrganizationSignature.statement_id == statement.id,
                   OrganizationSignature.name_key == key,
                   or_(OrganizationSignature.holds_its_name(),
                       and_(OrganizationSignature.contact_email_key == contact_key,
                            OrganizationSignature.status.in_(NAME_RELEASED_STATUSES))))
            # Its own first: a name listed since by someone else is theirs, and this
            # contact is answered about its own. (A case, not a comparison: a founding
            # organization's contact is NULL, which the databases sort apart.)
            .order_by(case((OrganizationSignature.contact_email_key == contact_key, 0),
                           else_=1),
                      OrganizationSignature.id.desc())).first()

    def tell_where_it_stands(signature: OrganizationSignature) -> None:
        # Its contact is told where the co-signature stands, and given the link to its
        # own page (which can erase it). Anyone else learns whether it is listed, as
        # the statement's page shows (only a listed one holds the name: for any
        # other, theirs is a new co-signature, answered as any). Not whether one by
        # that name awaits its contact or the coordinators, nor that it was held, which a
        # stranger typing a list of organizations' names would otherwise read off,
        # one e-mail each. The contact who signed first is neither replaced nor
        # revealed.
        its_contact = is_its_contact(signature)
        shown_status = (signature.status if its_contact or signature.is_active
                        else "from_another_contact")
        _mail(signature.contact_email if its_contact else contact_email, signature,
              "organization_already_signed",
              lazy_gettext("%(organization)s has already co-signed: %(title)s",
                           organization=signature.name, title=statement.title),
              with_signer_page=its_contact,
              language=signature.language if its_contact else current_language(),
              organization_status=str(shown_status))

    return _sign(
        OrganizationSignature,
        {"statement_id": statement.id, "name_key": key, "contact_email_key": contact_key},
        {"contact_email": contact_email, "email_domain": email_domain(contact_email)},
        {"name": name, "country": request.country,
         "organization_type": request.organization_type, "website": request.website or None,
         "contact_name": normalize_name(request.contact_name), "authorized_to_sign": True,
         "language": current_language(), **({"logo": logo} if logo else {})},
        lambda signature: signature.contact_email,
        tell_where_it_stands,
        email=contact_email,
        client=client,
        may_update=is_its_contact,
        holds_identity=OrganizationSignature.is_undecided(),
        earlier_of_signer=answering_instead_of_a_new_one,
    )


# About 35 MB of logos at most (1.4 MB for a 600-pixel picture of noise).
HELD_LOGOS_PER_STATEMENT = 25


def _room_for_held_logo(statement: Statement) -> bool:
    held_with_logo = db.session.scalar(
        select(func.count()).select_from(OrganizationSignature)
        .where(OrganizationSignature.statement_id == statement.id,
               OrganizationSignature.status == OrganizationStatus.SUSPECTED,
               OrganizationSignature.logo.is_not(None)))
    return (held_with_logo or 0) < HELD_LOGOS_PER_STATEMENT


# Each attempt loses only to a row erased or released in the moment between two
# statements; a third loss in a row is a fault, not a race.
_INSERT_ATTEMPTS = 3


def _sign(
    model: type[Signature],
    identity: dict[str, Any],
    address: dict[str, Any],
    details: dict[str, Any],
    confirm_to: Callable[[Any], str],
    mail_already_signed: Callable[[Any], None],
    *,
    email: str,
    client: Client | None,
    may_update: Callable[[Any], bool] = lambda signature: True,
    holds_identity: Any = None,
    earlier_of_signer: Callable[[], Any] | None = None,
) -> SigningOutcome:
    """IDENTITY is what makes two submissions one signer (a unique constraint, or a
    partial unique index on the rows HOLDS_IDENTITY selects); ADDRESS is where to
    write, and DETAILS are what the signer typed: an unconfirmed signature takes both
    from the latest submission unless MAY_UPDATE says it is not from its signer, and a
    confirmed one keeps the address it was confirmed from. EMAIL is the address as
    typed and CLIENT who submitted the form, for the abuse defences to judge.
    EARLIER_OF_SIGNER finds a signature of this signer's that no longer holds the
    identity, which then answers instead of a new one."""
    hold = hold_reason_for(identity["statement_id"], form=model.__tablename__, client=client,
                           email=email)
    token = new_confirmation_token()
    # A held signature gets no link: nothing is mailed until a coordinator releases it.
    state = ({"status": model.statuses.SUSPECTED, "hold_reason": hold} if hold
             else token.columns(link_lifetime()))
    row = {**identity, **address, **details, **state, **(client.trace() if client else {})}
    for _attempt in range(_INSERT_ATTEMPTS):
        # Asked again on each attempt: the row the last one gave way to may have become
        # the earlier one (its signer's co-signature, rejected meanwhile).
        earlier = earlier_of_signer() if earlier_of_signer else None
        # One statement for the common case, a first signature: the unique constraint,
        # not a read before, decides between two requests for the same signer, and
        # the one that loses waits for the winner's commit and then finds its row.
        signature = None if earlier is not None else db.session.scalars(
            insert_unless_present(model, identity, holds_identity).values(**row)
            .returning(model)
        ).one_or_none()
        if hold:
            # A held submission changes no signature and sends nothing, whoever's the
            # row: answered before the row is read, so that one for an address that
            # has signed costs what one for a new address does (its time tells
            # nothing).
            return SigningOutcome.HELD
        if signature is not None:
            _mail_confirmation(signature, confirm_to(signature), token.value)
            return SigningOutcome.CONFIRMATION_SENT
        signature = earlier or db.session.scalars(
            select(model).filter_by(**identity)
            .where(*(() if holds_identity is None else (holds_identity,)))).one_or_none()
        if signature is not None:
            break
        # The row the insert gave way to was erased, or gave up the identity (a
        # co-signature rejected), before it could be read: the insert is tried again.
    else:
        raise RuntimeError(f"no {model.__tablename__} row inserted or found after "
                           f"{_INSERT_ATTEMPTS} attempts")
    from_its_signer = may_update(signature)
    # A signature invalidated before anyone confirmed it (a flood held and judged
    # whole) is taken again by a submission nothing holds, as a first signature would
    # be: its address may be a real signer's. Not a co-signature's: an organization's
    # name is decided by the coordinators. Someone else naming an organization is
    # answered below as for any co-signature not listed, whatever its state.
    taken_again = (isinstance(signature, IndividualSignature) and signature.is_invalidated
                   and not signature.is_confirmed)
    if signature.is_invalidated and from_its_signer and not taken_again:
        return SigningOutcome.HELD
    if not claim_mailing(signature):
        return SigningOutcome.NOTHING_SENT_RECENTLY_MAILED
    if signature.is_held and from_its_signer:
        # An earlier submission was held and this one, from its signer, is not: it
        # goes on as a first signature would, now that it may be mailed. Someone
        # else's cannot take it out of the coordinators' queue.
        signature.release()
    elif taken_again:
        signature.take_again()
    if isinstance(signature, IndividualSignature) and (
            signature.status in SIGN_AGAIN_STATUSES):
        signature.sign_again()
    if signature.is_confirmed or not from_its_signer:
        mail_already_signed(signature)
        return SigningOutcome.ALREADY_SIGNED_NOTICE_SENT
    # An unconfirmed signature takes the latest details: what the signer confirms is
    # what they asked for last. Except that a later submission may hide a name more,
    # never show it more: anyone can submit a signer's address, and a signer at risk
    # who chose not to be named must not be one click on the newest link away from
    # it. Showing more is done on the signer's own page, which only their mailbox
    # reaches.
    if isinstance(signature, IndividualSignature) and details["name_display"].shows_more_than(
            signature.name_display):
        details = {**details, "name_display": signature.name_display}
    for name, value in {**address, **details}.items():
        setattr(signature, name, value)
    _mail_confirmation(signature, confirm_to(signature),
                       signature.issue_confirmation_token(link_lifetime()))
    return SigningOutcome.CONFIRMATION_SENT


def claim_mailing(signature: Signature) -> bool:
    """Whether this request may write to the signer now: at most one e-mail per
    CONFIRMATION_RESEND_MINUTES, however many requests ask at once. The rule is one
    conditional UPDATE of last_mailed_at, not a read and then a write: of requests
    that race, the database lets one change the row, and the others, waiting on its
    lock, find it mailed moments ago. Every path that resends goes through here.

    Once claimed, the row is locked until the request commits, and SIGNATURE is read
    again: the caller decides what to write by its state, and a confirmation (or a
    withdrawal) committed since it was loaded must not be written over."""
    model = type(signature)
    now = utcnow()
    claimed = db.session.execute(
        update(model)
        .where(model.id == signature.id,
               or_(model.last_mailed_at.is_(None),
                   model.last_mailed_at <= now - _resend_interval()))
        .values(last_mailed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        db.session.refresh(signature)
    return claimed


class ConfirmationError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def find_signature_to_confirm(token: str, *, for_update: bool = False) -> Signature:
    """The signature a confirmation link is for, or a ConfirmationError saying
    plainly why the link cannot be used. Locked for update when about to confirm, so
    that two clicks at once count the signature once."""
    token_hash = hash_token(token)
    for model in (IndividualSignature, OrganizationSignature):
        query = select(model).where(model.confirmation_token_hash == token_hash)
        signature = db.session.scalars(
            query.with_for_update() if for_update else query
        ).one_or_none()
        # A link left on a signature past confirming (confirmed by a link that raced
        # a resend, before resends read the row again) is answered as a used one.
        if signature is not None and signature.is_confirmable:
            if signature.confirmation_expired():
                raise ConfirmationError(_(
                    "This confirmation link has expired. Sign again with the same e-mail "
                    "address and we will send you a new one."))
            return signature
    raise ConfirmationError(_(
        "This confirmation link is not valid: it has been used already, or a newer "
        "link replaced it. If you signed, your latest e-mail from us has the link to use."))


def confirm_signature(token: str, *, client: Client | None = None) -> Signature:
    """CLIENT is who followed the link, None outside a request. Its trace replaces the
    submission's: only the mailbox's owner can confirm, and anyone can submit an
    address. A signer who took over a flood's row, or whose row a stranger sent again
    from a flood's network, must not be caught when that network is invalidated."""
    signature = find_signature_to_confirm(token, for_update=True)
    signature.confirm(utcnow())
    if client is not None:
        signature.traced_to(client.trace())
    if signature.is_active:
        # An organization counts only once a coordinator approves it.
        add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS)
    return signature


def _mail_confirmation(signature: Signature, to: str, token: str) -> None:
    _mail(to, signature, CONFIRMATION_TEMPLATE,
          lazy_gettext("Please confirm your signature: %(title)s",
                       title=title_in(signature.statement, signature.language)),
          token=token, link_valid_hours=current_app.config["CONFIRMATION_LINK_MAX_AGE_HOURS"])


# The key of an e-mail's context that names the co-signature it is about: an integer,
# or null in mail about an individual's signature.
ORGANIZATION_SIGNATURE_ID = "organization_signature_id"


def _mail(to: str, signature: Signature, template: str, subject: Any, *,
          with_signer_page: bool = True, language: str | None = None, **extra: Any) -> None:
    """SUBJECT is a lazy string: it is written, as the e-mail will be, in the signer's
    language (or LANGUAGE, for mail to someone else)."""
    organization = signature if isinstance(signature, OrganizationSignature) else None
    with in_language(language or signature.language):
        queue_email(
            to=to,
            subject=str(subject),
            template=template,
            context={
                # In the language the signer signed in, when the statement has it.
                "statement_title": title_in(signature.statement, signature.language),
                "statement_slug": signature.statement.slug,
                "signer_name": organization.contact_name if organization else signature.name,
                "organization_name": organization.name if organization else None,
                # What erasing it forgets (campaign.privacy.services), whoever the mail
                # is to: its name alone may be another co-signature's too.
                ORGANIZATION_SIGNATURE_ID: organization.id if organization else None,
                "organization_status": organization.status.value if organization else None,
                # Every e-mail to a signature's signer leads to their own page; an
                # e-mail to anyone else must not.
                "signer_page_url": signer_page_url(signature) if with_signer_page else None,
                **extra,
            },
        )


def _resend_interval() -> timedelta:
    return timedelta(minutes=current_app.config["CONFIRMATION_RESEND_MINUTES"])


def mail_new_confirmation_link(signature: Signature) -> None:
    """A new confirmation link, e-mailed to the signer (a held signature that a
    coordinator released)."""
    to = signature.email if isinstance(signature, IndividualSignature) \
        else signature.contact_email
    assert to is not None
    _mail_confirmation(signature, to, signature.issue_confirmation_token(link_lifetime()))

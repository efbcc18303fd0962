"""Sending the statement to its addressees, and following what became of each letter.

A letter is a row per sending to one addressee. One with an e-mail address goes
through the outbox (the worker renders it and attaches its PDF, see
campaign.letters.mail); one without is printed and delivered by hand. A failed
letter is retried by sending a new one: the failed row keeps its reason as history,
and the new one carries the counts of the day it is sent. Once a later letter has
gone to its addressee, the failed one is not retried: that would be a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaign.accounts.models import Coordinator, TeamMembership
from campaign.database import utcnow
from campaign.domain import DomainError, fingerprint
from campaign.extensions import db
from campaign.form_fields import at_most_message
from campaign.languages import in_language
from campaign.letters.models import (
    DELIVERED_STATUSES,
    HAND_DELIVERABLE_STATUSES,
    ON_ITS_WAY_STATUSES,
    SENT_AGAIN_STATUSES,
    Letter,
    LetterStatus,
    LetterStatusError,
)
from campaign.outbox.models import OutboxMessage
from campaign.outbox.services import queue_email
from campaign.signing.tally import Counts, read_counts
from campaign.statements.models import (
    SENDER_NAME_LENGTH,
    Addressee,
    Demand,
    DemandGroup,
    DemandGroupAddressee,
    Statement,
)
from campaign.statements.services import suggest_slug
from campaign.statements.translating import statement_text
from campaign.text import InvalidEmail, normalize_email

LETTER_TEMPLATE = "letter"
# A group's own words (Text columns: the bounds are these, in the form and here). A
# salutation or closing is one line, and the default salutation holds an addressee's
# name (at most 300 characters). The covering note is a few paragraphs before the
# statement, rendered as Markdown into every letter of the group and its PDF: shorter
# than a statement's own text (MARKDOWN_LENGTH), which it introduces.
SALUTATION_LENGTH = 300
NOTE_LENGTH = 5000
CLOSING_LENGTH = 300
# The outbox's Reply-To column holds one header of this many characters.
REPLY_TO_MAX = 254


class LetterError(DomainError):
    """The letter cannot be changed as asked; the message says why."""


class RecipientsChanged(LetterError):
    """Who would get a letter is no longer what the confirmation page showed; SUMMARY
    is what it would show now."""

    def __init__(self, summary: SendingSummary) -> None:
        super().__init__(_("The list of addressees changed since you opened this page, so "
                           "nothing was sent. Check the list below and confirm again."))
        self.summary = summary


@dataclass(frozen=True)
class AddresseeSummary:
    addressee: Addressee
    demands_count: int


@dataclass
class SendReport:
    """What a send did, addressee by addressee, for the coordinator to read: the names
    the letters are addressed to, taken as it went (an addressee removed meanwhile is
    no row to read them from once the sending commits)."""

    queued: list[str] = field(default_factory=list)
    to_deliver_by_hand: list[str] = field(default_factory=list)
    already_queued: list[str] = field(default_factory=list)
    already_waiting_by_hand: list[str] = field(default_factory=list)
    # Removed from the statement by a colleague as this sending went: sent nothing.
    removed: list[str] = field(default_factory=list)


def addressee_summaries(statement: Statement) -> list[AddresseeSummary]:
    counts = dict(db.session.execute(
        select(DemandGroupAddressee.addressee_id, func.count(Demand.id))
        .join(Demand, Demand.group_id == DemandGroupAddressee.demand_group_id)
        .join(Addressee, Addressee.id == DemandGroupAddressee.addressee_id)
        .where(Addressee.statement_id == statement.id)
        .group_by(DemandGroupAddressee.addressee_id)
    ).all())
    addressees = db.session.scalars(
        select(Addressee).where(Addressee.statement_id == statement.id).order_by(Addressee.id))
    return [AddresseeSummary(addressee, counts.get(addressee.id, 0)) for addressee in addressees]


def find_group(statement: Statement, group_id: int) -> DemandGroup | None:
    return db.session.scalars(select(DemandGroup).where(
        DemandGroup.id == group_id, DemandGroup.statement_id == statement.id)).one_or_none()


def _text_or_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def set_letter_voice(statement: Statement, *, sender_name: str | None,
                     letter_logos: bool) -> None:
    """The coalition's name on its e-mails and letters (one line, as a header's display
    name must be; empty: the instance's name), and whether the PDF shows logos."""
    name = " ".join((sender_name or "").split()) or None
    if name and len(name) > SENDER_NAME_LENGTH:
        raise LetterError(_("The sender name is too long."))
    statement.sender_name = name
    statement.letter_logos = letter_logos


def set_reply_address(statement: Statement, address: str | None) -> None:
    """Where the addressees' replies go; None: the coordinators' own addresses."""
    try:
        statement.reply_address = normalize_email(address) if address else None
    except InvalidEmail as error:
        raise LetterError(_("Enter a valid e-mail address for the replies.")) from error


def set_group_wording(group: DemandGroup, *, salutation: str | None, note: str | None,
                      closing: str | None) -> None:
    """The letter's own words to this group's addressees; an empty one falls back to
    the default wording, in each addressee's language. Refused, at the field, past
    its length."""
    words = {"salutation": (_text_or_none(salutation), SALUTATION_LENGTH),
             "note": (_text_or_none(note), NOTE_LENGTH),
             "closing": (_text_or_none(closing), CLOSING_LENGTH)}
    for field_name, (text, limit) in words.items():
        if text is not None and len(text) > limit:
            raise LetterError(str(at_most_message(limit)), field=field_name)
    group.letter_salutation = words["salutation"][0]
    group.letter_note = words["note"][0]
    group.letter_closing = words["closing"][0]


def find_letter(statement: Statement, letter_id: int) -> Letter | None:
    return db.session.scalars(select(Letter).where(
        Letter.id == letter_id, Letter.statement_id == statement.id)).one_or_none()


def addressees_of_group(statement: Statement, group_id: int) -> list[Addressee] | None:
    """The addressees of one of the statement's groups of demands; None for a group
    that is not the statement's."""
    group = find_group(statement, group_id)
    return None if group is None else list(group.addressees)


def letters_of(statement: Statement) -> list[Letter]:
    """Every letter of the statement, newest first, with what the page shows of it."""
    return list(db.session.scalars(
        select(Letter).where(Letter.statement_id == statement.id)
        .order_by(Letter.created_at.desc(), Letter.id.desc())
        .options(selectinload(Letter.addressee), selectinload(Letter.outbox_message))
    ))


def letters_reply_to(statement: Statement) -> str | None:
    """Where an addressee's reply goes: the coalition's address for replies, else every
    coordinator's own."""
    return statement.reply_address or coordinators_reply_to(statement)


def coordinators_reply_to(statement: Statement) -> str | None:
    """The team's addresses, so that an addressee's reply reaches every coordinator;
    as many as fit in the header, the longest-serving first."""
    emails = db.session.scalars(
        select(Coordinator.email).join(TeamMembership)
        .where(TeamMembership.team_id == statement.team_id)
        .order_by(TeamMembership.added_at, Coordinator.id)
    )
    kept: list[str] = []
    for email in emails:
        if len(", ".join([*kept, email])) > REPLY_TO_MAX:
            break
        kept.append(email)
    return ", ".join(kept) or None


def _waiting_letter(addressee: Addressee, status: LetterStatus) -> Letter | None:
    return db.session.scalars(select(Letter).where(
        Letter.addressee_id == addressee.id, Letter.status == status)).first()


def send_letters(statement: Statement, addressees: list[Addressee], *,
                 by: Coordinator | None) -> SendReport:
    """A letter to each addressee, carrying today's counts: queued for e-mail, or to
    be delivered by hand for an addressee without an address. An addressee whose
    letter still waits (queued, or not yet delivered by hand) is skipped, never sent
    a second copy."""
    report = SendReport()
    counts = read_counts(statement.id)
    reply_to = letters_reply_to(statement)
    for addressee in addressees:
        _send_one(statement, addressee, addressee.name, addressee.role, addressee.email,
                  counts=counts, reply_to=reply_to, by=by, report=report)
    return report


def _send_one(statement: Statement, addressee: Addressee, name: str, role: str | None,
              address: str | None, *, counts: Counts, reply_to: str | None,
              by: Coordinator | None, report: SendReport) -> None:
    """A letter to ADDRESSEE under NAME and ROLE, e-mailed to ADDRESS (none: by hand)."""
    status = LetterStatus.QUEUED if address else LetterStatus.TO_DELIVER_BY_HAND
    if _waiting_letter(addressee, status) is not None:
        (report.already_queued if address else report.already_waiting_by_hand).append(name)
        return
    letter = Letter(statement=statement, addressee=addressee, addressee_name=name,
                    addressee_role=role, to_address=address, status=status,
                    organizations_count=counts.organizations,
                    individuals_count=counts.individuals, created_by=by)
    try:
        # The partial unique index settles a race with another coordinator
        # sending at the same moment: theirs is queued, this one is skipped.
        with db.session.begin_nested():
            db.session.add(letter)
            db.session.flush()
    except IntegrityError:
        # Or the foreign key refused it: a colleague removed the addressee meanwhile
        # (their removal locks the row, so the insert waited for it to commit).
        gone = db.session.scalar(select(Addressee.id).where(Addressee.id == addressee.id)) is None
        (report.removed if gone else report.already_queued).append(name)
        return
    if address:
        with in_language(addressee.language):
            letter.outbox_message = queue_email(
                to=address,
                subject=statement_text(statement, addressee.language).title.text,
                template=LETTER_TEMPLATE,
                context={"letter_id": letter.id, "statement_slug": statement.slug},
                reply_to=reply_to)
        report.queued.append(name)
    else:
        report.to_deliver_by_hand.append(name)


@dataclass(frozen=True)
class SummaryLine:
    """What one addressee would get, or why they would be skipped."""

    addressee: Addressee
    # Whom the letter is addressed to, and where it goes: the addressee's entry, or
    # what a failed letter recorded when it is sent again.
    name: str
    role: str | None
    email: str | None
    demands_count: int
    by_email: bool
    attachment: str
    # True: a letter to them still waits (queued, or to deliver by hand) and
    # confirming sends them nothing.
    skipped: bool
    # Their newest letter when the page was made (0: none), so that a page confirmed
    # after its letters went (a second tab, a colleague's) sends no second copy.
    last_letter_id: int = 0


@dataclass(frozen=True)
class SendingSummary:
    """Who gets what, shown before anything is sent: every letter carries the same
    signatories, the statement's as they stand when it is sent."""

    lines: list[SummaryLine]
    organizations: int
    individuals: int

    @property
    def to_send(self) -> list[SummaryLine]:
        return [line for line in self.lines if not line.skipped]

    @property
    def recipients(self) -> str:
        """Who would get a letter, under which name and role and at which address, in
        one value: the confirmation page carries it, and sending refuses unless it
        still matches, so that a letter goes only to whom the coordinator was shown."""
        shown = sorted((line.addressee.id, line.name, line.role or "", line.email or "",
                        line.last_letter_id) for line in self.to_send)
        return fingerprint(shown)


def letter_file_name(statement: Statement, addressee_name: str) -> str:
    return f"{statement.slug}-{suggest_slug(addressee_name)}.pdf"


def summarize_sending(statement: Statement, addressees: list[Addressee]) -> SendingSummary:
    """What send_letters would do with these addressees, without doing it."""
    demands = {summary.addressee.id: summary.demands_count
               for summary in addressee_summaries(statement)}
    counts = read_counts(statement.id)
    last_letters = dict(db.session.execute(
        select(Letter.addressee_id, func.max(Letter.id))
        .where(Letter.statement_id == statement.id).group_by(Letter.addressee_id)).all())
    lines = []
    for addressee in addressees:
        status = LetterStatus.QUEUED if addressee.email else LetterStatus.TO_DELIVER_BY_HAND
        lines.append(SummaryLine(
            addressee=addressee, name=addressee.name, role=addressee.role,
            email=addressee.email,
            demands_count=demands.get(addressee.id, 0),
            by_email=bool(addressee.email),
            attachment=letter_file_name(statement, addressee.name),
            skipped=_waiting_letter(addressee, status) is not None,
            last_letter_id=last_letters.get(addressee.id, 0)))
    return SendingSummary(lines=lines, organizations=counts.organizations,
                          individuals=counts.individuals)


def send_letters_as_shown(statement: Statement, addressees: list[Addressee], *,
                          shown: str | None, by: Coordinator | None) -> SendReport:
    """send_letters, to the addressees the confirmation page offered, provided they
    are still the ones it showed (SHOWN: its SendingSummary.recipients); else
    nothing is sent and RecipientsChanged says what the page would show now."""
    summary = summarize_sending(statement, addressees)
    if summary.recipients != shown:
        raise RecipientsChanged(summary)
    return send_letters(statement, [line.addressee for line in summary.to_send], by=by)


def send_test_letter(addressee: Addressee, to: Coordinator) -> OutboxMessage:
    """The letter to ADDRESSEE, as they would get it (their language, the PDF), sent
    to the coordinator TO only. It goes through the outbox like any letter but is no
    Letter: it is never counted as sent, and the addressee is written to by nobody."""
    statement = addressee.statement
    with in_language(addressee.language):
        subject = _("[Test] %(title)s", title=statement.title)
        return queue_email(
            to=to.email, subject=subject, template=LETTER_TEMPLATE,
            context={"test_addressee_id": addressee.id, "statement_slug": statement.slug})


def sent_again(letters: list[Letter]) -> dict[int, Letter]:
    """Among LETTERS (every letter of a statement), each failed one's id with the
    first later letter to its addressee that went, or is on its way."""
    resent: dict[int, Letter] = {}
    next_on_its_way: dict[int, Letter] = {}
    for letter in sorted(letters, key=lambda letter: letter.id, reverse=True):
        if letter.status in SENT_AGAIN_STATUSES:
            next_on_its_way[letter.addressee_id] = letter
        elif letter.addressee_id in next_on_its_way:
            resent[letter.id] = next_on_its_way[letter.addressee_id]
    return resent


def _check_retryable(letter: Letter) -> None:
    if letter.status is not LetterStatus.FAILED:
        raise LetterError(_("Only a letter that failed can be sent again from here."))
    later = db.session.scalars(select(Letter.id).where(
        Letter.addressee_id == letter.addressee_id, Letter.id > letter.id,
        Letter.status.in_(SENT_AGAIN_STATUSES))).first()
    if later is not None:
        raise LetterError(_(
            "The failed letter to %(name)s was already sent again (see the newer letter "
            "below), so nothing was sent this time.", name=letter.addressee_name))


def summarize_retry(letter: Letter) -> SendingSummary:
    """What retry_letter would send, for its confirmation page: the failed letter again,
    to the name, role and address it recorded. The addressee's entry may have been
    edited since; a letter to the entry as it is now is a new sending, not a retry."""
    _check_retryable(letter)
    summary = summarize_sending(letter.statement, [letter.addressee])
    [line] = summary.lines
    # Only a queued letter fails, so it went by e-mail; and _check_retryable refused a
    # letter to its addressee queued since, so this one is not skipped.
    again = replace(line, name=letter.addressee_name, role=letter.addressee_role,
                    email=letter.to_address, by_email=True,
                    attachment=letter_file_name(letter.statement, letter.addressee_name),
                    skipped=False)
    return replace(summary, lines=[again])


def retry_letter(letter: Letter, *, shown: str | None,
                 by: Coordinator | None) -> SendReport:
    """A new letter for a failed one's addressee (see the module's note on why), to
    the name, role and address the failed one recorded, as its confirmation page
    showed it (see send_letters_as_shown)."""
    name = letter.addressee_name
    # Two coordinators retrying at once wait for each other here, and the second
    # finds the first one's letter; NO KEY leaves the letters' inserts unblocked. A
    # colleague's removal of the addressee (FOR UPDATE) is waited for too, and then
    # leaves neither the addressee nor its failed letters.
    locked = db.session.scalar(select(Addressee.id).where(Addressee.id == letter.addressee_id)
                               .with_for_update(key_share=True))
    # Read again now that nothing changes it: the letter as the lock left it.
    fresh = db.session.scalars(select(Letter).where(Letter.id == letter.id)
                               .execution_options(populate_existing=True)).one_or_none()
    if locked is None or fresh is None:
        raise LetterError(_("%(name)s was removed from the statement meanwhile: nothing was "
                            "sent.", name=name))
    summary = summarize_retry(fresh)
    if summary.recipients != shown:
        raise RecipientsChanged(summary)
    report = SendReport()
    statement = fresh.statement
    _send_one(statement, fresh.addressee, fresh.addressee_name, fresh.addressee_role,
              fresh.to_address, counts=read_counts(statement.id),
              reply_to=letters_reply_to(statement), by=by, report=report)
    return report


def letter_to_print(statement: Statement, letter_id: int) -> Letter | None:
    """The statement's letter LETTER_ID while it waits to be delivered by hand, for its
    PDF; None otherwise. A letter that went by e-mail went with the PDF its e-mail
    rendered, and one rendered now would carry today's signatories instead."""
    letter = find_letter(statement, letter_id)
    return letter if letter is not None and letter.status in HAND_DELIVERABLE_STATUSES else None


def mark_delivered_by_hand(letter: Letter) -> None:
    try:
        letter.mark_delivered_by_hand(utcnow())
    except LetterStatusError as error:
        raise LetterError(str(error)) from error


# --- Letters and the removal of their addressee ----------------------------------------


def failed_letters_to(addressee: Addressee) -> list[int]:
    """The ids of the letters to ADDRESSEE, all of which failed; refused (LetterError)
    when one reached them, which stays on record with its addressee, or is still on its
    way, whose outcome must find its letter and addressee."""
    letters = db.session.execute(
        select(Letter.id, Letter.status).where(Letter.addressee_id == addressee.id)
        .order_by(Letter.id)).all()
    statuses = [letter.status for letter in letters]
    if any(status in DELIVERED_STATUSES for status in statuses):
        raise LetterError(_("%(name)s was sent letters, which stay on record: %(name)s cannot "
                            "be removed.", name=addressee.name))
    if any(status in ON_ITS_WAY_STATUSES for status in statuses):
        raise LetterError(_("A letter to %(name)s is still on its way (queued for e-mail, or "
                            "waiting to be delivered by hand): %(name)s cannot be removed "
                            "while it is.", name=addressee.name))
    return [letter.id for letter in letters]


def delete_failed_letters(addressee: Addressee) -> None:
    """ADDRESSEE's letters, all failed (else refused as failed_letters_to says), deleted
    so that the addressee can go: they reached nobody. Their e-mails, given up, go with
    them: each holds the address and the id of a letter that no longer exists."""
    failed_letters_to(addressee)
    messages = list(db.session.scalars(
        select(Letter.outbox_message_id).where(Letter.addressee_id == addressee.id,
                                               Letter.outbox_message_id.is_not(None))))
    db.session.execute(delete(Letter).where(Letter.addressee_id == addressee.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(messages)))


def letter_of_message(message: OutboxMessage) -> Letter | None:
    """The letter an outbox row carries; None for a test (no letter) or a deleted one."""
    letter_id = message.context.get("letter_id")
    return db.session.get(Letter, letter_id) if isinstance(letter_id, int) else None


def mark_sent(message: OutboxMessage) -> None:
    letter = letter_of_message(message)
    if letter is not None:
        letter.mark_sent(message.sent_at or utcnow())


def mark_failed(message: OutboxMessage) -> None:
    letter = letter_of_message(message)
    if letter is not None:
        letter.mark_failed(message.last_error)

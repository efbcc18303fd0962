"""Delivering outbox rows: relay, claim, render, send, record.

The web process only writes rows. The worker's relay, run by beat every second,
hands the rows that are due to the delivery task in batches: publishing a task from
each signing request cost a fifth of the request, and made signing wait on the
broker. A row is claimed with a conditional UPDATE before anything is sent, so two
tasks for the same row (relayed twice, or a fan-out's and the relay's) never both
send it. The claim commits before the send on purpose: the send is slow and must not
hold a transaction open, and the claim must be visible to every other worker.
"""

from __future__ import annotations

import enum
import logging
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, quote, unquote
from functools import partial
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from sqlalchemy import ColumnElement, and_, or_, select, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.languages import in_language
from campaign.outbox.models import CLAIMABLE_STATUSES, CLAIMED_STATUSES, OutboxMessage, OutboxStatus
from campaign.queue import DELIVER_EMAIL_TASK, enqueue
from campaign.text import ascii_address

log = logging.getLogger(__name__)

# Headers a person reads (the subject, display names) are encoded here, once, and
# stored as written: Flask-Mail's compat32 messages decoded its encoded subject and
# folded it again, with plain text next to encoded words, which put spaces inside words
# ("organiz ations") and took them from between Cyrillic words. The modern policy's
# own folding has the second fault on Python 3.11 and 3.12. CRLF line ends, as SMTP
# wants them; "none" keeps the policy from folding these headers again.
MAIL_POLICY = policy.SMTP.clone(refold_source="none")
# A line break (or any control character) with the spaces around it: a header is one
# line, and user text (a title, a name) must neither break it nor add another.
_BREAK = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"
_NOT_ONE_LINE = re.compile(rf"[ {_BREAK[1:-1]}]*{_BREAK}[ {_BREAK[1:-1]}]*")

# A row left "sending" this long belongs to a worker that died mid-send. Sending it
# again risks a second copy, but losing a confirmation e-mail costs a signature; the
# fixed Message-ID lets mail clients fold such a copy into the first.
STALE_CLAIM_AFTER = timedelta(minutes=10)
# A row handed to the worker and still not claimed this long after (its task lost
# with the broker, or still waiting behind a long queue) is handed over again; the
# claim makes a second task for it harmless.
REQUEUE_AFTER = timedelta(minutes=2)
RELAY_BATCH_SIZE = 1000
# A run stops after this many batches, so that runs do not pile up behind a backlog;
# the next second's run goes on with it.
RELAY_BATCHES_PER_RUN = 20


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class TemplateHooks:
    """What an area adds to the delivery of its own e-mails (a letter's PDF, and the
    letter's state once its e-mail is sent or given up), so that the outbox needs to
    know none of the areas that use it."""

    attachments: Callable[[OutboxMessage], list[Attachment]] | None = None
    # What the e-mail's templates need that could not be known when its row was
    # written (a link naming a row inserted in the same statement).
    context: Callable[[OutboxMessage], dict[str, Any]] | None = None
    # Asked just before sending: False cancels the message (its recipient
    # unsubscribed or withdrew after it was written, and before it left).
    should_send: Callable[[OutboxMessage], bool] | None = None
    # Extra headers, e.g. List-Unsubscribe for mail a signer can stop.
    headers: Callable[[OutboxMessage], dict[str, str]] | None = None
    on_sent: Callable[[OutboxMessage], None] | None = None
    on_given_up: Callable[[OutboxMessage], None] | None = None


_hooks: dict[str, TemplateHooks] = {}


def register_template_hooks(template: str, hooks: TemplateHooks) -> None:
    _hooks[template] = hooks


@dataclass(frozen=True)
class Voice:
    """Who a message speaks for: the display name of its From (its address stays the
    instance's own, so that SPF, DKIM and DMARC pass). None: the instance's name."""

    name: str | None = None


# Asked of the area that knows whose message it is (a statement's coalition), so
# that the outbox needs to know none of them.
_voice_of: Callable[[OutboxMessage], Voice] | None = None


def register_voice(voice_of: Callable[[OutboxMessage], Voice]) -> None:
    global _voice_of
    _voice_of = voice_of


class DeliveryResult(enum.Enum):
    SENT = "sent"
    NOT_DUE = "not_due"
    CANCELLED = "cancelled"
    RETRY_LATER = "retry_later"
    GAVE_UP = "gave_up"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, … capped at an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_message(message_id: int) -> DeliveryResult:
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_(CLAIMABLE_STATUSES),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        # A claim is one conditional UPDATE, not a transition method: of two tasks for
        # one message, the database lets one claim it.
        .values(status=OutboxStatus.SENDING, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return DeliveryResult.NOT_DUE

    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    hooks = _hooks.get(message.template, TemplateHooks())
    # An erased address (see campaign.privacy.services) is no address: nothing goes to it.
    if "@" not in message.to_address or (hooks.should_send and not hooks.should_send(message)):
        message.cancel()
        db.session.commit()
        return DeliveryResult.CANCELLED
    accepted = False
    try:
        # Building is inside the try: an attachment that fails to render is a failed
        # attempt of this message alone, retried like a refused send.
        email = build_email(message, hooks)
        with mail_connection() as send:
            send(email)
            accepted = True
            # Recorded while the connection is still open: from the server's acceptance
            # to this commit is the one window in which a crash sends the message again
            # (its claim is released after STALE_CLAIM_AFTER), and the goodbye is
            # kept out of it.
            _record_sent(message, hooks)
    except Exception as error:
        if accepted:
            raise  # the server has it: not a failed send, never retried as one
        log.warning("outbox message %s failed (attempt %s): %s", message.id,
                    message.attempts, error)
        reason = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.give_up(reason)
            if hooks.on_given_up:
                hooks.on_given_up(message)
            result = DeliveryResult.GAVE_UP
        else:
            message.retry_at(utcnow() + retry_delay(message.attempts), reason)
            result = DeliveryResult.RETRY_LATER
        db.session.commit()
        return result
    return DeliveryResult.SENT


def _record_sent(message: OutboxMessage, hooks: TemplateHooks) -> None:
    message.mark_sent(utcnow())
    if hooks.on_sent:
        hooks.on_sent(message)
    db.session.commit()


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxMessage.status == OutboxStatus.PENDING,
                or_(OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.next_attempt_at <= now))


def due_message_ids(limit: int = 500) -> list[int]:
    return list(db.session.scalars(
        select(OutboxMessage.id).where(_due(utcnow())).order_by(OutboxMessage.id).limit(limit)
    ))


def relay_due_messages() -> int:
    """Hand what is due and not handed over already to the delivery task, a batch at
    a time, each marked in the database before it is published; returns how many."""
    release_stale_claims()
    relayed = 0
    for _ in range(RELAY_BATCHES_PER_RUN):
        now = utcnow()
        batch = (select(OutboxMessage.id)
                 .where(_due(now), or_(OutboxMessage.queued_at.is_(None),
                                       OutboxMessage.queued_at < now - REQUEUE_AFTER))
                 .order_by(OutboxMessage.id).limit(RELAY_BATCH_SIZE)
                 # Two runs at once (a slow one and the next) take different rows.
                 .with_for_update(skip_locked=True))
        ids = list(db.session.scalars(
            update(OutboxMessage).where(OutboxMessage.id.in_(batch)).values(queued_at=now)
            .returning(OutboxMessage.id).execution_options(synchronize_session=False)))
        db.session.commit()
        if ids:
            enqueue(DELIVER_EMAIL_TASK, [(message_id,) for message_id in sorted(ids)])
        relayed += len(ids)
        if len(ids) < RELAY_BATCH_SIZE:
            break
    return relayed


def release_stale_claims() -> int:
    released = db.session.execute(
        update(OutboxMessage)
        # In bulk, as a batch must: every claim whose worker died, at once.
        .where(OutboxMessage.status.in_(CLAIMED_STATUSES),
               OutboxMessage.claimed_at < utcnow() - STALE_CLAIM_AFTER)
        .values(status=OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return released


def deliver_due_messages() -> dict[DeliveryResult, int]:
    """Deliver everything that is due, in this process, without a worker (the tests
    use it to be the worker)."""
    release_stale_claims()
    outcomes: dict[DeliveryResult, int] = {}
    for message_id in due_message_ids():
        result = deliver_message(message_id)
        outcomes[result] = outcomes.get(result, 0) + 1
    return outcomes


def one_line(value: str) -> str:
    """A header's value as one line, whatever the text it was made of."""
    return _NOT_ONE_LINE.sub(" ", value).strip(" ")


def encoded_text(value: str, header_name: str) -> str:
    """Text for an unstructured header (the subject), as encoded words of whole
    characters when it is not plain ASCII, folded at 78 characters."""
    value = one_line(value)
    # Plain text that looks like an encoded word would be decoded by the reader.
    charset = "utf-8" if "=?" in value else None
    return Header(value, charset, header_name=header_name).encode()


def display_name(value: str) -> str:
    """A name as an address header can carry it: one line, and one space between
    words (readers fold any run of whitespace in a name into one space, encoded or
    not, and drop it at the ends)."""
    return " ".join(one_line(value).split())


def mailbox(written: str) -> tuple[str, str]:
    """The (name, address) a setting names, as `Name <address>` or `address`. Read by
    hand, not as an address list: a sender's name may hold commas and quotes."""
    name, bracket, rest = written.strip().rpartition("<")
    if not bracket:
        return "", written.strip()
    return unquote(name.strip()), rest.strip().removesuffix(">").strip()


def address_list(mailboxes: list[tuple[str, str]]) -> str:
    """An address header's value, one mailbox a line. A name that is not plain ASCII
    is one encoded word, however long: Python's parser (before gh-128110) reads a
    space between two encoded words of one name where RFC 2047 has none, so a name
    split in two would reach it with a space inside a word."""
    written = []
    for name, address in mailboxes:
        name = display_name(name)
        if not name:
            written.append(address)
        elif not name.isascii() or "=?" in name:
            written.append(f"{Header(name, 'utf-8').encode(maxlinelen=0)} <{address}>")
        else:
            written.append(f'"{quote(name)}" <{address}>')
    return ",\n ".join(written)


def build_email(message: OutboxMessage, hooks: TemplateHooks | None = None) -> EmailMessage:
    """The e-mail of an outbox row. Every header is set here, and made one line here:
    the rows are written in many places (some in bulk) from titles and names people
    typed."""
    hooks = hooks or _hooks.get(message.template)
    context = dict(message.context)
    if hooks and hooks.context:
        context.update(hooks.context(message))
    email = EmailMessage(policy=MAIL_POLICY)
    email.set_raw("Subject", encoded_text(message.subject, "Subject"))
    voice = _voice_of(message) if _voice_of else Voice()
    instance_name, instance_address = mailbox(current_app.config["MAIL_DEFAULT_SENDER"])
    email.set_raw("From", address_list([(voice.name or instance_name, instance_address)]))
    # An internationalized domain goes out in its IDNA 2008 (ASCII) form.
    email.set_raw("To", address_list([("", ascii_address(one_line(message.to_address)))]))
    if message.reply_to:
        # A letter is answered to every coordinator of the statement.
        email.set_raw("Reply-To", address_list([
            (address.display_name, address.addr_spec) for address in
            MAIL_POLICY.header_factory("Reply-To", one_line(message.reply_to)).addresses]))
    email["Date"] = format_datetime(utcnow())
    domain = current_app.config["SERVER_NAME"].split(":")[0]
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    if hooks and hooks.headers:
        for name, value in hooks.headers(message).items():
            email[name] = one_line(value)
    # In the recipient's language, attachments (a letter's PDF) included.
    with in_language(message.locale):
        # Quoted-printable: SMTP servers refuse lines over 998 bytes, which a long
        # paragraph is, and it keeps mostly-Latin text readable in the source.
        email.set_content(render_template(f"emails/{message.template}.txt", **context),
                          cte="quoted-printable")
        email.add_alternative(render_template(f"emails/{message.template}.html", **context),
                              subtype="html", cte="quoted-printable")
        if hooks and hooks.attachments:
            for attachment in hooks.attachments(message):
                maintype, subtype = attachment.content_type.split("/", 1)
                email.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                                     filename=attachment.filename)
    # Set last: making the message multipart moves Content-* headers into its first part.
    email["Content-Language"] = message.locale
    return email


@contextmanager
def mail_connection() -> Iterator[Callable[[EmailMessage], None]]:
    """A function that sends an e-mail, returning once the SMTP server has accepted it
    (or the file is written). One connection serves the whole block; it says goodbye
    (QUIT) after it, and a server that hangs up instead of answering has still
    accepted what it accepted."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        yield partial(write_email_file, directory=Path(config["MAIL_FILE_DIR"]))
        return
    # A server that stops answering fails this attempt (retried later) instead of
    # holding the worker; and TLS checks the server's certificate.
    context = ssl.create_default_context()
    smtp = (smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"],
                             timeout=config["MAIL_TIMEOUT"], context=context)
            if config["MAIL_USE_SSL"] else
            smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                         timeout=config["MAIL_TIMEOUT"]))
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        yield smtp.send_message
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def write_email_file(email: EmailMessage, directory: Path) -> Path:
    """Capture an e-mail as an .eml file, written whole or not at all."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    message_id = str(email["Message-ID"]).strip("<>").split("@")[0]
    target = directory / f"{stamp}-{message_id}.eml"
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as handle:
        handle.write(email.as_bytes())
    os.replace(handle.name, target)
    return target

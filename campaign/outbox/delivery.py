"""Delivering outbox rows: relay, claim, render, send, record.

The web process only writes rows. The worker's relay, run by beat every second,
hands the rows that are due to the delivery task in batches: publishing a task from
each signing request cost a fifth of the request, and made signing wait on the
broker. A batch of rows is claimed with one conditional UPDATE before anything is
sent, so two tasks for the same row (relayed twice, or a fan-out's and the relay's)
never both send it; the batch is then sent over one SMTP connection, and each
message recorded as sent as soon as the server has accepted it.

These are the steps; the loop over them, and its commits, is the delivery task's
(campaign.outbox.tasks): the claim commits before the send (the send is slow and must
not hold a transaction open, and the claim must be visible to every other worker),
and each message's outcome commits before the next is sent.
"""

from __future__ import annotations

import binascii
import contextvars
import email
import enum
import logging
import os
import re
import secrets
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, quote, unquote
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import ColumnElement, and_, event, or_, select, update
from sqlalchemy.orm import Session

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
# Messages claimed at once and sent over one SMTP connection by one delivery task: a
# connection per message cost most of a message's time, and a batch this size is sent
# in well under a second, far from STALE_CLAIM_AFTER.
DELIVERY_BATCH_SIZE = 50
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
    # Extra headers, e.g. List-Unsubscribe for mail a signer can stop; given the
    # message and its templates' context (the links in it).
    headers: Callable[[OutboxMessage, dict[str, Any]], dict[str, str]] | None = None
    on_sent: Callable[[OutboxMessage], None] | None = None
    on_given_up: Callable[[OutboxMessage], None] | None = None
    # Mail to many (an update to every signer): the key under which its bodies are
    # rendered once per worker process and language, each recipient's own values (the
    # context keys named in `own`: a name, a signer's links) filled in afterwards;
    # rendering each of 100,000 messages whole cost more than all the rest of its
    # delivery. None renders the message whole (a test copy of an update that may
    # still change). Everything else its templates show must be the same for every
    # message of one key and language.
    shared_key: Callable[[OutboxMessage], Hashable | None] | None = None
    own: tuple[str, ...] = ()


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


def claim_messages(message_ids: Sequence[int]) -> list[int]:
    """Claim those of the messages that are due, in one conditional UPDATE; returns the
    ids claimed. Of two tasks for one message, the database lets one claim it. The
    caller commits before sending: the claim must be visible to every other worker,
    and the slow send must not hold a transaction open."""
    if not message_ids:
        return []
    now = utcnow()
    return sorted(db.session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(message_ids)),
            OutboxMessage.status.in_(CLAIMABLE_STATUSES),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        # A claim is a conditional UPDATE, not a transition method: see above.
        .values(status=OutboxStatus.SENDING, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ))


@dataclass(frozen=True)
class Claimed:
    message: OutboxMessage
    hooks: TemplateHooks


def to_send(message_id: int) -> Claimed | None:
    """A claimed message and its template's hooks; None when it is cancelled instead
    (in the session: the caller commits)."""
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    hooks = _hooks.get(message.template, TemplateHooks())
    # An erased address (see campaign.privacy.services) is no address: nothing goes to it.
    if "@" not in message.to_address or (hooks.should_send and not hooks.should_send(message)):
        message.cancel()
        return None
    return Claimed(message, hooks)


# A message's hooks and templates look up the same rows (its update, its signature)
# several times, and SQLAlchemy's identity map holds what it loaded only as long as
# something else does: each lookup of a row nobody held was a query again.
_HELD = "outbox.held_while_sending"


@event.listens_for(Session, "loaded_as_persistent")
def _hold_while_sending(session: Session, instance: object) -> None:
    held = session.info.get(_HELD)
    if held is not None:
        held.append(instance)


@contextmanager
def holding_what_is_loaded() -> Iterator[None]:
    """Keep every row loaded in the block in the session's identity map, so that
    looking one up again in the same transaction costs no query."""
    db.session.info[_HELD] = []
    try:
        yield
    finally:
        db.session.info.pop(_HELD, None)


T = TypeVar("T")
_batch_memo: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar(
    "outbox_batch_memo", default=None)


@contextmanager
def one_batch() -> Iterator[None]:
    """The sending of one batch, in which `for_the_batch` remembers what it looked up."""
    token = _batch_memo.set({})
    try:
        yield
    finally:
        _batch_memo.reset(token)


def for_the_batch(key: Hashable, look_up: Callable[[], T]) -> T:
    """What the messages of a batch share and what may lag a batch's few seconds
    behind a change (a statement's sender name, a published update): looked up once
    a batch rather than once a message; each time outside a batch. Plain values, not
    rows: a row read before a commit is read again after it."""
    memo = _batch_memo.get()
    if memo is None:
        return look_up()
    if key not in memo:
        memo[key] = look_up()
    return memo[key]  # type: ignore[no-any-return]


def record_sent(claimed: Claimed) -> None:
    claimed.message.mark_sent(utcnow())
    if claimed.hooks.on_sent:
        claimed.hooks.on_sent(claimed.message)


def record_failure(claimed: Claimed, error: BaseException) -> DeliveryResult:
    """A failed attempt: retried later, or given up after the last one."""
    message, hooks = claimed.message, claimed.hooks
    log.warning("outbox message %s failed (attempt %s): %s", message.id, message.attempts,
                _without_addresses(error))
    reason = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.give_up(reason)
        if hooks.on_given_up:
            hooks.on_given_up(message)
        return DeliveryResult.GAVE_UP
    message.retry_at(utcnow() + retry_delay(message.attempts), reason)
    return DeliveryResult.RETRY_LATER


def _without_addresses(error: BaseException) -> str:
    """What the log says of a failed send: the kind of error and the SMTP server's
    codes, not its words, which may name the recipient ("<olena@example.org>: Recipient
    address rejected"), nor smtplib's refusals, which are keyed by the address. The
    whole reply stays on the message's row (last_error), erased with its address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in error.recipients.values()})
        return f"{type(error).__name__} ({', '.join(codes)})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} ({error.smtp_code})"
    # A connection's own failure names the server, never a recipient, and says what
    # to mend: "Name or service not known", "Hostname mismatch".
    detail = (getattr(error, "verify_message", None) or getattr(error, "strerror", None)
              if isinstance(error, OSError) else None)
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


class BatchOutOfTime(Exception):
    """A batch's sends took so long that its claims would soon be presumed dead."""


def out_of_time(started: float) -> BatchOutOfTime | None:
    """Whether a batch that started at `started` (time.monotonic()) must give its
    remaining claims back now: past half of STALE_CLAIM_AFTER, the relay would soon
    release them to another worker, which would send them a second time."""
    if time.monotonic() - started > STALE_CLAIM_AFTER.total_seconds() / 2:
        return BatchOutOfTime("the batch ran out of time before this message")
    return None


class Mailer:
    """One SMTP connection for a batch of messages: opened at the first send, closed
    after any failed one (the next send opens another, so a server that dropped the
    connection between two messages costs one attempt, not the batch), and refusing
    at once every send after a connection could not be opened, so that a server that
    is down costs the batch one timeout rather than one per message."""

    def __init__(self) -> None:
        self._connection: ExitStack | None = None
        self._send: Callable[[OutgoingEmail], None] | None = None
        self._unreachable: Exception | None = None

    def send(self, outgoing: OutgoingEmail) -> None:
        if self._unreachable is not None:
            raise self._unreachable
        if self._send is None:
            connection = ExitStack()
            try:
                self._send = connection.enter_context(mail_connection())
            except Exception as error:
                self._unreachable = error
                raise
            self._connection = connection
        try:
            self._send(outgoing)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Say goodbye (QUIT). Call it only once every accepted message is recorded:
        a server that hangs up instead of answering has still accepted them."""
        connection, self._connection, self._send = self._connection, None, None
        if connection is not None:
            connection.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxMessage.status == OutboxStatus.PENDING,
                or_(OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.next_attempt_at <= now))


def due_message_ids(limit: int = 500) -> list[int]:
    return list(db.session.scalars(
        select(OutboxMessage.id).where(_due(utcnow())).order_by(OutboxMessage.id).limit(limit)
    ))


def mark_next_relay_batch() -> list[int]:
    """Mark up to RELAY_BATCH_SIZE due messages, not handed over already, as handed to
    the delivery task now; their ids. The caller commits, then publishes them."""
    now = utcnow()
    batch = (select(OutboxMessage.id)
             .where(_due(now), or_(OutboxMessage.queued_at.is_(None),
                                   OutboxMessage.queued_at < now - REQUEUE_AFTER))
             .order_by(OutboxMessage.id).limit(RELAY_BATCH_SIZE)
             # Two runs at once (a slow one and the next) take different rows.
             .with_for_update(skip_locked=True))
    return sorted(db.session.scalars(
        update(OutboxMessage).where(OutboxMessage.id.in_(batch)).values(queued_at=now)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)))


def release_stale_claims() -> int:
    return db.session.execute(
        update(OutboxMessage)
        # In bulk, as a batch must: every claim whose worker died, at once.
        .where(OutboxMessage.status.in_(CLAIMED_STATUSES),
               OutboxMessage.claimed_at < utcnow() - STALE_CLAIM_AFTER)
        .values(status=OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    ).rowcount


def hand_to_delivery(message_ids: Sequence[int]) -> None:
    """Publish delivery tasks for committed rows, DELIVERY_BATCH_SIZE ids a task."""
    ids = list(message_ids)
    if not ids:
        return
    enqueue(DELIVER_EMAIL_TASK, [(ids[start:start + DELIVERY_BATCH_SIZE],)
                                 for start in range(0, len(ids), DELIVERY_BATCH_SIZE)])


def one_line(value: str) -> str:
    """A header's value as one line, whatever the text it was made of."""
    return _NOT_ONE_LINE.sub(" ", value).strip(" ")


# Cached: a fan-out's messages share their subject, and encoding one that is not plain
# ASCII cost a few milliseconds, as much as the rest of the message's headers.
@lru_cache(maxsize=1024)
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


@dataclass(frozen=True)
class OutgoingEmail:
    """An e-mail as it is sent: its envelope, and its bytes with CRLF line ends."""

    sender: str
    recipient: str
    message_id: str
    data: bytes


# Markers for a recipient's own values in a body rendered once for many: random, so
# that no text a person wrote (an update's) can hold one; made of characters that
# neither HTML escaping nor a translation changes.
_OWN_MARKER = f"[[own-{secrets.token_hex(8)}:"
_OWN_VALUE = re.compile(rf"{re.escape(_OWN_MARKER)}(\w+)\]\]")
_SHARED_BODIES_KEPT = 64
# Kept on the application (its addresses and settings are in what is rendered):
# (template, locale, key, own values present) -> the text and the HTML body, each cut
# at the markers: even parts as rendered, odd parts the name of an own value.
_SHARED_BODIES = "outbox.shared_bodies"


def _render_bodies(template: str, locale: str, context: dict[str, Any]) -> tuple[str, str]:
    with in_language(locale):
        return (render_template(f"emails/{template}.txt", **context),
                render_template(f"emails/{template}.html", **context))


def _shared_bodies_for(template: str, locale: str, key: Hashable, own: tuple[str, ...],
                       context: dict[str, Any]) -> tuple[str, str]:
    """The bodies rendered once for every message of `key`, with this message's own
    values put in: as written in the text, escaped in the HTML."""
    present = tuple(name for name in own if context.get(name))
    cache_key = (template, locale, key, present)
    shared_bodies: dict[tuple[Hashable, ...], tuple[list[str], list[str]]] = \
        current_app.extensions.setdefault(_SHARED_BODIES, {})
    cut = shared_bodies.get(cache_key)
    if cut is None:
        # Values left out stay empty in the shared rendering, so that a template's
        # {% if %} on them reads the same as it would for this message.
        marked = {**context, **{name: f"{_OWN_MARKER}{name}]]" for name in present}}
        text, html = _render_bodies(template, locale, marked)
        cut = (_OWN_VALUE.split(text), _OWN_VALUE.split(html))
        if any(_OWN_MARKER[2:].casefold() in part.casefold()
               for parts in cut for part in parts[::2]):
            # A filter changed a marker (cut it, changed its case): the value it
            # stands for cannot be put in, and no one else's must show instead.
            raise ValueError(f"emails/{template} changes one of {own} before showing it")
        if len(shared_bodies) >= _SHARED_BODIES_KEPT:
            del shared_bodies[next(iter(shared_bodies))]
        shared_bodies[cache_key] = cut
    text_parts, html_parts = cut
    return ("".join(part if index % 2 == 0 else str(context[part])
                    for index, part in enumerate(text_parts)),
            "".join(part if index % 2 == 0 else str(escape(context[part]))
                    for index, part in enumerate(html_parts)))


def _quoted_printable(text: str) -> bytes:
    """A body as quoted-printable UTF-8 ending in a line break, lines under 77 bytes:
    SMTP servers refuse lines over 998 bytes, which a long paragraph is, and it keeps
    mostly-Latin text readable in the source."""
    lines = text.encode("utf-8").splitlines()
    return binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True)


def _text_part(subtype: str, text: str) -> bytes:
    return (f'Content-Type: text/{subtype}; charset="utf-8"\n'
            "Content-Transfer-Encoding: quoted-printable\n\n").encode() + _quoted_printable(text)


def _multipart(subtype: str, parts: list[bytes]) -> tuple[str, bytes]:
    """The Content-Type of a multipart body, and the body. The boundary holds "==",
    which neither quoted-printable nor base64 text can."""
    boundary = f"=={secrets.token_hex(16)}=="
    delimiter = f"\n--{boundary}\n".encode()
    body = delimiter.lstrip(b"\n") + delimiter.join(parts) + f"\n--{boundary}--\n".encode()
    return f'multipart/{subtype}; boundary="{boundary}"', body


def _attachment_part(attachment: Attachment) -> bytes:
    part = MIMEPart(policy=MAIL_POLICY)
    maintype, subtype = attachment.content_type.split("/", 1)
    part.set_content(attachment.data, maintype=maintype, subtype=subtype,
                     filename=attachment.filename)
    return part.as_bytes().replace(b"\r\n", b"\n")


def _extra_header(name: str, value: str) -> str:
    value = one_line(value)
    if value.isascii() and "=?" not in value and len(name) + len(value) < 990:
        return value
    return encoded_text.__wrapped__(value, name)


def compose_email(message: OutboxMessage, hooks: TemplateHooks | None = None) -> OutgoingEmail:
    """The e-mail of an outbox row, written out here rather than by Python's `email`,
    whose policies cost more than the rest of a message's delivery. Every header is
    made here, and made one line here: the rows are written in many places (some in
    bulk) from titles and names people typed."""
    hooks = hooks or _hooks.get(message.template)
    context = dict(message.context)
    if hooks and hooks.context:
        context.update(hooks.context(message))
    voice = _voice_of(message) if _voice_of else Voice()
    instance_name, instance_address = mailbox(current_app.config["MAIL_DEFAULT_SENDER"])
    # An internationalized domain goes out in its IDNA 2008 (ASCII) form. An address
    # of ASCII alone is its own (parsing it cost as much as the rest of the headers).
    recipient = one_line(message.to_address)
    if not recipient.isascii():
        recipient = ascii_address(recipient)
    domain = current_app.config["SERVER_NAME"].split(":")[0]
    message_id = f"<outbox-{message.id}@{domain}>"
    headers = [
        ("Subject", encoded_text(message.subject, "Subject")),
        ("From", address_list([(voice.name or instance_name, instance_address)])),
        ("To", address_list([("", recipient)])),
    ]
    if message.reply_to:
        # A letter is answered to every coordinator of the statement. Their domains go
        # in ASCII too: the message is sent without SMTPUTF8, so its headers are ASCII.
        headers.append(("Reply-To", address_list([
            (address.display_name, ascii_address(address.addr_spec)) for address in
            MAIL_POLICY.header_factory("Reply-To", one_line(message.reply_to)).addresses])))
    headers += [("Date", format_datetime(utcnow())), ("Message-ID", message_id)]
    if hooks and hooks.headers:
        headers += [(name, _extra_header(name, value))
                    for name, value in hooks.headers(message, context).items()]
    key = hooks.shared_key(message) if hooks and hooks.shared_key else None
    # In the recipient's language, attachments (a letter's PDF) included.
    if key is None:
        text, html = _render_bodies(message.template, message.locale, context)
    else:
        text, html = _shared_bodies_for(message.template, message.locale, key, hooks.own,
                                        context)
    content_type, body = _multipart("alternative", [_text_part("plain", text),
                                                    _text_part("html", html)])
    if hooks and hooks.attachments:
        with in_language(message.locale):
            attachments = hooks.attachments(message)
        if attachments:
            content_type, body = _multipart("mixed", [
                f"Content-Type: {content_type}\n\n".encode() + body,
                *map(_attachment_part, attachments)])
    headers += [("Content-Language", message.locale), ("MIME-Version", "1.0"),
                ("Content-Type", content_type)]
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    data = (head.encode("utf-8") + b"\n" + body).replace(b"\n", b"\r\n")
    return OutgoingEmail(sender=instance_address, recipient=recipient,
                         message_id=message_id, data=data)


def build_email(message: OutboxMessage, hooks: TemplateHooks | None = None) -> EmailMessage:
    """The e-mail of an outbox row as a reader's mail program parses it."""
    return email.message_from_bytes(  # type: ignore[return-value]
        compose_email(message, hooks).data, policy=MAIL_POLICY)


@contextmanager
def mail_connection() -> Iterator[Callable[[OutgoingEmail], None]]:
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
    # Made only for TLS: loading the system's certificates cost tens of milliseconds.
    context = (ssl.create_default_context()
               if config["MAIL_USE_SSL"] or config["MAIL_USE_TLS"] else None)
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
        yield lambda outgoing: _send_over(smtp, outgoing)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _send_over(smtp: smtplib.SMTP, outgoing: OutgoingEmail) -> None:
    smtp.sendmail(outgoing.sender, [outgoing.recipient], outgoing.data)


def write_email_file(outgoing: OutgoingEmail, directory: Path) -> Path:
    """Capture an e-mail as an .eml file, written whole or not at all."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    message_id = outgoing.message_id.strip("<>").split("@")[0]
    target = directory / f"{stamp}-{message_id}.eml"
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as handle:
        handle.write(outgoing.data)
    os.replace(handle.name, target)
    return target

"""Replies from addressees: recorded by the team, published on the statement's page,
and announced to the signers who asked to hear about the statement."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Row, select
from sqlalchemy.orm import defer, joinedload

from campaign.database import utcnow
from campaign.domain import DomainError
from campaign.extensions import db
from campaign.form_fields import at_most_message
from campaign.languages import in_each_language, language_or_default
from campaign.outbox.fanout import new_rows_in_batches
from campaign.outbox.models import OutboxStatus
from campaign.queue import NOTIFY_SIGNERS_OF_REPLY_TASK, enqueue_after_commit
from campaign.rendering import MARKDOWN_LENGTH
from campaign.replies.models import Reply
from campaign.signing.audience import signers_to_tell
from campaign.signing.signer_links import signer_page_url_by_id
from campaign.statements.models import (
    VISIBLE_STATUSES,
    Addressee,
    DemandGroup,
    Statement,
    StatementStatus,
)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Chosen by the file's extension and stored as ours, never as the browser declared
# it: nothing a browser would run as a page (HTML, or SVG with its scripts) gets in.
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
# Recipients read, and outbox rows written and committed, this many at a time.
NOTIFICATION_BATCH = 500


class ReplyError(DomainError):
    """The reply cannot be recorded or changed as asked; the message says why, and
    ``field`` names the form field it is about, when there is one."""


@dataclass(frozen=True)
class ReplyDocument:
    filename: str
    data: bytes


@dataclass(frozen=True)
class ReplyDetails:
    addressee_id: int | None
    demand_group_id: int | None
    received_on: date | None
    text: str
    document: ReplyDocument | None = None


def document_type(filename: str) -> str:
    extension = PurePosixPath(filename).suffix.lower().removeprefix(".")
    if extension not in DOCUMENT_TYPES:
        raise ReplyError(_("Attach a PDF, DOC, DOCX, ODT or TXT file, or an image (PNG, JPEG, "
                           "GIF or WebP)."), field="document")
    return DOCUMENT_TYPES[extension]


def _check_size(document: ReplyDocument) -> None:
    # An empty file is a failed copy or download, not the reply: published, it would
    # give every reader a document with nothing in it.
    if not document.data:
        raise ReplyError(_("The document is empty: attach the file again."), field="document")
    if len(document.data) > MAX_DOCUMENT_BYTES:
        raise ReplyError(_("The document is too large: attach at most 10 MB."),
                         field="document")


def plain_filename(filename: str) -> str:
    """A document's name as it is kept and shown: only the name (a browser may send
    a whole path, and Windows ones use a backslash), without control or format
    characters. A line break makes the download's header invalid, and a right-to-left
    override shows "Answer <U+202E>fdp.doc" as "Answer cod.pdf"."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return "".join(character for character in name
                   if unicodedata.category(character) not in _NOT_IN_A_NAME)[-200:]


_NOT_IN_A_NAME = {"Cc", "Cf", "Zl", "Zp"}


def record_reply(statement: Statement, details: ReplyDetails, *,
                 recorded_by_id: int | None) -> Reply:
    addressee = db.session.get(Addressee, details.addressee_id) \
        if details.addressee_id is not None else None
    if addressee is None or addressee.statement_id != statement.id:
        raise ReplyError(_("Choose who replied among the statement's addressees."),
                         field="addressee")
    group = None
    if details.demand_group_id is not None:
        group = db.session.get(DemandGroup, details.demand_group_id)
        if group is None or group.statement_id != statement.id:
            raise ReplyError(_("Choose a group of demands of this statement."),
                             field="demand_group")
    if details.received_on is None:
        raise ReplyError(_("Enter the date the reply was received."), field="received_on")
    if details.received_on > utcnow().date():
        raise ReplyError(_("The date received cannot be in the future."), field="received_on")
    text = details.text.strip()
    if not text:
        raise ReplyError(_("Write or paste the reply's text."), field="text")
    if len(text) > MARKDOWN_LENGTH:
        raise ReplyError(str(at_most_message(MARKDOWN_LENGTH)), field="text")
    reply = Reply(statement=statement, addressee=addressee, demand_group=group,
                  received_on=details.received_on, text=text, created_by_id=recorded_by_id)
    if details.document is not None:
        reply.document_type = document_type(details.document.filename)
        _check_size(details.document)
        reply.document_name = plain_filename(details.document.filename) or None
        reply.document = details.document.data
    db.session.add(reply)
    return reply


def statement_replies(statement: Statement) -> list[Reply]:
    """Every reply of the statement, newest first, without their documents' bytes."""
    return list(db.session.scalars(
        select(Reply).where(Reply.statement_id == statement.id)
        .options(defer(Reply.document), joinedload(Reply.addressee),
                 joinedload(Reply.demand_group))
        .order_by(Reply.received_on.desc(), Reply.id.desc())
    ))


def published_replies_by_group(statement: Statement) -> dict[int | None, list[Reply]]:
    """What the public page shows, newest first under the group of demands each
    answers (None: no group), read in one query."""
    by_group: dict[int | None, list[Reply]] = {}
    for reply in db.session.scalars(
        select(Reply).where(Reply.statement_id == statement.id, Reply.published.is_(True))
        .options(defer(Reply.document), joinedload(Reply.addressee))
        .order_by(Reply.received_on.desc(), Reply.id.desc())
    ):
        by_group.setdefault(reply.demand_group_id, []).append(reply)
    return by_group


def find_reply(statement: Statement, reply_id: int) -> Reply | None:
    """The reply, its document's bytes read only if asked for."""
    return db.session.scalars(
        select(Reply).where(Reply.id == reply_id, Reply.statement_id == statement.id)
        .options(defer(Reply.document))
    ).one_or_none()


def published_reply_with_document(slug: str, reply_id: int) -> Reply | None:
    """A document the public may download: of a published reply on a statement the
    public can see."""
    return db.session.scalars(
        select(Reply).join(Statement)
        .where(Reply.id == reply_id, Statement.slug == slug, Reply.published.is_(True),
               Statement.status.in_(VISIBLE_STATUSES), Reply.document.is_not(None))
    ).one_or_none()


def publish_reply(reply: Reply) -> None:
    """Shown on the statement's page; the signers are told by a task that runs once
    this is committed (one that ran first would find the reply unpublished)."""
    if reply.published:
        raise ReplyError(_("This reply is published already."))
    if reply.statement.status is StatementStatus.DRAFT:
        raise ReplyError(_("Publish the statement first: a reply is shown on its public page."))
    reply.published = True
    reply.published_at = utcnow()
    enqueue_after_commit(NOTIFY_SIGNERS_OF_REPLY_TASK, (reply.id,))


def unpublish_reply(reply: Reply) -> None:
    """Off the public page. Nobody is e-mailed, and publishing it again e-mails only
    signers who were not told the first time."""
    if not reply.published:
        raise ReplyError(_("This reply is not published."))
    reply.published = False


# --- Telling the signers ---------------------------------------------------------------




def reply_notification_batches(reply_id: int) -> Iterator[list[int]]:
    """The batches of outbox rows that e-mail every recipient of a published reply
    who has not had this e-mail yet (none once it is unpublished); run, and committed
    batch by batch, by campaign.replies.tasks.

    Streamed and deduplicated by `campaign.outbox.fanout` (see there): a second run,
    a retry or publishing again skips every address that already has its row."""
    reply = db.session.scalars(
        select(Reply).where(Reply.id == reply_id)
        .options(defer(Reply.document), joinedload(Reply.addressee),
                 joinedload(Reply.statement))
    ).one_or_none()
    # Unpublished (or deleted) before the task ran: nothing to announce.
    if reply is None or not reply.published:
        return iter(())
    context = {
        "statement_title": reply.statement.title,
        "statement_slug": reply.statement.slug,
        "addressee_name": reply.addressee.name if reply.addressee else None,
    }
    title = reply.statement.title
    subjects = in_each_language(lambda: _("A reply to “%(title)s”", title=title))
    statement_id = reply.statement_id

    return _while_published(reply_id, new_rows_in_batches(
        signers_to_tell(statement_id),
        lambda batch: _notification_rows(reply_id, batch, subjects, context),
        batch_size=NOTIFICATION_BATCH,
    ))


def _while_published(reply_id: int, batches: Iterator[list[int]]) -> Iterator[list[int]]:
    """The batches, until the reply is found unpublished: a team that unpublishes it
    while a large fan-out runs stops the e-mails not written yet, not only the ones
    of a task that has not started. Looked at between batches, once the caller has
    committed the last one, so what it reads is the latest unpublishing."""
    with closing(batches):
        for ids in batches:
            yield ids
            if not db.session.scalar(select(Reply.published).where(Reply.id == reply_id)):
                return


def _notification_rows(reply_id: int, recipients: Sequence[Row[Any]],
                       subjects: dict[str, str],
                       context: dict[str, Any]) -> list[dict[str, Any]]:
    """Outbox rows for this batch, one per address and reply (the dedupe key), each in
    its recipient's language."""
    now = utcnow()
    return [{
        "to_address": recipient.email, "template": "reply_published",
        "locale": (language := language_or_default(recipient.language)),
        "subject": subjects[language],
        "context": {**context, "signer_name": recipient.name,
                    "organization_name": recipient.organization,
                    "signer_page_url": signer_page_url_by_id(
                        recipient.kind, recipient.signature_id, recipient.link_secret)},
        "dedupe_key": f"reply:{reply_id}:{recipient.email.lower()}",
        "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
    } for recipient in recipients]

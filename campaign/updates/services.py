"""Updates: written and previewed by the team, test-sent to the writer, published on
the statement's page and e-mailed once to every signer who asked for updates."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Row, func, select
from sqlalchemy import update as update_rows
from sqlalchemy.orm.attributes import set_committed_value

from campaign.accounts.models import Coordinator
from campaign.database import utcnow
from campaign.domain import DomainError, TransitionError, fingerprint
from campaign.extensions import db
from campaign.form_fields import at_most_message
from campaign.languages import in_each_language, in_language, language_or_default
from campaign.outbox.fanout import new_rows_in_batches
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.queue import (
    FAN_OUT_UPDATE_TASK,
    enqueue,
    enqueue_after_commit,
)
from campaign.rendering import MARKDOWN_LENGTH
from campaign.signing.audience import signers_to_tell
from campaign.statements.models import Statement, StatementStatus
from campaign.updates.models import PUBLISHABLE_UPDATE_STATUSES, Update, UpdateStatus

UPDATE_TEMPLATE = "update"
# Recipients read, and outbox rows written and committed, this many at a time.
FAN_OUT_BATCH = 1000
# A published update whose fan-out has not finished by then is taken up again: its
# task was lost (broker down) or its worker killed. Longer than a fan-out's batches
# take, so that a running one is rarely doubled (and a doubled one sends no copy twice).
RESUME_FAN_OUT_AFTER = timedelta(minutes=5)
MAX_TITLE_LENGTH = 200


class UpdateError(DomainError):
    """The update cannot be written or published as asked; ``field`` names the form
    field the message is about, when there is one."""


class UpdateChanged(UpdateError):
    """The update's text is no longer what its publish confirmation showed; UPDATE is
    the update as it is now, to show and confirm again."""

    def __init__(self, update: Update) -> None:
        super().__init__(_("The update was edited since you opened this page, so nothing "
                           "was published or sent. Check its text below and confirm "
                           "again."))
        self.update = update


@dataclass(frozen=True)
class UpdateProgress:
    total: int | None
    sent: int
    cancelled: int
    failed: int


# --- Writing and publishing ------------------------------------------------------------


def _checked(title: str, body_markdown: str) -> tuple[str, str]:
    title, body_markdown = title.strip(), body_markdown.strip()
    if not title:
        raise UpdateError(_("Give the update a title."), field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise UpdateError(ngettext("Keep the title under %(num)d character.",
                                   "Keep the title under %(num)d characters.",
                                   MAX_TITLE_LENGTH), field="title")
    if not body_markdown:
        raise UpdateError(_("Write the update's text."), field="body")
    if len(body_markdown) > MARKDOWN_LENGTH:
        raise UpdateError(str(at_most_message(MARKDOWN_LENGTH)), field="body")
    return title, body_markdown


def write_update(statement: Statement, title: str, body_markdown: str, *,
                 by: Coordinator | None) -> Update:
    title, body_markdown = _checked(title, body_markdown)
    update = Update(statement=statement, title=title, body_markdown=body_markdown,
                    created_by=by, status=UpdateStatus.DRAFT)
    db.session.add(update)
    return update


def _published_meanwhile() -> UpdateError:
    return UpdateError(_("This update was published while you were editing it, so your "
                         "edit was not saved: its e-mail goes out as it was published. "
                         "Your text is below; save it as a new draft if something needs "
                         "adding."))


def edit_update(update: Update, title: str, body_markdown: str) -> None:
    """Saved only while the update is a draft, as the UPDATE's own condition decides
    and not the status read before it: a colleague's publish committed in between
    would otherwise have its signers e-mailed (the text is read at delivery) an edit
    nobody published."""
    if update.status is not UpdateStatus.DRAFT:
        raise _published_meanwhile()
    title, body_markdown = _checked(title, body_markdown)
    saved = db.session.execute(
        update_rows(Update)
        .where(Update.id == update.id, Update.status == UpdateStatus.DRAFT)
        .values(title=title, body_markdown=body_markdown)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not saved:
        raise _published_meanwhile()
    set_committed_value(update, "title", title)
    set_committed_value(update, "body_markdown", body_markdown)


def find_update(statement: Statement, update_id: int) -> Update | None:
    return db.session.scalars(
        select(Update).where(Update.id == update_id, Update.statement_id == statement.id)
    ).one_or_none()


def statement_updates(statement: Statement) -> list[Update]:
    """Every update of the statement, drafts first, then published ones newest first."""
    return list(db.session.scalars(
        select(Update).where(Update.statement_id == statement.id)
        .order_by(Update.published_at.is_not(None), Update.published_at.desc(),
                  Update.id.desc())
    ))


def published_updates(statement: Statement) -> list[Update]:
    """What the public page shows, newest first."""
    return list(db.session.scalars(
        select(Update).where(Update.statement_id == statement.id,
                             Update.status == UpdateStatus.PUBLISHED)
        .order_by(Update.published_at.desc(), Update.id.desc())
    ))


def _subject(update: Update) -> str:
    return _("%(title)s — an update on “%(statement)s”", title=update.title,
             statement=update.statement.title)


def _context(update: Update) -> dict[str, Any]:
    # The text itself is read at delivery (by update_id): 100,000 rows need not each
    # carry a copy of it.
    return {"update_id": update.id, "statement_title": update.statement.title,
            "statement_slug": update.statement.slug}


def send_test(update: Update, to: Coordinator) -> OutboxMessage:
    """One copy to the coordinator, as signers will get it but without their links;
    not counted in the update's progress (no update_id on the row)."""
    with in_language(to.language):
        subject = _("[Test] %(subject)s", subject=_subject(update))
    message = OutboxMessage(
        to_address=to.email, subject=subject, template=UPDATE_TEMPLATE,
        context={**_context(update), "signer_name": to.name, "test": True},
        locale=language_or_default(to.language))
    db.session.add(message)
    return message


def shown_text(update: Update) -> str:
    """The update's text in one value: its publish confirmation page carries it, and
    publishing refuses unless it still matches, so that signers are e-mailed only the
    text the coordinator confirmed."""
    return fingerprint([update.title, update.body_markdown])


def publish_update(update: Update) -> None:
    """On the statement's page at once, with the text the session holds (UpdateChanged
    if an edit saved since changed it); the e-mails are written by a task enqueued once
    this commits (one that ran first would find the update a draft)."""
    if update.statement.status is StatementStatus.DRAFT:
        raise UpdateError(_("Publish the statement first: an update is shown on its "
                            "public page."))
    # A draft written in this same transaction must be a row for the UPDATE below to find.
    db.session.flush()
    title, body_markdown = update.title, update.body_markdown
    try:
        update.publish(utcnow())
    except TransitionError as error:
        raise UpdateError(str(error)) from error
    # Written by the UPDATE's own condition, not by a flush of what the session read: of
    # two confirmations at once (a double click, two colleagues) the database lets one
    # publish, and the other, finding it published, neither moves its date nor queues a
    # second fan-out; and an edit saved since the read is not e-mailed unseen.
    with db.session.no_autoflush:
        published = db.session.execute(
            update_rows(Update)
            .where(Update.id == update.id, Update.status.in_(PUBLISHABLE_UPDATE_STATUSES),
                   Update.title == title, Update.body_markdown == body_markdown)
            .values(status=update.status, published_at=update.published_at)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
    if not published:
        db.session.refresh(update)
        if update.status not in PUBLISHABLE_UPDATE_STATUSES:
            raise UpdateError(_("This update is published already."))
        raise UpdateChanged(update)
    # The row holds them now; marked so, the commit does not write them a second time.
    for name in ("status", "published_at"):
        set_committed_value(update, name, getattr(update, name))
    enqueue_after_commit(FAN_OUT_UPDATE_TASK, (update.id,))


def publish_update_as_shown(update: Update, *, shown: str | None) -> None:
    """publish_update, provided the update's text is still what the confirmation page
    showed (SHOWN: its shown_text); else nothing is published and UpdateChanged
    carries the update as it is now."""
    # One published meanwhile is refused as such by publish_update, whatever the page showed.
    if update.status in PUBLISHABLE_UPDATE_STATUSES and shown_text(update) != shown:
        raise UpdateChanged(update)
    publish_update(update)


# --- The fan-out -----------------------------------------------------------------------


def _update_rows(update_id: int, recipients: Sequence[Row[Any]], subjects: dict[str, str],
                 context: dict[str, Any]) -> list[dict[str, Any]]:
    now = utcnow()
    return [{
        "to_address": recipient.email, "template": UPDATE_TEMPLATE,
        "locale": (language := language_or_default(recipient.language)),
        "subject": subjects[language],
        "context": {**context, "signer_name": recipient.name,
                    "signature_kind": recipient.kind,
                    "signature_id": recipient.signature_id},
        "dedupe_key": f"update:{update_id}:{recipient.kind}{recipient.signature_id}",
        "update_id": update_id, "status": OutboxStatus.PENDING, "attempts": 0,
        "created_at": now,
    } for recipient in recipients]


def start_fan_out(update_id: int) -> Iterator[list[int]] | None:
    """The first step of a published update's fan-out (campaign.updates.tasks): its
    recipients counted in `recipients_total`, and the batches of its outbox rows to
    write, one per recipient (campaign.outbox.fanout); None when the update is not
    published. Safe to start twice, and to restart after it was killed: recipients
    with a row already are skipped (the dedupe key), and the rows a killed run wrote
    but did not hand over are relayed two minutes later."""
    update = db.session.get(Update, update_id)
    if update is None or update.status is not UpdateStatus.PUBLISHED:
        return None
    recipients = signers_to_tell(update.statement_id)
    update.recipients_total = db.session.scalar(
        select(func.count()).select_from(recipients.subquery()))
    subjects, context = in_each_language(lambda: _subject(update)), _context(update)
    return new_rows_in_batches(
        recipients.order_by("kind", "signature_id"),
        lambda batch: _update_rows(update_id, batch, subjects, context),
        batch_size=FAN_OUT_BATCH,
    )


def finish_fan_out(update_id: int) -> None:
    update = db.session.get(Update, update_id)
    if update is not None:
        update.fanned_out_at = utcnow()


def unfinished_fan_outs() -> list[int]:
    """Published updates whose fan-out stopped (or never started) a while ago."""
    return list(db.session.scalars(
        select(Update.id).where(Update.status == UpdateStatus.PUBLISHED,
                                Update.fanned_out_at.is_(None),
                                Update.published_at < utcnow() - RESUME_FAN_OUT_AFTER)
        .order_by(Update.id)
    ))


def resume_unfinished_fan_outs() -> list[int]:
    update_ids = unfinished_fan_outs()
    if update_ids:
        enqueue(FAN_OUT_UPDATE_TASK, [(update_id,) for update_id in update_ids])
    return update_ids


# --- Progress --------------------------------------------------------------------------


def progress_of(updates: Sequence[Update]) -> dict[int, UpdateProgress]:
    """Sent, cancelled and failed of each published update, in one indexed count."""
    ids = [update.id for update in updates if update.status is UpdateStatus.PUBLISHED]
    counts: dict[tuple[int, OutboxStatus], int] = {}
    if ids:
        for update_id, status, count in db.session.execute(
            select(OutboxMessage.update_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.update_id.in_(ids))
            .group_by(OutboxMessage.update_id, OutboxMessage.status)
        ):
            counts[(update_id, status)] = count
    return {
        update.id: UpdateProgress(
            total=update.recipients_total,
            sent=counts.get((update.id, OutboxStatus.SENT), 0),
            cancelled=counts.get((update.id, OutboxStatus.CANCELLED), 0),
            failed=counts.get((update.id, OutboxStatus.FAILED), 0),
        )
        for update in updates if update.id in ids
    }

"""Writing e-mails to the outbox, and handing them to the worker after the commit."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.queue import DELIVER_EMAIL_TASK, enqueue

_NEW_MESSAGES = "undersigned.new_outbox_messages"


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    reply_to: str | None = None,
) -> OutboxMessage:
    """Add an e-mail to the outbox in the caller's transaction; it is published to
    the worker only once that transaction commits (a task that ran first would find
    no row), and not at all if it rolls back."""
    message = OutboxMessage(
        to_address=to, subject=subject, template=template, context=context, reply_to=reply_to
    )
    db.session.add(message)
    db.session.info.setdefault(_NEW_MESSAGES, []).append(message)
    return message


def _publish_committed_messages(session: Session) -> None:
    messages = session.info.pop(_NEW_MESSAGES, [])
    # The identity key is known after the flush, without loading the expired row.
    ids = [inspect(message).identity[0] for message in messages
           if inspect(message).identity is not None]
    if ids:
        enqueue(DELIVER_EMAIL_TASK, [(message_id,) for message_id in ids])


def _forget_rolled_back_messages(session: Session) -> None:
    session.info.pop(_NEW_MESSAGES, None)


def init_outbox(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _publish_committed_messages):
        event.listen(Session, "after_commit", _publish_committed_messages)
        event.listen(Session, "after_rollback", _forget_rolled_back_messages)

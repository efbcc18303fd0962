"""Writing e-mails to the outbox, and handing them to the worker after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.queue import DELIVER_EMAIL_TASK, enqueue_after_commit


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
    enqueue_after_commit(DELIVER_EMAIL_TASK, lambda: _committed_id(message))
    return message


def _committed_id(message: OutboxMessage) -> tuple[int] | None:
    # The identity key is known after the flush without loading the expired row; a
    # row rolled back with its savepoint has none.
    identity = inspect(message).identity
    return (identity[0],) if identity is not None else None

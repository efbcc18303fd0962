"""Writing e-mails to the outbox; the worker's relay hands them to delivery."""

from __future__ import annotations

from typing import Any

from campaign.extensions import db
from campaign.languages import current_language
from campaign.outbox.models import OutboxMessage


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    reply_to: str | None = None,
) -> OutboxMessage:
    """Add an e-mail to the outbox in the caller's transaction. The relay
    (campaign.outbox.delivery.relay_due_messages) finds it once that transaction
    commits, and never if it rolls back. It is written in the language in force:
    mail to someone else than the reader is queued (its subject written) inside
    `campaign.languages.in_language(their language)`."""
    message = OutboxMessage(
        to_address=to, subject=subject, template=template, context=context, reply_to=reply_to,
        locale=current_language(),
    )
    db.session.add(message)
    return message

"""Writing e-mails to the outbox; the worker's relay hands them to delivery."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from campaign.extensions import db
from campaign.languages import current_language
from campaign.outbox.models import OutboxMessage, OutboxStatus


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


# What a kept record of mail says instead of the personal data it held.
ERASED = "erased"


def forget_messages(messages: Iterable[OutboxMessage]) -> tuple[int, int]:
    """Forget whom these e-mails were to and what they said: mail still waiting to go
    is deleted; the record of mail sent, given up or cancelled keeps its row (which
    kind, when, its update's progress) without the address, the subject (a name may
    be in it), the context it was written from or the error the server gave (which
    may quote the address). Returns how many were deleted and how many scrubbed."""
    deleted = scrubbed = 0
    for message in messages:
        if message.status in {OutboxStatus.PENDING, OutboxStatus.SENDING}:
            db.session.delete(message)
            deleted += 1
        else:
            message.to_address = ERASED
            message.subject = ERASED
            message.context = {}
            message.reply_to = None
            message.dedupe_key = None
            message.last_error = None
            scrubbed += 1
    return deleted, scrubbed

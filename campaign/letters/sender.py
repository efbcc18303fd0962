"""The coalition's own voice: every e-mail about a statement carries the statement's
sender name as the display name of its From. Only letters name the coordinators as
Reply-To (they set it when queued): anyone can sign with any address and be sent a
confirmation, and the coordinators of a coalition at risk must not be named to
whoever does.

The address stays the instance's own (MAIL_DEFAULT_SENDER), and so does the SMTP
envelope, which is taken from it: a message "from" a coalition's own domain, sent by
this server, would fail SPF, DKIM and DMARC and land in spam, or nowhere. A reply
still reaches the coalition, through Reply-To.
"""

from __future__ import annotations

from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.delivery import Voice, for_the_batch
from campaign.outbox.models import OutboxMessage
from campaign.statements.models import Statement


def voice_of(message: OutboxMessage) -> Voice:
    """Whose message this is, from the statement its context names (every e-mail
    about a statement names it by its slug); the instance's own voice otherwise."""
    slug = message.context.get("statement_slug") if isinstance(message.context, dict) else None
    if not isinstance(slug, str):
        return Voice()
    # The name alone, once a batch: loading the statement for it cost each e-mail of a
    # fan-out more than the rest of its headers.
    return for_the_batch(("voice", slug), lambda: _voice_of_statement(slug))


def _voice_of_statement(slug: str) -> Voice:
    found = db.session.execute(
        select(Statement.sender_name).where(Statement.slug == slug)).first()
    if found is None:
        return Voice()
    return Voice(name=found.sender_name)

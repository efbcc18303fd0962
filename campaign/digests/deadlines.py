"""Closing statements at their sign-on deadline, and telling their coordinators.

Beat runs this every minute. It closes through the close button's own service
(campaign.statements.services.close_statement), so a statement closed by its
deadline is in every way one closed by hand at that moment. It is idempotent: only
published statements past their deadline are picked (locked, skipping those another
run holds), and the notice is written to the outbox in the transaction that closes,
so a second run finds nothing to close and sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from campaign.digests.services import coordinators_to_tell
from campaign.languages import in_language
from campaign.outbox.services import queue_email
from campaign.signing.tally import read_counts
from campaign.statements.deadlines import describe_deadline, statements_past_deadline
from campaign.statements.models import Statement
from campaign.statements.services import close_statement

DEADLINE_CLOSED_TEMPLATE = "deadline_closed"


def close_statements_past_deadline(now: datetime) -> int:
    """Close each published statement whose deadline has come; returns how many."""
    closed = 0
    for statement in statements_past_deadline(now):
        # Closed at the deadline itself, not when beat came round: the page and the
        # retention clock say when signing really stopped.
        assert statement.signing_deadline is not None
        close_statement(statement, statement.signing_deadline)
        tell_coordinators_of_deadline_close(statement)
        closed += 1
    return closed


def tell_coordinators_of_deadline_close(statement: Statement) -> None:
    counts = read_counts(statement.id)
    for address, name, language in coordinators_to_tell(statement):
        with in_language(language):
            queue_email(
                to=address, template=DEADLINE_CLOSED_TEMPLATE,
                subject=_("Sign-on has closed at its deadline: %(title)s",
                          title=statement.title),
                context={"coordinator_name": name, "statement_title": statement.title,
                         "statement_slug": statement.slug,
                         "deadline": describe_deadline(statement),
                         "organizations": counts.organizations,
                         "individuals": counts.individuals})

"""Forms that e-mail an address only if it is known ("send me my link" to a signer,
a forgotten password to a coordinator), answered by the worker.

Such a form answers the same page whoever's the address, but if the request itself
looked the address up and queued the e-mail, a known address cost it a write and a
commit more than an unknown one: 10–20 ms, enough for one request to tell whether
someone signed a statement, or has an account, which a signer at risk must be able
to keep to themselves. So the request only writes the address down, one INSERT
whatever it is, and the worker looks it up and mails, or not. The area that owns a
form registers what answers its requests (`register_answer`); the outbox knows none
of them. A request is deleted as it is answered: the typed address, which may be
anyone's, is kept no longer than that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import delete, select

from campaign.extensions import db
from campaign.outbox.models import MailRequest
from campaign.text import InvalidEmail, canonical_email

log = logging.getLogger(__name__)

# The statement's id (None for kinds without one) and the address as typed.
Answer = Callable[[int | None, str], None]

_answers: dict[str, Answer] = {}
ANSWERED_PER_BATCH = 100


def register_answer(kind: str, answer: Answer) -> None:
    _answers[kind] = answer


def ask_by_mail(kind: str, email: str, statement_id: int | None = None) -> None:
    """Write the request down in the caller's transaction; the worker answers it."""
    if kind not in _answers:
        raise LookupError(f"no answer is registered for mail requests of kind {kind!r}")
    db.session.add(MailRequest(kind=kind, email=email, statement_id=statement_id))


def forget_mail_requests(email: str) -> None:
    """Delete the requests waiting for this mailbox, in any spelling of it (an erasure:
    nothing is to keep its address)."""
    key = _mailbox(email)
    waiting = db.session.execute(select(MailRequest.id, MailRequest.email)).all()
    doomed = [request.id for request in waiting if _mailbox(request.email) == key]
    if doomed:
        db.session.execute(delete(MailRequest).where(MailRequest.id.in_(doomed))
                           .execution_options(synchronize_session=False))


def _mailbox(email: str) -> str:
    try:
        return canonical_email(email)
    except InvalidEmail:
        return email.lower()


def answer_mail_requests() -> int:
    """For the worker: answer up to ANSWERED_PER_BATCH waiting requests, oldest first,
    in the caller's transaction; how many. Each is taken by deleting it, so that two
    workers never answer one request twice, and one that fails to commit is taken
    again later. One whose answer fails is logged and dropped, with what its answer
    wrote: it must not hold up the requests after it, and whoever made it can ask
    again."""
    waiting = (select(MailRequest.id).order_by(MailRequest.id).limit(ANSWERED_PER_BATCH)
               .with_for_update(skip_locked=True))
    taken = db.session.execute(
        delete(MailRequest).where(MailRequest.id.in_(waiting.scalar_subquery()))
        .returning(MailRequest.id, MailRequest.kind, MailRequest.statement_id,
                   MailRequest.email)
        .execution_options(synchronize_session=False)).all()
    for request in sorted(taken):
        try:
            with db.session.begin_nested():
                _answers[request.kind](request.statement_id, request.email)
        except Exception:
            log.exception("could not answer mail request %d (%s)", request.id, request.kind)
    return len(taken)

"""The common case of signing, a person's first signature, in one round trip.

Nearly every submission of the signing form is someone signing for the first time,
and that request is the one a campaign's big day is made of. It is shaped for it:

- one SQL statement on PostgreSQL: the signature is inserted from a SELECT of the
  open statement (so a statement closed a moment ago takes nothing), skipped by
  `ON CONFLICT DO NOTHING` when the mailbox has signed already, and the confirmation
  e-mail's outbox row is inserted from the signature's `RETURNING`, in the same
  statement and so the same transaction: a signature is never stored without its
  e-mail, nor an e-mail queued for a signature that is not there;
- on a connection of its own in autocommit (`campaign.database.autocommit_engine`):
  the statement is its own transaction, so no BEGIN and COMMIT round trips, and no
  ping on checkout (`pool_pre_ping` costs a round trip per request); a connection
  found dropped is retried once, which is safe because a replay meets the unique
  constraint;
- Core, not the ORM: no session, no unit of work, no identity map. The statement is
  built with Core once per process and compiled to its SQL then, and each submission
  runs that SQL as it is (`exec_driver_sql`): SQLAlchemy's per-execution work (its
  compiled cache lookup, the IN list expanded anew, each parameter's type processing)
  cost 0.2–0.3 ms of CPU a submission, the most expensive step left in Python.
  psycopg prepares the statement on the server after a few executions;
- the statement's title, which the e-mail needs before the insert (in the signer's
  language where it has an official translation), is remembered per process for a few
  seconds with the e-mail's subject in that language (translated once, not on every
  submission), and the INSERT's SELECT checks it is still the title: an edited
  title fails the check and the submission takes the full path, which reads the
  statement afresh;
- the link to the signer's own page needs the signature's id, known only after the
  insert: the worker builds it when it renders the e-mail (`signer_page_context`).

Anything else (an address that has signed, a held submission, a closed statement,
a changed title) inserts nothing here and returns False, and the caller takes the
full path (`campaign.signing.services.sign_as_individual`), which decides with the
ORM and says exactly what it always said. The measurements are in bench/RESULTS.md.

In the embedded mode SQLite has no INSERT inside a WITH, so there the two inserts
are two statements in the request's transaction, which the view commits.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from psycopg.types.json import Jsonb
from sqlalchemy import (
    JSON,
    Connection,
    Dialect,
    Insert,
    String,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DBAPIError

from campaign.abuse.domains import email_domain
from campaign.abuse.services import Client, hold_reason_for
from campaign.database import autocommit_engine, utcnow
from campaign.extensions import db
from campaign.languages import current_language
from campaign.outbox.delivery import TemplateHooks, register_template_hooks
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    new_confirmation_token,
    new_link_secret,
)
from campaign.signing.signer_links import signer_page_url_by_id
from campaign.statements.models import SIGNABLE_STATUSES, Statement
from campaign.statements.translating import title_in
from campaign.text import canonical_email, normalize_email, normalize_name

if TYPE_CHECKING:
    from campaign.signing.services import IndividualSignatureRequest

log = logging.getLogger(__name__)

CONFIRMATION_TEMPLATE = "confirm_signature"


@dataclass(frozen=True)
class OpenStatement:
    id: int
    # Its own title, which every insert checks is still the title.
    title: str
    # The title in the signer's language where it has an official translation
    # (campaign.statements.translating.title_in), as the e-mail shows it.
    title_to_signer: str
    # The e-mail's subject, in the signer's language.
    subject: str
    read_at: float


# The open statements this process has taken signatures for, by slug and signer's
# language, read again after a few seconds (a translation approved meanwhile). Every
# insert checks the statement is still this one, open, with this title, so an entry
# gone stale costs at most one submission the full path.
_open_statements: dict[tuple[str, str], OpenStatement] = {}
_FRESH_FOR_SECONDS = 5.0

_SIGNATURE_COLUMNS = (
    "email_key", "email", "email_domain", "name", "country", "name_display",
    "wants_updates", "language", "status", "confirmation_token_hash",
    "confirmation_expires_at", "last_mailed_at", "link_secret", "created_at", "ip_hash",
    "ip_prefix",
)
_OUTBOX_COLUMNS = ("to_address", "subject", "template", "locale", "status", "attempts",
                   "created_at")


def sign_first_time(slug: str, request: IndividualSignatureRequest, client: Client) -> bool:
    """Store a first signature on the open statement SLUG and queue its confirmation;
    False, with nothing stored, wherever the full path must decide."""
    if request.affiliation:
        # Whether it is kept depends on the statement (signature_affiliation): the full
        # path, which reads it, decides. Few signers give one.
        return False
    language = current_language()
    statement = _open_statement(slug, language)
    if statement is None:
        return False
    title = statement.title_to_signer
    email = normalize_email(request.email)
    # Judged once per request (see Client): the full path, if taken, gets the same answer.
    if hold_reason_for(statement.id, form=IndividualSignature.__tablename__, client=client,
                       email=email):
        return False
    token = new_confirmation_token()
    link_secret = new_link_secret()
    name = normalize_name(request.name)
    now = utcnow()
    values: dict[str, Any] = {
        "statement_id": statement.id, "slug": slug, "title": statement.title,
        "email_key": canonical_email(email), "email": email,
        "email_domain": email_domain(email), "name": name, "country": request.country,
        "name_display": request.name_display, "wants_updates": request.wants_updates,
        "language": language, "status": IndividualStatus.UNCONFIRMED,
        **token.columns(link_lifetime()), "link_secret": link_secret, "created_at": now,
        **client.trace(),
        "to_address": email,
        "subject": statement.subject,
        "template": CONFIRMATION_TEMPLATE, "locale": language,
        "outbox_status": OutboxStatus.PENDING, "attempts": 0,
        "context": _confirmation_context(
            statement_title=title, statement_slug=slug, signer_name=name,
            token=token.value, link_secret=link_secret),
    }
    stored = _store(values)
    if not stored:
        # A signer who signed before, or a statement that changed: the full path decides,
        # and the title is read again next time.
        _open_statements.pop((slug, language), None)
    return stored


def _confirmation_context(*, statement_title: str, statement_slug: str, signer_name: str,
                         token: str, **extra: Any) -> dict[str, Any]:
    """What the confirmation e-mail is rendered with: what the full path's
    (campaign.signing.services._mail) has, less the signer's page link."""
    return {"statement_title": statement_title, "statement_slug": statement_slug,
            "signer_name": signer_name, "organization_name": None,
            "organization_status": None, "token": token,
            "link_valid_hours": current_app.config["CONFIRMATION_LINK_MAX_AGE_HOURS"],
            **extra}


def register_confirmation_mail() -> None:
    register_template_hooks(CONFIRMATION_TEMPLATE, TemplateHooks(context=signer_page_context))


def signer_page_context(message: OutboxMessage) -> dict[str, Any]:
    """For the worker: the signer's page link of a confirmation queued here, where the
    signature's id was not known until the insert."""
    context = message.context
    if "signer_page_url" in context or "signature_id" not in context:
        return {}
    return {"signer_page_url": signer_page_url_by_id(
        "i", context["signature_id"], context["link_secret"])}


def link_lifetime() -> timedelta:
    """How long a confirmation link works."""
    return timedelta(hours=current_app.config["CONFIRMATION_LINK_MAX_AGE_HOURS"])


def forget_open_statements() -> None:
    """Tests start from an empty database; what this process remembers goes with it."""
    _open_statements.clear()


def _open_statement(slug: str, language: str) -> OpenStatement | None:
    statement = _open_statements.get((slug, language))
    if statement is None or monotonic() - statement.read_at > _FRESH_FOR_SECONDS:
        found = db.session.scalars(
            select(Statement)
            .where(Statement.slug == slug, Statement.status.in_(SIGNABLE_STATUSES))
        ).one_or_none()
        if found is None:
            _open_statements.pop((slug, language), None)
            return None
        title = title_in(found, language)
        statement = _open_statements[(slug, language)] = OpenStatement(
            found.id, found.title, title,
            _("Please confirm your signature: %(title)s", title=title), monotonic())
    return statement


def _store(values: dict[str, Any]) -> bool:
    if db.engine.dialect.name != "postgresql":
        # The embedded mode: in the request's own transaction, which the view commits
        # (a second connection would wait for the session's write lock).
        return _two_statements(db.session.connection(), values)
    engine = autocommit_engine()
    sql = _one_statement_sql(engine.dialect)
    # The values as the columns keep them, which SQLAlchemy's types would have done: the
    # enums are str already; times naive UTC (an aware one would be converted in the
    # server's time zone); the context as JSONB.
    parameters = {name: _naive_utc(value) if isinstance(value, datetime) else value
                  for name, value in values.items()}
    parameters.update(context=Jsonb(values["context"]), signable=sorted(SIGNABLE_STATUSES))
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                return connection.exec_driver_sql(sql, parameters).first() is not None
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
            log.warning("signing connection dropped; trying once more")
    raise AssertionError("unreachable")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _signature_insert(dialect: Any) -> Insert:
    table = IndividualSignature.__table__
    if dialect is postgresql:
        # An array parameter rather than IN: its SQL is the same whatever the list,
        # so it is compiled once (an IN list is expanded on every execution).
        signable = Statement.status == any_(bindparam("signable", type_=ARRAY(String)))
    else:
        signable = Statement.status.in_(SIGNABLE_STATUSES)
    return (
        dialect.insert(table)
        .from_select(
            ["statement_id", *_SIGNATURE_COLUMNS],
            select(Statement.id, *(bindparam(name, type_=table.c[name].type)
                                   for name in _SIGNATURE_COLUMNS))
            .where(Statement.id == bindparam("statement_id"),
                   Statement.slug == bindparam("slug"),
                   Statement.title == bindparam("title"),
                   signable,
                   # Past its deadline a statement takes nothing, closed by beat or not
                   # yet (Statement.accepts_signatures_at).
                   or_(Statement.signing_deadline.is_(None),
                       Statement.signing_deadline > bindparam(
                           "created_at", type_=table.c.created_at.type))))
        .on_conflict_do_nothing(index_elements=["statement_id", "email_key"])
        .returning(table.c.id)
    )


def _outbox_values(extra: Any) -> list[Any]:
    table = OutboxMessage.__table__
    return [bindparam("to_address", type_=table.c.to_address.type),
            bindparam("subject", type_=table.c.subject.type),
            bindparam("template", type_=table.c.template.type),
            bindparam("locale", type_=table.c.locale.type),
            bindparam("outbox_status", type_=table.c.status.type),
            bindparam("attempts", type_=table.c.attempts.type),
            bindparam("created_at", type_=table.c.created_at.type),
            extra]


@functools.cache
def _one_statement() -> Insert:
    signature = _signature_insert(postgresql).cte("signature")
    context = cast(
        cast(bindparam("context", type_=JSONB), JSONB)
        .op("||")(func.jsonb_build_object(literal_column("'signature_id'"), signature.c.id)),
        JSON)
    return (
        postgresql.insert(OutboxMessage.__table__)
        .from_select([*_OUTBOX_COLUMNS, "context"],
                     select(*_outbox_values(context)).select_from(signature))
        .add_cte(signature)
        .returning(OutboxMessage.__table__.c.id)
    )


@functools.cache
def _one_statement_sql(dialect: Dialect) -> str:
    return _one_statement().compile(dialect=dialect).string


@functools.cache
def _sqlite_statements() -> tuple[Insert, Insert]:
    table = OutboxMessage.__table__
    outbox = sqlite.insert(table).values(
        {name: bindparam(key, type_=table.c[name].type) for name, key in (
            *((column, column) for column in _OUTBOX_COLUMNS if column != "status"),
            ("status", "outbox_status"), ("context", "context"))})
    return _signature_insert(sqlite), outbox


def _two_statements(connection: Connection, values: dict[str, Any]) -> bool:
    signature, outbox = _sqlite_statements()
    signature_id = connection.execute(signature, values).scalar()
    if signature_id is None:
        return False
    connection.execute(outbox, {**values, "context": {**values["context"],
                                                      "signature_id": signature_id}})
    return True

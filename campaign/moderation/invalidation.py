"""Bulk invalidation: signatures matched by network, e-mail domain, name and time,
counted in a preview, then invalidated by the worker and logged (`Invalidation`).

Matching runs in SQL; the worker takes the matches a batch at a time (locked, so a
confirmation at the same moment is counted once), so 100,000 of them never load at
once. An invalidated signature leaves the lists, the counts (the tally) and every
mailing, and its confirmation link dies with it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from campaign.abuse.domains import parse_domain
from campaign.abuse.lists import ListError, parse_ip_range
from campaign.accounts.models import Coordinator
from campaign.database import unicode_lower, utcnow
from campaign.domain import DomainError
from campaign.extensions import db
from campaign.moderation.models import Invalidation, InvalidationState
from campaign.queue import INVALIDATE_SIGNATURES_TASK, enqueue, enqueue_after_commit
from campaign.signing.models import (
    INVALIDATABLE_INDIVIDUAL_STATUSES,
    INVALIDATABLE_ORGANIZATION_STATUSES,
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
    TallyKind,
)
from campaign.signing.tally import add_to_tally
from campaign.statements.models import Statement

BATCH_SIZE = 1000
# A range is matched against the networks signatures keep (/24, /48): at most this
# many of them, so that the query stays one indexed IN.
MAX_NETWORKS = 256
NAME_PATTERN_LENGTH = 120
REASON_LENGTH = 2000
# An invalidation not finished by then lost its task (broker down, worker killed) and
# is taken up again; it is safe to run twice.
RESUME_AFTER = timedelta(minutes=5)

Model = type[IndividualSignature] | type[OrganizationSignature]


class CriteriaError(DomainError):
    """A criterion cannot be used; ``field`` names the form field it is about."""


class PreviewChanged(CriteriaError):
    """The confirmation's preview showed another number of signatures than match now:
    nothing is invalidated that the coordinator did not see counted."""


@dataclass(frozen=True)
class Criteria:
    """What an invalidation matches, every value in its canonical form; combined with
    AND."""

    ip_range: str | None = None
    email_domain: str | None = None
    name_pattern: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def as_query(self) -> dict[str, str]:
        """As the preview page's query string (times as the form writes them, in UTC)."""
        values = {"ip_range": self.ip_range, "email_domain": self.email_domain,
                  "name_pattern": self.name_pattern,
                  "created_from": _form_time(self.created_from),
                  "created_to": _form_time(self.created_to)}
        return {name: value for name, value in values.items() if value}


def _form_time(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else None


def parse_network_criterion(text: str) -> str:
    """A range as signatures can be matched by: no narrower than the network they keep
    (IP_PREFIX_LENGTH_V4/V6), and covering at most MAX_NETWORKS of them."""
    try:
        network = parse_ip_range(text)
    except ListError as error:
        raise CriteriaError(str(error), field="ip_range") from error
    length = _kept_length(network.version)
    if network.prefixlen > length:
        raise CriteriaError(_(
            "Signatures keep only the /%(length)d network of their address, so a range "
            "narrower than /%(length)d cannot be matched.", length=length), field="ip_range")
    if 2 ** (length - network.prefixlen) > MAX_NETWORKS:
        raise CriteriaError(ngettext(
            "Choose a range of at most %(num)d network of /%(length)d, that is a "
            "/%(widest)d or narrower.",
            "Choose a range of at most %(num)d networks of /%(length)d, that is a "
            "/%(widest)d or narrower.", MAX_NETWORKS, length=length,
            widest=length - MAX_NETWORKS.bit_length() + 1), field="ip_range")
    return str(network)


def _kept_length(version: int) -> int:
    return int(current_app.config["IP_PREFIX_LENGTH_V4" if version == 4
                                  else "IP_PREFIX_LENGTH_V6"])


def parse_criteria(*, ip_range: str | None = None, email_domain: str | None = None,
                   name_pattern: str | None = None, created_from: datetime | None = None,
                   created_to: datetime | None = None) -> Criteria:
    """Criteria from what a coordinator typed (blank is none); CriteriaError otherwise."""
    ip_range, email_domain = (ip_range or "").strip(), (email_domain or "").strip()
    name_pattern = " ".join((name_pattern or "").split())
    if not (ip_range or email_domain or name_pattern or created_from or created_to):
        raise CriteriaError(_("Give at least one criterion: an IP range, an e-mail domain, "
                              "a name or a time window."))
    if ip_range:
        ip_range = parse_network_criterion(ip_range)
    if email_domain:
        try:
            email_domain = parse_domain(email_domain)
        except ValueError as error:
            raise CriteriaError(str(error), field="email_domain") from error
    if name_pattern and len(name_pattern.strip("*?")) < 2:
        raise CriteriaError(_("Give at least two letters of the name."), field="name_pattern")
    if len(name_pattern) > NAME_PATTERN_LENGTH:
        raise CriteriaError(ngettext("Keep the name under %(num)d character.",
                                     "Keep the name under %(num)d characters.",
                                     NAME_PATTERN_LENGTH), field="name_pattern")
    if created_from and created_to and created_from >= created_to:
        raise CriteriaError(_("The end of the time window must come after its start."),
                            field="created_to")
    return Criteria(ip_range=ip_range or None, email_domain=email_domain or None,
                    name_pattern=name_pattern or None, created_from=created_from,
                    created_to=created_to)


def like_pattern(name_pattern: str) -> str:
    """A LIKE pattern, lower-cased: the text anywhere in the name, or with * (any
    characters) and ? (one character) the whole name in that shape. Never a regular
    expression: nothing the coordinator types is run as one."""
    escaped = (name_pattern.lower().replace("\\", "\\\\").replace("%", "\\%")
               .replace("_", "\\_"))
    if "*" in escaped or "?" in escaped:
        return escaped.replace("*", "%").replace("?", "_")
    return f"%{escaped}%"


def _conditions(model: Model, statement_id: int, criteria: Criteria,
                made_before: datetime | None = None) -> list[Any]:
    conditions: list[Any] = [model.statement_id == statement_id]
    if model is OrganizationSignature:
        # Founding signatories came with the statement's text, not through the form.
        conditions.append(OrganizationSignature.founding.is_(False))
    if criteria.ip_range:
        network = ipaddress.ip_network(criteria.ip_range)
        kept = network.subnets(new_prefix=_kept_length(network.version))
        conditions.append(model.ip_prefix.in_([str(subnet) for subnet in kept]))
    if criteria.email_domain:
        conditions.append(model.email_domain == criteria.email_domain)
    if criteria.name_pattern:
        conditions.append(unicode_lower(model.name).like(like_pattern(criteria.name_pattern),
                                                         escape="\\"))
    if criteria.created_from:
        conditions.append(model.created_at >= criteria.created_from)
    if criteria.created_to:
        conditions.append(model.created_at < criteria.created_to)
    if made_before:
        conditions.append(model.created_at <= made_before)
    return conditions


# --- The preview --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """How many signatures match, by state; and how many would be invalidated (those
    withdrawn by their signers or invalidated already are left as they are)."""

    individuals: dict[IndividualStatus, int] = field(default_factory=dict)
    organizations: dict[OrganizationStatus, int] = field(default_factory=dict)

    @property
    def to_invalidate(self) -> int:
        return (sum(count for status, count in self.individuals.items()
                    if status in INVALIDATABLE_INDIVIDUAL_STATUSES)
                + sum(count for status, count in self.organizations.items()
                      if status in INVALIDATABLE_ORGANIZATION_STATUSES))


def preview_invalidation(statement: Statement, criteria: Criteria,
                         made_before: datetime | None = None) -> Preview:
    return Preview(
        individuals=_count_by_status(IndividualSignature, statement.id, criteria, made_before),
        organizations=_count_by_status(OrganizationSignature, statement.id, criteria,
                                       made_before))


def _count_by_status(model: Model, statement_id: int, criteria: Criteria,
                     made_before: datetime | None) -> dict[Any, int]:
    return dict(db.session.execute(  # type: ignore[arg-type]
        select(model.status, func.count())
        .where(*_conditions(model, statement_id, criteria, made_before))
        .group_by(model.status)).all())


# --- Asking for one, and the worker's part ----------------------------------------------


def request_invalidation(statement: Statement, criteria: Criteria, reason: str, *,
                         shown: int | None, by: Coordinator) -> Invalidation:
    """Log the invalidation and hand it to the worker once this commits, provided as
    many signatures match as its preview showed (SHOWN); PreviewChanged otherwise.
    The worker takes only signatures made before this moment, those counted here."""
    reason = reason.strip()
    if not reason:
        raise CriteriaError(_("Say why: the reason is kept in the log."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise CriteriaError(ngettext("Keep the reason under %(num)d character.",
                                     "Keep the reason under %(num)d characters.",
                                     REASON_LENGTH), field="reason")
    if shown is None:
        raise PreviewChanged(_("Confirm from the preview: it shows how many signatures "
                               "would be invalidated."))
    # Two confirmations at once (a double click, two colleagues) wait for each other
    # here, and the second finds the first; NO KEY leaves the inserts of signatures,
    # which refer to the statement, unblocked.
    db.session.execute(select(Statement.id).where(Statement.id == statement.id)
                       .with_for_update(key_share=True))
    if _under_way(statement, criteria):
        raise PreviewChanged(_("An invalidation by these criteria is under way already: "
                               "its progress is shown on the invalidations page."))
    now = utcnow()
    matched = preview_invalidation(statement, criteria, made_before=now).to_invalidate
    # During a flood the count grows between the preview and the click: a coordinator
    # who confirmed 40 must not invalidate 4,000 unseen, some of them genuine.
    if matched != shown:
        raise PreviewChanged(_(
            "More or fewer signatures match now than the preview showed: %(num)d, not "
            "%(shown)d. Check them and confirm again. While a flood goes on, set the end "
            "of the time window so that the count stays put.", num=matched, shown=shown))
    invalidation = Invalidation(
        statement_id=statement.id, reason=reason, ip_range=criteria.ip_range,
        email_domain=criteria.email_domain, name_pattern=criteria.name_pattern,
        created_from=criteria.created_from, created_to=criteria.created_to,
        matched=matched, requested_by_id=by.id, created_at=now)
    db.session.add(invalidation)
    db.session.flush()
    enqueue_after_commit(INVALIDATE_SIGNATURES_TASK, (invalidation.id,))
    return invalidation


def _under_way(statement: Statement, criteria: Criteria) -> bool:
    return db.session.scalar(
        select(Invalidation.id).where(
            Invalidation.statement_id == statement.id,
            Invalidation.state != InvalidationState.DONE,
            Invalidation.ip_range.is_not_distinct_from(criteria.ip_range),
            Invalidation.email_domain.is_not_distinct_from(criteria.email_domain),
            Invalidation.name_pattern.is_not_distinct_from(criteria.name_pattern),
            Invalidation.created_from.is_not_distinct_from(criteria.created_from),
            Invalidation.created_to.is_not_distinct_from(criteria.created_to))
        .limit(1)) is not None


def criteria_of(invalidation: Invalidation) -> Criteria:
    return Criteria(ip_range=invalidation.ip_range, email_domain=invalidation.email_domain,
                    name_pattern=invalidation.name_pattern,
                    created_from=invalidation.created_from,
                    created_to=invalidation.created_to)


def invalidate_next_batch(invalidation_id: int, batch_size: int = BATCH_SIZE) -> bool:
    """Invalidate up to `batch_size` more matching signatures; False once none is left
    (the invalidation is then done). The caller commits after each batch, so a killed
    run loses at most one batch, and running it again goes on where it stopped: an
    invalidated signature matches no more."""
    invalidation = db.session.get(Invalidation, invalidation_id, with_for_update=True)
    if invalidation is None or invalidation.state is InvalidationState.DONE:
        return False
    if invalidation.state is InvalidationState.QUEUED:
        invalidation.start(utcnow())
    criteria = criteria_of(invalidation)
    for model, statuses, counted, invalidated, kind in (
            (IndividualSignature, INVALIDATABLE_INDIVIDUAL_STATUSES,
             IndividualStatus.CONFIRMED, IndividualStatus.INVALIDATED, TallyKind.INDIVIDUALS),
            (OrganizationSignature, INVALIDATABLE_ORGANIZATION_STATUSES,
             OrganizationStatus.APPROVED, OrganizationStatus.INVALIDATED,
             TallyKind.ORGANIZATIONS)):
        # Locked, so that a signature confirmed at this moment is either counted and
        # taken off here, or confirmed after and refused (its link is cleared).
        rows = db.session.execute(
            select(model.id, model.status)
            .where(*_conditions(model, invalidation.statement_id, criteria,
                                made_before=invalidation.created_at),
                   model.status.in_(statuses))
            .order_by(model.id).limit(batch_size).with_for_update()).all()
        if not rows:
            continue
        # In bulk, as a batch must; the rows were chosen by the model's
        # INVALIDATABLE_*_STATUSES above.
        db.session.execute(
            update(model).where(model.id.in_([row_id for row_id, _status in rows]))
            .values(status=invalidated,
                    confirmation_token_hash=None, confirmation_expires_at=None)
            .execution_options(synchronize_session=False))
        counted_out = sum(1 for _row_id, status in rows if status == counted)
        if counted_out:
            add_to_tally(invalidation.statement_id, kind, -counted_out)
        if model is IndividualSignature:
            invalidation.individuals_invalidated += len(rows)
        else:
            invalidation.organizations_invalidated += len(rows)
        return True
    invalidation.finish(utcnow())
    return False


def statement_invalidations(statement: Statement) -> list[Invalidation]:
    """The log, newest first."""
    return list(db.session.scalars(
        select(Invalidation).where(Invalidation.statement_id == statement.id)
        .order_by(Invalidation.created_at.desc(), Invalidation.id.desc())))


def resume_unfinished_invalidations() -> list[int]:
    """Hand again to the worker the invalidations that stopped (or never started) a
    while ago; returns their ids."""
    invalidation_ids = list(db.session.scalars(
        select(Invalidation.id)
        .where(Invalidation.state != InvalidationState.DONE,
               Invalidation.created_at < utcnow() - RESUME_AFTER)
        .order_by(Invalidation.id)))
    enqueue(INVALIDATE_SIGNATURES_TASK, [(each,) for each in invalidation_ids])
    return invalidation_ids

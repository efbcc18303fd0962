"""What the dashboard shows: counts by state, signatures per day, the latest signers.

Unlike the public page, the dashboard counts rows: few people open it, the counts
by state are not in the tally, and GROUP BY over the (statement_id, status) indexes
reads only the index. Everything else is bounded by a date range or a LIMIT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.moderation.services import organizations_awaiting_approval
from campaign.progress.trending import Trending, trending_sources
from campaign.signing.models import (
    ACTIVE_INDIVIDUAL_STATUSES,
    CONFIRMED_ORGANIZATION_STATUSES,
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.statements.models import Statement

CHART_DAYS = 30
LATEST_SIGNERS = 10



@dataclass(frozen=True)
class DayCount:
    day: date
    organizations: int
    individuals: int

    @property
    def total(self) -> int:
        return self.organizations + self.individuals


@dataclass(frozen=True)
class LatestSigner:
    name: str
    is_organization: bool
    confirmed_at: datetime


@dataclass(frozen=True)
class Dashboard:
    organizations_by_status: dict[OrganizationStatus, int]
    individuals_by_status: dict[IndividualStatus, int]
    days: list[DayCount]
    latest_signers: list[LatestSigner]
    awaiting_approval: list[OrganizationSignature]
    trending: Trending


def load_dashboard(statement: Statement, today: date | None = None) -> Dashboard:
    return Dashboard(
        trending=trending_sources(statement.id, utcnow()),
        organizations_by_status=_count_by_status(OrganizationSignature, statement),
        individuals_by_status=_count_by_status(IndividualSignature, statement),
        days=signatures_per_day(statement, today or utcnow().date()),
        latest_signers=latest_signers(statement),
        awaiting_approval=organizations_awaiting_approval(statement),
    )


def _count_by_status(model: type[OrganizationSignature] | type[IndividualSignature],
                     statement: Statement) -> dict:
    return dict(db.session.execute(  # type: ignore[arg-type]
        select(model.status, func.count())
        .where(model.statement_id == statement.id)
        .group_by(model.status)
    ).all())


def signatures_per_day(statement: Statement, today: date) -> list[DayCount]:
    """Confirmed signatures per day (UTC) for the last CHART_DAYS days, today
    included, days without any counted as zero. Founding signatories came with the
    imported text, not on a day of signing, and hidden individuals are left out."""
    first_day = today - timedelta(days=CHART_DAYS - 1)
    since = datetime.combine(first_day, time.min, tzinfo=UTC)
    organizations = _per_day(
        OrganizationSignature,
        OrganizationSignature.statement_id == statement.id,
        OrganizationSignature.status.in_(CONFIRMED_ORGANIZATION_STATUSES),
        OrganizationSignature.founding.is_(False),
        OrganizationSignature.confirmed_at >= since,
    )
    individuals = _per_day(
        IndividualSignature,
        IndividualSignature.statement_id == statement.id,
        IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES),
        IndividualSignature.confirmed_at >= since,
    )
    return [
        DayCount(day=day, organizations=organizations.get(day, 0),
                 individuals=individuals.get(day, 0))
        for day in (first_day + timedelta(days=offset) for offset in range(CHART_DAYS))
    ]


def _per_day(model: type[OrganizationSignature] | type[IndividualSignature],
             *conditions: object) -> dict[date, int]:
    day = func.date(model.confirmed_at)
    rows = db.session.execute(
        select(day, func.count()).where(*conditions).group_by(day)  # type: ignore[arg-type]
    )
    # SQLite's date() gives text, PostgreSQL's a date; the stored times are UTC on both.
    return {date.fromisoformat(str(value)): count for value, count in rows}


def latest_signers(statement: Statement) -> list[LatestSigner]:
    """Names as given, for the team's eyes: organizations as shown, individuals in
    full whatever they chose for the public page."""
    individuals = db.session.execute(
        select(IndividualSignature.name, IndividualSignature.confirmed_at)
        .where(IndividualSignature.statement_id == statement.id,
               IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES))
        .order_by(IndividualSignature.confirmed_at.desc())
        .limit(LATEST_SIGNERS)
    )
    organizations = db.session.execute(
        select(func.coalesce(OrganizationSignature.display_name, OrganizationSignature.name),
               OrganizationSignature.confirmed_at)
        .where(OrganizationSignature.statement_id == statement.id,
               OrganizationSignature.status.in_(CONFIRMED_ORGANIZATION_STATUSES),
               OrganizationSignature.founding.is_(False))
        .order_by(OrganizationSignature.confirmed_at.desc())
        .limit(LATEST_SIGNERS)
    )
    signers = [LatestSigner(name, False, at) for name, at in individuals] + [
        LatestSigner(name, True, at) for name, at in organizations]
    return sorted(signers, key=lambda signer: signer.confirmed_at, reverse=True)[:LATEST_SIGNERS]

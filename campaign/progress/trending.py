"""Trending sources: the networks (ip_prefix) and e-mail domains that a statement's
signatures came from most, above TRENDING_THRESHOLD in an hour.

A flood from one network or one throw-away domain shows here first; a common webmail
domain may show too when many genuine people sign at once, which is why the
coordinator decides, from a preview of what invalidating it would do. Every signature
counts, whatever its state: held ones are what a flood looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, union_all

from campaign.extensions import db
from campaign.signing.models import IndividualSignature, OrganizationSignature

WINDOW = timedelta(hours=1)
# The dashboard and the digest name at most this many of each kind.
LIMIT = 10


@dataclass(frozen=True)
class Source:
    value: str
    count: int


@dataclass(frozen=True)
class Trending:
    networks: list[Source]
    domains: list[Source]

    def __bool__(self) -> bool:
        return bool(self.networks or self.domains)


def _threshold() -> int:
    return int(current_app.config["TRENDING_THRESHOLD"])


def _signed(column_name: str, statement_id: int, since: datetime, until: datetime) -> Any:
    """Both kinds of signature made in the window, as (source, created_at)."""
    return union_all(*(
        select(getattr(model, column_name).label("source"),
               model.created_at.label("created_at"))
        .where(model.statement_id == statement_id, model.created_at >= since,
               model.created_at < until, getattr(model, column_name).is_not(None))
        for model in (IndividualSignature, OrganizationSignature)
    )).subquery()


def _top(column_name: str, statement_id: int, since: datetime, until: datetime) -> list[Source]:
    signed = _signed(column_name, statement_id, since, until)
    count = func.count().label("count")
    rows = db.session.execute(
        select(signed.c.source, count).group_by(signed.c.source)
        .having(func.count() >= _threshold())
        .order_by(count.desc(), signed.c.source).limit(LIMIT))
    return [Source(value, count) for value, count in rows]


def trending_sources(statement_id: int, now: datetime) -> Trending:
    """The sources at or above the threshold in the hour before `now`, most first."""
    since = now - WINDOW
    return Trending(networks=_top("ip_prefix", statement_id, since, now),
                    domains=_top("email_domain", statement_id, since, now))


def _hour(column: Any) -> Any:
    """The clock hour a time falls in, as each database writes it (only compared)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H", column)


def _peaks(column_name: str, statement_id: int, since: datetime, until: datetime,
           ) -> list[Source]:
    signed = _signed(column_name, statement_id, since, until)
    hour = _hour(signed.c.created_at)
    rows = db.session.execute(
        select(signed.c.source, func.count()).group_by(signed.c.source, hour)
        .having(func.count() >= _threshold()))
    peaks: dict[str, int] = {}
    for source, count in rows:
        peaks[source] = max(count, peaks.get(source, 0))
    ranked = sorted(peaks.items(), key=lambda item: (-item[1], item[0]))[:LIMIT]
    return [Source(value, count) for value, count in ranked]


def trending_in_period(statement_id: int, since: datetime, until: datetime) -> Trending:
    """For the digest: the sources that reached the threshold within a clock hour of
    the period, each with its busiest hour's count."""
    return Trending(networks=_peaks("ip_prefix", statement_id, since, until),
                    domains=_peaks("email_domain", statement_id, since, until))

"""Exporting signatories as CSV, streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from flask import Blueprint, Response, render_template, stream_with_context
from flask_login import current_user, login_required

from campaign.accounts.access import team_statement_or_404
from campaign.exports.models import ExportKind
from campaign.exports.services import (
    INDIVIDUAL_COLUMNS,
    ORGANIZATION_COLUMNS,
    csv_lines,
    exports_taken,
    individual_rows,
    organization_rows,
    record_export,
)
from campaign.extensions import db

bp = Blueprint("exports", __name__, url_prefix="/coordinate")


@bp.get("/<slug>/export")
@login_required
def index(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return render_template("exports/index.html", statement=statement,
                           exports=exports_taken(statement))


@bp.get("/<slug>/export/organizations.csv")
@login_required
def organizations_csv(slug: str) -> Response:
    return _export(slug, ExportKind.ORGANIZATIONS, ORGANIZATION_COLUMNS, organization_rows)


@bp.get("/<slug>/export/individuals.csv")
@login_required
def individuals_csv(slug: str) -> Response:
    return _export(slug, ExportKind.INDIVIDUALS, INDIVIDUAL_COLUMNS, individual_rows)


def _export(slug: str, kind: ExportKind, header: Sequence[str],
            rows: Callable[[int], Iterator[Sequence[object]]]) -> Response:
    statement = team_statement_or_404(slug)
    record_export(statement, kind, by=current_user)
    # Committed before the first byte: an export that fails halfway was still taken.
    db.session.commit()
    statement_id, filename = statement.id, f"{statement.slug}-{kind.value}.csv"
    return Response(
        stream_with_context(csv_lines(header, rows(statement_id))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"},
    )

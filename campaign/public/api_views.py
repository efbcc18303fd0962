"""The machine-readable statement. Only what the public page shows; never an e-mail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug import Response

from campaign.public.services import StatementPage, load_statement_page
from campaign.public.views import visible_statement_or_404

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/statements/<slug>")
def statement(slug: str) -> Response:
    """`?lang=uk`: the official Ukrainian translation's texts; without it, or for a
    language with none, the statement's own language (the document says which)."""
    statement = visible_statement_or_404(slug)
    language = request.args.get("lang")
    return jsonify(statement_document(load_statement_page(statement, language or "",
                                                          statement.language)))


def statement_document(page: StatementPage) -> dict[str, Any]:
    statement = page.statement
    text = page.text
    assert text is not None
    return {
        "slug": statement.slug,
        "language": text.language,
        "source_language": text.source_language,
        "languages": page.languages,
        "title": text.title.text,
        "lead_markdown": text.body.text,
        "status": statement.status.value,
        "date": statement.statement_date.isoformat() if statement.statement_date else None,
        "open_for_signing": statement.is_open_for_signing,
        "signing_deadline": statement.signing_deadline.isoformat()
        if statement.signing_deadline else None,
        "time_zone": statement.time_zone,
        "delivery_date": statement.delivery_date.isoformat() if statement.delivery_date else None,
        "demand_groups": [
            {
                "addressees": [{"name": text.addressee(addressee).text}
                               for addressee in group_text.group.addressees],
                "intro": group_text.intro.text,
                "demands": [demand.text for demand in group_text.demands],
            }
            for group_text in text.groups
        ],
        "organizations": [
            {
                "name": organization.shown_name,
                "country": organization.country,
                "type": organization.organization_type.value
                if organization.organization_type else None,
                "website": organization.website,
            }
            for organization in page.organizations
        ],
        "counts": {
            "organizations": page.counts.organizations,
            "individuals": page.counts.individuals,
        },
    }

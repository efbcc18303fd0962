"""Sharing pages: the widget other sites frame, the preview card, the share pages for
Signal and Mastodon, and the coordinators' page with the snippet to copy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.form_fields import show_error
from campaign.languages import format_count
from campaign.sharing.forms import MastodonForm
from campaign.sharing.services import (
    ShareError,
    mastodon_share_url,
    preview_png,
    rounded_count,
    share_links,
    share_text,
    widget_snippet,
)
from campaign.signing.tally import read_counts
from campaign.statements.models import Statement
from campaign.statements.services import get_visible_statement

bp = Blueprint("sharing", __name__)

# Other sites may frame the widget, and only the widget: every other response keeps
# the strict policy's frame-ancestors 'none' (campaign.security).
WIDGET_POLICY = "frame-ancestors *"
PREVIEW_MAX_AGE = 600


def _visible_or_404(slug: str) -> Statement:
    statement = get_visible_statement(slug)
    if statement is None:
        abort(404)
    return statement


def _page_url(statement: Statement, anchor: str | None = None) -> str:
    return url_for("statements.show", slug=statement.slug, _external=True, _anchor=anchor)


@bp.app_template_global()
def statement_share_links(statement: Statement) -> list[Any]:
    return share_links(statement.title, _page_url(statement),
                       url_for("sharing.signal", slug=statement.slug),
                       url_for("sharing.mastodon", slug=statement.slug))


@bp.app_template_global()
def statement_preview_image(statement: Statement) -> str:
    return url_for("sharing.preview", slug=statement.slug, _external=True)


@bp.get("/s/<slug>/widget")
def widget(slug: str) -> Response:
    statement = _visible_or_404(slug)
    response = current_app.make_response(render_template(
        "sharing/widget.html", statement=statement, counts=read_counts(statement.id),
        page_url=_page_url(statement), sign_url=_page_url(statement, "sign")))
    response.headers["Content-Security-Policy"] = WIDGET_POLICY
    return response


@bp.get("/s/<slug>/preview.png")
def preview(slug: str) -> Response:
    statement = _visible_or_404(slug)
    counts = read_counts(statement.id)
    total = rounded_count(counts.organizations + counts.individuals)
    count_line = ngettext("%(count)s signature", "%(count)s signatures", total,
                          count=format_count(total))
    # The instance's configured name, never the request's Host header: a client could
    # make every request draw (and cache) a card of its own.
    server = current_app.config.get("SERVER_NAME")
    site_line = f"{_('Undersigned')} · {server}" if server else _("Undersigned")
    response = current_app.response_class(preview_png(statement.title, count_line, site_line),
                                          mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = PREVIEW_MAX_AGE
    return response


@bp.get("/s/<slug>/share/signal")
def signal(slug: str) -> str:
    statement = _visible_or_404(slug)
    return render_template("sharing/signal.html", statement=statement,
                           text=f"{share_text(statement.title)} {_page_url(statement)}")


@bp.route("/s/<slug>/share/mastodon", methods=["GET", "POST"])
def mastodon(slug: str) -> Response | tuple[str, int]:
    statement = _visible_or_404(slug)
    form = MastodonForm()
    if form.validate_on_submit():
        try:
            return redirect(mastodon_share_url(form.instance.data, statement.title,
                                               _page_url(statement)))
        except ShareError as error:
            show_error(form, error)
    return render_template("sharing/mastodon.html", statement=statement, form=form
                           ), 400 if form.is_submitted() else 200


@bp.get("/coordinate/<slug>/share")
@login_required
def coordinator_page(slug: str) -> str:
    statement = team_statement_or_404(slug)
    widget_url = url_for(".widget", slug=statement.slug, _external=True)
    return render_template(
        "sharing/coordinator.html", statement=statement, widget_url=widget_url,
        snippet=widget_snippet(widget_url, _page_url(statement), statement.title),
        page_url=_page_url(statement))

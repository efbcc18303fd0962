"""Replies from addressees: the team's page to record and publish them, and the
download of a reply's document (by the team, and by the public once published)."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.addressees.services import statement_addressees
from campaign.extensions import db
from campaign.form_fields import show_error
from campaign.replies import services as replies
from campaign.replies.forms import ReplyForm
from campaign.replies.models import Reply
from campaign.statements.models import Statement
from campaign.views import carry_out

bp = Blueprint("replies", __name__, url_prefix="/coordinate")
public_bp = Blueprint("public_replies", __name__, url_prefix="/s")


def _form_for(statement: Statement, form: ReplyForm | None = None) -> ReplyForm:
    return (form or ReplyForm(formdata=None)).offer(statement_addressees(statement),
                                                     statement.demand_groups)


def _render(statement: Statement, form: ReplyForm, status: int = 200) -> tuple[str, int]:
    return render_template("replies/index.html", statement=statement, form=form,
                           replies=replies.statement_replies(statement)), status


def _reply_of(statement: Statement, reply_id: int) -> Reply:
    reply = replies.find_reply(statement, reply_id)
    if reply is None:
        abort(404)
    return reply


# A published reply's document is public: a cache may keep it, an hour at most, so
# that one the team unpublishes stops being served soon (as a public logo does).
PUBLIC_DOCUMENT_CACHE_SECONDS = 3600


def _send_document(reply: Reply, cache_control: str) -> Response:
    if reply.document is None or reply.document_type is None:
        abort(404)
    # Always a download, in the type we chose on upload: the file comes from outside,
    # and shown inline in our origin it could act as one of our pages.
    # Cleaned again: a name kept before names were cleaned may hold a line break.
    name = replies.plain_filename(reply.document_name or "") or "document"
    response = send_file(io.BytesIO(reply.document), mimetype=reply.document_type,
                         as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    # Set here, not left to the app's default: send_file has already said "no-cache",
    # which lets a browser or a proxy store the file.
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/<slug>/replies")
@login_required
def index(slug: str) -> tuple[str, int]:
    statement = team_statement_or_404(slug)
    return _render(statement, _form_for(statement))


@bp.post("/<slug>/replies")
@login_required
def record(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = _form_for(statement, ReplyForm())
    if not form.validate_on_submit():
        return _render(statement, form, 400)
    try:
        reply = replies.record_reply(statement, form.to_details(),
                                     recorded_by_id=current_user.id)
    except replies.ReplyError as error:
        show_error(form, error)
        return _render(statement, form, 400)
    db.session.commit()
    flash(_("The reply of %(name)s is recorded. Publish it to show it on the statement's page "
            "and tell the signers.", name=reply.addressee.name if reply.addressee else ""))
    return redirect(url_for(".index", slug=slug))


def _change(slug: str, reply_id: int, change: Callable[[Reply], None], done: str) -> Response:
    reply = _reply_of(team_statement_or_404(slug), reply_id)
    return carry_out(lambda: change(reply), done,
                     url_for(".index", slug=slug, _anchor=f"reply-{reply_id}"))


@bp.get("/<slug>/replies/<int:reply_id>/publish")
@login_required
def confirm_publish(slug: str, reply_id: int) -> str:
    statement = team_statement_or_404(slug)
    reply = _reply_of(statement, reply_id)
    name = reply.addressee.name if reply.addressee else ""
    return render_template(
        "confirm_action.html", layout="coordinator_base.html", statement=statement,
        heading=_("Publish the reply of %(name)s and tell the signers?", name=name),
        explanation=_("The reply appears on the statement's page, and the signers who asked "
                      "for updates are told by e-mail. You can unpublish it later, but the "
                      "e-mail cannot be called back."),
        action=url_for(".publish", slug=slug, reply_id=reply_id), button=_("Publish"),
        back=url_for(".index", slug=slug, _anchor=f"reply-{reply_id}"))


@bp.post("/<slug>/replies/<int:reply_id>/publish")
@login_required
def publish(slug: str, reply_id: int) -> Response:
    return _change(slug, reply_id, replies.publish_reply, _(
        "The reply is published on the statement's page. The signers who asked for updates "
        "are being told by e-mail."))


@bp.post("/<slug>/replies/<int:reply_id>/unpublish")
@login_required
def unpublish(slug: str, reply_id: int) -> Response:
    return _change(slug, reply_id, replies.unpublish_reply, _(
        "The reply is no longer on the statement's page. Nobody is e-mailed about this."))


@bp.get("/<slug>/replies/<int:reply_id>/document")
@login_required
def document(slug: str, reply_id: int) -> Response:
    # Not published yet, perhaps never: kept by no cache of a shared or seized computer.
    return _send_document(_reply_of(team_statement_or_404(slug), reply_id),
                          "private, no-store")


@public_bp.get("/<slug>/replies/<int:reply_id>/document")
def public_document(slug: str, reply_id: int) -> Response:
    reply = replies.published_reply_with_document(slug, reply_id)
    if reply is None:
        abort(404)
    # The file lands in the visitor's downloads anyway: caching it gives nothing away.
    return _send_document(reply, f"public, max-age={PUBLIC_DOCUMENT_CACHE_SECONDS}")

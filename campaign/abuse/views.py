"""The workspace's abuse pages: block and allow lists (a statement's, and the
instance's for admins). Bulk invalidation, which acts on signatures, is moderation's
(campaign.moderation.views)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug import Response

from campaign.abuse.forms import LIST_KIND_LABELS, TARGET_LABELS, ListEntryForm
from campaign.abuse.lists import ListError, add_entry, find_entry, list_entries, remove_entry
from campaign.abuse.models import ListKind
from campaign.accounts.access import team_statement_or_404
from campaign.extensions import db
from campaign.statements.models import Statement

bp = Blueprint("abuse", __name__, url_prefix="/coordinate")


# --- Block and allow lists -------------------------------------------------------------


@bp.route("/<slug>/lists", methods=["GET", "POST"])
@login_required
def lists(slug: str) -> str | Response | tuple[str, int]:
    return _lists_page(team_statement_or_404(slug))


@bp.post("/<slug>/lists/<int:entry_id>/remove")
@login_required
def remove(slug: str, entry_id: int) -> Response:
    return _remove(team_statement_or_404(slug), entry_id)


@bp.route("/instance-lists", methods=["GET", "POST"])
@login_required
def instance_lists() -> str | Response | tuple[str, int]:
    _admin_or_404()
    return _lists_page(None)


@bp.post("/instance-lists/<int:entry_id>/remove")
@login_required
def instance_remove(entry_id: int) -> Response:
    _admin_or_404()
    return _remove(None, entry_id)


def _admin_or_404() -> None:
    # As for a statement of another team: the page does not admit it exists.
    if not current_user.is_admin:
        abort(404)


def _lists_page_url(statement: Statement | None) -> str:
    if statement is None:
        return url_for(".instance_lists")
    return url_for(".lists", slug=statement.slug)


def _lists_page(statement: Statement | None) -> str | Response | tuple[str, int]:
    form = ListEntryForm()
    if form.validate_on_submit():
        try:
            entry = add_entry(statement, ListKind(form.list_kind.data), form.value.data,
                              form.reason.data, by=current_user)
        except ListError as error:
            form.value.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(value)s is on the %(list)s now.", value=entry.value,
                    list=LIST_KIND_LABELS[entry.list_kind]))
            return redirect(_lists_page_url(statement))
    page = render_template(
        "abuse/lists.html", statement=statement, form=form, entries=list_entries(statement),
        instance_entries=list_entries(None) if statement is not None else [],
        kind_labels=LIST_KIND_LABELS, target_labels=TARGET_LABELS)
    return (page, 400) if form.is_submitted() else page


def _remove(statement: Statement | None, entry_id: int) -> Response:
    entry = find_entry(statement, entry_id)
    if entry is None:
        # A double click: the first removed it, and the second must not look like a
        # failure. The same answer for an id of another list, which it does not confirm.
        flash(_("This entry is not on the list (any more)."))
        return redirect(_lists_page_url(statement))
    try:
        remove_entry(entry, by=current_user)
    except ListError as error:
        flash(str(error))
    else:
        db.session.commit()
        flash(_("%(value)s is off the %(list)s.", value=entry.value,
                list=LIST_KIND_LABELS[entry.list_kind]))
    return redirect(_lists_page_url(statement))

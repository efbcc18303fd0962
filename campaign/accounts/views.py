"""Signing coordinators in and out, and the workspace's front page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug import Response

from campaign.accounts.forms import SignInForm
from campaign.accounts.services import AccountError, authenticate, team_statements
from campaign.extensions import db

bp = Blueprint("accounts", __name__, url_prefix="/coordinate")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a sign-in link must not send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(
        target
    ).netloc:
        return target
    return url_for("accounts.workspace")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for(".workspace"))
    form = SignInForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/sign_in.html", form=form), (
            400 if form.is_submitted() else 200)
    try:
        coordinator = authenticate(form.email.data, form.password.data)
    except AccountError as error:
        db.session.commit()  # the failed attempt counts towards the slowdown
        form.form_errors.append(str(error))
        return render_template("accounts/sign_in.html", form=form), 400
    db.session.commit()
    login_user(coordinator)
    return redirect(_safe_next(form.next.data))


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for(".sign_in"))


@bp.get("/")
@login_required
def workspace() -> str:
    return render_template("accounts/workspace.html", statements=team_statements(current_user))

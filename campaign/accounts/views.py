"""Coordinators' accounts: signing in and out, a forgotten password, the workspace's
front page, own settings (password, time zone), and the teams with their invitations."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.accounts.forms import (
    NO_DIGEST,
    ChangePasswordForm,
    DigestSettingsForm,
    InvitationForm,
    NewAccountForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    SignInForm,
    TeamNameForm,
)
from campaign.accounts.models import Coordinator, Team, TeamInvitation
from campaign.accounts.services import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    NotTeamOwner,
    accept_invitation,
    accept_invitation_with_new_account,
    ask_for_password_reset,
    begin_sign_in,
    cancel_invitation,
    change_password,
    coordinator_for_reset_token,
    create_team,
    find_coordinator,
    finish_sign_in,
    invitation_for_token,
    invite_to_team,
    is_member,
    is_owner,
    pending_invitations,
    register_password_reset_requests,
    remove_member,
    rename_team,
    reset_password,
    set_digest_hour,
    set_language,
    set_time_zone,
    statements_of_team,
    team_members,
    team_of_member,
    team_statements,
    teams_of,
)
from campaign.extensions import db, limiter
from campaign.statements.models import Statement

bp = Blueprint("accounts", __name__, url_prefix="/coordinate")


@bp.record_once
def _register_mail_requests(state: BlueprintSetupState) -> None:
    register_password_reset_requests()


@bp.context_processor
def _password_rule() -> dict[str, int]:
    return {"min_password_length": MIN_PASSWORD_LENGTH}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a sign-in link must not send people elsewhere, and
    a line break (which no header may hold) or a backslash (which browsers read as
    a slash) makes it no path of ours."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(
        target
    ).netloc and target.isprintable() and "\\" not in target:
        return target
    return url_for("accounts.workspace")


def _signed_in_coordinator() -> Coordinator:
    # Services get the model itself, not Flask-Login's proxy to it.
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _unusable_link(message: str, *, reset_link: bool = False) -> tuple[str, int]:
    return render_template("accounts/link_failed.html", message=message,
                           reset_link=reset_link), 400


def _status(form: FlaskForm) -> int:
    return 400 if form.is_submitted() else 200


# Per client address, on top of each account's own slowdown: the limits come from
# the configuration at each request, so that an instance (or a test) sets its own.
_sign_in_limit = limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
                               methods=["POST"])
# One budget for every form that mails a link or sets a password through one, so
# that spreading attempts over them buys nothing.
_account_link_limit = limiter.shared_limit(
    lambda: current_app.config["ACCOUNT_LINK_RATE_LIMIT"], scope="account-links",
    methods=["POST"])
# Each invitation mails someone who never asked: an owner's account, or a script
# holding its session, mails only so many.
_invitation_limit = limiter.limit(lambda: current_app.config["INVITATION_RATE_LIMIT"],
                                  methods=["POST"])


@bp.route("/sign-in", methods=["GET", "POST"])
@_sign_in_limit
def sign_in() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for(".workspace"))
    form = SignInForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/sign_in.html", form=form), _status(form)
    attempt = begin_sign_in(form.email.data)
    # Counted before the password is checked: see begin_sign_in.
    db.session.commit()
    try:
        coordinator = finish_sign_in(attempt, form.password.data)
    except AccountError as error:
        form.form_errors.append(str(error))
        return render_template("accounts/sign_in.html", form=form), 400
    db.session.commit()
    login_user(coordinator)
    return redirect(_safe_next(form.next.data))


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    _signed_in_coordinator().end_sessions()
    db.session.commit()
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for(".sign_in"))


@bp.get("/")
@login_required
def workspace() -> str:
    coordinator = _signed_in_coordinator()
    return render_template("accounts/workspace.html", statements=team_statements(coordinator),
                           teams=teams_of(coordinator), team_form=TeamNameForm())


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response | tuple[str, int]:
    coordinator = _signed_in_coordinator()
    form = DigestSettingsForm()
    if request.method == "GET":
        form.digest_hour.data = (NO_DIGEST if coordinator.digest_hour is None
                                 else str(coordinator.digest_hour))
        form.language.data = coordinator.language
        form.time_zone.data = coordinator.time_zone
    if not form.validate_on_submit():
        return render_template("accounts/settings.html", form=form), _status(form)
    set_digest_hour(coordinator, form.chosen_hour())
    if form.time_zone.data:
        set_time_zone(coordinator, form.time_zone.data)
    if form.language.data:
        set_language(coordinator, form.language.data)
    db.session.commit()
    flash(_("Your settings are saved."))
    return redirect(url_for(".settings"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_sign_in_limit
def password() -> str | Response | tuple[str, int]:
    coordinator = _signed_in_coordinator()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/password.html", form=form), _status(form)
    try:
        change_password(coordinator, form.current_password.data, form.password.data)
    except AccountError as error:
        form.current_password.errors.append(str(error))
        return render_template("accounts/password.html", form=form), 400
    db.session.commit()
    # The session's stamp was of the old password: this browser stays signed in, every
    # other session ends.
    login_user(coordinator)
    flash(_("Your new password is set. Other sessions with the old one are signed out."))
    return redirect(url_for(".settings"))


# --- A forgotten password ---------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@_account_link_limit
def forgot_password() -> str | Response | tuple[str, int]:
    form = PasswordResetRequestForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot_password.html", form=form), _status(form)
    ask_for_password_reset(form.email.data)
    db.session.commit()
    return redirect(url_for(".password_reset_sent"))


# The same page whether or not the address has an account: the form must not tell.
@bp.get("/forgot-password/sent")
def password_reset_sent() -> str:
    return render_template("accounts/password_reset_sent.html")


# The link opens a form rather than acting at once: mail scanners open links too.
@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@_account_link_limit
def reset_password_page(token: str) -> str | Response | tuple[str, int]:
    try:
        coordinator_for_reset_token(token)
    except AccountError as error:
        return _unusable_link(str(error), reset_link=True)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset_password.html", form=form), _status(form)
    try:
        coordinator = reset_password(token, form.password.data)
    except AccountError as error:
        return _unusable_link(str(error), reset_link=True)
    db.session.commit()
    login_user(coordinator)
    flash(_("Your new password is set, and you are signed in."))
    return redirect(url_for(".workspace"))


# --- Teams (coalitions) ------------------------------------------------------------


def _team_or_404(team_id: int) -> Team:
    team = team_of_member(_signed_in_coordinator(), team_id)
    if team is None:
        abort(404)
    return team


def _render_team(team: Team, form: InvitationForm | None = None,
                 name_form: TeamNameForm | None = None, status: int = 200,
                 statement: Statement | None = None) -> tuple[str, int]:
    return render_template(
        "accounts/team.html", team=team, statement=statement,
        is_owner=is_owner(_signed_in_coordinator(), team),
        members=team_members(team), statements=statements_of_team(team),
        invitations=pending_invitations(team), form=form or InvitationForm(),
        name_form=name_form or TeamNameForm(name=team.name),
    ), status


def _to_team_page(team_id: int) -> Response:
    return redirect(url_for(".team_page", team_id=team_id))


@bp.post("/teams")
@login_required
def create_team_page() -> Response | tuple[str, int]:
    form = TeamNameForm()
    if not form.validate_on_submit():
        flash(_("Give the team a name."))
        return redirect(url_for(".workspace"))
    team = create_team(_signed_in_coordinator(), form.name.data)
    db.session.commit()
    flash(_("The team “%(name)s” is created. Invite its members here.", name=team.name))
    return _to_team_page(team.id)


@bp.get("/teams/<int:team_id>")
@login_required
def team_page(team_id: int) -> tuple[str, int]:
    return _render_team(_team_or_404(team_id))


# The statement's own pages link here: the team that runs it, under its navigation.
@bp.get("/<slug>/team")
@login_required
def team(slug: str) -> tuple[str, int]:
    statement = team_statement_or_404(slug)
    return _render_team(db.session.get_one(Team, statement.team_id), statement=statement)


@bp.post("/teams/<int:team_id>/name")
@login_required
def rename(team_id: int) -> Response | tuple[str, int]:
    team = _team_or_404(team_id)
    form = TeamNameForm()
    if not form.validate_on_submit():
        return _render_team(team, name_form=form, status=400)
    try:
        rename_team(team, form.name.data, _signed_in_coordinator())
    except AccountError as error:
        form.name.errors.append(str(error))
        return _render_team(team, name_form=form, status=403 if isinstance(
            error, NotTeamOwner) else 400)
    db.session.commit()
    flash(_("The team's name is saved."))
    return _to_team_page(team_id)


@bp.post("/teams/<int:team_id>/invitations")
@_invitation_limit
@login_required
def invite(team_id: int) -> Response | tuple[str, int]:
    team = _team_or_404(team_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        return _render_team(team, form, status=400)
    try:
        invitation = invite_to_team(team, form.email.data, _signed_in_coordinator())
    except AccountError as error:
        form.email.errors.append(str(error))
        return _render_team(team, form, status=403 if isinstance(error, NotTeamOwner) else 400)
    email = invitation.email
    db.session.commit()
    flash(_("We have sent an invitation to %(email)s.", email=email))
    return _to_team_page(team_id)


@bp.post("/teams/<int:team_id>/invitations/<int:invitation_id>/cancel")
@login_required
def cancel(team_id: int, invitation_id: int) -> Response:
    team = _team_or_404(team_id)
    try:
        invitation = cancel_invitation(team, invitation_id, _signed_in_coordinator())
    except AccountError as error:
        flash(str(error))
        return _to_team_page(team_id)
    email = invitation.email
    db.session.commit()
    flash(_("The invitation to %(email)s is cancelled: its link no longer works.",
            email=email))
    return _to_team_page(team_id)


# Removing someone is confirmed on a page of its own: they lose every statement of the team.
@bp.route("/teams/<int:team_id>/members/<int:coordinator_id>/remove", methods=["GET", "POST"])
@login_required
def remove(team_id: int, coordinator_id: int) -> str | Response | tuple[str, int]:
    team = _team_or_404(team_id)
    member = db.session.get(Coordinator, coordinator_id)
    if member is None or not is_member(member, team):
        if request.method == "POST":
            # A double click: the first removed them, and the second must not look
            # like a failure. Said of any id, so it tells nothing of other accounts.
            flash(_("This person is not on the team (any more)."))
            return _to_team_page(team_id)
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        return render_template("accounts/remove_member.html", team=team, member=member,
                               form=form, statements=statements_of_team(team),
                               is_owner=is_owner(_signed_in_coordinator(), team)
                               ), _status(form)
    try:
        remove_member(team, coordinator_id, _signed_in_coordinator())
    except AccountError as error:
        flash(str(error))
        return _to_team_page(team_id)
    name = member.name
    db.session.commit()
    flash(_("%(name)s is no longer on the team.", name=name))
    return _to_team_page(team_id)


def _render_new_account(invitation: TeamInvitation, token: str, form: NewAccountForm,
                        status: int = 200) -> tuple[str, int]:
    return render_template("accounts/invitation_new_account.html", invitation=invitation,
                           token=token, form=form), status


@bp.get("/invitations/<token>")
def invitation(token: str) -> str | Response | tuple[str, int]:
    try:
        invitation = invitation_for_token(token)
    except AccountError as error:
        return _unusable_link(str(error))
    if current_user.is_authenticated:
        return render_template("accounts/invitation.html", invitation=invitation, token=token,
                               for_someone_else=current_user.email != invitation.email)
    if find_coordinator(invitation.email) is not None:
        flash(_("Sign in to join the team “%(name)s”.", name=invitation.team.name))
        return redirect(url_for(".sign_in", next=url_for(".invitation", token=token)))
    return _render_new_account(invitation, token, NewAccountForm())


@bp.post("/invitations/<token>/accept")
@login_required
@_account_link_limit
def accept(token: str) -> Response | tuple[str, int]:
    try:
        team = accept_invitation(token, _signed_in_coordinator())
    except AccountError as error:
        return _unusable_link(str(error))
    team_id, name = team.id, team.name
    db.session.commit()
    flash(_("You are on the team “%(name)s” now.", name=name))
    return _to_team_page(team_id)


@bp.post("/invitations/<token>/account")
@_account_link_limit
def create_account(token: str) -> Response | tuple[str, int]:
    try:
        invitation = invitation_for_token(token)
    except AccountError as error:
        return _unusable_link(str(error))
    form = NewAccountForm()
    if not form.validate_on_submit():
        return _render_new_account(invitation, token, form, 400)
    team_id, name = invitation.team.id, invitation.team.name
    try:
        coordinator = accept_invitation_with_new_account(token, form.name.data,
                                                         form.password.data)
    except AccountError as error:
        form.form_errors.append(str(error))
        return _render_new_account(invitation, token, form, 400)
    db.session.commit()
    login_user(coordinator)
    flash(_("Your account is ready, and you are on the team “%(name)s”.", name=name))
    return _to_team_page(team_id)

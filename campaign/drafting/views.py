"""Drafting statements in the browser: paste to start, edit, publish, the private sign-on
link, and the statement's languages (the `translations` blueprint)."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.accounts.services import (
    give_statement_to_team,
    team_for_new_statement,
    team_of_member,
    teams_of,
)
from campaign.addressees import services as address_book
from campaign.addressees.forms import AddresseeForm, PickFromBookForm
from campaign.database import utcnow
from campaign.domain import DomainError
from campaign.drafting import services as drafting
from campaign.drafting.forms import (
    MARKABLE_LINES,
    AddresseeRemovalForm,
    AffiliationSettingsForm,
    DeadlineForm,
    DemandForm,
    DemandRemovalForm,
    DetailsForm,
    DraftDeletionForm,
    FoundingOrganizationForm,
    GroupForm,
    GroupRemovalForm,
    NewGroupForm,
    NewTranslationForm,
    PasteForm,
    ReadingForm,
    SourceLanguageForm,
    TranslationForm,
    TranslationRemovalForm,
    oversized_lists,
)
from campaign.drafting.services import (
    create_statement_from_text,
    line_texts,
    read_statement_text,
)
from campaign.extensions import db
from campaign.form_fields import show_error
from campaign.languages import language_name, language_tag
from campaign.statements import deadlines, translating
from campaign.statements import services as statements
from campaign.statements.models import (
    Addressee,
    Demand,
    DemandGroup,
    Statement,
    StatementError,
    StatementIncomplete,
    StatementStatus,
    StatementTranslation,
    default_affiliation_disclaimer,
)
from campaign.statements.services import suggest_slug
from campaign.views import carry_out

bp = Blueprint("drafting", __name__, url_prefix="/coordinate")

T = TypeVar("T")
_STEPS = {"up": -1, "down": 1}


def _or_404(found: T | None) -> T:
    if found is None:
        abort(404)
    return found


def _step() -> int:
    step = _STEPS.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    return step


def _to_edit_page(statement: Statement, anchor: str | None = None) -> Response:
    return redirect(url_for(".edit", slug=statement.slug, _anchor=anchor))


# --- Paste to start ------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> tuple[str, int]:
    """Step one: the pasted text. Step two (the reading to correct) is shown from here
    and sent to `save_new`; the reading travels in the form, never in the session."""
    form = PasteForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("drafting/paste.html", form=form), status
    try:
        parsed = read_statement_text(form.text.data)
        reading = ReadingForm.from_parsed(parsed, slug=suggest_slug(parsed.title),
                                          text=form.text.data)
    except StatementError as error:
        show_error(form, error)
        return render_template("drafting/paste.html", form=form), 400
    return _render_reading(reading)


def _render_reading(form: ReadingForm, status: int = 200) -> tuple[str, int]:
    form.team.choices = [(team.id, team.name) for team in teams_of(current_user)]
    try:
        lines = line_texts(form.text.data or "")
    except StatementError:
        lines = []
    return render_template("drafting/reading.html", form=form, line_texts=lines,
                           markable=bool(lines) and len(lines) == len(form.lines.entries),
                           max_lines=MARKABLE_LINES), status


def _start_again(text: str, message: str) -> tuple[str, int]:
    """A reading page that cannot be read back: the paste page, with the text."""
    form = PasteForm(formdata=None, data={"text": text})
    form.form_errors.append(message)
    return render_template("drafting/paste.html", form=form), 400


# Errors that stop reading the text again: the other fields are replaced by the reading.
_READING_FIELDS = frozenset({"csrf_token", "text", "lines"})


@bp.post("/new/save")
@login_required
def save_new() -> Response | tuple[str, int]:
    """The reading page's buttons: read the text again with the marks on its lines,
    apply the changes to the rows, or save what the page shows as a draft."""
    problem = oversized_lists(request.form)
    if problem:
        return _start_again(request.form.get("text", ""), problem)
    form = ReadingForm()
    action = request.form.get("action", "save")
    valid = form.validate_on_submit()
    if action == "read":
        if set(form.errors) & _READING_FIELDS:
            return _render_reading(form, 400)
        return _read_again(form)
    if not valid:
        return _render_reading(form, 400)
    if action != "save" or form.has_pending_changes():
        # What is saved is what the page showed: rows removed or moved are shown first.
        try:
            applied = ReadingForm.from_parsed(
                form.to_parsed(), slug=form.slug.data, text=form.text.data,
                marks=[entry.kind.data for entry in form.lines])
        except StatementError as error:
            show_error(form, error)
            return _render_reading(form, 400)
        if action == "save":
            flash(_("Your changes are applied below. Check them, then save."))
        return _render_reading(applied)
    if form.team.data:
        team = team_of_member(current_user, form.team.data)
        if team is None:
            form.team.errors.append(_("Choose one of your teams."))
            return _render_reading(form, 400)
    else:
        team = team_for_new_statement(current_user)
    try:
        statement = create_statement_from_text(form.to_parsed(), slug=form.slug.data)
    except StatementError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_reading(form, 400)
    give_statement_to_team(statement, team)
    db.session.commit()
    flash(_("“%(title)s” is saved as a draft. Only its team can see it.", title=statement.title))
    return _to_edit_page(statement)


def _read_again(form: ReadingForm) -> tuple[str, int]:
    try:
        parsed = read_statement_text(form.text.data or "", form.marks())
    except StatementError as error:
        show_error(form, error)
        return _render_reading(form, 400)
    # The address follows the title until the coordinator writes another.
    slug = form.slug.data
    if not slug or slug == suggest_slug(form.title.data or ""):
        slug = suggest_slug(parsed.title)
    try:
        reading = ReadingForm.from_parsed(parsed, slug=slug, text=form.text.data)
    except StatementError as error:
        show_error(form, error)
        return _render_reading(form, 400)
    flash(_("The text is read again with your marks."))
    return _render_reading(reading)


# --- The statement's page in the workspace ---------------------------------------------


def _problem_links(statement: Statement) -> list[tuple[str, str]]:
    """What the draft lacks before it can be published, each with where to fix it."""
    if statement.status is not StatementStatus.DRAFT:
        return []
    return [(problem.message,
             url_for(".group", slug=statement.slug, group_id=problem.group_id)
             if problem.group_id is not None
             else url_for(".edit", slug=statement.slug, _anchor=problem.section))
            for problem in statements.publication_problems(statement)]


def _deadline_form(statement: Statement) -> DeadlineForm:
    """The deadline as the coordinator typed it: its wall-clock date and time in the
    statement's zone; without one yet, the instance's zone is offered."""
    local = deadlines.local_deadline(statement)
    return DeadlineForm(
        formdata=None, deadline_date=local.date() if local else None,
        deadline_time=local.time() if local else None,
        time_zone=local.tzinfo.key if local else current_app.config["DEFAULT_TIME_ZONE"],
        delivery_date=statement.delivery_date)


def _affiliation_form(statement: Statement) -> AffiliationSettingsForm:
    return AffiliationSettingsForm(
        formdata=None, asks_affiliation=statement.asks_affiliation,
        affiliation_disclaimer=statement.affiliation_disclaimer or "",
        signatory_grouping=statement.signatory_grouping.value)


def _render_edit(statement: Statement, details_form: DetailsForm | None = None,
                 status: int = 200, refused: bool = False,
                 deadline_form: DeadlineForm | None = None,
                 affiliation_form: AffiliationSettingsForm | None = None) -> tuple[str, int]:
    return render_template(
        "drafting/edit.html", statement=statement, refused=refused,
        missing=_problem_links(statement),
        details_form=details_form or DetailsForm(obj=statement),
        deadline_form=deadline_form or _deadline_form(statement),
        affiliation_form=affiliation_form or _affiliation_form(statement),
        closes=deadlines.describe_deadline(statement),
        # A coordinator elsewhere reads it on their own clock too.
        closes_for_you=deadlines.describe_deadline(statement, current_user.time_zone)
        if current_user.time_zone != statement.time_zone else None,
        default_disclaimer=default_affiliation_disclaimer(),
        new_group_form=NewGroupForm(prefix="new-group"),
        addressees=address_book.statement_addressees(statement),
        sign_on_link=url_for("statements.private", slug=statement.slug,
                             token=statement.sign_on_token, _external=True)
        if statement.sign_on_token else None,
    ), status


@bp.get("/<slug>/edit")
@login_required
def edit(slug: str) -> tuple[str, int]:
    return _render_edit(team_statement_or_404(slug))


@bp.post("/<slug>/details")
@login_required
def update_details(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = DetailsForm()
    if not form.validate_on_submit():
        return _render_edit(statement, form, 400)
    try:
        drafting.update_details(statement, form.to_details())
    except StatementError as error:
        show_error(form, error)
        return _render_edit(statement, form, 400)
    db.session.commit()
    flash(_("The title, address, date and lead text are saved."))
    return _to_edit_page(statement)


def _transition(slug: str, change: Any, done: str) -> Response:
    """A change of the statement's state (or its sign-on link), told on the edit page."""
    statement = team_statement_or_404(slug)
    return carry_out(lambda: change(statement), done, url_for(".edit", slug=statement.slug))


@bp.get("/<slug>/publish")
@login_required
def confirm_publish(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return render_template(
        "confirm_action.html", layout="coordinator_base.html", statement=statement,
        heading=_("Publish “%(title)s”?", title=statement.title),
        explanation=_("Anyone can then read and sign it, and it cannot become a draft "
                      "again (you can close it for signing later)."),
        action=url_for(".publish", slug=slug), button=_("Publish"),
        back=url_for(".edit", slug=slug))


@bp.post("/<slug>/publish")
@login_required
def publish(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    try:
        statements.publish_statement(statement)
    except StatementIncomplete:
        db.session.rollback()
        # The page itself lists what is missing, each with a link to where to fix it.
        return _render_edit(statement, status=400, refused=True)
    except StatementError as error:
        db.session.rollback()
        flash(str(error))
        return _to_edit_page(statement)
    db.session.commit()
    flash(_("The statement is published: anyone can read and sign it."))
    return _to_edit_page(statement)


@bp.post("/<slug>/close")
@login_required
def close(slug: str) -> Response:
    return _transition(slug, statements.close_statement, _(
        "The statement is closed: its page stays with its signatories, and signing has stopped."))


@bp.post("/<slug>/reopen")
@login_required
def reopen(slug: str) -> Response:
    return _transition(slug, statements.reopen_statement,
                       _("The statement is open for signing again."))


# Deleting is confirmed on a page of its own: it cannot be undone.
@bp.route("/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str) -> str | Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = DraftDeletionForm()
    if not form.validate_on_submit():
        return _deletion_page(statement), 400 if form.is_submitted() else 200
    title = statement.title
    try:
        drafting.delete_shown_draft(statement, shown=form.shown.data)
    except drafting.DeletionChanged as changed:
        db.session.rollback()
        return _deletion_page(statement, refused=changed), 409
    except StatementError as error:
        db.session.rollback()
        flash(str(error))
        return _to_edit_page(statement)
    db.session.commit()
    flash(_("The draft “%(title)s” is deleted.", title=title))
    return redirect(url_for("accounts.workspace"))


def _deletion_page(statement: Statement, *,
                   refused: drafting.DeletionChanged | None = None) -> str:
    form = DraftDeletionForm(formdata=None, shown=drafting.shown_deletion(statement))
    if refused is not None:
        form.form_errors.append(str(refused))
    return render_template("drafting/delete.html", statement=statement, form=form,
                           organizations=drafting.count_organizations(statement))


@bp.route("/<slug>/founding-organizations/new", methods=["GET", "POST"])
@login_required
def new_founding_organization(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = FoundingOrganizationForm()
    if form.validate_on_submit():
        try:
            organization = drafting.add_founding_organization(
                statement, form.name.data, form.country.data)
        except StatementError as error:
            show_error(form, error)
        else:
            name = organization.name
            db.session.commit()
            flash(_("%(name)s is listed as a founding signatory.", name=name))
            return redirect(url_for(".new_founding_organization", slug=slug))
    return render_template("drafting/founding_organization.html", statement=statement,
                           form=form), 400 if form.is_submitted() else 200
@bp.post("/<slug>/deadline")
@login_required
def update_deadline(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = DeadlineForm()
    was_closed = statement.status is StatementStatus.CLOSED
    if not form.validate_on_submit():
        return _render_edit(statement, deadline_form=form, status=400)
    try:
        deadlines.set_deadline(statement, form.to_choice(), utcnow())
    except StatementError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_edit(statement, deadline_form=form, status=400)
    db.session.commit()
    if was_closed and statement.is_open_for_signing:
        flash(_("The deadline is extended and the statement is open for signing again."))
    elif statement.deadline_extended:
        flash(_("The deadline is extended; the public page says so."))
    else:
        flash(_("The sign-on deadline and delivery date are saved."))
    return _to_edit_page(statement, "sign-on-settings")


@bp.post("/<slug>/affiliations")
@login_required
def update_affiliations(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = AffiliationSettingsForm()
    if not form.validate_on_submit():
        return _render_edit(statement, affiliation_form=form, status=400)
    try:
        drafting.update_affiliation_settings(statement, form.to_settings())
    except StatementError as error:
        show_error(form, error)
        return _render_edit(statement, affiliation_form=form, status=400)
    db.session.commit()
    flash(_("The settings for affiliations and the list of signatories are saved."))
    return _to_edit_page(statement, "sign-on-settings")


@bp.post("/<slug>/sign-on-link")
@login_required
def create_sign_on_link(slug: str) -> Response:
    return _transition(slug, statements.create_sign_on_link, _(
        "A private sign-on link is ready: copy it below and send it to the organizations "
        "you invite."))


@bp.post("/<slug>/sign-on-link/revoke")
@login_required
def revoke_sign_on_link(slug: str) -> Response:
    return _transition(slug, statements.revoke_sign_on_link,
                       _("The private sign-on link is revoked: it no longer opens the draft."))


# --- Groups of demands ------------------------------------------------------------------


def _group_of(statement: Statement, group_id: int) -> DemandGroup:
    return _or_404(statements.find_group(statement, group_id))


def _render_group(statement: Statement, group: DemandGroup, group_form: GroupForm | None = None,
                  demand_form: DemandForm | None = None, status: int = 200) -> tuple[str, int]:
    addressees = address_book.statement_addressees(statement)
    if group_form is None:
        group_form = GroupForm(formdata=None, intro=group.intro,
                               addressees=[addressee.id for addressee in group.addressees])
    return render_template(
        "drafting/group.html", statement=statement, group=group,
        number=statement.demand_groups.index(group) + 1, addressees=addressees,
        group_form=group_form.offer(addressees),
        demand_form=demand_form or DemandForm(formdata=None, prefix="new-demand"),
    ), status


@bp.post("/<slug>/groups")
@login_required
def add_group(slug: str) -> Response:
    statement = team_statement_or_404(slug)
    form = NewGroupForm(prefix="new-group")
    if not form.validate_on_submit():
        abort(400)
    group = drafting.add_demand_group(statement, form.intro.data or "")
    db.session.commit()
    flash(_("A group of demands is added. Choose its addressees and add its demands."))
    return redirect(url_for(".group", slug=slug, group_id=group.id))


@bp.get("/<slug>/groups/<int:group_id>")
@login_required
def group(slug: str, group_id: int) -> tuple[str, int]:
    statement = team_statement_or_404(slug)
    return _render_group(statement, _group_of(statement, group_id))


@bp.post("/<slug>/groups/<int:group_id>")
@login_required
def update_group(slug: str, group_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    group = _group_of(statement, group_id)
    form = GroupForm().offer(address_book.statement_addressees(statement))
    if not form.validate_on_submit():
        return _render_group(statement, group, group_form=form, status=400)
    try:
        drafting.update_demand_group(group, form.intro.data or "", form.addressees.data)
    except StatementError as error:
        # The page shows the group as it stays, not as it was refused.
        db.session.rollback()
        show_error(form, error)
        return _render_group(statement, group, group_form=form, status=400)
    db.session.commit()
    flash(_("The group's introduction and addressees are saved."))
    return redirect(url_for(".group", slug=slug, group_id=group.id))


@bp.post("/<slug>/groups/<int:group_id>/move")
@login_required
def move_group(slug: str, group_id: int) -> Response:
    return _transition(slug, lambda statement: drafting.move_demand_group(
        _group_of(statement, group_id), _step()), _("The group of demands is moved."))


# Removing a group is asked on a page of its own: its texts and their translations
# cannot be brought back.
@bp.get("/<slug>/groups/<int:group_id>/remove")
@login_required
def confirm_remove_group(slug: str, group_id: int) -> str:
    statement = team_statement_or_404(slug)
    return _group_removal_page(statement, _group_of(statement, group_id))


def _group_removal_page(statement: Statement, group: DemandGroup, *,
                        refused: drafting.GroupRemovalChanged | None = None) -> str:
    form = GroupRemovalForm(formdata=None, shown=drafting.shown_group_removal(group))
    if refused is not None:
        form.form_errors.append(str(refused))
    number = statement.demand_groups.index(group) + 1
    return render_template(
        "confirm_action.html", layout="coordinator_base.html", statement=statement,
        heading=_("Remove group %(number)d of demands?", number=number),
        explanation=ngettext(
            "Its introduction and its %(num)d demand are removed with it, and so are their "
            "translations. Its addressees stay on the statement.",
            "Its introduction and its %(num)d demands are removed with it, and so are their "
            "translations. Its addressees stay on the statement.", len(group.demands)),
        action=url_for(".remove_group", slug=statement.slug, group_id=group.id),
        button=_("Remove the group"), form=form,
        back=url_for(".edit", slug=statement.slug, _anchor="groups"))


@bp.post("/<slug>/groups/<int:group_id>/remove")
@login_required
def remove_group(slug: str, group_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = GroupRemovalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        removed = drafting.remove_shown_demand_group(statement, group_id,
                                                     shown=form.shown.data)
    except drafting.GroupRemovalChanged as changed:
        return _group_removal_page(statement, changed.group, refused=changed), 409
    except DomainError as error:
        db.session.rollback()
        flash(str(error))
        return _to_edit_page(statement, "groups")
    if not removed:
        # A double click, or a second tab: the first press removed it.
        flash(_("This group of demands was already removed."))
        return _to_edit_page(statement, "groups")
    db.session.commit()
    flash(_("The group of demands is removed, with its demands."))
    return _to_edit_page(statement, "groups")


# --- Demands ----------------------------------------------------------------------------


def _demand_of(statement: Statement, demand_id: int) -> Demand:
    return _or_404(statements.find_demand(statement, demand_id))


@bp.post("/<slug>/groups/<int:group_id>/demands")
@login_required
def add_demand(slug: str, group_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    group = _group_of(statement, group_id)
    form = DemandForm(prefix="new-demand")
    if not form.validate_on_submit():
        return _render_group(statement, group, demand_form=form, status=400)
    try:
        drafting.add_demand(group, form.text.data)
    except drafting.GroupRemoved as removed:
        db.session.rollback()
        flash(str(removed))
        return _to_edit_page(statement, "groups")
    except StatementError as error:
        show_error(form, error)
        return _render_group(statement, group, demand_form=form, status=400)
    db.session.commit()
    flash(_("The demand is added at the end of the group."))
    return redirect(url_for(".group", slug=slug, group_id=group.id))


@bp.route("/<slug>/demands/<int:demand_id>", methods=["GET", "POST"])
@login_required
def demand(slug: str, demand_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    demand = _demand_of(statement, demand_id)
    form = DemandForm(obj=demand)
    if not form.validate_on_submit():
        return render_template("drafting/demand.html", statement=statement, demand=demand,
                               form=form), 400 if form.is_submitted() else 200
    try:
        drafting.update_demand(demand, form.text.data)
    except StatementError as error:
        show_error(form, error)
        return render_template("drafting/demand.html", statement=statement, demand=demand,
                               form=form), 400
    db.session.commit()
    flash(_("The demand is saved."))
    return redirect(url_for(".group", slug=slug, group_id=demand.group_id))


@bp.post("/<slug>/demands/<int:demand_id>/move")
@login_required
def move_demand(slug: str, demand_id: int) -> Response:
    statement = team_statement_or_404(slug)
    demand = _demand_of(statement, demand_id)
    try:
        drafting.move_demand(demand, _step())
    except StatementError as error:
        db.session.rollback()
        flash(str(error))
    else:
        db.session.commit()
        flash(_("The demand is moved."))
    return redirect(url_for(".group", slug=slug, group_id=demand.group_id))


# Removing a demand is asked on a page of its own: its text and its translations
# cannot be brought back.
@bp.get("/<slug>/demands/<int:demand_id>/remove")
@login_required
def confirm_remove_demand(slug: str, demand_id: int) -> str:
    statement = team_statement_or_404(slug)
    return _demand_removal_page(statement, _demand_of(statement, demand_id))


def _demand_removal_page(statement: Statement, demand: Demand, *,
                         refused: drafting.DemandRemovalChanged | None = None) -> str:
    form = DemandRemovalForm(formdata=None, shown=drafting.shown_demand_removal(demand))
    if refused is not None:
        form.form_errors.append(str(refused))
    group = demand.group
    return render_template(
        "confirm_action.html", layout="coordinator_base.html", statement=statement,
        heading=_("Remove demand %(number)d of group %(group)d?",
                  number=group.demands.index(demand) + 1,
                  group=statement.demand_groups.index(group) + 1),
        explanation=_("“%(text)s” is removed, and so are its translations.",
                      text=demand.text),
        action=url_for(".remove_demand", slug=statement.slug, demand_id=demand.id),
        button=_("Remove the demand"), form=form,
        back=url_for(".group", slug=statement.slug, group_id=group.id))


@bp.post("/<slug>/demands/<int:demand_id>/remove")
@login_required
def remove_demand(slug: str, demand_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = DemandRemovalForm()
    if not form.validate_on_submit():
        abort(400)
    found = statements.find_demand(statement, demand_id)
    back = (url_for(".group", slug=slug, group_id=found.group_id) if found is not None
            else url_for(".edit", slug=slug, _anchor="groups"))
    try:
        removed = drafting.remove_shown_demand(statement, demand_id, shown=form.shown.data)
    except drafting.DemandRemovalChanged as changed:
        return _demand_removal_page(statement, changed.demand, refused=changed), 409
    except DomainError as error:
        db.session.rollback()
        flash(str(error))
        return redirect(back)
    if not removed:
        # A double click, or a second tab: the first press removed it.
        flash(_("This demand was already removed."))
        return redirect(back)
    db.session.commit()
    flash(_("The demand is removed."))
    return redirect(back)


# --- Addressees ---------------------------------------------------------------------------


def _addressee_page(statement: Statement, form: AddresseeForm,
                    addressee: Addressee | None, status: int,
                    book_form: PickFromBookForm | None = None) -> tuple[str, int]:
    """Adding an addressee offers the address book too; editing one changes only
    this statement's copy, so it does not."""
    entries = address_book.address_book(current_user.id) if addressee is None else []
    if entries and book_form is None:
        book_form = PickFromBookForm(prefix="book", formdata=None)
    return render_template("drafting/addressee.html", statement=statement, form=form,
                           addressee=addressee,
                           book_form=book_form.offer(entries) if book_form and entries else None,
                           ), status


@bp.route("/<slug>/addressees/new", methods=["GET", "POST"])
@login_required
def new_addressee(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = AddresseeForm()
    if not form.validate_on_submit():
        return _addressee_page(statement, form, None, 400 if form.is_submitted() else 200)
    try:
        added = address_book.add_addressee_by_hand(statement, current_user.id,
                                                   form.to_details())
    except StatementError as error:
        show_error(form, error)
        return _addressee_page(statement, form, None, 400)
    db.session.commit()
    if added.new_entry is not None:
        flash(_("%(name)s is added, and kept in the address book for your next statements. "
                "Choose the groups of demands addressed to them.", name=added.addressee.name))
    else:
        flash(_("%(name)s is added. Choose the groups of demands addressed to them.",
                name=added.addressee.name))
    return _to_edit_page(statement, "addressees")


@bp.post("/<slug>/addressees/from-book")
@login_required
def add_addressee_from_book(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    book_form = PickFromBookForm(prefix="book").offer(address_book.address_book(current_user.id))
    if not book_form.validate_on_submit():
        return _addressee_page(statement, AddresseeForm(formdata=None), None, 400, book_form)
    try:
        addressee = address_book.add_addressee_from_book(statement, current_user.id,
                                                         book_form.entry.data)
    except StatementError as error:
        show_error(book_form, error)
        return _addressee_page(statement, AddresseeForm(formdata=None), None, 400, book_form)
    db.session.commit()
    flash(_("%(name)s is added from the address book. Choose the groups of demands addressed "
            "to them.", name=addressee.name))
    return _to_edit_page(statement, "addressees")


@bp.route("/<slug>/addressees/<int:addressee_id>", methods=["GET", "POST"])
@login_required
def addressee(slug: str, addressee_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    addressee = _or_404(statements.find_addressee(statement, addressee_id))
    form = AddresseeForm(obj=addressee)
    if not form.validate_on_submit():
        return _addressee_page(statement, form, addressee, 400 if form.is_submitted() else 200)
    try:
        address_book.update_addressee(addressee, form.to_details())
    except StatementError as error:
        show_error(form, error)
        return _addressee_page(statement, form, addressee, 400)
    db.session.commit()
    flash(_("%(name)s is saved.", name=addressee.name))
    return _to_edit_page(statement, "addressees")


@bp.get("/<slug>/addressees/<int:addressee_id>/remove")
@login_required
def confirm_remove_addressee(slug: str, addressee_id: int) -> Response | str:
    statement = team_statement_or_404(slug)
    addressee = _or_404(statements.find_addressee(statement, addressee_id))
    try:
        failed = drafting.removal_of(addressee)
    except DomainError as error:
        flash(str(error))
        return _to_edit_page(statement, "addressees")
    return _removal_page(statement, addressee, failed)


def _removal_page(statement: Statement, addressee: Addressee, failed: list[int], *,
                  refused: drafting.RemovalChanged | None = None) -> str:
    form = AddresseeRemovalForm(formdata=None, shown=drafting.shown_removal(failed))
    if refused is not None:
        form.form_errors.append(str(refused))
    explanation = _("They are taken out of every group of demands addressed to them, and the "
                    "translations of their name are removed.")
    if failed:
        explanation += " " + ngettext(
            "The %(num)d letter to them that failed is deleted with them: it reached nobody.",
            "The %(num)d letters to them that failed are deleted with them: they reached "
            "nobody.", len(failed))
    return render_template(
        "confirm_action.html", layout="coordinator_base.html", statement=statement,
        heading=_("Remove %(name)s?", name=addressee.name), explanation=explanation,
        action=url_for(".remove_addressee", slug=statement.slug, addressee_id=addressee.id),
        button=_("Remove the addressee"), form=form,
        back=url_for(".edit", slug=statement.slug, _anchor="addressees"))


@bp.post("/<slug>/addressees/<int:addressee_id>/remove")
@login_required
def remove_addressee(slug: str, addressee_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = AddresseeRemovalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        name = drafting.remove_addressee(statement, addressee_id, shown=form.shown.data)
    except drafting.RemovalChanged as changed:
        return _removal_page(statement, changed.addressee, changed.failed,
                             refused=changed), 409
    except DomainError as error:
        db.session.rollback()
        flash(str(error))
        return _to_edit_page(statement, "addressees")
    if name is None:
        # A double click, or a second tab: the first press removed them.
        flash(_("This addressee was already removed."))
        return _to_edit_page(statement, "addressees")
    db.session.commit()
    flash(_("%(name)s is removed from the statement and from its groups of demands.",
            name=name))
    return _to_edit_page(statement, "addressees")


# --- The workspace's languages: the statement's own, and its translations, part by part
translations_bp = Blueprint("translations", __name__, url_prefix="/coordinate")


def _translation_or_404(statement: Statement, language: str) -> StatementTranslation:
    translation = translating.find_translation(statement, language)
    if translation is None:
        abort(404)
    return translation


def _render_index(statement: Statement, source_form: SourceLanguageForm | None = None,
                  new_form: NewTranslationForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    translations = translating.translations_of(statement)
    return render_template(
        "drafting/translations.html", statement=statement,
        translations=[(translation, translating.translation_states(translation))
                      for translation in translations],
        source_form=source_form or SourceLanguageForm(
            formdata=None, prefix="source", language=statement.language),
        new_form=new_form or NewTranslationForm(formdata=None, prefix="new"),
    ), status


def _to_index(statement: Statement) -> Response:
    return redirect(url_for(".index", slug=statement.slug))


def _to_translation(translation: StatementTranslation) -> Response:
    return redirect(url_for(".translation", slug=translation.statement.slug,
                            language=translation.language))


@translations_bp.get("/<slug>/translations")
@login_required
def index(slug: str) -> tuple[str, int]:
    return _render_index(team_statement_or_404(slug))


@translations_bp.post("/<slug>/translations/source")
@login_required
def source_language(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = SourceLanguageForm(prefix="source")
    if not form.validate_on_submit():
        return _render_index(statement, source_form=form, status=400)
    try:
        translating.set_source_language(statement, form.language.data)
    except StatementError as error:
        show_error(form, error)
        return _render_index(statement, source_form=form, status=400)
    db.session.commit()
    flash(_("The statement is written in %(language)s.",
            language=language_name(statement.language)))
    return _to_index(statement)


@translations_bp.post("/<slug>/translations")
@login_required
def add(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = NewTranslationForm(prefix="new")
    if not form.validate_on_submit():
        return _render_index(statement, new_form=form, status=400)
    try:
        translation = translating.add_translation(statement, form.language.data)
    except StatementError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_index(statement, new_form=form, status=400)
    db.session.commit()
    flash(_("A draft translation into %(language)s is started. Nobody outside the team sees "
            "it until you approve it as official.", language=language_name(translation.language)))
    return _to_translation(translation)


def _render_translation(translation: StatementTranslation, form: TranslationForm | None = None,
                        status: int = 200) -> tuple[str, int]:
    states = form.states if form else translating.translation_states(translation)
    return render_template(
        "drafting/translation.html", statement=translation.statement,
        translation=translation, form=form or TranslationForm.for_parts(states),
        states=states, needs_work=[state for state in states if state.needs_work],
    ), status


@translations_bp.get("/<slug>/translations/<language>")
@login_required
def translation(slug: str, language: str) -> tuple[str, int]:
    return _render_translation(_translation_or_404(team_statement_or_404(slug), language))


@translations_bp.post("/<slug>/translations/<language>")
@login_required
def save(slug: str, language: str) -> Response | tuple[str, int]:
    translation = _translation_or_404(team_statement_or_404(slug), language)
    form = TranslationForm.for_parts(translating.translation_states(translation), submitted=True)
    if not form.validate_on_submit():
        return _render_translation(translation, form, 400)
    try:
        translating.save_translation(translation, form.texts(), form.still_current())
    except translating.TranslationRemoved as removed:
        db.session.rollback()
        flash(str(removed))
        return redirect(url_for(".index", slug=slug))
    except StatementError as error:
        show_error(form, error)
        return _render_translation(translation, form, 400)
    db.session.commit()
    flash(_("The translation is saved."))
    return _to_translation(translation)


def _change(slug: str, language: str, change: Any, done: str) -> Response:
    translation = _translation_or_404(team_statement_or_404(slug), language)
    return carry_out(lambda: change(translation), done,
                     url_for(".translation", slug=slug, language=translation.language))


@translations_bp.post("/<slug>/translations/<language>/approve")
@login_required
def approve(slug: str, language: str) -> Response:
    return _change(slug, language, translating.approve_translation, _(
        "The translation is official: readers in its language see it, and addressees in "
        "its language are sent it."))


@translations_bp.post("/<slug>/translations/<language>/withdraw")
@login_required
def withdraw(slug: str, language: str) -> Response:
    return _change(slug, language, translating.withdraw_translation, _(
        "The translation is a draft again: only the team sees it."))


@translations_bp.route("/<slug>/translations/<language>/remove", methods=["GET", "POST"])
@login_required
def remove(slug: str, language: str) -> Response | str:
    """Removing a translation loses its text: the page asks first, the form does it."""
    statement = team_statement_or_404(slug)
    form = TranslationRemovalForm()
    translation = translating.find_translation(statement, language)
    tag = language_tag(language)
    if translation is None and tag is not None and form.validate_on_submit():
        # A double click, or a second tab: the first press removed it.
        flash(_("The translation into %(language)s was already removed.",
                language=language_name(tag)))
        return _to_index(statement)
    if translation is None:
        abort(404)
    if not form.validate_on_submit():
        return render_template("drafting/translation_remove.html", statement=statement,
                               translation=translation, form=form)
    name = language_name(translation.language)
    translating.remove_translation(translation)
    db.session.commit()
    flash(_("The translation into %(language)s is removed.", language=name))
    return _to_index(statement)

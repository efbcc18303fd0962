"""A coordinator's own address book, kept across statements. Another coordinator's
entry answers 404 on every route, as if it did not exist."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug import Response

from campaign.addressees import services as address_book
from campaign.addressees.forms import AddresseeForm
from campaign.extensions import db
from campaign.form_fields import show_error
from campaign.statements.models import AddressBookEntry, StatementError

bp = Blueprint("address_book", __name__, url_prefix="/coordinate/address-book")


def _entry_page(form: AddresseeForm, entry: AddressBookEntry | None,
                status: int) -> tuple[str, int]:
    return render_template("addressees/entry.html", form=form, entry=entry), status


def _own_entry_or_404(entry_id: int) -> AddressBookEntry:
    entry = address_book.find_entry(current_user.id, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("")
@login_required
def index() -> str:
    return render_template("addressees/index.html",
                           entries=address_book.address_book(current_user.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_entry() -> Response | tuple[str, int]:
    form = AddresseeForm()
    if not form.validate_on_submit():
        return _entry_page(form, None, 400 if form.is_submitted() else 200)
    try:
        entry = address_book.add_entry(current_user.id, form.to_details())
    except StatementError as error:
        show_error(form, error)
        return _entry_page(form, None, 400)
    db.session.commit()
    flash(_("%(name)s is in the address book.", name=entry.name))
    return redirect(url_for(".index"))


@bp.route("/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry(entry_id: int) -> Response | tuple[str, int]:
    entry = _own_entry_or_404(entry_id)
    form = AddresseeForm(obj=entry)
    if not form.validate_on_submit():
        return _entry_page(form, entry, 400 if form.is_submitted() else 200)
    try:
        address_book.update_entry(entry, form.to_details())
    except StatementError as error:
        show_error(form, error)
        return _entry_page(form, entry, 400)
    db.session.commit()
    flash(_("%(name)s is saved in the address book. Statements that already name it keep "
            "the details they had.", name=entry.name))
    return redirect(url_for(".index"))


@bp.post("/<int:entry_id>/remove")
@login_required
def remove_entry(entry_id: int) -> Response:
    entry = _own_entry_or_404(entry_id)
    name = entry.name
    address_book.remove_entry(entry)
    db.session.commit()
    flash(_("%(name)s is removed from the address book. Statements that name it keep the "
            "details they had.", name=name))
    return redirect(url_for(".index"))

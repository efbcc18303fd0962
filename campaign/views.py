"""What every area's views share: the workspace's buttons make a change to the
domain, committed and told, or refused and told why, and either way go back to the
page the button was on."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from werkzeug import Response

from campaign.domain import DomainError
from campaign.extensions import db


def carry_out(change: Callable[[], object], done: str, back_to: str) -> Response:
    """Run CHANGE (a service or a transition); commit and flash DONE, or roll back and
    flash the domain's refusal; then redirect to BACK_TO."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        flash(str(error))
    else:
        db.session.commit()
        flash(done)
    return redirect(back_to)

"""Who may see a coordinator page: the signed-in members of the statement's team.

Anyone else gets a 404, not a 403, so that the workspace does not even confirm that
a draft with that address exists.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from campaign.accounts.services import is_on_team
from campaign.statements.models import Statement
from campaign.statements.services import get_statement


def team_statement_or_404(slug: str) -> Statement:
    statement = get_statement(slug)
    if statement is None or not current_user.is_authenticated or not is_on_team(
        current_user, statement
    ):
        abort(404)
    return statement

"""Two coordinators at the same draft: what one commits while the other's page is open,
or while the other's request runs. Never a 500, and nothing irreversible done that the
page did not show."""

from __future__ import annotations

from html import unescape

from campaign.extensions import db
from campaign.statements.models import DemandGroup
from tests.drafting.test_drafting_pages import (
    draft_example,
    ids,
    signed_in_drafter,
)
from tests.support import committed_meanwhile, hidden_fields


def test_moving_a_demand_as_a_colleague_removes_the_next_one_says_so(app):
    """The move swaps two demands' positions, one UPDATE at a time; a colleague's removal
    of the other one, committed in between, made the swap's UPDATE find no row: a 500."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    with app.app_context():
        group = db.session.get_one(DemandGroup, ids(app, slug)["group"])
        first, second = group.demands[0].id, group.demands[1].id
    page = client.get(f"/coordinate/{slug}/groups/{group.id}").text

    with committed_meanwhile(app, f"DELETE FROM demand WHERE id = {second}",
                             at=lambda sql: sql.startswith("UPDATE demand")) as ran:
        moved = client.post(f"/coordinate/{slug}/demands/{first}/move",
                            data={"csrf_token": hidden_fields(page)["csrf_token"],
                                  "direction": "down"})

    assert ran
    assert moved.status_code == 302, moved.status_code
    told = unescape(client.get(moved.headers["Location"]).text)
    assert ("A colleague changed this group of demands meanwhile, so nothing was moved. "
            "Look at it again, then move it.") in told

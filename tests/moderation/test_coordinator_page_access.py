"""Every page, form and export of moderation, progress and exports: only for the
statement's team (404 for any other coordinator), sign-in first for anybody else,
and no change without the form's CSRF token."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaign.exports.models import DataExport
from campaign.extensions import db
from campaign.moderation.models import ModerationAction
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
)
from tests.conftest import create_coordinator_for, sign_in
from tests.moderation import factories
from tests.support import csrf_token

GET_PAGES = [
    "/coordinate/{slug}/",
    "/coordinate/{slug}/organizations",
    "/coordinate/{slug}/organizations/{organization}/reject",
    "/coordinate/{slug}/organizations/{organization}/name",
    "/coordinate/{slug}/individuals",
    "/coordinate/{slug}/moderation-log",
    "/coordinate/{slug}/held",
    "/coordinate/{slug}/export",
    "/coordinate/{slug}/export/organizations.csv",
    "/coordinate/{slug}/export/individuals.csv",
]
POST_FORMS = [
    ("/coordinate/{slug}/organizations/{organization}/approve", {}),
    ("/coordinate/{slug}/organizations/{organization}/reject", {"reason": "Spam."}),
    ("/coordinate/{slug}/organizations/{organization}/undo", {}),
    ("/coordinate/{slug}/organizations/{organization}/name", {"display_name": "Renamed"}),
    ("/coordinate/{slug}/individuals/{individual}/hide", {}),
    ("/coordinate/{slug}/individuals/{individual}/unhide", {}),
    ("/coordinate/{slug}/held/individuals/{individual}/release", {}),
    ("/coordinate/{slug}/held/individuals/{individual}/invalidate", {}),
    ("/coordinate/{slug}/held/organizations/{organization}/release", {}),
    ("/coordinate/{slug}/held/organizations/{organization}/invalidate", {}),
]


@pytest.fixture
def targets(app: Flask, statement_slug: str) -> dict[str, object]:
    with app.app_context():
        return {
            "slug": statement_slug,
            "organization": factories.organization(statement_slug),
            "individual": factories.individual(statement_slug, "Olena Kovalenko",
                                               "olena@example.org"),
        }


def nothing_changed(app: Flask) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
        assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0
        assert db.session.scalar(select(OrganizationSignature.status).where(
            OrganizationSignature.founding.is_(False))) is OrganizationStatus.AWAITING_APPROVAL
        assert db.session.scalar(select(IndividualSignature.status)) is IndividualStatus.CONFIRMED


@pytest.fixture
def outsider(app: Flask, targets: dict[str, object]):
    """A coordinator of another statement, signed in."""
    from tests.conftest import import_example

    with app.app_context():
        import_example(slug="their-own")
        create_coordinator_for("outsider@example.org", "their-own", name="Someone Else")
    client = app.test_client()
    sign_in(client, "outsider@example.org")
    return client


@pytest.mark.parametrize("page", GET_PAGES)
def test_a_coordinator_not_on_the_team_gets_404_for_every_page(app, outsider, targets, page):
    response = outsider.get(page.format(**targets))

    assert response.status_code == 404
    nothing_changed(app)


@pytest.mark.parametrize(("action", "fields"), POST_FORMS)
def test_a_coordinator_not_on_the_team_gets_404_for_every_form(app, outsider, targets, action,
                                                                fields):
    token = csrf_token(outsider.get("/coordinate/").text)

    response = outsider.post(action.format(**targets), data={**fields, "csrf_token": token})

    assert response.status_code == 404
    nothing_changed(app)


@pytest.mark.parametrize("page", GET_PAGES)
def test_anybody_signed_out_is_sent_to_sign_in(app, client, targets, page):
    response = client.get(page.format(**targets))

    assert response.status_code == 302
    assert response.location.startswith("/coordinate/sign-in")
    nothing_changed(app)


@pytest.mark.parametrize(("action", "fields"), POST_FORMS)
def test_signed_out_posts_are_sent_to_sign_in(app, client, targets, action, fields):
    token = csrf_token(client.get("/coordinate/sign-in").text)

    response = client.post(action.format(**targets), data={**fields, "csrf_token": token})

    assert response.status_code == 302
    assert response.location.startswith("/coordinate/sign-in")
    nothing_changed(app)


@pytest.mark.parametrize(("action", "fields"), POST_FORMS)
def test_a_post_without_the_csrf_token_changes_nothing(app, coordinator_client, targets, action,
                                                       fields):
    response = coordinator_client.post(action.format(**targets), data=fields)

    assert response.status_code == 400
    nothing_changed(app)

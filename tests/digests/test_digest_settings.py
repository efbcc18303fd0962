"""A coordinator chooses the hour of their digest, or none; and the tasks behind it
all run on the beat schedule."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.accounts.models import Coordinator
from campaign.extensions import db
from campaign.queue import (
    ANNOUNCE_MILESTONES_TASK,
    DELETE_EXPIRED_UNCONFIRMED_TASK,
    ERASE_ADDRESSES_AFTER_CLOSE_TASK,
    SEND_DIGESTS_TASK,
)
from tests.support import post_form
from worker.beat import beat_schedule

SETTINGS = "/coordinate/settings"


def digest_hour(app: Flask) -> int | None:
    with app.app_context():
        return db.session.scalars(select(Coordinator.digest_hour).where(
            Coordinator.email == "coordinator@example.org")).one()


def test_the_settings_page_has_a_labelled_choice_of_hour(coordinator_client: FlaskClient):
    page = coordinator_client.get(SETTINGS)
    assert page.status_code == 200
    assert '<label for="digest_hour">Daily digest</label>' in page.text
    assert '<option value="none">No digest</option>' in page.text
    # The default, 07:00 in the coordinator's zone (UTC until they choose one), is selected.
    assert '<option selected value="7">07:00</option>' in page.text
    assert '<option value="23">23:00</option>' in page.text
    assert '<option selected value="UTC">UTC</option>' in page.text


def test_choosing_an_hour_or_no_digest(app: Flask, coordinator_client: FlaskClient):
    response = post_form(coordinator_client, SETTINGS, SETTINGS, {"digest_hour": "18"})
    assert response.status_code == 302
    assert digest_hour(app) == 18
    post_form(coordinator_client, SETTINGS, SETTINGS, {"digest_hour": "none"})
    assert digest_hour(app) is None
    assert '<option selected value="none">' in coordinator_client.get(SETTINGS).text


def test_an_hour_out_of_range_is_refused(app: Flask, coordinator_client: FlaskClient):
    response = post_form(coordinator_client, SETTINGS, SETTINGS, {"digest_hour": "24"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert digest_hour(app) == 7


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient):
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert "/coordinate/sign-in" in response.headers["Location"]


def test_the_beat_schedule_runs_retention_digests_and_milestones(app: Flask):
    tasks = {entry["task"] for entry in beat_schedule(app.config).values()}
    assert {DELETE_EXPIRED_UNCONFIRMED_TASK, ERASE_ADDRESSES_AFTER_CLOSE_TASK,
            SEND_DIGESTS_TASK, ANNOUNCE_MILESTONES_TASK} <= tasks

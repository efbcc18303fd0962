"""Approving, rejecting, undoing and renaming organizations, as a coordinator does it
on /coordinate/<slug>/organizations, and what the public and the contact see after."""

from __future__ import annotations

from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.extensions import db
from campaign.moderation.models import ModerationAction, ModerationActionKind
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import OrganizationSignature, OrganizationStatus
from campaign.signing.tally import read_counts
from campaign.statements.services import get_statement
from tests.moderation import factories
from tests.support import post_form, read_mail_dir, text_of

FOUNDING = 12  # the organizations that signed the example statement


def queue_url(slug: str) -> str:
    return f"/coordinate/{slug}/organizations"


def action_url(slug: str, organization_id: int, action: str) -> str:
    return f"/coordinate/{slug}/organizations/{organization_id}/{action}"


def awaiting(app: Flask, slug: str, **kwargs: str) -> int:
    with app.app_context():
        return factories.organization(slug, **kwargs)


def stored(app: Flask, organization_id: int) -> OrganizationSignature:
    with app.app_context():
        organization = db.session.get(OrganizationSignature, organization_id)
        db.session.expunge(organization)
        return organization


def organization_count(app: Flask, slug: str) -> int:
    with app.app_context():
        return read_counts(get_statement(slug).id).organizations


def actions(app: Flask) -> list[tuple[ModerationActionKind, int | None, int | None, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(ModerationAction.kind, ModerationAction.coordinator_id,
                   ModerationAction.organization_signature_id, ModerationAction.detail)
            .order_by(ModerationAction.id))]


def coordinator_id(app: Flask) -> int:
    from campaign.accounts.services import find_coordinator

    with app.app_context():
        return find_coordinator("coordinator@example.org").id


def public_organizations(client: FlaskClient, slug: str) -> tuple[str, list[str], dict]:
    page = client.get(f"/s/{slug}").text
    api = client.get(f"/api/v1/statements/{slug}").get_json()
    return page, [organization["name"] for organization in api["organizations"]], api["counts"]


def test_queue_shows_everything_an_organization_gave(app, coordinator_client, statement_slug):
    awaiting(app, statement_slug)

    page = coordinator_client.get(queue_url(statement_slug)).text

    awaiting_section = page.split('id="awaiting"')[1].split('id="approved"')[0]
    for shown in ("Kharkiv Solidarity Network", "Ukraine", "Non-governmental organization",
                  "https://solidarity.example.org", "Iryna Shevchenko",
                  "iryna@solidarity.example.org", "<time datetime="):
        assert shown in awaiting_section, shown
    assert "Awaiting approval (1)" in page
    assert f"Approved ({FOUNDING})" in page
    assert "No organization has been rejected." in page


def test_queue_says_what_to_do_when_nothing_awaits(coordinator_client, statement_slug):
    page = coordinator_client.get(queue_url(statement_slug)).text

    assert "No organization is awaiting approval." in page


def test_approving_lists_the_organization_counts_it_mails_the_contact_and_is_logged(
        app, client, coordinator_client, statement_slug, mail_dir):
    organization_id = awaiting(app, statement_slug)
    page, names, counts = public_organizations(client, statement_slug)
    assert "Kharkiv Solidarity Network" not in page
    assert counts["organizations"] == FOUNDING

    response = factories.press(coordinator_client, queue_url(statement_slug),
                               action_url(statement_slug, organization_id, "approve"))

    assert response.status_code == 302
    followed = coordinator_client.get(response.location).text
    assert "Kharkiv Solidarity Network is approved and now appears on the statement." in followed
    assert stored(app, organization_id).status is OrganizationStatus.APPROVED
    assert organization_count(app, statement_slug) == FOUNDING + 1
    page, names, counts = public_organizations(client, statement_slug)
    assert "Kharkiv Solidarity Network" in page and "Kharkiv Solidarity Network" in names
    assert counts["organizations"] == FOUNDING + 1
    assert actions(app) == [(ModerationActionKind.APPROVE, coordinator_id(app),
                             organization_id, "")]
    with app.app_context():
        deliver_due_messages()
    approved_mail = [message for message in read_mail_dir(mail_dir)
                     if message["To"] == "iryna@solidarity.example.org"][-1]
    assert "now appears on" in approved_mail["Subject"]


def test_rejecting_needs_a_reason_tied_to_its_field(app, coordinator_client, statement_slug):
    organization_id = awaiting(app, statement_slug)
    url = action_url(statement_slug, organization_id, "reject")

    response = post_form(coordinator_client, url, url, {"reason": "   "})

    assert response.status_code == 400
    assert 'id="reason-error"' in response.text
    assert 'aria-describedby="reason-error"' in response.text
    assert "Give the reason: it is sent to the organization's contact." in unescape(response.text)
    assert stored(app, organization_id).status is OrganizationStatus.AWAITING_APPROVAL
    assert actions(app) == []


def test_rejecting_stores_and_mails_the_reason_and_keeps_it_off_the_statement(
        app, client, coordinator_client, statement_slug, mail_dir):
    organization_id = awaiting(app, statement_slug)
    url = action_url(statement_slug, organization_id, "reject")
    reason = "We could not verify that this organization exists."

    response = post_form(coordinator_client, queue_url(statement_slug), url, {"reason": reason})

    assert response.status_code == 302
    assert "is rejected; its contact has been e-mailed the reason." in coordinator_client.get(
        response.location).text
    organization = stored(app, organization_id)
    assert organization.status is OrganizationStatus.REJECTED
    assert organization.rejection_reason == reason
    assert organization.rejected_at is not None
    assert organization_count(app, statement_slug) == FOUNDING
    assert "Kharkiv Solidarity Network" not in public_organizations(client, statement_slug)[0]
    assert actions(app) == [(ModerationActionKind.REJECT, coordinator_id(app),
                             organization_id, reason)]
    page = coordinator_client.get(queue_url(statement_slug)).text
    rejected_section = page.split('id="rejected"')[1]
    assert "Kharkiv Solidarity Network" in rejected_section and reason in rejected_section

    with app.app_context():
        deliver_due_messages()
    rejection = [message for message in read_mail_dir(mail_dir)
                 if message["To"] == "iryna@solidarity.example.org"][-1]
    assert rejection["Subject"].startswith("Kharkiv Solidarity Network is not listed on:")
    assert reason in text_of(rejection)
    assert "Hello Iryna Shevchenko," in text_of(rejection)


def test_undoing_an_approval_takes_the_organization_off_and_corrects_the_count(
        app, client, coordinator_client, statement_slug):
    organization_id = awaiting(app, statement_slug)
    factories.press(coordinator_client, queue_url(statement_slug),
                    action_url(statement_slug, organization_id, "approve"))

    response = factories.press(coordinator_client, queue_url(statement_slug),
                               action_url(statement_slug, organization_id, "undo"))

    assert "Kharkiv Solidarity Network is awaiting approval again." in coordinator_client.get(
        response.location).text
    organization = stored(app, organization_id)
    assert organization.status is OrganizationStatus.AWAITING_APPROVAL
    assert organization.approved_at is None
    assert organization_count(app, statement_slug) == FOUNDING
    page, names, counts = public_organizations(client, statement_slug)
    assert "Kharkiv Solidarity Network" not in page and "Kharkiv Solidarity Network" not in names
    assert counts["organizations"] == FOUNDING
    assert [kind for kind, *_ in actions(app)] == [ModerationActionKind.APPROVE,
                                                   ModerationActionKind.UNDO]
    assert actions(app)[-1][3] == "approved → awaiting approval"


def test_undoing_a_rejection_puts_it_back_in_the_queue_without_its_reason(
        app, coordinator_client, statement_slug):
    organization_id = awaiting(app, statement_slug)
    post_form(coordinator_client, queue_url(statement_slug),
              action_url(statement_slug, organization_id, "reject"), {"reason": "Spam."})

    factories.press(coordinator_client, queue_url(statement_slug),
                    action_url(statement_slug, organization_id, "undo"))

    organization = stored(app, organization_id)
    assert organization.status is OrganizationStatus.AWAITING_APPROVAL
    assert organization.rejection_reason is None and organization.rejected_at is None
    assert organization_count(app, statement_slug) == FOUNDING
    # The reason stays in the log.
    assert actions(app)[0][3] == "Spam."
    assert "Awaiting approval (1)" in coordinator_client.get(queue_url(statement_slug)).text


def test_a_rejected_organization_cannot_be_approved_without_undoing_first(
        app, coordinator_client, statement_slug):
    organization_id = awaiting(app, statement_slug)
    post_form(coordinator_client, queue_url(statement_slug),
              action_url(statement_slug, organization_id, "reject"), {"reason": "Spam."})

    response = coordinator_client.post(
        action_url(statement_slug, organization_id, "approve"),
        data={"csrf_token": factories.csrf_token(
            coordinator_client.get(queue_url(statement_slug)).text)})

    assert "Undo the rejection first" in coordinator_client.get(response.location).text
    assert stored(app, organization_id).status is OrganizationStatus.REJECTED
    assert organization_count(app, statement_slug) == FOUNDING


def test_renaming_changes_the_name_on_the_statement_and_the_api_and_is_logged(
        app, client, coordinator_client, statement_slug):
    organization_id = awaiting(app, statement_slug, name="Kharkiv Solidarity Netwrok")
    factories.press(coordinator_client, queue_url(statement_slug),
                    action_url(statement_slug, organization_id, "approve"))
    url = action_url(statement_slug, organization_id, "name")

    response = post_form(coordinator_client, url, url,
                         {"display_name": "  Kharkiv Solidarity Network "})

    assert response.status_code == 302
    assert "The organization is now shown as “Kharkiv Solidarity Network”." in \
        coordinator_client.get(response.location).text
    organization = stored(app, organization_id)
    assert organization.display_name == "Kharkiv Solidarity Network"
    assert organization.name == "Kharkiv Solidarity Netwrok"
    page, names, _counts = public_organizations(client, statement_slug)
    assert "Kharkiv Solidarity Network" in page and "Netwrok" not in page
    assert "Kharkiv Solidarity Network" in names
    assert actions(app)[-1] == (ModerationActionKind.RENAME, coordinator_id(app),
                                organization_id,
                                "Kharkiv Solidarity Netwrok → Kharkiv Solidarity Network")

    post_form(coordinator_client, url, url, {"display_name": ""})

    assert stored(app, organization_id).display_name is None
    assert "Kharkiv Solidarity Netwrok" in public_organizations(client, statement_slug)[1]


def test_renaming_to_the_same_name_says_so_at_the_field(app, coordinator_client, statement_slug):
    organization_id = awaiting(app, statement_slug)
    url = action_url(statement_slug, organization_id, "name")

    response = post_form(coordinator_client, url, url,
                         {"display_name": "Kharkiv Solidarity Network"})

    assert response.status_code == 400
    assert 'id="display_name-error"' in response.text
    assert "The name shown is already" in response.text
    assert actions(app) == []


def test_moderation_log_lists_actions_newest_first_with_who_did_them(
        app, coordinator_client, statement_slug):
    empty = coordinator_client.get(f"/coordinate/{statement_slug}/moderation-log").text
    assert "Nothing has been moderated yet." in empty
    first = awaiting(app, statement_slug)
    second = awaiting(app, statement_slug, name="Odesa Legal Aid",
                      email="contact@legalaid.example.org")
    result = app.test_cli_runner().invoke(
        args=["approve-organization", statement_slug, "Kharkiv Solidarity Network"])
    assert result.exit_code == 0, result.output
    post_form(coordinator_client, queue_url(statement_slug),
              action_url(statement_slug, second, "reject"), {"reason": "Not an organization."})

    page = coordinator_client.get(f"/coordinate/{statement_slug}/moderation-log").text

    rows = page.split("<tbody>")[1].split("<tr>")[1:]
    assert len(rows) == 2
    assert "Rejected" in rows[0] and "Odesa Legal Aid" in rows[0]
    assert "Mariia Tomak" in rows[0] and "Not an organization." in rows[0]
    assert "Approved" in rows[1] and "Kharkiv Solidarity Network" in rows[1]
    assert "command line" in rows[1]
    assert (ModerationActionKind.APPROVE, None, first, "") in actions(app)


def test_unknown_or_other_statements_organization_is_not_found(
        app, coordinator_client, statement_slug):
    from tests.conftest import import_example

    with app.app_context():
        import_example(slug="other")
        other = factories.organization("other")

    page = coordinator_client.get(queue_url(statement_slug)).text
    response = coordinator_client.post(action_url(statement_slug, other, "approve"),
                                       data={"csrf_token": factories.csrf_token(page)})

    assert response.status_code == 404
    assert stored(app, other).status is OrganizationStatus.AWAITING_APPROVAL
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.template == "organization_approved")) is None

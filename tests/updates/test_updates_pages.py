"""The team's updates page: write, preview, test-send, publish; and what the public sees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from campaign.accounts.models import Coordinator
from campaign.accounts.services import add_to_team
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.statements.services import get_statement
from campaign.updates import services, tasks
from campaign.updates.models import Update, UpdateStatus
from tests.conftest import import_example
from tests.moderation import factories
from tests.support import committed_meanwhile, csrf_token, read_mail_dir

BASE = "/coordinate/crimea-2020/updates"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    # Tasks run by hand in these tests; the one published after commit is recorded.
    published: list[tuple[str, tuple]] = []
    monkeypatch.setattr("campaign.queue.enqueue",
                        lambda task, args_list: published.extend(
                            (task, args) for args in args_list))
    return published


def write(client, title: str, body: str):
    return client.post(BASE, data={"title": title, "body": body,
                                   "csrf_token": csrf_token(client.get(BASE).text)})


def press(client, page: str, action: str):
    html = client.get(page).text
    assert f'action="{action}"' in html
    return client.post(action, data={"csrf_token": csrf_token(html)})


_SHOWN_FIELD = re.compile(r'name="shown" type="hidden" value="([^"]*)"')


def confirm_publish(client, page_url: str, page: str | None = None):
    """Press "Publish and e-mail the signers" on the update's confirmation page as a
    browser does, with what its form carries (the token, and the text the page
    showed); PAGE: as it was opened earlier, else opened now."""
    url = f"{page_url}/publish"
    page = client.get(url).text if page is None else page
    shown = _SHOWN_FIELD.search(page)
    return client.post(url, data={"csrf_token": csrf_token(page),
                                  **({"shown": shown[1]} if shown else {})})


def test_write_preview_test_send_and_publish(coordinator_client, app, mail_dir, _no_broker):
    response = write(coordinator_client, "Hearing on 3 March",
                     "The hearing is **public**.\n\n<script>alert(1)</script>")
    assert response.status_code == 302
    page_url = response.headers["Location"]
    preview = coordinator_client.get(page_url).text
    assert "<strong>public</strong>" in preview and "<script>alert" not in preview
    update_id = int(page_url.rsplit("/", 1)[1])

    with app.app_context():
        factories.individual("crimea-2020", "Olena Kovalenko", "olena@example.org",
                             wants_updates=True)
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()

    press(coordinator_client, page_url, f"{page_url}/test")
    with app.app_context():
        deliver_due_messages()
    [test_copy] = read_mail_dir(mail_dir)
    assert test_copy["To"] == "coordinator@example.org"
    assert test_copy["Subject"].startswith("[Test]")
    assert "List-Unsubscribe" not in test_copy
    # Not counted, and the public sees nothing yet.
    assert "Hearing on 3 March" not in coordinator_client.get("/s/crimea-2020").text

    assert confirm_publish(coordinator_client, page_url).status_code == 302
    assert ("updates.fan_out", (update_id,)) in _no_broker
    with app.app_context():
        update = db.session.get(Update, update_id)
        assert update.status is UpdateStatus.PUBLISHED and update.published_at is not None
        tasks.fan_out_update(update_id)
        deliver_due_messages()
    assert sorted(message["To"] for message in read_mail_dir(mail_dir)) == [
        "coordinator@example.org", "olena@example.org"]

    index = coordinator_client.get(BASE).text
    assert "Sent 1 of 1." in index
    assert "Sent 1 of 1." in coordinator_client.get(page_url).text


def test_a_title_with_a_line_break_is_refused_with_a_message(coordinator_client, app):
    refused = write(coordinator_client, "Hearing moved\r\nBcc: intruder@evil.example",
                    "The hearing moved.")

    assert refused.status_code == 400
    assert "Write this on one line, without line breaks." in refused.text
    with app.app_context():
        assert db.session.scalars(select(Update)).all() == []


def test_an_update_longer_than_markdown_may_be_is_refused_at_its_field(coordinator_client, app):
    # Rendering Markdown takes time in step with its length; every page showing the
    # update would pay it (campaign.rendering.MARKDOWN_LENGTH).
    refused = write(coordinator_client, "Long news", "![" * 25_001)

    assert refused.status_code == 400
    assert "Use at most 50000 characters." in refused.text
    with app.app_context():
        assert db.session.scalars(select(Update)).all() == []
        with pytest.raises(services.UpdateError, match="50000") as too_long:
            services.write_update(get_statement("crimea-2020"), "Long news", "x" * 50_001,
                                  by=None)
    assert too_long.value.field == "body"
    assert write(coordinator_client, "Long news", "x" * 50_000).status_code == 302


def edit(client, page_url: str, page_html: str, body: str):
    return client.post(page_url, data={"title": "We met the ministry", "body": body,
                                       "csrf_token": csrf_token(page_html)})


def a_draft(client) -> str:
    return write(client, "We met the ministry", "The text the team approved."
                 ).headers["Location"]


def test_an_edited_draft_shows_the_new_text(coordinator_client, app):
    page_url = a_draft(coordinator_client)

    saved = edit(coordinator_client, page_url, coordinator_client.get(page_url).text,
                 "The text, corrected.")

    assert saved.status_code == 302
    assert "The text, corrected." in coordinator_client.get(page_url).text


def test_an_edit_saved_as_a_colleague_publishes_does_not_change_the_published_update(
        coordinator_client, app):
    page_url = a_draft(coordinator_client)
    page = coordinator_client.get(page_url).text

    # The colleague's "Publish and e-mail the signers" commits just before the edit is
    # written. (Here in this request's own transaction, so the refusal's rollback takes
    # it back too; in another it would stand.)
    with committed_meanwhile(
            app, "UPDATE statement_update SET status = 'published'",
            at=lambda statement: statement.startswith("UPDATE statement_update")
    ) as published:
        refused = edit(coordinator_client, page_url, page, "A half-written edit.")

    assert published
    assert refused.status_code == 400
    assert "This update was published while you were editing it, so your edit was not " \
           "saved" in refused.text
    with app.app_context():
        assert db.session.scalars(select(Update.body_markdown)).one() == \
            "The text the team approved."


def test_an_edit_from_a_page_opened_before_the_publish_is_kept_to_save_as_a_new_draft(
        coordinator_client, app):
    page_url = a_draft(coordinator_client)
    page = coordinator_client.get(page_url).text
    assert confirm_publish(coordinator_client, page_url).status_code == 302

    refused = edit(coordinator_client, page_url, page, "One more thing to add.")

    assert refused.status_code == 400
    assert "This update was published while you were editing it, so your edit was not " \
           "saved" in refused.text
    assert "Your edit, not saved" in refused.text
    assert f'action="{BASE}"' in refused.text and "One more thing to add." in refused.text
    saved_anew = coordinator_client.post(BASE, data={
        "title": "We met the ministry", "body": "One more thing to add.",
        "csrf_token": csrf_token(refused.text)})
    assert saved_anew.status_code == 302
    with app.app_context():
        assert [(update.body_markdown, update.status) for update in db.session.scalars(
            select(Update).order_by(Update.id))] == [
            ("The text the team approved.", UpdateStatus.PUBLISHED),
            ("One more thing to add.", UpdateStatus.DRAFT)]


def update_id_of(page_url: str) -> int:
    return int(page_url.rsplit("/", 1)[1])


def status_and_text(app) -> tuple[UpdateStatus, str]:
    with app.app_context():
        update = db.session.scalars(select(Update)).one()
        return update.status, update.body_markdown


CHANGED_SINCE_OPENED = ("The update was edited since you opened this page, so nothing was "
                        "published or sent. Check its text below and confirm again.")


def test_the_publish_confirmation_shows_the_text_it_e_mails(coordinator_client):
    page_url = a_draft(coordinator_client)

    page = coordinator_client.get(f"{page_url}/publish")

    assert page.status_code == 200
    assert "We met the ministry" in page.text and "The text the team approved." in page.text


def test_a_draft_edited_after_its_publish_confirmation_opened_is_not_published_unseen(
        coordinator_client, app, _no_broker):
    page_url = a_draft(coordinator_client)
    confirmation = coordinator_client.get(f"{page_url}/publish").text
    # A colleague saves an edit while the confirmation page is open.
    edit(coordinator_client, page_url, coordinator_client.get(page_url).text,
         "An edit by a colleague, never shown on that page.")

    refused = confirm_publish(coordinator_client, page_url, confirmation)

    assert refused.status_code == 409
    assert CHANGED_SINCE_OPENED in refused.text
    assert "An edit by a colleague, never shown on that page." in refused.text
    assert _no_broker == []
    assert status_and_text(app) == (UpdateStatus.DRAFT,
                                    "An edit by a colleague, never shown on that page.")

    # The refusal is a confirmation page of its own, for the text it shows.
    published = confirm_publish(coordinator_client, page_url, refused.text)

    assert published.status_code == 302
    assert _no_broker == [("updates.fan_out", (update_id_of(page_url),))]
    assert status_and_text(app) == (UpdateStatus.PUBLISHED,
                                    "An edit by a colleague, never shown on that page.")


def test_an_edit_saved_as_the_publish_is_confirmed_is_not_published(
        coordinator_client, app, _no_broker):
    page_url = a_draft(coordinator_client)
    confirmation = coordinator_client.get(f"{page_url}/publish").text

    # The colleague's edit commits after the text was checked, just before the publish
    # is written. (Here in this request's own transaction, so the refusal's rollback
    # takes it back too; in another it would stand.)
    with committed_meanwhile(
            app, "UPDATE statement_update SET body_markdown = 'An edit by a colleague.'",
            at=lambda statement: statement.startswith("UPDATE statement_update")
    ) as edited:
        refused = confirm_publish(coordinator_client, page_url, confirmation)

    assert edited
    assert refused.status_code == 409
    assert CHANGED_SINCE_OPENED in refused.text
    assert _no_broker == []
    assert status_and_text(app) == (UpdateStatus.DRAFT, "The text the team approved.")


A_COLLEAGUES_PUBLISH = ("UPDATE statement_update SET status = 'published', "
                        "published_at = created_at")


def test_a_second_confirmation_at_the_same_moment_is_told_it_is_published_already(
        coordinator_client, app, _no_broker):
    page_url = a_draft(coordinator_client)
    confirmation = coordinator_client.get(f"{page_url}/publish").text

    # A colleague's confirmation (or the first of a double click) commits just before
    # this one writes its publish.
    with committed_meanwhile(
            app, A_COLLEAGUES_PUBLISH,
            at=lambda statement: statement.startswith("UPDATE statement_update")
    ) as published:
        second = confirm_publish(coordinator_client, page_url, confirmation)

    assert published
    assert second.status_code == 302
    assert "This update is published already." in \
        coordinator_client.get(second.headers["Location"]).text
    assert _no_broker == []


def test_the_publish_confirmation_of_a_published_update_says_so_and_offers_nothing(
        coordinator_client, _no_broker):
    page_url = a_draft(coordinator_client)
    assert confirm_publish(coordinator_client, page_url).status_code == 302

    again = coordinator_client.get(f"{page_url}/publish")

    assert again.status_code == 302
    shown = coordinator_client.get(again.headers["Location"]).text
    assert "This update is published already." in shown
    assert "Publish and e-mail the signers" not in shown


def test_publishing_an_update_a_colleague_just_published_keeps_theirs_and_mails_once(
        app, statement_slug, _no_broker):
    with app.app_context():
        factories.individual(statement_slug, "Olena Kovalenko", "olena@example.org",
                             wants_updates=True)
        update = services.write_update(get_statement(statement_slug), "News", "Text.",
                                       by=None)
        db.session.commit()
        update_id = update.id
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()
        # Read as a draft by this request, before the colleague's publish commits.
        stale = db.session.get(Update, update_id)
        assert stale.status is UpdateStatus.DRAFT

        with (committed_meanwhile(
                app, A_COLLEAGUES_PUBLISH,
                at=lambda statement: statement.startswith("UPDATE statement_update")),
              pytest.raises(services.UpdateError, match="published already")):
            services.publish_update(stale)
        db.session.commit()

        published = db.session.get(Update, update_id)
        assert published.status is UpdateStatus.PUBLISHED
        assert published.published_at == published.created_at
        # The colleague's fan-out; this publish queued none.
        assert _no_broker == []
        tasks.fan_out_update(update_id)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_publish_link_for_no_update_of_this_statement_is_not_found(
        coordinator_client, app, method):
    page_url = a_draft(coordinator_client)
    with app.app_context():
        other_statement = import_example(slug="another-statement")
        coordinator = db.session.scalars(select(Coordinator)).one()
        add_to_team(other_statement, coordinator)
        others_update = services.write_update(other_statement, "Their news", "Text.",
                                              by=None)
        db.session.commit()
        others_id = others_update.id
    token = csrf_token(coordinator_client.get(page_url).text)

    for update_id in (others_id + 1000, others_id, 2**31):
        response = coordinator_client.open(f"{BASE}/{update_id}/publish", method=method,
                                           data={"csrf_token": token})
        assert response.status_code == 404, update_id

    with app.app_context():
        assert db.session.scalars(select(Update.status)).all() == [UpdateStatus.DRAFT] * 2


def test_published_updates_on_the_statement_page_newest_first(coordinator_client, app):
    for title in ("First news", "Second news", "A draft nobody sees"):
        write(coordinator_client, title, f"Text of {title}.")
    with app.app_context():
        updates = db.session.scalars(select(Update).order_by(Update.id)).all()
        services.publish_update(updates[0])
        db.session.commit()
        services.publish_update(updates[1])
        db.session.commit()

    page = coordinator_client.get("/s/crimea-2020").text
    assert page.index("Second news") < page.index("First news")
    assert "Text of First news." in page
    assert "A draft nobody sees" not in page


def test_an_update_without_title_is_refused_at_its_field(coordinator_client):
    response = write(coordinator_client, "  ", "Some text")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text and "Give the update a title." in response.text
    assert "Updates" in response.text


def test_the_statement_nav_links_the_updates_page(coordinator_client):
    page = coordinator_client.get("/coordinate/crimea-2020/replies").text
    assert f'href="{BASE}"' in page


def test_progress_shows_cancelled(coordinator_client, app):
    write(coordinator_client, "News", "Text.")
    with app.app_context():
        a = factories.individual("crimea-2020", "A", "a@example.org", wants_updates=True)
        factories.individual("crimea-2020", "B", "b@example.org", wants_updates=True)
        update = db.session.scalars(select(Update)).one()
        services.publish_update(update)
        db.session.commit()
        tasks.fan_out_update(update.id)
        from campaign.signing.models import IndividualSignature

        db.session.get(IndividualSignature, a).wants_updates = False
        db.session.commit()
        deliver_due_messages()
    page = coordinator_client.get(BASE).text
    assert "Sent 1 of 2." in page and "1 cancelled" in page

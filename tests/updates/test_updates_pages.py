"""The team's updates page: write, preview, test-send, publish; and what the public sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.statements.services import get_statement
from campaign.updates import services, tasks
from campaign.updates.models import Update, UpdateStatus
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

    press(coordinator_client, f"{page_url}/publish", f"{page_url}/publish")
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
    press(coordinator_client, f"{page_url}/publish", f"{page_url}/publish")

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

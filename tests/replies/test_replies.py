"""Recording an addressee's reply, publishing it on the statement's page, and its
document, as the team and the public meet them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign import queue
from campaign.config import MAX_REQUEST_BYTES
from campaign.extensions import db
from campaign.queue import NOTIFY_SIGNERS_OF_REPLY_TASK
from campaign.replies.models import Reply
from campaign.replies.services import (
    MAX_DOCUMENT_BYTES,
    ReplyDetails,
    ReplyDocument,
    ReplyError,
    record_reply,
)
from campaign.statements.models import Addressee, DemandGroup
from campaign.statements.services import get_statement
from tests.conftest import create_coordinator_for, import_example, sign_in
from tests.support import csrf_token

MINISTRY = "Ministry for Reintegration of Temporarily Occupied Territories of Ukraine"
REPLY_TEXT = "The Ministry has examined your appeal.\n\nA working group will meet in April."


def _ids(slug: str, addressee_name: str) -> tuple[int, list[int]]:
    statement = get_statement(slug)
    addressee_id = db.session.scalars(select(Addressee.id).where(
        Addressee.statement_id == statement.id, Addressee.name == addressee_name)).one()
    groups = list(db.session.scalars(select(DemandGroup.id).where(
        DemandGroup.statement_id == statement.id).order_by(DemandGroup.position)))
    return addressee_id, groups


def record_by_form(client: FlaskClient, slug: str, fields: dict[str, object]):
    page = client.get(f"/coordinate/{slug}/replies")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    return client.post(f"/coordinate/{slug}/replies", content_type="multipart/form-data",
                       data={**fields, "csrf_token": csrf_token(page.text)})


def press(client: FlaskClient, slug: str, action: str):
    # Publishing (which e-mails the signers) asks first, on a page of its own.
    page = client.get(action if action.endswith("/publish") else f"/coordinate/{slug}/replies")
    assert f'action="{action}"' in page.text, f"no button posting to {action}"
    return client.post(action, data={"csrf_token": csrf_token(page.text)})


@pytest.fixture
def ministry_reply(app, coordinator_client, statement_slug) -> int:
    """A reply of the ministry to the third group of demands, recorded by the team."""
    with app.app_context():
        addressee_id, groups = _ids(statement_slug, MINISTRY)
    response = record_by_form(coordinator_client, statement_slug, {
        "addressee": str(addressee_id), "demand_group": str(groups[2]),
        "received_on": "2020-03-02", "text": REPLY_TEXT,
        "document": (io.BytesIO(b"%PDF-1.4 the signed answer"), "Answer of the ministry.pdf"),
    })
    assert response.status_code == 302, response.text
    with app.app_context():
        return db.session.scalars(select(Reply.id)).one()


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end)]


def test_published_reply_appears_under_the_group_it_answers_and_not_before(
    coordinator_client, client, statement_slug, ministry_reply
):
    assert "A working group will meet in April." not in client.get(f"/s/{statement_slug}").text
    listed = coordinator_client.get(f"/coordinate/{statement_slug}/replies").text
    assert "A working group will meet in April." in listed
    assert "not published" in listed

    published = press(coordinator_client, statement_slug,
                      f"/coordinate/{statement_slug}/replies/{ministry_reply}/publish")
    assert published.status_code == 302

    page = client.get(f"/s/{statement_slug}").text
    third_group = _between(page, 'id="demands-3"', 'id="signatories"')
    assert f"{MINISTRY} replied" in third_group
    assert "<p>The Ministry has examined your appeal.</p>" in third_group
    assert "<p>A working group will meet in April.</p>" in third_group
    assert 'datetime="2020-03-02"' in third_group
    assert f"/s/{statement_slug}/replies/{ministry_reply}/document" in third_group
    assert "A working group" not in _between(page, 'id="demands-1"', 'id="demands-3"')


def test_reply_without_a_group_is_shown_under_replies_newest_first(
    app, coordinator_client, client, statement_slug
):
    with app.app_context():
        addressee_id, _ = _ids(statement_slug, "President of Ukraine")
    for received_on, text in [("2020-03-01", "First answer."), ("2020-04-01", "Second answer.")]:
        response = record_by_form(coordinator_client, statement_slug, {
            "addressee": str(addressee_id), "demand_group": "", "received_on": received_on,
            "text": text})
        assert response.status_code == 302, response.text
    with app.app_context():
        reply_ids = db.session.scalars(select(Reply.id).order_by(Reply.id)).all()
    for reply_id in reply_ids:
        press(coordinator_client, statement_slug,
              f"/coordinate/{statement_slug}/replies/{reply_id}/publish")

    page = client.get(f"/s/{statement_slug}").text
    replies = _between(page, '<h2 id="replies">', 'id="signatories"')
    assert replies.index("Second answer.") < replies.index("First answer.")
    assert "President of Ukraine replied" in replies


def test_reply_text_is_escaped_on_the_public_page(app, coordinator_client, client, statement_slug):
    with app.app_context():
        addressee_id, _ = _ids(statement_slug, "President of Ukraine")
        reply = record_reply(get_statement(statement_slug), ReplyDetails(
            addressee_id=addressee_id, demand_group_id=None, received_on=date(2020, 3, 1),
            text="<script>alert(1)</script> Thank you."), recorded_by_id=None)
        reply.published = True
        db.session.commit()

    page = client.get(f"/s/{statement_slug}").text
    assert "<script>alert(1)</script>" not in page
    assert "Thank you." in page


def test_publishing_hands_the_notification_to_the_worker_after_the_commit(
    app, coordinator_client, statement_slug, ministry_reply, monkeypatch
):
    published: list[tuple[str, list]] = []

    def record(task, args_list):
        with app.app_context():
            # The task must find the reply published: the commit came first.
            assert db.session.get(Reply, ministry_reply).published
        published.append((task, list(args_list)))

    monkeypatch.setattr(queue, "enqueue", record)
    press(coordinator_client, statement_slug,
          f"/coordinate/{statement_slug}/replies/{ministry_reply}/publish")
    press(coordinator_client, statement_slug,
          f"/coordinate/{statement_slug}/replies/{ministry_reply}/unpublish")

    assert published == [(NOTIFY_SIGNERS_OF_REPLY_TASK, [(ministry_reply,)])]


def test_a_refused_publication_hands_nothing_to_the_worker(app, client, monkeypatch):
    with app.app_context():
        import_example(slug="draft-statement", publish=False)
        create_coordinator_for("drafter@example.org", "draft-statement")
        addressee_id, _ = _ids("draft-statement", "President of Ukraine")
        reply = record_reply(get_statement("draft-statement"), ReplyDetails(
            addressee_id=addressee_id, demand_group_id=None, received_on=date(2020, 3, 1),
            text="Received."), recorded_by_id=None)
        db.session.commit()
        reply_id = reply.id
    published = []
    monkeypatch.setattr(queue, "enqueue", lambda task, args_list: published.append(task))
    sign_in(client, "drafter@example.org")

    response = press(client, "draft-statement",
                     f"/coordinate/draft-statement/replies/{reply_id}/publish")

    assert "Publish the statement first" in client.get(response.location).text
    assert published == []
    with app.app_context():
        assert not db.session.get(Reply, reply_id).published


# --- The document ------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "filename", "status", "message"), [
    (b"<script>alert(1)</script>", "answer.html", 400,
     "Attach a PDF, DOC, DOCX, ODT or TXT file, or an image"),
    (b"x" * (MAX_DOCUMENT_BYTES + 1), "answer.pdf", 400,
     "The document is too large: attach at most 10 MB."),
    # Far over: refused before the request is even read.
    (b"x" * (MAX_REQUEST_BYTES + 1), "answer.pdf", 413,
     "a document may be at most 10 MB, a logo 2 MB. Nothing was saved."),
    (b"", "answer.pdf", 400, "The document is empty: attach the file again."),
], ids=["another-type", "over-10-mb", "over-the-request-limit", "empty"])
def test_a_document_that_cannot_be_kept_is_refused_with_a_clear_message(
    app, coordinator_client, statement_slug, content, filename, status, message
):
    with app.app_context():
        addressee_id, _ = _ids(statement_slug, "President of Ukraine")
    response = record_by_form(coordinator_client, statement_slug, {
        "addressee": str(addressee_id), "demand_group": "", "received_on": "2020-03-02",
        "text": "See the attachment.",
        "document": (io.BytesIO(content), filename),
    })

    assert response.status_code == status
    assert message in response.text
    with app.app_context():
        assert db.session.scalars(select(Reply)).all() == []


@pytest.mark.parametrize(("filename", "size", "message"), [
    ("answer.svg", 10, "Attach a PDF"),
    ("answer", 10, "Attach a PDF"),
    ("answer.docx", MAX_DOCUMENT_BYTES + 1, "too large"),
    ("answer.pdf", 0, "empty"),
])
def test_the_service_refuses_what_the_form_would(app_context, statement_slug, filename, size,
                                                 message):
    addressee_id, _ = _ids(statement_slug, "President of Ukraine")
    with pytest.raises(ReplyError, match=message) as refused:
        record_reply(get_statement(statement_slug), ReplyDetails(
            addressee_id=addressee_id, demand_group_id=None, received_on=date(2020, 3, 1),
            text="Received.", document=ReplyDocument(filename, b"x" * size)),
            recorded_by_id=None)
    assert refused.value.field == "document"


def test_a_reply_longer_than_markdown_may_be_is_refused(app, coordinator_client,
                                                        statement_slug):
    with app.app_context():
        addressee_id, _ = _ids(statement_slug, "President of Ukraine")
    response = record_by_form(coordinator_client, statement_slug, {
        "addressee": str(addressee_id), "demand_group": "", "received_on": "2020-03-02",
        "text": "![" * 25_001})

    assert response.status_code == 400
    assert "Use at most 50000 characters." in response.text
    with app.app_context():
        assert db.session.scalars(select(Reply)).all() == []
        with pytest.raises(ReplyError, match="50000") as too_long:
            record_reply(get_statement(statement_slug), ReplyDetails(
                addressee_id, None, date(2020, 3, 1), "x" * 50_001), recorded_by_id=None)
    assert too_long.value.field == "text"


def test_reply_needs_an_addressee_of_the_statement_and_a_date_not_in_the_future(
    app_context, statement_slug
):
    import_example(slug="other-statement")
    other_addressee, _ = _ids("other-statement", "President of Ukraine")
    addressee_id, _ = _ids(statement_slug, "President of Ukraine")
    statement = get_statement(statement_slug)

    with pytest.raises(ReplyError) as foreign:
        record_reply(statement, ReplyDetails(other_addressee, None, date(2020, 3, 1), "Hi."),
                     recorded_by_id=None)
    with pytest.raises(ReplyError) as future:
        record_reply(statement, ReplyDetails(addressee_id, None,
                                             date.today() + timedelta(days=2), "Hi."),
                     recorded_by_id=None)

    assert (foreign.value.field, future.value.field) == ("addressee", "received_on")


def test_the_team_downloads_the_document_as_an_attachment_of_its_stored_type(
    coordinator_client, statement_slug, ministry_reply
):
    response = coordinator_client.get(
        f"/coordinate/{statement_slug}/replies/{ministry_reply}/document")

    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 the signed answer"
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Answer of the ministry.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_teams_download_of_a_document_is_kept_by_no_cache(
    coordinator_client, statement_slug, ministry_reply
):
    """Not published, perhaps never: no copy may stay in the cache of a shared or
    seized computer, or of a proxy."""
    team = coordinator_client.get(
        f"/coordinate/{statement_slug}/replies/{ministry_reply}/document")

    assert team.status_code == 200
    assert "no-store" in team.headers["Cache-Control"]
    assert "public" not in team.headers["Cache-Control"]


@pytest.mark.parametrize(("sent", "kept"), [
    ("Answer\r\nX-Evil: 1.pdf", "AnswerX-Evil: 1.pdf"),
    # Shown as "Answer cod.pdf" while it is a Word document.
    ("Answer \u202efdp.doc", "Answer fdp.doc"),
    ("C:\\Users\\olena\\\u2066Reply\u2069.pdf", "Reply.pdf"),
])
def test_a_documents_name_keeps_no_control_character(app, coordinator_client, statement_slug,
                                                      sent, kept):
    # Sent as the service gets it: a browser's multipart header can carry a line break
    # (RFC 2231's filename*), which the test client's encoder would not write.
    with app.app_context():
        addressee_id, _ = _ids(statement_slug, "President of Ukraine")
        reply = record_reply(get_statement(statement_slug), ReplyDetails(
            addressee_id, None, date(2020, 3, 2), "See the attachment.",
            ReplyDocument(sent, b"answer")), recorded_by_id=None)
        db.session.commit()
        assert reply.document_name == kept
        reply_id = reply.id

    download = coordinator_client.get(f"/coordinate/{statement_slug}/replies/{reply_id}/document")

    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert all(ord(character) >= 32 for character in download.headers["Content-Disposition"])


def test_a_name_kept_with_a_line_break_before_names_were_cleaned_still_downloads(
    app, coordinator_client, statement_slug, ministry_reply
):
    with app.app_context():
        db.session.get(Reply, ministry_reply).document_name = "Answer\r\nX-Evil: 1.pdf"
        db.session.commit()

    download = coordinator_client.get(
        f"/coordinate/{statement_slug}/replies/{ministry_reply}/document")

    assert download.status_code == 200
    assert "AnswerX-Evil: 1.pdf" in download.headers["Content-Disposition"]


def test_the_public_downloads_the_document_only_while_the_reply_is_published(
    coordinator_client, client, statement_slug, ministry_reply
):
    url = f"/s/{statement_slug}/replies/{ministry_reply}/document"
    assert client.get(url).status_code == 404

    press(coordinator_client, statement_slug,
          f"/coordinate/{statement_slug}/replies/{ministry_reply}/publish")
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 the signed answer"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    # Public now: a cache may keep it, but not for long after it is unpublished.
    assert response.headers["Cache-Control"] == "public, max-age=3600"

    press(coordinator_client, statement_slug,
          f"/coordinate/{statement_slug}/replies/{ministry_reply}/unpublish")
    assert client.get(url).status_code == 404
    assert client.get(f"/s/other/replies/{ministry_reply}/document").status_code == 404


def test_a_coordinator_not_on_the_team_gets_404_on_the_replies_pages(
    app, client, statement_slug, ministry_reply
):
    with app.app_context():
        import_example(slug="their-own")
        create_coordinator_for("outsider@example.org", "their-own")
    sign_in(client, "outsider@example.org")

    for url in (f"/coordinate/{statement_slug}/replies",
                f"/coordinate/{statement_slug}/replies/{ministry_reply}/document",
                f"/coordinate/their-own/replies/{ministry_reply}/document"):
        assert client.get(url).status_code == 404, url


def test_the_replies_page_labels_every_field(coordinator_client, statement_slug):
    from tests.test_form_accessibility import assert_every_field_is_labelled

    assert_every_field_is_labelled(
        coordinator_client.get(f"/coordinate/{statement_slug}/replies").text)

"""/dev/mail: the captured e-mails, readable and clickable in the embedded mode."""

from __future__ import annotations

from campaign.outbox.tasks import deliver_due_messages
from tests.conftest import make_app
from tests.support import individual_fields, post_form


def test_captured_confirmation_is_listed_and_its_link_is_clickable(app, client, statement_slug):
    post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign", individual_fields())
    with app.app_context():
        deliver_due_messages()

    inbox = client.get("/dev/mail/")
    assert inbox.status_code == 200
    assert "Please confirm your signature" in inbox.text
    assert "olena@example.org" in inbox.text

    message_path = inbox.text.split('href="/dev/mail/', 1)[1].split('"', 1)[0]
    message = client.get(f"/dev/mail/{message_path}")
    assert message.status_code == 200
    assert '<a href="http://undersigned.test/confirm/' in message.text

    html_part = client.get(f"/dev/mail/{message_path}/html")
    assert "Confirm my signature" in html_part.text
    assert "sandbox" in html_part.headers["Content-Security-Policy"].split("; ")


def test_empty_inbox_says_what_to_do(client):
    page = client.get("/dev/mail/")
    assert page.status_code == 200
    assert "No e-mail yet" in page.text


def test_a_file_outside_the_mail_folder_cannot_be_read(client):
    assert client.get("/dev/mail/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/dev/mail/missing.eml").status_code == 404


def test_there_is_no_mail_page_when_mail_is_really_sent(app, database_url, mail_dir):
    smtp_only = make_app(database_url, mail_dir, MAIL_BACKEND="smtp", DEV_MAIL_PAGE=False)

    assert smtp_only.test_client().get("/dev/mail/").status_code == 404


def test_only_the_machine_it_runs_on_can_read_the_captured_mail(app, client, statement_slug):
    # A server started without APP_ENV=production runs in development: its captured
    # e-mails (confirmation links, password resets) must not be open to the internet.
    post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign", individual_fields())
    with app.app_context():
        deliver_due_messages()
    message_path = client.get("/dev/mail/").text.split('href="/dev/mail/', 1)[1].split('"', 1)[0]

    for address in ("203.0.113.9", "10.0.0.2", "2001:db8::1", "not an address"):
        stranger = {"REMOTE_ADDR": address}
        for path in ("/dev/mail/", f"/dev/mail/{message_path}", f"/dev/mail/{message_path}/html"):
            answer = client.get(path, environ_base=stranger)
            assert answer.status_code == 404, (address, path)
            assert "olena@example.org" not in answer.text
    for address in ("127.0.0.1", "::1"):
        assert client.get("/dev/mail/", environ_base={"REMOTE_ADDR": address}).status_code == 200
    # Through a proxy on the same machine, a stranger's request comes from the loopback.
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        proxied = client.get("/dev/mail/", headers={header: "203.0.113.9"})
        assert proxied.status_code == 404, header
        assert "olena@example.org" not in proxied.text

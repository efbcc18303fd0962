"""32 requests at once for the same thing, through gunicorn (4 processes of 8 threads):
the database, not luck, must make them one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import IndividualSignature, SignatureTally, TallyKind
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, import_example
from tests.faults.support import (
    Answer,
    Browser,
    Figure,
    SmtpServer,
    WebServer,
    path_of,
    settle_outbox,
    sign,
    statuses,
)
from tests.support import confirmation_link, csrf_token, organization_fields, wait_for

pytestmark = pytest.mark.faults

AT_ONCE = 32


def at_once(prepare: Callable[[int], Callable[[], Answer]]) -> list[Answer]:
    """Prepare AT_ONCE requests (each opens its page first), then send them together."""
    requests = [prepare(n) for n in range(AT_ONCE)]
    barrier = threading.Barrier(AT_ONCE)
    answers: list[Answer] = []

    def send(request: Callable[[], Answer]) -> None:
        barrier.wait()
        answers.append(request())

    threads = [threading.Thread(target=send, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == AT_ONCE
    return answers


def mail_to(app: Flask, smtp: SmtpServer, address: str, template: str) -> int:
    """How many e-mails of this kind reached the SMTP server for this address, once
    the outbox has delivered everything."""
    settle_outbox(app, smtp.mailbox, timeout=60)
    with app.app_context():
        ids = set(db.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.to_address == address, OutboxMessage.template == template)))
        db.session.remove()
    return sum(1 for item in smtp.mailbox.to(address) if item.outbox_id in ids)


def tally(app: Flask, kind: TallyKind) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.coalesce(func.sum(SignatureTally.count), 0))
                                  .where(SignatureTally.kind == kind))
        db.session.remove()
    return count


def confirmation_path(smtp: SmtpServer, address: str) -> str:
    [item] = wait_for(lambda: smtp.mailbox.to(address), what=f"the e-mail to {address}")
    return path_of(confirmation_link(item.message))


def confirm(web: WebServer, path: str) -> Answer:
    return Browser(web.base_url).submit(path, path, {})[-1]


@pytest.fixture
def slug(fault_app: Flask) -> str:
    with fault_app.app_context():
        return import_example().slug


@pytest.fixture
def figure(record_figure: Callable[[Figure], None]):
    started = time.monotonic()

    def record(what: str, answers: list[Answer], emails: int) -> None:
        seen = statuses(answers)
        record_figure(Figure(f"{AT_ONCE} at once: {what}", f"statuses {seen}", AT_ONCE,
                             emails, max(emails - 1, 0),
                             f"{sum(n for status, n in seen.items() if status >= 500)} / -",
                             time.monotonic() - started))

    return record


def test_32_submissions_of_one_address_make_one_signature_and_one_email(
        stack: tuple[WebServer, object], fault_app: Flask, fault_smtp: SmtpServer, slug: str,
        figure):
    web, _ = stack
    address = "olena@example.org"

    def prepare(n: int) -> Callable[[], Answer]:
        browser = Browser(web.base_url)
        token = csrf_token(browser.get(f"/s/{slug}").text)
        return lambda: browser.post(f"/s/{slug}/sign", {
            "person-name": "Olena Kovalenko", "person-email": address, "person-country": "UA",
            "person-name_display": "full", "person-csrf_token": token})

    answers = at_once(prepare)

    emails = mail_to(fault_app, fault_smtp, address, "confirm_signature")
    figure("submissions of one address", answers, emails)
    assert [a.status for a in answers if a.status >= 500] == []
    assert all(a.location.endswith("/check-your-email") for a in answers)
    with fault_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndividualSignature)) == 1
    assert emails == 1


def test_32_clicks_of_one_confirmation_link_count_the_signature_once(
        stack: tuple[WebServer, object], fault_app: Flask, fault_smtp: SmtpServer, slug: str,
        figure):
    web, _ = stack
    sign(web.base_url, slug, "olena@example.org")
    path = confirmation_path(fault_smtp, "olena@example.org")

    def prepare(n: int) -> Callable[[], Answer]:
        browser = Browser(web.base_url)
        token = csrf_token(browser.get(path).text)
        return lambda: browser.post(path, {"csrf_token": token})

    answers = at_once(prepare)

    figure("clicks of one confirmation link", answers, 0)
    assert [a.status for a in answers if a.status >= 500] == []
    assert sum(a.location.endswith("/thanks") for a in answers) == 1
    assert all(a.status == 400 and "used already" in a.text
               for a in answers if not a.location.endswith("/thanks"))
    assert tally(fault_app, TallyKind.INDIVIDUALS) == 1
    assert "1 individual has signed" in Browser(web.base_url).get(f"/s/{slug}").text


def test_32_approvals_of_one_organization_list_it_once_and_tell_its_contact_once(
        stack: tuple[WebServer, object], fault_app: Flask, fault_smtp: SmtpServer, slug: str,
        figure):
    web, _ = stack
    contact = "iryna@solidarity.example.org"
    Browser(web.base_url).submit(f"/s/{slug}", f"/s/{slug}/cosign", organization_fields(),
                                 token_field="org-csrf_token")
    assert confirm(web, confirmation_path(fault_smtp, contact)).status == 302
    with fault_app.app_context():
        create_coordinator_for("coordinator@example.org", slug)
        organization_id = db.session.scalar(text(
            "SELECT id FROM organization_signature WHERE contact_email = :contact"),
            {"contact": contact})
        organizations_before = tally(fault_app, TallyKind.ORGANIZATIONS)
    coordinator = Browser(web.base_url)
    signed_in = coordinator.submit("/coordinate/sign-in", "/coordinate/sign-in", {
        "email": "coordinator@example.org", "password": COORDINATOR_PASSWORD})
    assert signed_in[-1].status == 302, signed_in[-1].text
    queue = f"/coordinate/{slug}/organizations"
    token = csrf_token(coordinator.get(queue).text)
    approve = f"{queue}/{organization_id}/approve"

    # One coordinator's session clicking in 32 tabs at once.
    answers = at_once(lambda n: lambda: Browser(web.base_url, dict(coordinator.cookies))
                      .post(approve, {"csrf_token": token}))

    emails = mail_to(fault_app, fault_smtp, contact, "organization_approved")
    figure("approvals of one organization", answers, emails)
    assert [a.status for a in answers if a.status >= 500] == []
    assert tally(fault_app, TallyKind.ORGANIZATIONS) == organizations_before + 1
    assert emails == 1


def test_32_requests_for_my_link_send_at_most_one_email(
        stack: tuple[WebServer, object], fault_app: Flask, fault_smtp: SmtpServer, slug: str,
        figure):
    web, _ = stack
    address = "olena@example.org"
    sign(web.base_url, slug, address)
    assert confirm(web, confirmation_path(fault_smtp, address)).status == 302
    with fault_app.app_context():
        # Long enough ago that one more e-mail is allowed: the resend interval passed.
        db.session.execute(text("UPDATE individual_signature "
                                "SET last_mailed_at = last_mailed_at - interval '1 day'"))
        db.session.commit()

    def prepare(n: int) -> Callable[[], Answer]:
        browser = Browser(web.base_url)
        token = csrf_token(browser.get(f"/s/{slug}").text)
        return lambda: browser.post(f"/s/{slug}/manage", {"manage-email": address,
                                                          "manage-csrf_token": token})

    answers = at_once(prepare)

    emails = mail_to(fault_app, fault_smtp, address, "signer_link")
    figure("requests for one signer's link", answers, emails)
    assert [a.status for a in answers if a.status >= 500] == []
    assert all(a.location.endswith("/manage/sent") for a in answers)
    assert emails == 1

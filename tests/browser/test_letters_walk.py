"""The letters walk (issues 5 and 15): a coordinator opens Letters, previews a letter,
names the coalition as the sender, test-sends a letter to themselves, sends the
statement to every addressee through the summary-and-confirm step, and sees the
letters go from queued to sent as the real worker delivers them, each with its PDF."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_coordinator_walk import sign_in
from tests.browser.walks import Mailbox, RequestLog
from tests.conftest import create_coordinator_for, import_example
from tests.example_statement import ADDRESSEES, TITLE
from tests.letters.letters_setup import BY_HAND, WITH_EMAIL, address_the_addressees, email_of
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.pdf]

COORDINATOR = "mariia@example.org"
COALITION = "Коаліція «Україна — 5 ранку»"


def letters_in_state(page: Page, state: str) -> int:
    table = page.get_by_role("table", name="Every letter, newest first")
    return table.locator("strong").filter(has_text=re.compile(rf"^{state}$")).count()


def test_a_coordinator_previews_sends_to_all_and_sees_the_letters_sent(
        live_app: Flask, open_context: Callable[..., BrowserContext], mailbox: Mailbox,
        live_server: str, requests_made: RequestLog):
    with live_app.app_context():
        slug = import_example().slug
        address_the_addressees(slug)
        create_coordinator_for(COORDINATOR, slug, name="Mariia Tomak")

    page = open_context().new_page()
    sign_in(page, COORDINATOR)
    page.goto(f"/coordinate/{slug}/")
    page.get_by_role("navigation", name="This statement").get_by_role(
        "link", name="Letters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Letters to the addressees")
    addressees = page.get_by_role("table", name="Who receives a letter, and what it holds")
    expect(addressees.get_by_role("row").filter(has_text=BY_HAND)).to_contain_text(
        "no e-mail: deliver by hand")

    # The preview of the letter to the first addressee of group 3: its four demands.
    addressees.get_by_role("link", name=f"HTML e-mail to {ADDRESSEES[2][0]}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    demands = page.get_by_role("region").or_(page.locator("section.demands"))
    expect(demands.get_by_role("listitem")).to_have_count(4)
    page.go_back()

    # The coalition's name and its own words to the addressees of group 1.
    page.get_by_role("link", name="Sender, logos, salutation, covering note and closing").click()
    page.get_by_label("Sender name (your coalition's name)").fill(COALITION)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    group = page.get_by_role("region", name="Letters to the addressees of group 1")
    group.get_by_label("Salutation").fill("Your Excellency,")
    group.get_by_role("button", name="Save group 1").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    page.get_by_role("link", name="Letters", exact=True).first.click()

    # A test copy to the coordinator alone, through the outbox, not counted as sent.
    first = ADDRESSEES[0][0]
    page.get_by_role("button", name=f"Test to me the letter to {first}").click()
    expect(page.get_by_role("status")).to_contain_text("A test copy of the letter")
    test_copy = mailbox.wait_for(COORDINATOR)
    assert test_copy["Subject"] == f"[Test] {TITLE}"
    assert test_copy["From"].addresses[0].display_name == COALITION
    assert "Your Excellency," in test_copy.get_body(("plain",)).get_content()
    assert mailbox.to(email_of(first)) == []
    expect(page.get_by_text("No letter has been sent yet.")).to_be_visible()

    # Sending is two steps: who gets what, then the confirmation.
    page.get_by_role("link", name="Send to all addressees…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm sending")
    summary = page.get_by_role("table", name="Who gets what")
    expect(summary.get_by_role("row").filter(has_text=BY_HAND)).to_contain_text(
        "No e-mail: to deliver by hand")
    expect(summary.get_by_role("row").filter(has_text=first)).to_contain_text(
        f"E-mail to {email_of(first)}")
    page.get_by_role("button", name=re.compile(r"^Send \d+ letters$")).click()
    expect(page.get_by_role("status")).to_contain_text("Queued for e-mail:")
    letters = page.get_by_role("table", name="Every letter, newest first")
    expect(letters.get_by_role("row").filter(has_text=BY_HAND)).to_contain_text(
        "To deliver by hand")

    def all_sent() -> bool:
        page.reload()
        return letters_in_state(page, "Sent") == len(WITH_EMAIL)

    try:
        wait_for(all_sent, timeout=60, what="every letter to be sent by the worker")
    except AssertionError:
        print(page.get_by_role("table", name="Every letter, newest first").inner_text())
        raise
    expect(letters.get_by_role("row").filter(has_text=ADDRESSEES[0][0])).to_contain_text(
        "12 organizations")

    received = mailbox.wait_for(email_of(ADDRESSEES[0][0]))
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert received["Reply-To"] == COORDINATOR
    assert received["From"].addresses[0].display_name == COALITION
    assert requests_made.foreign() == []

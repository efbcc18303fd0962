"""A supporter signs, confirms, opens their own page from the link in the e-mail,
hides their name, and then erases their signature, watching the statement change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.walks import Mailbox, RequestLog
from tests.support import text_of

pytestmark = pytest.mark.browser

SIGNER_LINK = re.compile(r"https?://\S+/signer/[\w.-]+")


def test_a_supporter_hides_their_name_then_erases_their_signature_from_their_own_page(
        page: Page, published_example: str, live_server: str, mailbox: Mailbox,
        requests_made: RequestLog):
    page.goto(published_example)
    form = page.get_by_role("region", name="Sign this statement")
    form.get_by_label("Your name").fill("Olena Kovalenko")
    form.get_by_label("Your e-mail address").fill("olena@example.org")
    form.get_by_label("Country").select_option(label="Ukraine")
    form.get_by_label("Full name").check()
    form.get_by_role("button", name="Sign", exact=True).click()
    page.goto(mailbox.confirmation_link("olena@example.org"))
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    # The confirmation e-mail also leads to the signer's own page.
    match = SIGNER_LINK.search(text_of(mailbox.wait_for("olena@example.org")))
    assert match, "the confirmation e-mail has no link to the signer's page"
    signer_page = match[0]
    assert signer_page.startswith(f"{live_server}/signer/")
    page.goto(signer_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your signature")
    page.get_by_label("Not shown: count my signature only").check()
    page.get_by_role("button", name="Save how my name is shown").click()
    expect(page.get_by_role("status")).to_contain_text("your name is now shown as you chose")
    expect(page.locator("#signature-status")).to_contain_text("your name is not shown")

    page.goto(published_example)
    expect(page.locator("#counts")).to_contain_text("1 individual has signed")
    expect(page.get_by_role("region", name="Signed by")).not_to_contain_text("Olena")

    page.goto(signer_page)
    page.get_by_role("link", name="Erase my data…").click()
    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_role("status")).to_contain_text("Your signature and your details are erased")
    expect(page.locator("#counts")).to_contain_text("0 individuals have signed")

    page.goto(signer_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    assert requests_made.foreign() == []

"""A supporter signs the example statement in Chromium, confirms with the link the
worker e-mailed, and finds their name on the statement."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.walks import Mailbox, RequestLog

pytestmark = pytest.mark.browser


def sign_form(page: Page) -> Locator:
    return page.get_by_role("region", name="Sign this statement")


def sign(page: Page, published_example: str, *, name: str, email: str) -> None:
    page.goto(published_example)
    form = sign_form(page)
    form.get_by_label("Your name").fill(name)
    form.get_by_label("Your e-mail address").fill(email)
    form.get_by_label("Country").select_option(label="Ukraine")
    form.get_by_label("First name and initial").check()
    form.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")


def test_a_supporter_signs_confirms_by_email_and_is_listed(
        page: Page, published_example: str, live_server: str, mailbox: Mailbox,
        requests_made: RequestLog):
    sign(page, published_example, name="Olena Kovalenko", email="olena@example.org")

    link = mailbox.confirmation_link("olena@example.org")
    assert link.startswith(f"{live_server}/confirm/")
    page.goto(link)
    expect(page.get_by_text("Your name will be shown as “Olena K.”")).to_be_visible()
    page.get_by_role("button", name="Confirm my signature").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_text("It is shown as “Olena K.”")).to_be_visible()
    page.get_by_role("link", name="See the statement and its signatories").click()
    expect(page.locator("#counts")).to_contain_text("1 individual has signed")
    expect(page.get_by_role("region", name="Signed by")).to_contain_text("Olena K.")
    expect(page.get_by_role("region", name="Signed by")).not_to_contain_text("Kovalenko")

    assert requests_made.urls, "the browser made no request"
    assert requests_made.foreign() == []


def test_signing_and_confirming_work_without_javascript(
        open_context: Callable[..., BrowserContext], published_example: str, mailbox: Mailbox,
        requests_made: RequestLog):
    page = open_context(java_script_enabled=False).new_page()
    sign(page, published_example, name="Taras Melnyk", email="taras@example.org")

    page.goto(mailbox.confirmation_link("taras@example.org"))
    page.get_by_role("button", name="Confirm my signature").click()

    expect(page.get_by_text("It is shown as “Taras M.”")).to_be_visible()
    page.goto(published_example)
    expect(page.locator("#counts")).to_contain_text("1 individual has signed")
    assert requests_made.foreign() == []

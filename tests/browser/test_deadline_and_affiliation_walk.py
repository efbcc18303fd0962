"""Issue 15's walks: a coordinator sets a sign-on deadline in Kyiv time and asks for
affiliations; a signer on a phone sees the deadline and a sign link at the top, goes
down to the form with it, signs with an affiliation, confirms, and finds it beside
their name with the disclaimer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.walks import Mailbox, RequestLog
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for

pytestmark = pytest.mark.browser

COORDINATOR = "mariia@example.org"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def sign_in(page: Page, email: str) -> None:
    page.goto("/coordinate/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your statements")


def in_first_screen(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


def test_a_coordinator_sets_a_deadline_and_a_phone_signer_signs_with_an_affiliation(
        page: Page, open_context: Callable[..., BrowserContext], live_app: Flask,
        published_example: str, mailbox: Mailbox, requests_made: RequestLog):
    slug = published_example.rsplit("/", 1)[1]
    with live_app.app_context():
        create_coordinator_for(COORDINATOR, slug, name="Mariia")

    sign_in(page, COORDINATOR)
    page.goto(f"/coordinate/{slug}/edit")
    settings = page.get_by_role("region", name="Deadline and delivery")
    settings.get_by_label("Sign-on closes on (date)").fill("2099-10-01")
    settings.get_by_label("At (time, 24-hour clock)").fill("18:00")
    settings.get_by_label("Time zone of the deadline").select_option("Europe/Kyiv")
    settings.get_by_label("Planned delivery date (optional)").fill("2099-10-05")
    settings.get_by_role("button", name="Save the deadline").click()
    expect(page.get_by_text("The sign-on deadline and delivery date are saved.")).to_be_visible()
    settings.get_by_label("Ask individuals for an affiliation or title").check()
    settings.get_by_role("radio", name="Grouped by country").check()
    settings.get_by_role("button", name="Save these settings").click()
    expect(page.get_by_text("The settings for affiliations and the list of signatories are "
                            "saved.")).to_be_visible()

    phone = open_context(**PHONE).new_page()
    phone.goto(published_example)
    closes = phone.get_by_text("Sign-on closes on October 1, 2099 at 18:00, Kyiv time.")
    sign_link = phone.get_by_role("link", name="Sign the statement")
    expect(closes).to_be_visible()
    assert in_first_screen(phone, closes) and in_first_screen(phone, sign_link)
    expect(phone.get_by_text("Planned delivery to the addressees: October 5, 2099.")
           ).to_be_visible()

    sign_link.click()
    form = phone.get_by_role("region", name="Sign this statement")
    expect(form.get_by_label("Your name")).to_be_in_viewport()
    form.get_by_label("Your name").fill("Olena Kovalenko")
    form.get_by_label("Your e-mail address").fill("olena@example.org")
    form.get_by_label("Country").select_option(label="Ukraine")
    form.get_by_label("Affiliation or title (optional)").fill(
        "Professor of Law, Kyiv University")
    form.get_by_role("button", name="Sign", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    phone.goto(mailbox.confirmation_link("olena@example.org"))
    phone.get_by_role("button", name="Confirm my signature").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    phone.goto(published_example)
    signed_by = phone.get_by_role("region", name="Signed by")
    expect(signed_by.get_by_role("heading", name="Ukraine", level=4)).to_be_visible()
    expect(signed_by).to_contain_text("Olena Kovalenko, Professor of Law, Kyiv University")
    expect(signed_by).to_contain_text(
        "Affiliations are for identification only and do not imply institutional endorsement.")
    assert requests_made.foreign() == []

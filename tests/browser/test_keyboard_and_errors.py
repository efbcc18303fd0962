"""A supporter who sends the signing form empty is told what to fix, next to each field,
and can reach each field from the list of errors with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

MAX_TABS = 200  # more than the statement page has focusable elements


def tab_to(page: Page, target: Locator) -> int:
    """Press Tab until `target` has the focus; return how many presses it took."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target}")


def test_an_empty_form_shows_errors_tied_to_their_fields(page: Page, published_example: str):
    page.goto(published_example)
    form = page.get_by_role("region", name="Sign this statement")

    form.get_by_role("button", name="Sign", exact=True).click()

    summary = form.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the following:")
    expect(summary.get_by_role("link")).to_have_text([
        "Your name: Enter your name.",
        "Your e-mail address: Enter your e-mail address.",
        "Country: Choose a country.",
    ])
    name = form.get_by_label("Your name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile(r"Enter your name\."))
    email = form.get_by_label("Your e-mail address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        re.compile(r"We send you a link to confirm\..*Enter your e-mail address\."))
    country = form.get_by_label("Country")
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(country).to_have_accessible_description(re.compile(r"Choose a country\."))
    # Nothing was signed: the form stays on the statement and keeps the default choice.
    expect(form.get_by_label("Full name")).to_be_checked()
    expect(page.locator("#counts")).to_contain_text("0 individuals have signed")


def test_the_first_error_link_takes_the_keyboard_to_its_field(page: Page, published_example: str):
    page.goto(published_example)
    form = page.get_by_role("region", name="Sign this statement")
    form.get_by_role("button", name="Sign", exact=True).focus()
    page.keyboard.press("Enter")
    first_error = form.get_by_role("alert").get_by_role("link").first
    expect(first_error).to_have_text("Your name: Enter your name.")

    tab_to(page, first_error)
    page.keyboard.press("Enter")

    expect(form.get_by_label("Your name")).to_be_focused()
    page.keyboard.type("Olena Kovalenko")
    expect(form.get_by_label("Your name")).to_have_value("Olena Kovalenko")

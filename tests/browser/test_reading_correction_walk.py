"""Correcting the importer's reading in the browser, as a coordinator does it (issue
14): paste the example, mark a line as page furniture and read the text again, move a
demand, save the draft exactly as shown, and publish it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect

from tests.browser.test_coordinator_walk import COORDINATOR, demand_box, sign_in
from tests.conftest import create_coordinator_for
from tests.example_statement import EXAMPLE

pytestmark = pytest.mark.browser

MARLEN = re.compile(r"^In particular, Marlen Asanov")


def test_a_coordinator_marks_a_line_moves_a_demand_saves_and_publishes(
        live_app: Flask, open_context: Callable[..., BrowserContext], live_server: str):
    with live_app.app_context():
        create_coordinator_for(COORDINATOR, name="Mariia Tomak")
    page = open_context().new_page()
    sign_in(page, COORDINATOR)
    page.get_by_role("link", name="Paste a statement to start").click()
    page.get_by_label("The statement's text").fill(EXAMPLE.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Read the text").click()
    lead = page.get_by_label("Lead text (Markdown)")
    expect(lead).to_contain_text("Marlen Asanov")

    # The paragraph on the sentences is marked as page furniture: it leaves the lead text.
    mark = page.get_by_role("combobox", name=MARLEN)
    expect(mark).to_have_value("lead")
    mark.select_option("furniture")
    page.get_by_role("button", name="Read again with my marks").click()
    expect(page.get_by_role("status")).to_contain_text("The text is read again with your marks.")
    expect(page.get_by_role("combobox", name=MARLEN)).to_have_value("furniture")
    expect(lead).not_to_contain_text("Marlen Asanov")
    expect(page.get_by_role("region", name="Dropped as page furniture")).to_contain_text(
        "In particular, Marlen Asanov")

    # The first demand of group 2 goes to its end.
    moved = demand_box(page, 2, 1).input_value()
    page.get_by_label("Position of Group 2: demand 1", exact=True).fill("9")
    page.get_by_role("button", name="Apply the changes").click()
    expect(demand_box(page, 2, 5)).to_have_value(moved)
    expect(demand_box(page, 2, 6)).to_have_value("")
    slug = page.get_by_label("Address (slug)").input_value()

    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status")).to_contain_text("is saved as a draft")
    expect(page).to_have_url(f"{live_server}/coordinate/{slug}/edit")
    second = page.get_by_role("region", name="Groups of demands").get_by_role("article").nth(1)
    expect(second.get_by_role("listitem").last).to_have_text(moved)
    expect(page.get_by_label("Lead text (Markdown)")).not_to_contain_text("Marlen Asanov")

    page.get_by_role("region", name="State").get_by_role("link", name="Publish…").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("The statement is published")
    page.goto(f"/s/{slug}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("sentenced to 19 years")

"""The coordinator's walk (issue 4): paste a statement's text, check and correct the
importer's reading, save it as a draft, publish it; an organization co-signs on the
public page and confirms by e-mail; the coordinator approves it, finds it on the
statement, and counts it on the dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.walks import Mailbox, RequestLog, cosign
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for
from tests.example_statement import ADDRESSEES, EXAMPLE, FOUNDING_ORGANIZATIONS, TITLE

pytestmark = pytest.mark.browser

COORDINATOR = "mariia@example.org"
ORGANIZATION = "Kharkiv Solidarity Network"
CONTACT = "iryna@solidarity.example.org"
FOUNDED = len(FOUNDING_ORGANIZATIONS)  # the 12 founding signatories, approved on import
FIRST_DEMAND = "immediately release all political prisoners"
CORRECTION = " without delay"
FURNITURE = ["Generic selectors", "Exact matches only", "Search in title",
             "Search in content", "Post Type Selectors", "Scroll to Top"]


def sign_in(page: Page, email: str) -> None:
    page.goto("/coordinate/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your statements")


def figure(page: Page, term: str) -> Locator:
    """The number the dashboard gives for `term`."""
    figures = page.get_by_role("region", name="Signatures", exact=True)
    return figures.locator("div").filter(
        has=page.get_by_role("term").filter(has_text=re.compile(rf"^{term}$")),
    ).get_by_role("definition")


def demand_box(page: Page, group: int, row: int) -> Locator:
    return page.get_by_label(f"Group {group}: demand {row}", exact=True)


def paste_and_correct(page: Page) -> tuple[str, str]:
    """Paste the example, check the reading, correct the first demand and save the
    draft; return the statement's address (slug) and the corrected demand."""
    page.get_by_role("link", name="Paste a statement to start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paste a statement to start")
    page.get_by_label("The statement's text").fill(EXAMPLE.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Read the text").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the reading and correct it")
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
    expect(page.get_by_label("Date (optional)")).to_have_value("2020-09-16")
    groups = page.get_by_role("group", name=re.compile(r"^Group \d+$"))
    expect(groups).to_have_count(3)
    for number, count in enumerate((3, 5, 4), 1):
        for row in range(1, count + 1):
            expect(demand_box(page, number, row)).not_to_have_value("")
        expect(demand_box(page, number, count + 1)).to_have_value("")  # to add one
        for row, name in enumerate(ADDRESSEES[number - 1], 1):
            expect(page.get_by_label(f"Group {number}: addressee {row}", exact=True)
                   ).to_have_value(name)
    for row, name in enumerate(FOUNDING_ORGANIZATIONS, 1):
        expect(page.get_by_label(f"Signatory {row}", exact=True)).to_have_value(name)
    dropped = page.get_by_role("region", name="Dropped as page furniture").get_by_role("listitem")
    expect(dropped).to_have_text(FURNITURE)
    expect(page.get_by_role("region", name="Not placed (kept in the lead text)")).to_contain_text(
        "Every line found its place.")

    # The correction: the first demand of group 1.
    first = demand_box(page, 1, 1)
    assert first.input_value().startswith(FIRST_DEMAND), first.input_value()
    corrected = first.input_value() + CORRECTION
    first.fill(corrected)
    slug = page.get_by_label("Address (slug)").input_value()
    assert slug
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status")).to_contain_text("is saved as a draft")
    return slug, corrected


def test_a_coordinator_imports_corrects_publishes_and_approves_an_organization(
        live_app: Flask, open_context: Callable[..., BrowserContext], mailbox: Mailbox,
        live_server: str, requests_made: RequestLog):
    with live_app.app_context():
        create_coordinator_for(COORDINATOR, name="Mariia Tomak")

    coordinator = open_context().new_page()
    sign_in(coordinator, COORDINATOR)
    expect(coordinator.get_by_text("You are not on the team of any statement yet.")
           ).to_be_visible()
    slug, corrected = paste_and_correct(coordinator)

    # The draft's page shows the correction.
    expect(coordinator).to_have_url(f"{live_server}/coordinate/{slug}/edit")
    groups = coordinator.get_by_role("region", name="Groups of demands")
    first_group = groups.get_by_role("article").first
    expect(first_group.get_by_role("heading")).to_have_text(
        "Group 1: to Government of Russian Federation")
    expect(first_group.get_by_role("listitem").first).to_have_text(corrected)
    state = coordinator.get_by_role("region", name="State")
    expect(state).to_contain_text("Draft: only its team can see it.")
    state.get_by_role("link", name="Publish…").click()
    coordinator.get_by_role("button", name="Publish").click()
    expect(coordinator.get_by_role("status")).to_contain_text("The statement is published")

    coordinator.get_by_role("link", name="See the public page").click()
    expect(coordinator).to_have_url(f"{live_server}/s/{slug}")
    expect(coordinator.get_by_role("listitem").filter(has_text=FIRST_DEMAND)).to_have_text(
        corrected)

    # An organization co-signs on the public page, in another browser.
    organization = open_context().new_page()
    organization.goto(f"/s/{slug}")
    expect(organization.get_by_role("listitem").filter(has_text=FIRST_DEMAND)).to_have_text(
        corrected)
    form = organization.get_by_role("region", name="Co-sign for an organization")
    cosign(form, ORGANIZATION, CONTACT)
    expect(organization.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    organization.goto(mailbox.confirmation_link(CONTACT))
    organization.get_by_role("button", name="Confirm my signature").click()
    expect(organization.get_by_role("heading", level=1)).to_have_text("Thank you")
    organization.goto(f"/s/{slug}")
    expect(organization.get_by_role("region", name="Signed by")).not_to_contain_text(ORGANIZATION)

    # The coordinator approves it in the queue, from the statement's dashboard.
    coordinator.goto(f"/coordinate/{slug}/")
    expect(coordinator.get_by_role("region", name="What waits for you")).to_contain_text(
        f"1 organization is awaiting approval: {ORGANIZATION}.")
    expect(figure(coordinator, "Organizations awaiting approval")).to_have_text("1")
    expect(figure(coordinator, "Organizations approved")).to_have_text(str(FOUNDED))
    coordinator.get_by_role("link", name="Approve or reject them").click()
    waiting = coordinator.get_by_role("region", name="Awaiting approval (1)").get_by_role(
        "article", name=ORGANIZATION)
    waiting.get_by_role("button", name=re.compile(rf"^Approve\W+{ORGANIZATION}$")).click()
    expect(coordinator.get_by_role("status")).to_contain_text(
        f"{ORGANIZATION} is approved and now appears on the statement.")
    approved = coordinator.get_by_role("region", name=f"Approved ({FOUNDED + 1})")
    expect(approved).to_contain_text(ORGANIZATION)

    coordinator.goto(f"/s/{slug}")
    signed_by = coordinator.get_by_role("region", name="Signed by")
    expect(signed_by.get_by_role("link", name=ORGANIZATION)).to_be_visible()
    expect(signed_by).to_contain_text(f"{ORGANIZATION} (Ukraine)")
    expect(coordinator.locator("#counts")).to_contain_text(f"{FOUNDED + 1} organizations")

    coordinator.goto(f"/coordinate/{slug}/")
    expect(figure(coordinator, "Organizations approved")).to_have_text(str(FOUNDED + 1))
    expect(figure(coordinator, "Organizations awaiting approval")).to_have_text("0")
    expect(coordinator.get_by_role("region", name="What waits for you")).to_contain_text(
        "Nothing waits for you")

    assert requests_made.foreign() == []

"""A coordinator shares a draft's private sign-on link; an organization co-signs the
draft through it before launch, confirms by e-mail, is approved, and is listed once
the statement is published."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.walks import Mailbox, RequestLog, cosign
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, import_example

pytestmark = pytest.mark.browser

SLUG = "crimea-2020"
COORDINATOR = "mariia@example.org"
ORGANIZATION = "Kharkiv Solidarity Network"
CONTACT = "iryna@solidarity.example.org"


def sign_in(page: Page, email: str) -> None:
    page.goto("/coordinate/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your statements")


def cosign_form(page: Page) -> Locator:
    return page.get_by_role("region", name="Co-sign for an organization")


def test_an_organization_cosigns_a_draft_through_its_private_link(
        live_app: Flask, open_context: Callable[..., BrowserContext], mailbox: Mailbox,
        live_server: str, requests_made: RequestLog):
    with live_app.app_context():
        title = import_example(slug=SLUG, publish=False).title
        create_coordinator_for(COORDINATOR, SLUG, name="Mariia Tomak")

    # The coordinator creates the private link on the draft's page.
    coordinator = open_context().new_page()
    sign_in(coordinator, COORDINATOR)
    coordinator.get_by_role("link", name=title, exact=True).click()
    expect(coordinator).to_have_url(f"{live_server}/coordinate/{SLUG}/edit")
    sign_on = coordinator.get_by_role("region", name="Private sign-on link")
    sign_on.get_by_role("button", name="Create a private sign-on link").click()
    expect(coordinator.get_by_role("status")).to_contain_text("A private sign-on link is ready")
    link_field = coordinator.get_by_role("region", name="Private sign-on link").get_by_label(
        "Link to copy")
    link = link_field.input_value()
    assert link.startswith(f"{live_server}/s/{SLUG}/private/"), link

    # Another person: the draft has no public page, but the link opens it.
    organization = open_context().new_page()
    response = organization.goto(f"/s/{SLUG}")
    assert response is not None and response.status == 404
    expect(organization.get_by_role("heading", level=1)).to_have_text("Page not found")

    organization.goto(link)
    expect(organization.get_by_role("heading", level=1)).to_have_text(title)
    expect(organization.get_by_text("This statement is not published yet.")).to_be_visible()
    expect(organization.get_by_role("region", name="Sign this statement")).to_have_count(0)
    form = cosign_form(organization)
    cosign(form, ORGANIZATION, CONTACT)
    expect(organization.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    confirmation = mailbox.confirmation_link(CONTACT)
    assert confirmation.startswith(f"{live_server}/confirm/")
    organization.goto(confirmation)
    expect(organization.get_by_text(f"Co-signing for {ORGANIZATION}.")).to_be_visible()
    organization.get_by_role("button", name="Confirm my signature").click()
    expect(organization.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(organization.get_by_text("The statement is not published yet.")).to_be_visible()

    # The coordinator approves the organization, then publishes the statement.
    coordinator.goto(f"/coordinate/{SLUG}/organizations")
    awaiting = coordinator.get_by_role("region", name="Awaiting approval (1)")
    waiting = awaiting.get_by_role("article", name=ORGANIZATION)
    expect(waiting).to_contain_text(CONTACT)
    # Its name, hidden from sight, tells a screen reader which organization it approves.
    approve = waiting.get_by_role("button", name=re.compile(rf"^Approve\W+{ORGANIZATION}$"))
    approve.click()
    expect(coordinator.get_by_role("status")).to_contain_text(
        f"{ORGANIZATION} is approved and now appears on the statement.")
    expect(coordinator.get_by_role("region", name="Awaiting approval (0)")).to_be_visible()

    coordinator.goto(f"/coordinate/{SLUG}/edit")
    coordinator.get_by_role("region", name="State").get_by_role("link", name="Publish…").click()
    coordinator.get_by_role("button", name="Publish").click()
    expect(coordinator.get_by_role("status")).to_contain_text("The statement is published")

    # The other person now finds the organization on the public page.
    organization.goto(f"/s/{SLUG}")
    signed_by = organization.get_by_role("region", name="Signed by")
    expect(signed_by.get_by_role("link", name=ORGANIZATION)).to_be_visible()
    expect(signed_by).to_contain_text(f"{ORGANIZATION} (Ukraine)")
    expect(organization.get_by_role("region", name="Co-sign for an organization")).to_be_visible()
    # The private link now leads to the public page.
    organization.goto(link)
    expect(organization).to_have_url(f"{live_server}/s/{SLUG}")

    assert requests_made.foreign() == []

"""An organization co-signs with its logo (issue 15, point 3): a file that is no image
is refused on the form with a clear message, a real logo is accepted, and the logo is
shown on the public page once a coordinator approves the organization, served by the
app itself."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import BrowserContext, expect

from tests.browser.test_organization_private_link_walk import cosign_form, sign_in
from tests.browser.walks import Mailbox, RequestLog
from tests.conftest import create_coordinator_for, import_example

pytestmark = pytest.mark.browser

SLUG = "crimea-2020"
COORDINATOR = "mariia@example.org"
ORGANIZATION = "Kharkiv Solidarity Network"
CONTACT = "iryna@solidarity.example.org"
LOGO_LABEL = "Logo (optional): PNG, JPEG or WebP, at most 2 MB"


def test_an_organization_cosigns_with_a_logo_shown_once_approved(
        live_app: Flask, open_context: Callable[..., BrowserContext], mailbox: Mailbox,
        live_server: str, requests_made: RequestLog, tmp_path: Path):
    with live_app.app_context():
        import_example(slug=SLUG)
        create_coordinator_for(COORDINATOR, SLUG, name="Mariia Tomak")
    not_an_image = tmp_path / "logo.png"
    not_an_image.write_bytes(b"%PDF-1.7 this is not a picture")
    logo = tmp_path / "logo.jpg"
    picture = io.BytesIO()
    Image.new("RGB", (320, 160), (20, 90, 200)).save(picture, format="JPEG")
    logo.write_bytes(picture.getvalue())

    page = open_context().new_page()
    page.goto(f"/s/{SLUG}")
    form = cosign_form(page)
    form.get_by_label("Organization name").fill(ORGANIZATION)
    form.get_by_label("Country").select_option(label="Ukraine")
    form.get_by_label("Type of organization").select_option(label="Non-governmental organization")
    form.get_by_label("Contact person").fill("Iryna Shevchenko")
    form.get_by_label("Contact e-mail address").fill(CONTACT)
    form.get_by_label(LOGO_LABEL).set_input_files(str(not_an_image))
    form.get_by_label("I am authorized to sign this statement on behalf of this organization"
                      ).check()
    form.get_by_role("button", name="Co-sign").click()

    # Refused at the field, the rest of the form kept; nothing saved.
    form = cosign_form(page)
    expect(form.get_by_role("alert")).to_be_visible()
    expect(form).to_contain_text("This file is not a PNG, JPEG or WebP image that can be read.")
    expect(form.get_by_label(LOGO_LABEL)).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Organization name")).to_have_value(ORGANIZATION)

    form.get_by_label(LOGO_LABEL).set_input_files(str(logo))
    form.get_by_label("I am authorized to sign this statement on behalf of this organization"
                      ).check()
    form.get_by_role("button", name="Co-sign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    page.goto(mailbox.confirmation_link(CONTACT))
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    # Not shown before a coordinator approves it.
    page.goto(f"/s/{SLUG}")
    expect(page.locator("img.organization-logo")).to_have_count(0)

    coordinator = open_context().new_page()
    sign_in(coordinator, COORDINATOR)
    coordinator.goto(f"/coordinate/{SLUG}/organizations")
    waiting = coordinator.get_by_role("region", name="Awaiting approval (1)").get_by_role(
        "article", name=ORGANIZATION)
    waiting.get_by_role("button", name=re.compile(rf"^Approve\W+{ORGANIZATION}$")).click()
    expect(coordinator.get_by_role("status")).to_contain_text(f"{ORGANIZATION} is approved")

    page.goto(f"/s/{SLUG}")
    shown = page.get_by_role("region", name="Signed by").locator("li").filter(
        has_text=ORGANIZATION).locator("img.organization-logo")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("src", re.compile(r"^/logos/[0-9a-f]{64}\.png$"))
    # Drawn, from this site: the browser fetched and decoded it (once in view: the
    # logos of a long list load lazily).
    shown.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth === 320",
                           arg=shown.element_handle())
    served = page.request.get(shown.get_attribute("src"))
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert requests_made.foreign() == []

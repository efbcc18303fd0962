"""The strict Content-Security-Policy breaks nothing a person sees: Chromium reports no
violation on the public pages, an error state, and the sign-in page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def policy_violations(page: Page) -> list[str]:
    """Chromium's console reports of what the policy blocked on this page, from now on."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def test_public_pages_cause_no_policy_violation(page: Page, published_example: str):
    violations = policy_violations(page)

    for path in ("/", published_example, "/privacy", "/coordinate/sign-in", "/s/no-such"):
        page.goto(path)
    page.goto(published_example)
    page.get_by_role("region", name="Sign this statement").get_by_role(
        "button", name="Sign", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Please correct the following:")

    assert violations == []


def test_an_inline_script_is_blocked_and_reported(page: Page, published_example: str):
    """The check above can fail: Chromium blocks and reports an inline script."""
    violations = policy_violations(page)
    page.goto(published_example)

    page.evaluate("""() => { const script = document.createElement('script');
                             script.textContent = 'window.ran = true';
                             document.body.append(script); }""")

    assert page.evaluate("window.ran === undefined")
    assert violations

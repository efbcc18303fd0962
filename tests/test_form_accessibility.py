"""Every form a person meets: each field has a label, and no attribute says "None"."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.support import post_form

HIDDEN_TYPES = {"hidden", "submit", "button"}


class FormControls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labelled: set[str] = set()
        self.controls: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.labelled.add(attributes["for"])
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in HIDDEN_TYPES:
            self.controls.append(attributes)


def assert_every_field_is_labelled(html: str) -> None:
    assert '="None"' not in html
    parser = FormControls()
    parser.feed(html)
    assert parser.controls, "the page has no form field to check"
    unlabelled = [control for control in parser.controls
                  if control.get("id") not in parser.labelled]
    assert unlabelled == []


def test_the_statement_page_and_its_errors_label_every_field(client, statement_slug):
    assert_every_field_is_labelled(client.get(f"/s/{statement_slug}").text)
    errors = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                       {"person-name": ""})
    assert errors.status_code == 400
    assert_every_field_is_labelled(errors.text)


def test_sign_in_labels_every_field(client):
    assert_every_field_is_labelled(client.get("/coordinate/sign-in").text)


@pytest.mark.parametrize("path", [
    "/coordinate/new",
    "/coordinate/{slug}/edit",
    "/coordinate/{slug}/team",
    "/coordinate/{slug}/updates",
    "/coordinate/{slug}/replies",
    "/coordinate/settings",
])
def test_workspace_forms_label_every_field(coordinator_client, statement_slug, path):
    page = coordinator_client.get(path.format(slug=statement_slug))
    assert page.status_code == 200
    assert_every_field_is_labelled(page.text)

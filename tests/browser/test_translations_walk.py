"""One statement in two languages (issue 13), in Chromium.

A supporter on a phone switches the interface to Ukrainian, reads the statement's
official Ukrainian translation, signs, gets the confirmation e-mail in Ukrainian,
confirms, and sees the count with the Ukrainian plural. A coordinator adds an English
translation of a Ukrainian statement, approves it, and an English reader gets it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect

from campaign.extensions import db
from campaign.statements.services import get_statement
from campaign.statements.translating import (
    add_translation,
    approve_translation,
    save_translation,
    source_parts,
)
from tests.browser.walks import Mailbox, RequestLog
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, import_example
from tests.example_statement import TITLE
from tests.support import text_of

pytestmark = pytest.mark.browser

UK_TITLE = "Заява правозахисних організацій щодо вироку другій бахчисарайській групі"
UK_DEMAND = "негайно звільнити всіх політв'язнів"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def ukrainian(key: str) -> str:
    if key == "title":
        return UK_TITLE
    if key.startswith("demand-"):
        return f"{UK_DEMAND} ({key})"
    return f"Український текст ({key})"


def test_a_supporter_reads_signs_and_confirms_in_ukrainian_on_a_phone(
        live_app: Flask, open_context: Callable[..., BrowserContext], mailbox: Mailbox,
        requests_made: RequestLog):
    with live_app.app_context():
        statement = import_example(slug="crimea-ukrainian")
        translation = add_translation(statement, "uk")
        save_translation(translation, {part.key: ukrainian(part.key)
                                       for part in source_parts(statement)})
        approve_translation(translation)
        db.session.commit()

    page = open_context(**PHONE).new_page()
    page.goto("/s/crimea-ukrainian")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("navigation", name="Language", exact=True).get_by_role(
        "link", name="Українська").click()

    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("heading", level=1)).to_have_text(UK_TITLE)
    expect(page.locator("ol.demands li").first).to_contain_text(UK_DEMAND)
    other = page.get_by_role("navigation", name="Ця заява іншими мовами")
    expect(other.get_by_role("link", name="English")).to_have_attribute(
        "href", "/s/crimea-ukrainian?lang=en")

    form = page.get_by_role("region", name="Підписати заяву")
    form.get_by_label("Ваше ім'я").fill("Оксана Петренко")
    form.get_by_label("Ваша адреса електронної пошти").fill("oksana@example.org")
    form.get_by_label("Країна").select_option(label="Україна")
    form.get_by_label("Ім'я та ініціал прізвища").check()
    form.get_by_role("button", name="Підписати", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Перевірте пошту")

    message = mailbox.wait_for("oksana@example.org")
    assert message["Subject"] == f"Підтвердьте свій підпис: {UK_TITLE}"
    assert message["Content-Language"] == "uk"
    assert f"Будь ласка, підтвердьте свій підпис під заявою «{UK_TITLE}»" in " ".join(
        text_of(message).split())

    page.goto(mailbox.confirmation_link("oksana@example.org"))
    page.get_by_role("button", name="Підтвердити підпис").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Дякуємо")
    page.get_by_role("link", name="Переглянути заяву та її підписантів").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(UK_TITLE)
    expect(page.locator("#counts")).to_contain_text("1 особа підписала")
    expect(page.get_by_role("region", name="Підписали")).to_contain_text("Оксана П.")

    # The same signatory, the same count, read in English.
    page.goto("/s/crimea-ukrainian?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "en")
    assert requests_made.foreign() == []


def test_a_coordinator_publishes_an_english_translation_that_an_english_reader_gets(
        live_app: Flask, open_context: Callable[..., BrowserContext],
        requests_made: RequestLog):
    with live_app.app_context():
        statement = import_example(slug="zaiava")
        statement.language, statement.title = "uk", UK_TITLE
        create_coordinator_for("mariia@example.org", "zaiava")
        db.session.commit()

    page = open_context().new_page()
    page.goto("/coordinate/sign-in")
    page.get_by_label("E-mail address").fill("mariia@example.org")
    page.get_by_label("Password").fill(COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/coordinate/zaiava/edit")
    page.get_by_role("navigation", name="This statement", exact=True).get_by_role(
        "link", name="Languages").click()
    expect(page.get_by_text("Written in Ukrainian.")).to_be_visible()
    page.get_by_label("Translate into").fill("en")
    page.get_by_role("button", name="Start a translation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Translation into English")

    page.get_by_label("Title", exact=True).fill("Statement of human rights organizations")
    # Every part but the addressees, whose names may stay as they are.
    parts = page.locator("textarea[name^='part-']:not([name^='part-addressee'])")
    for index in range(1, parts.count()):
        parts.nth(index).fill(f"English part {index}")
    page.get_by_role("button", name="Save the translation").click()
    expect(page.get_by_text("The translation is saved.")).to_be_visible()
    page.get_by_role("button", name="Approve as official").click()
    expect(page.get_by_text("The translation is official")).to_be_visible()

    reader = open_context(locale="en-GB").new_page()
    reader.goto("/s/zaiava")
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "Statement of human rights organizations")
    expect(reader.locator("html")).to_have_attribute("lang", "en")
    expect(reader.get_by_role("navigation", name="This statement in other languages")
           .get_by_role("link", name="Українська")).to_have_attribute("lang", "uk")
    ukrainian_reader = open_context(locale="uk-UA").new_page()
    ukrainian_reader.goto("/s/zaiava")
    expect(ukrainian_reader.get_by_role("heading", level=1)).to_have_text(UK_TITLE)
    assert requests_made.foreign() == []

    with live_app.app_context():
        assert get_statement("zaiava").language == "uk"

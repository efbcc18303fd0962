"""The embedded widget in a page of another local origin: it renders there, with its
count and a sign link that opens the statement outside the frame; the statement page
itself refuses to be framed, like every other page of the site."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def member_site(live_server: str, published_example: str) -> Iterator[str]:
    """A member organization's page on another origin (another port), framing the widget
    and, as an attacker would, the statement page and the sign-in page."""
    body = (
        "<!doctype html><html lang='en'><head><title>Member site</title></head><body>"
        "<h1>Our coalition</h1>"
        f"<iframe id='widget' title='widget' src='{live_server}{published_example}/widget' "
        "width='360' height='220'></iframe>"
        f"<iframe id='page' title='page' src='{live_server}{published_example}'></iframe>"
        f"<iframe id='sign-in' title='sign-in' src='{live_server}/coordinate/sign-in'></iframe>"
        "</body></html>").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_widget_renders_on_another_origin_and_nothing_else_can_be_framed(
        browser: Browser, live_server: str, published_example: str, member_site: str):
    # A context of its own: the member site is another origin on purpose.
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(member_site)
        page.wait_for_load_state("load")

        widget = page.frame_locator("#widget")
        expect(widget.get_by_text("Statement of human rights organizations")).to_be_visible()
        expect(widget.get_by_text("organizations ·")).to_be_visible()
        sign = widget.get_by_role("link", name="Sign")
        expect(sign).to_have_attribute("target", "_blank")
        expect(sign).to_have_attribute("href", f"{live_server}{published_example}#sign")

        frames = {frame.name or frame.url: frame for frame in page.frames}
        page_frame = page.frame_locator("#page")
        sign_in_frame = page.frame_locator("#sign-in")
        # The refused frames hold Chromium's error page, never the site's content.
        expect(page_frame.get_by_role("heading", name="Sign this statement")).to_have_count(0)
        expect(sign_in_frame.get_by_label("Password")).to_have_count(0)
        blocked = [frame.url for frame in page.frames if frame.url.startswith("chrome-error:")]
        assert len(blocked) == 2, frames

        with context.expect_page() as opened:
            sign.click()
        statement = opened.value
        statement.wait_for_load_state()
        assert statement.url == f"{live_server}{published_example}#sign"
        expect(statement.get_by_role("heading", name="Sign this statement")).to_be_visible()
    finally:
        context.close()


def test_on_a_phone_the_sign_link_is_at_the_top(open_context, published_example: str):
    phone = open_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                         has_touch=True)
    page = phone.new_page()
    page.goto(published_example)

    bar = page.get_by_role("complementary", name="Sign this statement")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("signatures")
    assert bar.bounding_box()["y"] < 844  # on the first screen
    bar.get_by_role("link", name="Sign").click()
    expect(page.get_by_role("textbox", name="Your name")).to_be_in_viewport()
    desktop = open_context(viewport={"width": 1280, "height": 900}).new_page()
    desktop.goto(published_example)
    expect(desktop.get_by_role("complementary", name="Sign this statement")).to_be_hidden()

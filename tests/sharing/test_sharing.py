"""Sharing without trackers: plain share links, a preview card drawn here, the
embeddable widget (the only page another site may frame), the phone bar and print."""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from campaign.extensions import db
from campaign.security import parse_policy
from campaign.sharing.services import (
    PREVIEW_SIZE,
    ShareError,
    mastodon_share_url,
    preview_png,
    rounded_count,
    share_links,
    widget_snippet,
)
from campaign.statements.models import Statement
from tests.support import post_form

PAGE = "https://undersigned.example/s/crimea-2020"
TITLE = "Free the Crimean political prisoners"


def test_share_links_are_plain_addresses_of_each_site_carrying_the_page(app_context):
    links = {link.key: link for link in share_links(TITLE, PAGE, "/signal", "/mastodon")}

    assert list(links) == ["email", "telegram", "whatsapp", "signal", "x", "facebook",
                           "mastodon"]
    mail = urlsplit(links["email"].href)
    assert mail.scheme == "mailto"
    assert parse_qs(mail.query)["body"] == [f"{TITLE}\n\n{PAGE}"]
    assert parse_qs(urlsplit(links["telegram"].href).query)["url"] == [PAGE]
    assert urlsplit(links["telegram"].href).netloc == "t.me"
    assert PAGE in parse_qs(urlsplit(links["whatsapp"].href).query)["text"][0]
    assert parse_qs(urlsplit(links["x"].href).query)["url"] == [PAGE]
    assert parse_qs(urlsplit(links["facebook"].href).query)["u"] == [PAGE]
    # Signal and Mastodon have no one share address: a page of ours helps.
    assert links["signal"].href == "/signal" and not links["signal"].external
    assert links["mastodon"].href == "/mastodon"


@pytest.mark.parametrize("typed", ["mastodon.social", "https://mastodon.social/home",
                                   "@me@Mastodon.Social", " mastodon.social "])
def test_a_mastodon_share_goes_to_the_share_page_of_the_readers_server(app_context, typed):
    url = urlsplit(mastodon_share_url(typed, TITLE, PAGE))

    assert (url.scheme, url.netloc, url.path) == ("https", "mastodon.social", "/share")
    assert PAGE in parse_qs(url.query)["text"][0]


@pytest.mark.parametrize("typed", ["", "localhost", "not a host.org", "x" * 300 + ".org",
                                   "exa\x00mple.org"])
def test_a_mastodon_server_that_is_no_host_name_is_refused(app_context, typed):
    with pytest.raises(ShareError):
        mastodon_share_url(typed, TITLE, PAGE)


def test_the_snippet_is_an_iframe_with_a_plain_link_and_no_script(app_context):
    snippet = widget_snippet(f"{PAGE}/widget", PAGE, 'Say "no" <now>')

    assert snippet.startswith(f'<iframe src="{PAGE}/widget"')
    assert f'<a href="{PAGE}">' in snippet
    assert "<script" not in snippet
    assert "&#34;no&#34; &lt;now&gt;" in snippet


def test_the_preview_card_is_a_png_of_the_expected_size(app_context):
    png = preview_png("Заява правозахисних організацій " * 8, "1,200 signatures", "example")

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == PREVIEW_SIZE
    assert preview_png("Заява правозахисних організацій " * 8, "1,200 signatures",
                       "example") is png  # drawn once, then kept


def test_the_count_on_a_card_moves_in_steps():
    assert [rounded_count(n) for n in (0, 99, 100, 123, 12_345, 1_999_999)] == [
        0, 99, 100, 120, 12_000, 1_900_000]


def test_the_statement_page_has_share_links_and_a_preview_card(client, statement_slug):
    page = client.get(f"/s/{statement_slug}")

    html = page.text
    assert re.search(r'<meta property="og:image" content="http://[^"]+/s/crimea-2020/preview\.png">',
                     html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:title" content="Statement of human rights organizations' in html
    hrefs = re.findall(r'<a href="([^"]+)"[^>]*data-share="(\w+)"', html)
    assert [key for _, key in hrefs] == ["email", "telegram", "whatsapp", "signal", "x",
                                         "facebook", "mastodon"]
    # Nothing on the page is loaded from another site: only links lead there.
    assert not re.search(r'<(?:script|img|iframe|link)[^>]+(?:src|href)="https?://(?!localhost)',
                         html)
    assert 'rel="noopener noreferrer nofollow"' in html


def test_on_a_phone_the_top_has_the_count_and_a_link_to_the_form(client, statement_slug):
    html = client.get(f"/s/{statement_slug}").text

    bar = re.search(r'<aside class="phone-bar".*?</aside>', html, re.S)[0]
    assert re.search(r"\d+ signatures", bar)
    assert '<a class="phone-bar-sign" href="#sign">Sign</a>' in bar
    assert 'id="sign"' in html
    assert html.index("phone-bar") < html.index('class="lead"')
    css = client.get("/static/css/site.css").text
    assert re.search(r"@media \(max-width: 40rem\) \{\s*\.phone-bar \{\s*display: flex", css)


def test_the_print_stylesheet_leaves_out_forms_and_navigation(client):
    css = client.get("/static/css/site.css").text

    rule = re.search(r"@media print \{(.*?)\n\}", css, re.S)[1]
    hidden = rule.split("{ display: none")[0]
    for selector in (".sign", ".manage", "form", ".share", ".phone-bar", ".language-switcher"):
        assert selector in hidden
    for kept in (".signatories", ".demand-group", ".lead"):
        assert kept not in hidden


def test_the_preview_image_route_serves_a_cached_png(client, statement_slug):
    response = client.get(f"/s/{statement_slug}/preview.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "max-age=600" in response.headers["Cache-Control"]
    assert Image.open(io.BytesIO(response.data)).size == PREVIEW_SIZE
    assert client.get("/s/no-such-statement/preview.png").status_code == 404


def test_only_the_widget_may_be_framed_by_other_sites(client, statement_slug):
    widget = client.get(f"/s/{statement_slug}/widget")
    page = client.get(f"/s/{statement_slug}")
    preview = client.get(f"/s/{statement_slug}/preview.png")
    missing = client.get("/s/no-such-statement/widget")

    assert widget.status_code == 200
    assert parse_policy(widget.headers["Content-Security-Policy"])["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in widget.headers
    # Every other directive of the widget stays strict.
    assert parse_policy(widget.headers["Content-Security-Policy"])["script-src"] == "'self'"
    for other in (page, preview, missing):
        assert parse_policy(other.headers["Content-Security-Policy"])["frame-ancestors"] == \
            "'none'"
        assert other.headers["X-Frame-Options"] == "DENY"


def test_the_widget_shows_title_count_and_a_sign_link_out_of_the_frame(client, statement_slug):
    html = client.get(f"/s/{statement_slug}/widget").text

    assert "Statement of human rights organizations" in html
    assert re.search(r"\d+ organizations", html)
    sign = re.search(r'<a class="widget-sign" href="([^"]+)" target="_blank" rel="noopener">'
                     r"Sign", html)
    assert sign and sign[1].endswith(f"/s/{statement_slug}#sign")
    assert "<form" not in html and "<script" not in html


def test_a_draft_has_no_widget_card_or_share_page(app: Flask, client: FlaskClient):
    with app.app_context():
        db.session.add(Statement(slug="a-draft", title="Not out yet"))
        db.session.commit()

    for path in ("widget", "preview.png", "share/signal", "share/mastodon"):
        assert client.get(f"/s/a-draft/{path}").status_code == 404, path


def test_mastodon_share_page_asks_for_the_server_then_goes_there(client, statement_slug):
    url = f"/s/{statement_slug}/share/mastodon"

    wrong = post_form(client, url, url, {"instance": "not a server"})
    right = post_form(client, url, url, {"instance": "@olena@mastodon.social"})

    assert wrong.status_code == 400
    assert "Enter the address of your Mastodon server" in unescape(wrong.text)
    assert right.status_code == 302
    assert right.headers["Location"].startswith("https://mastodon.social/share?text=")
    # Without the page's token nobody can bounce a visitor through it.
    assert client.post(url, data={"instance": "evil.example"}).status_code == 400


def test_signal_page_gives_the_text_to_copy(client, statement_slug):
    html = client.get(f"/s/{statement_slug}/share/signal").text

    assert re.search(r'<textarea id="share-text"[^>]*>Sign “Statement of human rights', html)
    assert f"/s/{statement_slug}</textarea>" in html


def test_the_coordinator_copies_the_snippet_from_the_workspace(coordinator_client,
                                                               statement_slug):
    page = coordinator_client.get(f"/coordinate/{statement_slug}/share")

    assert page.status_code == 200
    snippet = unescape(re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', page.text,
                                 re.S)[1])
    assert re.fullmatch(r'<iframe src="http://[^"]+/s/crimea-2020/widget" title="Sign “.+?”" '
                        r'width="360" height="220" loading="lazy"><a href="http://[^"]+/s/'
                        r'crimea-2020">Sign “.+?”</a></iframe>', snippet)
    assert f'href="/coordinate/{statement_slug}/share"' in page.text

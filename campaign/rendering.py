"""Markdown to safe HTML, and the template helpers every page uses."""

from __future__ import annotations

from functools import lru_cache

import nh3
from flask import Flask
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from campaign.text import ascii_form_to_check, country_name

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
    ["replacements", "smartquotes", "table", "strikethrough"]
)

# The longest Markdown a coordinator may write in one text a page or an e-mail shows
# (an update, a reply). markdown-it's time grows with the text, to about 40 µs a
# character on crafted input, and a page renders it once per process: an 11 MB
# update would hold every web worker that shows it for minutes. 50,000 characters
# is some 8,000 words; a longer reply goes in its attached document.
MARKDOWN_LENGTH = 50_000

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "a", "ul", "ol",
    "li", "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache(maxsize=512)
def render_markdown(text: str) -> Markup:
    """Markdown rendered without raw HTML, then sanitized all the same: no scripts,
    no styles, no images (which would load from a third party), only http(s) and
    mailto links."""
    html = nh3.clean(
        _markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(html)


def address_to_check(address: str) -> Markup:
    """An address as a coordinator checks it before mail goes there: with its ASCII
    form beside it when its domain is in other letters, which may only look like the
    ones meant (see ascii_form_to_check)."""
    sent = ascii_form_to_check(address)
    if sent is None:
        return escape(address)
    note = escape(_("(sent as %(address)s: the domain has letters other than plain Latin "
                    "a–z)")) % {"address": Markup("<code>%s</code>") % sent}
    return escape(address) + " " + note


def init_app(app: Flask) -> None:
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(address_to_check, "address_to_check")
    app.add_template_filter(country_name, "country_name")
    app.add_template_global(get_locale)
    app.add_template_global(format_date)

"""The rules of sharing: which links a statement is shared by, where a Mastodon share
goes, what the preview image shows.

Every share link is a plain link to the other site's own share address: the statement
page loads nothing from those sites (no button scripts, no counters, no pixels), so a
reader's visit is told to nobody until they choose to share. Signal has no share
address, and each Mastodon server has its own, so those two go through a page of ours.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import idna
from flask_babel import gettext as _
from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont

from campaign.domain import DomainError

# The size messaging apps and social sites expect of a preview card (1.91:1).
PREVIEW_SIZE = (1200, 630)
_FONTS = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
_INK = (29, 61, 107)
_PAPER = (250, 248, 243)
_MUTED = (80, 80, 80)
MAX_INSTANCE_LENGTH = 253


class ShareError(DomainError):
    """The share cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ShareLink:
    key: str
    label: str
    href: str
    # A link to another site: the reader leaves this one.
    external: bool = True


def share_text(title: str) -> str:
    return _("Sign “%(title)s”", title=title)


def share_links(title: str, url: str, signal_page: str, mastodon_page: str) -> list[ShareLink]:
    """The links to share a statement by, in the order the page shows them."""
    text = share_text(title)
    return [
        ShareLink("email", _("E-mail"), "mailto:?" + urlencode(
            {"subject": text, "body": f"{title}\n\n{url}"}, quote_via=quote)),
        ShareLink("telegram", "Telegram", "https://t.me/share/url?" + urlencode(
            {"url": url, "text": text}, quote_via=quote)),
        ShareLink("whatsapp", "WhatsApp", "https://wa.me/?" + urlencode(
            {"text": f"{text} {url}"}, quote_via=quote)),
        ShareLink("signal", "Signal", signal_page, external=False),
        ShareLink("x", "X", "https://x.com/intent/post?" + urlencode(
            {"text": text, "url": url}, quote_via=quote)),
        ShareLink("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode(
            {"u": url}, quote_via=quote)),
        ShareLink("mastodon", "Mastodon", mastodon_page, external=False),
    ]


def mastodon_share_url(instance: str, title: str, url: str) -> str:
    """The share address of the reader's own Mastodon server. Only a host name is
    taken (a pasted address or a handle like @me@example.social is cut down to it),
    so the answer is always that server's /share page, never another path."""
    host = instance.strip().lower()
    if host.startswith(("https://", "http://")):
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0]
    if host.count("@"):
        host = host.rsplit("@", 1)[1]
    if not host or len(host) > MAX_INSTANCE_LENGTH or "." not in host:
        raise ShareError(_("Enter the address of your Mastodon server, such as mastodon.social."),
                         field="instance")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ShareError(_("“%(host)s” is not the address of a server. Enter one such as "
                           "mastodon.social.", host=host), field="instance") from error
    return f"https://{ascii_host}/share?" + urlencode({"text": f"{share_text(title)} {url}"},
                                                      quote_via=quote)


def widget_snippet(widget_url: str, page_url: str, title: str) -> str:
    """The HTML a member organization pastes into its site: an iframe, with a plain
    link for readers whose browser shows no frames. No script: it runs nothing of ours
    on their pages, and works under their strictest policy."""
    label = escape(_("Sign “%(title)s”", title=title))
    return (f'<iframe src="{escape(widget_url)}" title="{label}" width="360" height="220" '
            f'loading="lazy"><a href="{escape(page_url)}">{label}</a></iframe>')


@lru_cache(maxsize=128)
def preview_png(title: str, count_line: str, site_line: str) -> bytes:
    """The preview card of a statement: its title, the count and the site, drawn here.

    Kept per text, so a card is drawn once for each count it shows (the caller rounds
    the count, so that not every new signature draws a new one)."""
    image = Image.new("RGB", PREVIEW_SIZE, _PAPER)
    draw = ImageDraw.Draw(image)
    regular = str(_FONTS / "DejaVuSerif.ttf")
    bold = str(_FONTS / "DejaVuSerif-Bold.ttf")
    margin = 72
    draw.rectangle((0, 0, PREVIEW_SIZE[0], 18), fill=_INK)
    title_font, lines = _fit(draw, title, bold, PREVIEW_SIZE[0] - 2 * margin, 5)
    y = 90
    for line in lines:
        draw.text((margin, y), line, font=title_font, fill=_INK)
        y += int(title_font.size * 1.25)
    draw.text((margin, PREVIEW_SIZE[1] - 150), count_line,
              font=ImageFont.truetype(bold, 44), fill=(20, 20, 20))
    draw.text((margin, PREVIEW_SIZE[1] - 82), site_line,
              font=ImageFont.truetype(regular, 30), fill=_MUTED)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, font_path: str, width: int,
         max_lines: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font at which the text wraps into at most max_lines lines; a title
    too long even then is cut with an ellipsis."""
    for size in (64, 56, 48, 42, 36):
        font = ImageFont.truetype(font_path, size)
        lines = _wrap(draw, text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    lines[-1] = lines[-1].rstrip(" ,.;:") + "…"
    return font, lines


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def rounded_count(total: int) -> int:
    """The count a preview card shows: exact up to 100, then rounded down to two
    significant digits (12,345 shows as 12,000), so a busy statement's card changes
    now and then, not with every signature."""
    if total < 100:
        return total
    magnitude = 10 ** (len(str(total)) - 2)
    return total // magnitude * magnitude

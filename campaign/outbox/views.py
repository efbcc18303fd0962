"""/dev/mail: the e-mails captured in the embedded mode, for the person running it.

Registered only where mail goes to files (never in production), so that a person
trying Undersigned on their machine can read the confirmation e-mails and click
their links. Only that person: the page answers requests from this machine alone,
and none that came through a proxy, since a server started without
APP_ENV=production runs in development and would otherwise show every captured
e-mail, password resets included, to anyone.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup, escape
from werkzeug import Response

from campaign.security import from_this_machine

bp = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")

_FILE_NAME = re.compile(r"^[\w.-]+\.eml$")
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class CapturedEmail:
    file_name: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def to(self) -> str:
        return str(self.message["To"] or "")

    @property
    def date(self) -> str:
        return str(self.message["Date"] or "")

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


@bp.before_request
def from_this_machine_only() -> None:
    if not from_this_machine():
        abort(404)


def _mail_dir() -> Path:
    return Path(current_app.config["MAIL_FILE_DIR"])


def _read(path: Path) -> CapturedEmail:
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return CapturedEmail(path.name, message)


def _load(file_name: str) -> CapturedEmail:
    path = _mail_dir() / file_name
    if not _FILE_NAME.match(file_name) or not path.is_file():
        abort(404)
    return _read(path)


def _linkify(text: str) -> Markup:
    escaped = str(escape(text))
    return Markup(_URL.sub(lambda match: f'<a href="{match[0]}">{match[0]}</a>', escaped))


@bp.get("/")
def inbox() -> str:
    directory = _mail_dir()
    paths = sorted(directory.glob("*.eml"), reverse=True) if directory.is_dir() else []
    return render_template("dev/mail_inbox.html", emails=[_read(path) for path in paths[:200]])


@bp.get("/<file_name>")
def message(file_name: str) -> str:
    captured = _load(file_name)
    return render_template("dev/mail_message.html", captured=captured,
                           text=_linkify(captured.part("plain")))


@bp.get("/<file_name>/html")
def message_html(file_name: str) -> Response:
    response = Response(_load(file_name).part("html"), mimetype="text/html")
    # The HTML part is shown as it is; the sandbox keeps anything in it from running.
    response.headers["Content-Security-Policy"] = "sandbox"
    return response

"""What the logs may carry: no capability token, and no signer's data from the database.

Links in e-mails carry the token that lets their holder act (confirm, manage or erase
a signature, unsubscribe, reset a password, join a team, co-sign before launch). A
web server's access log writes every path it serves, so whoever reads the logs could
act as every signer: the token segment of those paths is replaced in the log records
of the servers we run (Werkzeug's in the embedded mode, gunicorn's in production,
its access log and its error log) and of Flask's own error line.

Nor the client's address: signers can be at risk, and the instance keeps an address
only as a keyed hash and the prefix the limits need, for a limited time
(campaign.abuse.clients). The servers write it first in every access line and, in
gunicorn's line for a malformed request, after "ip="; there it becomes "-", as the
servers write a field they do not know.

SQL errors are logged and reported with their statement; their bound parameters
(addresses, names, token hashes) are hidden by the engines' `hide_parameters`
(campaign.config), and PostgreSQL's DETAIL line, which quotes the values of the row
("Key (email)=(…)", "Failing row contains (…)"), is dropped here for every engine in
the process, the broker's included.
"""

from __future__ import annotations

import logging
import re

from flask import Flask
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

# The segment after each capability route's prefix (see the routes with a <token>;
# tests/test_logs.py checks that every one of them is covered).
_TOKEN_IN_PATH = re.compile(
    r"(/(?:confirm|signer|unsubscribe|reset-password|invitations)/"
    r"|/s/[^/\s?#\"]+/private/)[^/\s?#\"]+")
REDACTED = "[token]"
SERVER_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact_tokens(text: str) -> str:
    return _TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text)


class RedactTokens(logging.Filter):
    """Rewrites a record whose message holds a capability path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_redact_tokens = RedactTokens()

# Where a server names the client: first in every line of Werkzeug's and of gunicorn's
# access log in its default format ("<client> - <user> [<time>] …"), whatever the
# field holds (an address, with a port or a zone, or what a proxy passed on); and in
# gunicorn's error line for a malformed request.
_ACCESS_LINE_CLIENT = re.compile(r"^\S+(?= \S+ \S+ \[)")
_ERROR_LINE_CLIENT = re.compile(r"(?<=^Invalid request from ip=).+?(?=: )")


class DropClientAddress(logging.Filter):
    """Rewrites a server's record that names the client, the name becoming "-"."""

    def __init__(self, client: re.Pattern[str]) -> None:
        super().__init__()
        self.client = client

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        dropped = self.client.sub("-", message, count=1)
        if dropped != message:
            record.msg, record.args = dropped, None
        return True


_CLIENT_IN_LOGGER = {"werkzeug": DropClientAddress(_ACCESS_LINE_CLIENT),
                     "gunicorn.access": DropClientAddress(_ACCESS_LINE_CLIENT),
                     "gunicorn.error": DropClientAddress(_ERROR_LINE_CLIENT)}


def keep_tokens_and_addresses_out_of_logs(app: Flask) -> None:
    """On the loggers themselves, so that whatever handlers the server configures
    (a file, stdout, syslog) never see a token or a client's address. Loggers are per
    process, and the app is created in every process that serves it."""
    for logger in (*map(logging.getLogger, SERVER_LOGGERS), app.logger):
        logger.addFilter(_redact_tokens)
    for name, drop_client in _CLIENT_IN_LOGGER.items():
        logging.getLogger(name).addFilter(drop_client)


@event.listens_for(Engine, "handle_error")
def _keep_row_values_out_of_errors(context: ExceptionContext) -> None:
    original = context.original_exception
    message = str(original)
    first_line, _, detail = message.partition("\n")
    if not detail:
        return
    # The driver's exception keeps its structured details (psycopg's `diag`) for any
    # code that inspects them; only the text that gets logged loses them.
    original.args = (first_line,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None and wrapped.args and isinstance(wrapped.args[0], str):
        wrapped.args = (wrapped.args[0].replace(message, first_line), *wrapped.args[1:])

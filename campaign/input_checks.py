"""What the web edge refuses before any view reads it: input the database cannot hold.

PostgreSQL refuses a NUL character in text and an id beyond its 32-bit integer, and
the error would surface as a 500 wherever such a value reached a query. Both are
stopped here, once for every route, public and coordinator alike.

Only NUL is refused among the control characters: no one types it, while others
(a vertical tab is a line break pasted from a word processor) are stored as typed,
escaped where shown, like any other character.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map

# The largest value of PostgreSQL's `integer`, the type of every id.
LARGEST_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` bounded to what an id column holds: a larger number is no page (404)
    instead of an error from the database."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        bounded = LARGEST_ID if max is None or max > LARGEST_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)


def _texts_of_request() -> list[str]:
    texts = [request.path]
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            texts.extend((name, value))
    texts.extend(upload.filename or "" for upload in request.files.values())
    return texts


def refuse_nul_characters() -> None:
    if any("\x00" in text for text in _texts_of_request()):
        abort(400, description=_(
            "What you sent contains a NUL character, which cannot be stored. Nothing was "
            "saved. Go back, remove it and send the form again."))


def init_app(app: Flask) -> None:
    """Call before any route is added: rules take their converter when they are added."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_nul_characters)

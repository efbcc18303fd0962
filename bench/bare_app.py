"""The yardstick for the signing benchmark: Flask and Flask-SQLAlchemy inserting one
row per request into a table with a unique constraint, and nothing else (no form
library, no CSRF, no e-mail). It reads the same form fields the real form posts, so
that one wrk script drives both.

    DATABASE_URL=postgresql+psycopg://... gunicorn 'bare_app:create_app()'
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class BareSignature(db.Model):
    __tablename__ = "bare_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    country: Mapped[str] = mapped_column(String(2))


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ["DATABASE_URL"]
    db.init_app(app)

    @app.post("/sign")
    def sign() -> tuple[str, int]:
        db.session.add(BareSignature(name=request.form["person-name"],
                                     email=request.form["person-email"],
                                     country=request.form["person-country"]))
        db.session.commit()
        return "", 201

    return app

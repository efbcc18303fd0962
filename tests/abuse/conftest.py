"""The abuse defences' tests make applications with limits of their own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from campaign.extensions import limiter
from tests.abuse.limits_setup import MakeApp
from tests.conftest import make_app
from tests.support import tier_hooks

pytest_collection_modifyitems, pytest_report_collectionfinish = tier_hooks(
    marker="redis_server", name="tests with a redis-server of their own",
    missing=lambda: None if shutil.which("redis-server") else
    "redis-server is missing (apt-get install redis-server)")


@pytest.fixture
def limited_app(app: Flask, database_url: str, mail_dir: Path) -> Iterator[MakeApp]:
    """Make an application with these settings (small limits, a proxy...) on the suite's
    database. There is one limiter for every application, and the last one made gives it
    its storage: the suite's application gets a fresh one of its own back afterwards."""
    def make(**settings: object) -> Flask:
        return make_app(database_url, mail_dir, **settings)

    yield make
    limiter.init_app(app)

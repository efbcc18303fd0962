"""The in-process signing benchmarks (signing_profile.py, signing_instructions.py) run:
both endpoints sign, and the profile prints its breakdown."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from campaign.extensions import limiter

pytestmark = pytest.mark.load


@pytest.fixture(autouse=True)
def _process_restored(app: Flask) -> Iterator[None]:
    """The scripts set the production settings in os.environ, as gunicorn would get
    them, put bench/ on sys.path, and make apps in this process, the last of which
    gives the process's one limiter its storage: the suite gets all three back."""
    environment, path = dict(os.environ), list(sys.path)
    yield
    os.environ.clear()
    os.environ.update(environment)
    sys.path[:] = path
    limiter.init_app(app)


def _signatures(harness) -> dict[str, int]:
    engine = create_engine(harness.DATABASE_URL)
    with engine.connect() as connection:
        counts = {table: connection.scalar(select(func.count()).select_from(text(table)))
                  for table in ("individual_signature", "bare_signature")}
    engine.dispose()
    return counts


def test_signing_profile_measures_both_endpoints_and_breaks_the_real_one_down(
        capsys, load_benchmark, monkeypatch):
    module = load_benchmark("signing_profile")
    monkeypatch.setattr(sys, "argv", ["signing_profile.py", "--requests", "5", "--rounds", "1"])

    module.main()

    printed = capsys.readouterr().out
    assert "bare Flask-SQLAlchemy insert" in printed and "real signing form" in printed
    for step in ("rate limits counted (Redis)", "signature and e-mail stored (PostgreSQL)"):
        assert step in printed


def test_signing_instructions_drives_both_endpoints_to_the_database(load_benchmark):
    """What each run under callgrind does (valgrind itself is not run here: a run takes
    a minute and a half)."""
    module = load_benchmark("signing_instructions")
    harness = sys.modules["harness"]
    harness.fresh_signing_database()

    module.child("real", 3)
    module.child("bare", 3)

    signed = module.WARM_UP + 3
    assert _signatures(harness) == {"individual_signature": signed, "bare_signature": signed}

"""The benchmarks' smoke tests: each benchmark runs for a few seconds, so that they keep
working. They need what the benchmarks need: PostgreSQL (TEST_DATABASE_URL) for all,
Redis (TEST_BROKER_URL) for those marked `worker`, and Redis and wrk for those marked
`load`. Without them the tests are
deselected, never skipped, and the run says so; with TEST_REQUIRE_SERVICES=1 (as in
`.ci/run`) a missing wrk fails the run instead.

The benchmarks own their database and broker and wipe them: they get a database
beside the test database (its name with `_bench_smoke` appended) and the Redis
database after the tests' one."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from types import ModuleType

import pytest
from sqlalchemy import make_url

from tests.support import PROJECT_ROOT

_STATE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql: runs a benchmark on PostgreSQL (TEST_DATABASE_URL); "
                   "deselected when the suite runs on SQLite")
    config.addinivalue_line(
        "markers", "load: runs a benchmark under gunicorn and wrk, on PostgreSQL and Redis "
                   "(TEST_DATABASE_URL, TEST_BROKER_URL); deselected without them")
    config.addinivalue_line(
        "markers", "worker: runs a benchmark with the Celery worker, on PostgreSQL and Redis "
                   "(TEST_DATABASE_URL, TEST_BROKER_URL); deselected without them")
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    if database_url.startswith("postgresql"):
        # Read by bench/harness.py when it is first imported, which is after this.
        url = make_url(database_url)
        os.environ["BENCH_DATABASE_URL"] = url.set(
            database=f"{url.database}_bench_smoke").render_as_string(hide_password=False)
    broker_url = os.environ.get("TEST_BROKER_URL", "")
    if broker_url.startswith("redis"):
        url = make_url(broker_url)
        os.environ["BENCH_REDIS_URL"] = url.set(
            database=str(int(url.database or 0) + 1)).render_as_string(hide_password=False)


def _missing(item: pytest.Item) -> str | None:
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return "set TEST_DATABASE_URL to a PostgreSQL database"
    needs_broker = item.get_closest_marker("load") or item.get_closest_marker("worker")
    if needs_broker and not os.environ.get("TEST_BROKER_URL", "").startswith("redis"):
        return "set TEST_BROKER_URL to a Redis database"
    if item.get_closest_marker("load") and shutil.which("wrk") is None:
        if os.environ.get("TEST_REQUIRE_SERVICES") == "1":
            raise pytest.UsageError("TEST_REQUIRE_SERVICES=1 but wrk is missing: "
                                    "apt-get install wrk")
        return "install wrk (apt-get install wrk)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    left_out = {item: reason for item in items
                if any(item.get_closest_marker(name) for name in ("postgresql", "load", "worker"))
                and (reason := _missing(item))}
    if not left_out:
        return
    items[:] = [item for item in items if item not in left_out]
    config.hook.pytest_deselected(items=list(left_out))
    config.stash[_STATE] = (f"benchmark smoke runs: {len(left_out)} deselected; "
                            + "; ".join(sorted(set(left_out.values()))))


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    return config.stash.get(_STATE, None)


@pytest.fixture
def load_benchmark(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """A benchmark script of bench/, imported as a module."""
    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "bench" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)
        spec.loader.exec_module(module)
        return module

    return load

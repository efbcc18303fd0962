"""The deploy tier: the topology of docker-compose.yml without Docker. Two web nodes
(gunicorn, as compose's `web` runs it) on addresses of their own, one PostgreSQL and
one Redis, and Caddy in front of them with the project's own deploy/Caddyfile.

It needs PostgreSQL (TEST_DATABASE_URL), Redis (TEST_BROKER_URL) and `caddy` (Debian's
package). Without them the tier is deselected, never skipped, and the run says so;
with TEST_REQUIRE_SERVICES=1 (as in `.ci/run`) anything missing fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import import_example
from tests.deploy.cluster import Cluster
from tests.support import tier_hooks


def _missing() -> str | None:
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return "set TEST_DATABASE_URL to a PostgreSQL database"
    if not os.environ.get("TEST_BROKER_URL", "").startswith("redis"):
        return "set TEST_BROKER_URL to a Redis database"
    if shutil.which("caddy") is None:
        return "caddy is missing (apt-get install caddy)"
    return None


pytest_collection_modifyitems, pytest_report_collectionfinish = tier_hooks(
    marker="deploy", name="deploy tier (tests/deploy)", missing=_missing)


# The nodes work on the suite's test database, which `app` has migrated once before
# they start (compose's `migrate` service): they live no longer than the module.
@pytest.fixture(scope="module")
def cluster(app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[Cluster]:
    cluster = Cluster(database_url=database_url, redis_url=os.environ["TEST_BROKER_URL"],
                      directory=tmp_path_factory.mktemp("deploy"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def slug(app: Flask, request: pytest.FixtureRequest) -> str:
    """A published statement of the test's own: the nodes remember a statement's
    title for a few seconds, and each test empties the tables."""
    with app.app_context():
        return import_example(request.node.name.replace("_", "-")[:60]).slug

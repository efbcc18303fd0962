"""deploy/Caddyfile when a web node stops answering (restarting, redeployed, crashed):
the others take its requests, and what the proxy logs of a failed request names no
signer's link and no client's address."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask

from campaign.signing.models import IndividualStatus
from tests.abuse.limits_setup import individual
from tests.deploy.cluster import Cluster, Node, sign
from tests.deploy.compose import services
from tests.support import wait_for

pytestmark = pytest.mark.deploy


@pytest.fixture
def stopped(cluster: Cluster) -> Iterator[list[Node]]:
    """The nodes a test stops, started again after it for the module's other tests."""
    nodes: list[Node] = []
    yield nodes
    for node in nodes:
        node.start(cluster.env)
    for node in nodes:
        node.wait_until_serving()


def test_a_node_down_loses_no_request(cluster: Cluster, stopped: list[Node], slug: str,
                                      app: Flask):
    down = cluster.nodes[1]
    down.stop()
    stopped.append(down)
    browser = cluster.browser("127.0.0.21")

    pages = [cluster.send(browser, "GET", f"/s/{slug}") for _ in range(4)]
    posted, page_node, post_node = sign(cluster, browser, slug, "mariia@example.org")

    assert [(page.status, node.name) for page, node in pages] == [(200, "node1")] * 4
    assert (posted.status, page_node.name, post_node.name) == (302, "node1", "node1")
    with app.app_context():
        assert individual("mariia@example.org").status is IndividualStatus.UNCONFIRMED


def test_the_proxy_logs_no_link_or_address_of_a_request_it_could_not_pass_on(
        cluster: Cluster, stopped: list[Node]):
    for node in cluster.nodes:
        node.stop()
        stopped.append(node)
    token = secrets.token_urlsafe(32)
    browser = cluster.browser("127.0.0.22")
    browser.headers["X-Forwarded-For"] = "198.51.100.7"
    logged_before = cluster.caddy_log.read_text(errors="replace").count("http.log.error")

    answer = browser.get(f"/confirm/{token}")

    assert answer.status == 502
    log = wait_for(lambda: (text := cluster.caddy_log.read_text(errors="replace")).count(
        "http.log.error") > logged_before and text, timeout=10, what="Caddy to log the 502")
    # It logged the failure (the test would see a leak), without the request's details.
    assert "connection refused" in log
    for secret in (token, "127.0.0.22", "198.51.100.7"):
        assert secret not in log, secret


def _compose_health_probe(node: Node) -> list[str]:
    """docker-compose.yml's health check of a web replica, aimed at NODE."""
    probe = services()["web"]["healthcheck"]["test"]
    assert probe[:2] == ["CMD", "python"], "the probe is no longer Python: update this"
    return [sys.executable, *(part.replace("127.0.0.1:8000", node.address)
                              for part in probe[2:])]


def test_compose_health_probe_passes_a_serving_node_and_fails_a_stopped_one(
        cluster: Cluster, stopped: list[Node]):
    node = cluster.nodes[1]
    assert subprocess.run(_compose_health_probe(node), capture_output=True,
                          timeout=30).returncode == 0

    node.stop()
    stopped.append(node)

    assert subprocess.run(_compose_health_probe(node), capture_output=True,
                          timeout=30).returncode != 0

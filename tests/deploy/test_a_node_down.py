"""deploy/Caddyfile when a web node stops answering (restarting, redeployed, crashed):
the others take its requests, and what the proxy logs of a failed request names no
signer's link and no client's address."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from flask import Flask

from campaign.signing.models import IndividualStatus
from tests.abuse.limits_setup import individual
from tests.deploy.cluster import Cluster, Node, sign
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

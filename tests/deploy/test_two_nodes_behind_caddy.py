"""docker-compose.yml's claim, shown with real processes: two web nodes behind Caddy
(deploy/Caddyfile), one PostgreSQL and one Redis, and the rate limits still per client.

Every client reaches the nodes only through the proxy, from an address of its own on
the loopback network (127.0.0.2, 127.0.0.3…), as different people would."""

from __future__ import annotations

import pytest
from flask import Flask

from campaign.abuse.models import HoldReason
from campaign.signing.models import IndividualStatus
from tests.abuse.limits_setup import individual, mailed_to
from tests.deploy.cluster import CHECK_YOUR_EMAIL, Cluster, Node, sign
from tests.faults.support import Answer, Browser
from tests.support import csrf_token, path_of

pytestmark = pytest.mark.deploy


def test_requests_through_the_proxy_reach_both_nodes(cluster: Cluster, slug: str):
    browser = cluster.browser("127.0.0.2")
    served: dict[str, int] = {}

    for _ in range(6):
        page, node = cluster.send(browser, "GET", f"/s/{slug}")
        assert page.status == 200
        served[node.name] = served.get(node.name, 0) + 1

    # deploy/Caddyfile's round robin: in turn.
    assert served == {"node1": 3, "node2": 3}


def test_a_supporter_signs_on_one_node_the_page_another_served(cluster: Cluster, slug: str,
                                                                app: Flask):
    browser = cluster.browser("127.0.0.2")

    posted, page_node, post_node = sign(cluster, browser, slug, "olena@example.org")

    # The form's token and cookie came from one node and were checked by the other:
    # they share SECRET_KEY.
    assert page_node is not post_node
    assert path_of(posted.location) == f"/s/{slug}/check-your-email"
    with app.app_context():
        signature = individual("olena@example.org")
        assert signature.status is IndividualStatus.UNCONFIRMED
        assert signature.name == "Olena"
        # The client's own address, not the proxy's: the node believed one hop of
        # X-Forwarded-For (TRUSTED_PROXY_COUNT=1), the one Caddy wrote.
        assert signature.ip_hash == cluster.address_hash("127.0.0.2")
        assert signature.ip_hash != cluster.address_hash("127.0.0.1")
        assert mailed_to() == ["olena@example.org"]


def test_the_signing_limit_counts_one_client_on_both_nodes(cluster: Cluster, slug: str,
                                                           app: Flask):
    # SIGNING_RATE_LIMIT is 3 per 5 minutes: the fourth signature from one address is
    # held, whichever node takes it.
    crowded = cluster.browser("127.0.0.2")
    emails = [f"signer{number}@example.org" for number in range(1, 5)]

    answers = [sign(cluster, crowded, slug, email) for email in emails]
    neighbour, _, _ = sign(cluster, cluster.browser("127.0.0.3"), slug, "next@example.org")

    forms_taken = [post_node.name for _, _, post_node in answers]
    # Both nodes took the client's forms, neither more than the limit: only a count
    # shared in Redis can hold the fourth.
    assert sorted(forms_taken) == ["node1", "node1", "node2", "node2"]
    # The held signer is told exactly what everyone is told.
    held = answers[-1][0]
    assert {(posted.status, posted.location) for posted, _, _ in answers} == {
        (held.status, held.location)}
    assert (neighbour.status, neighbour.location) == (held.status, held.location)
    with app.app_context():
        signatures = [individual(email) for email in emails]
        assert [s.status for s in signatures] == [IndividualStatus.UNCONFIRMED] * 3 + [
            IndividualStatus.SUSPECTED]
        assert signatures[-1].hold_reason is HoldReason.RATE_LIMIT
        assert individual("next@example.org").status is IndividualStatus.UNCONFIRMED
        assert mailed_to() == [*emails[:3], "next@example.org"]


def test_a_forged_forwarded_for_does_not_escape_the_limit(cluster: Cluster, slug: str,
                                                          app: Flask):
    forger = cluster.browser("127.0.0.4")
    emails = [f"forger{number}@example.org" for number in range(1, 5)]

    for number, email in enumerate(emails, start=1):
        # A new address of its choosing on every request.
        forger.headers["X-Forwarded-For"] = f"203.0.113.{number}"
        sign(cluster, forger, slug, email)

    with app.app_context():
        signatures = [individual(email) for email in emails]
        assert [s.status for s in signatures] == [IndividualStatus.UNCONFIRMED] * 3 + [
            IndividualStatus.SUSPECTED]
        assert signatures[-1].hold_reason is HoldReason.RATE_LIMIT
        assert {(s.ip_hash, s.ip_prefix) for s in signatures} == {
            (cluster.address_hash("127.0.0.4"), "127.0.0.0/24")}


def test_send_me_my_link_over_its_limit_answers_429_on_either_node(cluster: Cluster,
                                                                   slug: str):
    # RESEND_RATE_LIMIT is 2 per 5 minutes.
    def ask_for_link(browser: Browser) -> tuple[Answer, Node]:
        page, _ = cluster.send(browser, "GET", f"/s/{slug}")
        # The page's forms carry one token, the browser's (campaign.form_tokens).
        asked, node = cluster.send(browser, "POST", f"/s/{slug}/manage", {
            "manage-email": "olena@example.org", "manage-csrf_token": csrf_token(page.text)})
        if asked.status == 302:
            sent, _ = cluster.send(browser, "GET", path_of(asked.location))
            assert CHECK_YOUR_EMAIL in sent.text
        return asked, node

    hurried = cluster.browser("127.0.0.5")
    answers = [ask_for_link(hurried) for _ in range(3)]
    other, _ = ask_for_link(cluster.browser("127.0.0.6"))

    assert [asked.status for asked, _ in answers] == [302, 302, 429]
    assert {node.name for _, node in answers[:2]} == {"node1", "node2"}
    refused = answers[-1][0]
    assert "Please wait a little" in refused.text
    assert "Nothing is wrong with what you entered" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 300
    assert other.status == 302

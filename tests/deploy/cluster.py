"""docker-compose.yml's web tier as processes on this machine: two gunicorn nodes and
Caddy in front of them, configured by deploy/Caddyfile."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from campaign.abuse.clients import address_hash
from tests.deploy.compose import app_environment
from tests.faults.support import Answer, Browser
from tests.support import (
    PROJECT_ROOT,
    csrf_token,
    ends_with_the_tests,
    individual_fields,
    path_of,
    wait_for,
)

CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"
# What compose's DNS gives the proxy and this machine has not: the replicas of "web".
_COMPOSE_UPSTREAMS = re.compile(r"^(\s*)dynamic a web 8000 \{\n.*?\n\1\}\n", re.M | re.S)
_COMPOSE_SITE = re.compile(r"^:8000 \{$", re.M)
_GLOBAL_OPTIONS = re.compile(r"^\{\n", re.M)

# Two nodes, as two hosts would be: each on an address of its own.
NODE_HOSTS = ("127.0.0.11", "127.0.0.12")
# Small enough to reach in a few requests; windows of minutes, so that a slow machine
# does not see one end in the middle of a test.
SIGNING_RATE_LIMIT = "3 per 5 minutes"
RESEND_RATE_LIMIT = "2 per 5 minutes"
CHECK_YOUR_EMAIL = "Check your e-mail"


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    # SIGINT is a quick shutdown for both gunicorn and Caddy.
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _serving(process: subprocess.Popen[bytes], log: Path, url: str) -> bool:
    assert process.poll() is None, log.read_text(errors="replace")
    try:
        return Browser(url).get("/").status == 200
    except OSError:
        return False


@dataclass
class Node:
    """One web node: gunicorn as compose's `web` service runs it, with fewer workers."""

    name: str
    host: str
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.directory / f"{self.name}-access.log"

    @property
    def error_log(self) -> Path:
        return self.directory / f"{self.name}.log"

    def requests_served(self) -> list[str]:
        """Its access log's lines, one a request ("GET /s/… HTTP/1.1" in each)."""
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(errors="replace").splitlines()

    def start(self, env: dict[str, str]) -> None:
        with self.error_log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", self.address, "--workers", "2",
                 "--access-logfile", str(self.access_log), "campaign:create_app()"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=ends_with_the_tests)

    def wait_until_serving(self) -> None:
        assert self.process is not None
        wait_for(lambda: _serving(self.process, self.error_log, f"http://{self.address}"),
                 timeout=60, what=f"gunicorn on {self.name} to serve")

    def stop(self) -> None:
        _stop(self.process)


def proxy_config(nodes: list[Node], port: int, storage: Path) -> str:
    """deploy/Caddyfile with the compose-only parts swapped: the nodes' addresses for
    the replicas' DNS lookup, and a free port for 8000. Everything else is the file's
    own, so that a change to how it proxies changes what these tests see. Options
    added to its global block keep this Caddy off the admin port and out of system
    folders."""
    caddyfile = CADDYFILE.read_text()
    caddyfile, found = _COMPOSE_UPSTREAMS.subn(
        lambda match: f"{match[1]}to {' '.join(node.address for node in nodes)}\n", caddyfile)
    assert found == 1, "deploy/Caddyfile no longer looks up `dynamic a web 8000`: update this"
    caddyfile, found = _COMPOSE_SITE.subn(f":{port} {{", caddyfile)
    assert found == 1, "deploy/Caddyfile no longer serves `:8000`: update this"
    caddyfile, found = _GLOBAL_OPTIONS.subn(
        f"{{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\tstorage file_system {storage}\n",
        caddyfile)
    assert found == 1, "deploy/Caddyfile no longer has a global options block: update this"
    return caddyfile


class Cluster:
    """The nodes, migrated once beforehand, sharing SECRET_KEY, the database and Redis
    (broker and rate limits), behind Caddy; clients reach them only through it."""

    def __init__(self, *, database_url: str, redis_url: str, directory: Path) -> None:
        self.directory = directory
        self.proxy_port = free_port("127.0.0.1")
        # A key of this run's own: the limits' keys in Redis are derived from it, so
        # an earlier run's counts (kept for minutes) cannot hold this run's clients.
        self.secret_key = secrets.token_urlsafe(48)
        self.nodes = [Node(f"node{number}", host, free_port(host), directory)
                      for number, host in enumerate(NODE_HOSTS, start=1)]
        # Nothing of this machine's own settings for the limits or the broker: the
        # nodes take both from REDIS_URL, as compose's do.
        inherited = {name: value for name, value in os.environ.items() if name not in
                     {"RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "CELERY_BROKER_URL"}}
        compose = app_environment()
        self.env = {
            **inherited,
            # As docker-compose.yml sets them for its replicas.
            **{name: compose[name] for name in (
                "APP_ENV", "PREFERRED_URL_SCHEME", "TRUSTED_PROXY_COUNT", "MAIL_DEFAULT_SENDER")},
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SERVER_NAME": f"127.0.0.1:{self.proxy_port}",
            "LOGO_DIR": str(directory / "logos"),
            "MAIL_SERVER": "127.0.0.1",
            "SIGNING_RATE_LIMIT": SIGNING_RATE_LIMIT,
            "RESEND_RATE_LIMIT": RESEND_RATE_LIMIT,
        }
        self.caddy: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def caddy_log(self) -> Path:
        return self.directory / "caddy.log"

    def start(self) -> None:
        for node in self.nodes:
            node.start(self.env)
        for node in self.nodes:
            node.wait_until_serving()
        config = self.directory / "Caddyfile"
        config.write_text(proxy_config(self.nodes, self.proxy_port, self.directory / "caddy"))
        home = self.directory / "caddy-home"
        home.mkdir()
        caddy_env = {"PATH": os.environ["PATH"], "HOME": str(home),
                     "XDG_DATA_HOME": str(home / "data"),
                     "XDG_CONFIG_HOME": str(home / "config")}
        with self.caddy_log.open("ab") as log:
            self.caddy = subprocess.Popen(
                [shutil.which("caddy") or "caddy", "run", "--config", str(config),
                 "--adapter", "caddyfile"],
                cwd=self.directory, env=caddy_env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=ends_with_the_tests)
        wait_for(lambda: _serving(self.caddy, self.caddy_log, self.url), timeout=30,
                 what="Caddy to serve")

    def stop(self) -> None:
        _stop(self.caddy)
        for node in self.nodes:
            node.stop()

    def browser(self, source_address: str) -> Browser:
        """A client of the proxy, connecting from this address."""
        return Browser(self.url, source_address=source_address)

    def send(self, browser: Browser, method: str, path: str,
             fields: dict[str, str] | None = None) -> tuple[Answer, Node]:
        """The browser's request through the proxy, and the node that served it (the
        one whose access log has its line)."""
        before = [len(node.requests_served()) for node in self.nodes]
        answer = browser.request(method, path, fields)
        # gunicorn writes the line once the answer is sent: wait for it. Matched by the
        # request line, since a line of the proxy's readiness probe may come late.
        request_line = f'"{method} {path} HTTP/'

        def served_by() -> list[Node] | None:
            logged = [node for node, count in zip(self.nodes, before, strict=True)
                      for line in node.requests_served()[count:] if request_line in line]
            return logged or None

        nodes = wait_for(served_by, timeout=10, what=f"a node's access log to show {path}")
        assert len(nodes) == 1, f"{method} {path} was served {len(nodes)} times"
        return answer, nodes[0]

    def address_hash(self, address: str) -> str:
        """What the nodes keep of a client's address (never the address)."""
        app = Flask(__name__)
        app.secret_key = self.secret_key
        with app.app_context():
            return address_hash(address)


def sign(cluster: Cluster, browser: Browser, slug: str, email: str,
         ) -> tuple[Answer, Node, Node]:
    """Open the statement, sign it and follow the redirect, as a browser does. The
    answer to the form, the node that served the page and the one that took the form."""
    page, page_node = cluster.send(browser, "GET", f"/s/{slug}")
    assert page.status == 200, page.text
    name = email.split("@")[0].title()
    fields = individual_fields(**{"person-email": email, "person-name": name,
                                  "person-csrf_token": csrf_token(page.text)})
    posted, post_node = cluster.send(browser, "POST", f"/s/{slug}/sign", fields)
    assert posted.status == 302, posted.text
    shown, _ = cluster.send(browser, "GET", path_of(posted.location))
    assert shown.status == 200
    assert CHECK_YOUR_EMAIL in shown.text
    return posted, page_node, post_node

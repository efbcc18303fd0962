"""What docker-compose.yml must say for its replicas to behave as one site (README,
"Running more than one"). Compose cannot run on the machines the tests run on (no
Docker daemon, no image registry); the deploy tier runs the same topology as
processes, and these checks hold the file to it. They need no services."""

from __future__ import annotations

import re
import shlex
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

import dev
from tests.deploy.cluster import CADDYFILE
from tests.deploy.compose import APP_SERVICES, app_environment, services
from tests.support import PROJECT_ROOT

SHARED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SERVER_NAME", "PREFERRED_URL_SCHEME",
          "TRUSTED_PROXY_COUNT", "LOGO_DIR", "MAIL_SERVER", "MAIL_DEFAULT_SENDER")


def _port_of_web() -> str:
    command = shlex.split(services()["web"]["command"])
    return command[command.index("--bind") + 1].rpartition(":")[2]


def test_two_web_replicas_are_reached_only_through_the_proxy():
    web, proxy = services()["web"], services()["proxy"]

    assert web["deploy"]["replicas"] == 2
    assert "ports" not in web
    assert proxy["ports"] == ["8000:8000"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    # The Caddyfile looks up every replica of the web service, on the port they bind.
    assert re.search(rf"^\s*dynamic a web {_port_of_web()} \{{", CADDYFILE.read_text(), re.M)


def test_every_process_of_the_app_shares_the_settings_that_make_one_site():
    environments = {name: services()[name]["environment"] for name in APP_SERVICES}

    for name, environment in environments.items():
        assert {key: environment.get(key) for key in SHARED} == {
            key: environments["web"].get(key) for key in SHARED}, name
    web = app_environment()
    assert web["SECRET_KEY"].startswith("${SECRET_KEY:?"), "a key of the file's own"
    # The limits are counted in the shared Redis (REDIS_URL, unless set otherwise).
    assert "RATELIMIT_STORAGE_URI" not in web and web["REDIS_URL"].startswith("redis://")
    # One proxy before the app: its X-Forwarded-For is the client's address.
    assert web["TRUSTED_PROXY_COUNT"] == "1"


def test_the_logos_the_web_stores_are_where_the_worker_reads_them():
    logo_dir = app_environment()["LOGO_DIR"]
    for name in ("web", "worker"):
        mounts = {volume.split(":")[1]: volume.split(":")[0]
                  for volume in services()[name]["volumes"]}
        assert mounts.get(logo_dir) == "logos", name


def test_the_replicas_start_after_one_migration():
    migrate, web = services()["migrate"], services()["web"]

    assert shlex.split(migrate["command"])[-2:] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert web["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def _matches(path: str, pattern: str) -> bool:
    """Docker's reading of one .dockerignore pattern (Go's filepath.Match, segment by
    segment, so `*` never crosses a `/`), where a leading `**/` stands for any folders."""
    parts, wanted = path.split("/"), pattern.split("/")
    if wanted[0] == "**":
        return any(_matches("/".join(parts[start:]), "/".join(wanted[1:]))
                   for start in range(len(parts)))
    return len(parts) == len(wanted) and all(
        fnmatchcase(part, piece) for part, piece in zip(parts, wanted, strict=True))


def _left_out_of_the_image(path: str) -> bool:
    """Whether the Dockerfile's `COPY . .` leaves PATH behind: a pattern of
    .dockerignore names it or a folder above it. (The file uses no `!` exceptions.)"""
    patterns = [line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text()
                .splitlines() if line.strip() and not line.startswith("#")]
    assert not any(pattern.startswith("!") for pattern in patterns)
    parts = PurePosixPath(path).parts
    return any(_matches("/".join(parts[:end]), pattern)
               for end in range(1, len(parts) + 1) for pattern in patterns)


def test_the_image_holds_no_secret_of_the_machine_it_was_built_on():
    # The top of docker-compose.yml has SECRET_KEY written to .env beside it: copied
    # into the image, the key would travel with the image to any registry it is pushed to.
    for secret in (".env", "instance/settings.py", "instance/logos/a-logo.png"):
        assert _left_out_of_the_image(secret), secret
    for kept in ("campaign/__init__.py", "migrations/env.py", "templates/base.html"):
        assert not _left_out_of_the_image(kept), kept


def test_the_image_can_print_letters():
    # The worker prints letters with WeasyPrint, which needs the system's Pango: the
    # image installs what dev.py installs on a developer's machine.
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    installs = [shlex.split(command.partition("apt-get install")[2])
                for command in re.findall(r"^RUN .*$", dockerfile, re.M)
                for command in command.split("&&") if "apt-get install" in command]
    assert any(set(dev.WEASYPRINT_LIBS) <= set(packages) for packages in installs)


def test_the_migration_waits_for_the_database_the_app_will_reach():
    # The official image's first start initializes the database on a server listening
    # on its Unix socket only; a probe through that socket says "ready" before TCP is,
    # and the migration, refused, would stop every replica from starting.
    probe = shlex.split(services()["postgres"]["healthcheck"]["test"][-1])
    assert probe[0] == "pg_isready" and "--host=127.0.0.1" in probe
    assert services()["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_only_the_proxy_is_published_to_the_network():
    published = {name: service["ports"] for name, service in services().items()
                 if "ports" in service}

    assert published.pop("proxy") == ["8000:8000"]
    # Anything else published (Mailpit's page of every e-mail sent) is for this machine.
    for name, ports in published.items():
        assert all(port.startswith("127.0.0.1:") for port in ports), name


def test_each_replica_reports_whether_it_can_serve():
    web = services()["web"]

    probe = web["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    assert f"http://127.0.0.1:{_port_of_web()}/healthz" in probe[3]
    # The proxy opens the site once a replica can serve it.
    assert services()["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_image_serves_without_migrating_as_it_starts():
    # Two replicas started from the image's own command would migrate at once.
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    command = re.search(r"^CMD (.*)$", dockerfile, re.M)
    assert command is not None
    assert "upgrade" not in command[1] and "gunicorn" in command[1]

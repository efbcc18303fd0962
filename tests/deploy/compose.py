"""docker-compose.yml as data, for the deploy tier: what its services run and with
which settings, so that the processes the tier starts are the ones compose describes."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from tests.support import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
# The services that run the app's code, and so need its settings.
APP_SERVICES = ("migrate", "web", "worker", "beat")


@cache
def services() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def app_environment() -> dict[str, str]:
    """The settings compose gives the web replicas."""
    return {name: str(value) for name, value in services()["web"]["environment"].items()}

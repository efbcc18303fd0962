"""The suite's own helpers, where a mistake would not show as a failing test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT, wait_for

STARTER = """
import subprocess, sys
from tests.support import ends_with_the_tests
server = subprocess.Popen(["sleep", "600"], preexec_fn={preexec})
print(server.pid, flush=True)
server.wait()
"""


def _running(pid: int) -> bool:
    """Whether PID is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _server_of_killed_starter(preexec: str) -> int:
    starter = subprocess.Popen([sys.executable, "-c", STARTER.format(preexec=preexec)],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE)
    pid = int(starter.stdout.readline())
    starter.kill()
    starter.wait()
    starter.stdout.close()
    return pid


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signals are Linux's")
def test_a_server_the_tests_start_ends_when_the_tests_are_killed():
    pid = _server_of_killed_starter("ends_with_the_tests")
    try:
        wait_for(lambda: not _running(pid), timeout=10, what="the server to end with the tests")
    finally:
        subprocess.run(["kill", str(pid)], check=False, capture_output=True)


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signals are Linux's")
def test_without_it_a_server_outlives_its_killed_starter():
    """The test above could fail: a server started plainly lives on."""
    pid = _server_of_killed_starter("None")
    try:
        assert _running(pid)
    finally:
        subprocess.run(["kill", str(pid)], check=False, capture_output=True)

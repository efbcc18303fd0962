"""Instructions per signing request, counted by valgrind: the real signing form and the
bare insert, in this process (Flask's test client, as signing_profile.py drives them).

    .venv/bin/python bench/signing_instructions.py [--requests 200]

wrk's throughput on a shared two-core machine moves by a third between runs of the
same code; a count of instructions does not (callgrind counts what the process
executes, whatever else the machine does). So a change on the signing path that saves
a twentieth of its CPU, invisible to wrk, shows here, and before and after can be
compared on different days. What is counted is this process only: the app's Python,
its drivers' C code and its system calls' user side, not PostgreSQL's or Redis's work
(signing_throughput.py reads PostgreSQL's and Redis's CPU per submission).

Each endpoint runs twice under callgrind, with REQUESTS and with three times as many
submissions after the same start-up and warm-up; the difference divided by the extra
requests is the cost of one request, start-up cancelled out.
"""

from __future__ import annotations

import argparse
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from signing_profile import bare_client, real_client, submission

WARM_UP = 50
_COLLECTED = re.compile(r"Collected : (\d+)")


def child(endpoint: str, requests: int) -> None:
    """Sign REQUESTS times (after the warm-up), under callgrind's count."""
    run = secrets.token_hex(4)
    if endpoint == "real":
        client, path, token = real_client()
        expected = 302
    else:
        client, path, token, expected = bare_client(), "/sign", "-", 201
    for number in range(WARM_UP + requests):
        response = client.post(path, data=submission(number, token, run))
        if response.status_code != expected:
            sys.exit(f"{endpoint}: answered {response.status_code}")


def instructions(endpoint: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        completed = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch}/out",
             sys.executable, __file__, "--child", endpoint, "--requests", str(requests)],
            capture_output=True, text=True, check=False)
    match = _COLLECTED.search(completed.stderr)
    if completed.returncode != 0 or match is None:
        sys.exit(f"valgrind failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", choices=["real", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests)
        return

    harness.fresh_signing_database()
    rows = []
    per_request = {}
    for name, endpoint in (("bare Flask-SQLAlchemy insert", "bare"),
                           ("real signing form", "real")):
        fewer = instructions(endpoint, args.requests)
        more = instructions(endpoint, 3 * args.requests)
        per_request[endpoint] = (more - fewer) / (2 * args.requests)
        rows.append([name, f"{per_request[endpoint] / 1e6:.2f}"])
    harness.print_table(["endpoint", "million instructions per request"], rows)
    print(f"\nthe real form executes {per_request['real'] / per_request['bare']:.2f} times "
          "the bare insert's instructions (this process only)")


if __name__ == "__main__":
    main()

"""Where a signature's time goes, in this process: the CPU time per request of the real
signing form and of the bare insert, and a profile of the real one.

    .venv/bin/python bench/signing_profile.py [--requests 300] [--rounds 5] [--top 25]

wrk's figures (signing_throughput.py) say how fast; these say why. Both apps run here
with the settings gunicorn gives them (production, Redis for the limiter, PostgreSQL),
driven by Flask's test client rather than a socket, so what is measured is the
application's own work: the CPU time of this process per request (best of --rounds),
and the wall time, which adds the waits for PostgreSQL and Redis. The profile counts
CPU time too, so a function's share is what it costs the machine, not what it waits.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from flask import Flask
from flask.testing import FlaskClient


def real_client() -> tuple[FlaskClient, str, str]:
    """The signing app as gunicorn runs it, and a browser that has opened the page."""
    os.environ.update({key: value for key, value in harness.production_env(
        80, harness.ServerSettings()).items() if key not in os.environ or key in (
            "APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SERVER_NAME")})
    os.environ["SERVER_NAME"] = "127.0.0.1"
    os.environ["SIGNING_RATE_LIMIT"] = "100000000 per minute;100000000 per 5 minutes"
    from campaign import create_app

    app = create_app()
    client = app.test_client()
    page = client.get(f"/s/{harness.SLUG}")
    token = _form_token(page.get_data(as_text=True))
    return client, f"/s/{harness.SLUG}/sign", token


def _form_token(page: str) -> str:
    import re

    match = re.search(r'name="person-csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="person-csrf_token"', page)
    if match is None:
        sys.exit("no signing form on the statement page")
    return match.group(1)


def bare_client() -> FlaskClient:
    import bare_app

    app: Flask = bare_app.create_app(harness.DATABASE_URL)
    return app.test_client()


def submission(number: int, token: str, run: str) -> dict[str, str]:
    return {"person-csrf_token": token, "person-name": f"Bench Signer {number}",
            "person-email": f"{run}-{number}@example.org", "person-country": "UA",
            "person-name_display": "full", "person-wants_updates": "y"}


def measure(post: Callable[[int], None], requests: int, rounds: int) -> tuple[float, float]:
    """Best CPU and wall milliseconds per request over ROUNDS rounds of REQUESTS."""
    best_cpu = best_wall = float("inf")
    counter = 0
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            counter += 1
            post(counter)
        best_cpu = min(best_cpu, (time.process_time() - cpu) * 1000 / requests)
        best_wall = min(best_wall, (time.perf_counter() - wall) * 1000 / requests)
    return best_cpu, best_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    harness.fresh_database()
    harness.migrate_and_import()
    harness.create_bare_table()

    client, path, token = real_client()
    run = secrets.token_hex(4)

    def post_real(number: int) -> None:
        response = client.post(path, data=submission(number, token, run))
        if response.status_code != 302:
            sys.exit(f"the signing form answered {response.status_code}")

    bare = bare_client()

    def post_bare(number: int) -> None:
        response = bare.post("/sign", data=submission(number, token, run))
        if response.status_code != 201:
            sys.exit(f"the bare insert answered {response.status_code}")

    post_real(0)
    post_bare(0)
    real_cpu, real_wall = measure(post_real, args.requests, args.rounds)
    bare_cpu, bare_wall = measure(post_bare, args.requests, args.rounds)
    harness.print_table(
        ["endpoint", "CPU ms per request", "wall ms per request"],
        [["bare Flask-SQLAlchemy insert", bare_cpu, bare_wall],
         ["real signing form", real_cpu, real_wall]])

    profiler = cProfile.Profile(time.process_time)
    offset = 10**6
    profiler.enable()
    for number in range(args.requests):
        post_real(offset + number)
    profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(report.getvalue())


if __name__ == "__main__":
    main()

"""Where a signature's time goes, in this process: the CPU time per request of the real
signing form and of the bare insert, and a profile of the real one.

    .venv/bin/python bench/signing_profile.py [--requests 300] [--rounds 5] [--top 25]

It prints the CPU and wall time per request of both, then the signing request step by
step, and with --top the profile's most expensive functions.

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


def measure(posts: dict[str, Callable[[int], None]], requests: int, rounds: int
            ) -> dict[str, tuple[float, float]]:
    """Best CPU and wall milliseconds per request of each endpoint, over ROUNDS rounds of
    REQUESTS, the endpoints taking turns so that drift on the machine falls on each."""
    best = {name: (float("inf"), float("inf")) for name in posts}
    counter = 0
    for _ in range(rounds):
        for name, post in posts.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(requests):
                counter += 1
                post(counter)
            best[name] = (min(best[name][0], (time.process_time() - cpu) * 1000 / requests),
                          min(best[name][1], (time.perf_counter() - wall) * 1000 / requests))
    return best


# The steps of a signature, by the function that does each, in the code of today and of
# before issue 16 (so that one script breaks down both). Steps do not overlap.
STEPS = {
    "session cookie opened and saved": [("flask/sessions.py", "open_session"),
                                        ("flask/sessions.py", "save_session")],
    "Flask-Limiter's before-request hook": [("flask_limiter/_extension.py",
                                             "_check_request_limit")],
    "form parsed, NUL check": [("campaign/input_checks.py", "refuse_nul_characters")],
    "CSRF token checked": [("campaign/form_tokens.py", "check_form_token"),
                           ("campaign/public/views.py", "_check_csrf_token")],
    "form checked (quick check)": [("campaign/signing/forms.py",
                                    "quick_individual_submission")],
    "rate limits counted (Redis)": [("campaign/abuse/services.py", "hold_reason_for")],
    "signature and e-mail stored (PostgreSQL)": [
        ("campaign/signing/first_signature.py", "_store")],
    "redirect": [("flask/helpers.py", "url_for"), ("flask/helpers.py", "redirect")],
    "response hooks (headers)": [("campaign/security.py", "set_security_headers"),
                                 ("campaign/languages.py", "vary_by_language")],
}


def breakdown(stats: pstats.Stats, cpu_ms: float) -> list[list[object]]:
    """Each step's share of the profiled requests, as milliseconds of the unprofiled
    CPU time: an estimate (the profiler slows calls more than loops), good for telling
    the large steps from the small."""
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _, function), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = (filename, function)
        cumulative[key] = cumulative.get(key, 0.0) + cum

    def time_in(place: tuple[str, str]) -> float:
        return sum(cum for (filename, function), cum in cumulative.items()
                   if filename.endswith(place[0]) and function == place[1])

    whole = time_in(("bench/signing_profile.py", "post_real"))
    in_app = time_in(("flask/app.py", "wsgi_app"))
    rows = []
    for step, places in STEPS.items():
        spent = sum(time_in(place) for place in places)
        rows.append([step, cpu_ms * spent / whole])
    rows.append(["the rest of Flask and Werkzeug",
                 cpu_ms * in_app / whole - sum(row[1] for row in rows)])
    rows.append(["the test client (not in production)", cpu_ms * (whole - in_app) / whole])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=0,
                        help="also print the profile's top functions")
    args = parser.parse_args()

    harness.fresh_signing_database()

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
    measured = measure({"bare Flask-SQLAlchemy insert": post_bare,
                        "real signing form": post_real}, args.requests, args.rounds)
    harness.print_table(["endpoint", "CPU ms per request", "wall ms per request"],
                        [[name, cpu, wall] for name, (cpu, wall) in measured.items()])

    profiler = cProfile.Profile(time.process_time)
    offset = 10**6
    profiler.enable()
    for number in range(args.requests):
        post_real(offset + number)
    profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    print("\nthe real signing form, step by step (CPU ms per request, estimated from a profile)")
    harness.print_table(["step", "ms"], breakdown(stats, measured["real signing form"][0]))
    if args.top:
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(report.getvalue())


if __name__ == "__main__":
    main()

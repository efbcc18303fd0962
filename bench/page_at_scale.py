"""The statement page and its JSON, for a statement with 10 signatures and for one with
1,000,000, in the same run.

    .venv/bin/python bench/page_at_scale.py [--seconds 15] [--large 1000000]

Two copies of the example statement on a fresh PostgreSQL database (see harness.py):
one with 10 confirmed signatures, one with --large, made by PostgreSQL itself with
INSERT … SELECT generate_series. The app is served by gunicorn with its production
settings, and wrk (32 connections) asks for each page in turn, twice over in
alternating order so that drift on the machine falls on both sizes alike. The page
never counts rows: counts come from the tally, the names shown from an index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

SMALL = 10
# Two runs of one page differ by a few per cent on this machine; a page that counted
# rows would be many times slower with a million.
SAME_WITHIN = 0.10
CONNECTIONS = 32
PAGES = {"statement page": "/s/{slug}", "JSON": "/api/v1/statements/{slug}"}


@dataclass(frozen=True)
class Measure:
    page: str
    signatures: int
    runs: list[harness.WrkResult]

    @property
    def per_second(self) -> float:
        return statistics.mean(run.per_second for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return max(run.p99_ms for run in self.runs)

    @property
    def failures(self) -> int:
        return sum(run.refused + run.socket_errors for run in self.runs)


def prepare(large: int) -> dict[int, str]:
    harness.fresh_database()
    harness.migrate_and_import()
    slugs = {}
    for count in (SMALL, large):
        slug = f"bench-{count}"
        harness.add_confirmed_signers(harness.import_statement(slug), count)
        slugs[count] = slug
    return slugs


def measure(slugs: dict[int, str], seconds: int, warmup: int, rounds: int,
            settings: harness.ServerSettings, connections: int) -> list[Measure]:
    runs: dict[tuple[str, int], list[harness.WrkResult]] = {}
    with harness.gunicorn("campaign:create_app()", settings) as base_url:
        for page, path in PAGES.items():
            for slug in slugs.values():
                harness.wrk(base_url, "get.lua", [path.format(slug=slug)], warmup, connections)
            for round_number in range(rounds):
                order = list(slugs.items())
                for count, slug in order if round_number % 2 == 0 else reversed(order):
                    runs.setdefault((page, count), []).append(harness.wrk(
                        base_url, "get.lua", [path.format(slug=slug)], seconds, connections))
    return [Measure(page, count, results) for (page, count), results in runs.items()]


def main(argv: list[str] | None = None) -> list[Measure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="length of each run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before, not counted")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each page and size")
    parser.add_argument("--large", type=int, default=1_000_000,
                        help="signatures on the large statement")
    parser.add_argument("--workers", type=int, default=harness.ServerSettings.workers)
    parser.add_argument("--connections", type=int, default=CONNECTIONS,
                        help="wrk's open connections (the smoke test's few keep each "
                             "request's wait under its one-second runs on a slow machine)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    settings = harness.ServerSettings(workers=args.workers)

    slugs = prepare(args.large)
    measures = measure(slugs, args.seconds, args.warmup, args.rounds, settings,
                       args.connections)

    print(f"PostgreSQL {harness.DATABASE_URL.split('@')[-1]}; {settings.describe()}; "
          f"wrk, {args.connections} connections, {args.rounds} x {args.seconds:g} s per page "
          "and size")
    harness.print_table(
        ["page", "signatures", "requests", "failed", "p99 ms (worst run)", "requests/s"],
        [[m.page, m.signatures, sum(run.requests for run in m.runs), m.failures, m.p99_ms,
          m.per_second] for m in measures])

    by_key = {(m.page, m.signatures): m for m in measures}
    targets = []
    for page in PAGES:
        small, large = by_key[(page, SMALL)], by_key[(page, args.large)]
        target = f"{page}: requests/s, {args.large:,} vs {SMALL}"
        wanted = f"{1 - SAME_WITHIN:.0%} to {1 + SAME_WITHIN:.0%}"
        if not small.per_second:
            # Not one answer within the run (a machine busy with something else): no
            # share to tell, and not met.
            targets.append((target, wanted, f"no answer with {SMALL}", False))
            continue
        share = large.per_second / small.per_second
        targets.append((target, wanted, f"{share:.0%}", abs(share - 1) <= SAME_WITHIN))
    print()
    harness.print_table(["target", "wanted", "measured", "met"],
                        [[name, wanted, measured, "yes" if met else "NO"]
                         for name, wanted, measured, met in targets])
    if any(m.failures for m in measures):
        sys.exit("FAILED: some requests were refused or failed (see the table)")
    if args.check and not all(met for *_, met in targets):
        sys.exit("FAILED: a target is missed")
    return measures


if __name__ == "__main__":
    main()

"""The benchmarks under load (gunicorn and wrk) run, and check what they claim."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.load


def table_header(printed: str, first_column: str) -> list[str]:
    line = next(line for line in printed.splitlines() if line.lstrip().startswith(first_column))
    return [cell.strip() for cell in line.split("  ") if cell.strip()]


def test_signing_benchmark_stores_every_accepted_submission_once(capsys, load_benchmark):
    module = load_benchmark("signing_throughput")

    # The script exits 1 when a submission, its e-mail or its task is missing.
    runs = module.main(["--seconds", "2", "--warmup", "1", "--rounds", "2", "--workers", "2"])

    assert [run.endpoint for run in runs] == [
        "bare Flask-SQLAlchemy insert", "real signing form"] * 2
    for run in runs:
        assert run.load.accepted > 0 and run.load.refused == run.load.socket_errors == 0
        assert run.stored.distinct_addresses == run.stored.rows >= run.load.accepted
        assert run.lost == 0
    assert all(real.stored.emails_queued == real.stored.rows for real in runs[1::2])
    # Where the CPU went, read off the processes that served the load.
    for run in runs:
        assert all(run.load.cpu_seconds[kind] > 0 for kind in ("app (gunicorn)", "PostgreSQL",
                                                                "wrk"))
    # Only the real form counts its limits in Redis.
    assert all(real.load.cpu_seconds["Redis"] > 0 for real in runs[1::2])
    printed = capsys.readouterr().out
    assert table_header(printed, "round")[-1] == "submissions/s"
    targets = printed[printed.index("target"):]
    assert "lowest round" in targets and "median round" in targets
    assert table_header(printed, "target")[-1] == "met"
    assert "CPU per submission (ms), by process" in printed


def test_page_benchmark_serves_both_sizes_of_both_pages(capsys, load_benchmark):
    module = load_benchmark("page_at_scale")

    # A few connections: with 32 queued on two workers of a slow machine, a request
    # waits longer than the one-second run, and the run counts none.
    measures = module.main(["--seconds", "1", "--warmup", "1", "--rounds", "1",
                            "--large", "2000", "--workers", "2", "--connections", "4"])

    assert sorted((m.page, m.signatures) for m in measures) == [
        ("JSON", 10), ("JSON", 2000), ("statement page", 10), ("statement page", 2000)]
    assert all(m.failures == 0 and m.per_second > 0 for m in measures)
    assert table_header(capsys.readouterr().out, "page")[-1] == "requests/s"

"""The streaming benchmark runs, and its figures are of the run it made."""

from __future__ import annotations

import pytest


@pytest.mark.postgresql
def test_benchmark_streams_every_row_and_prints_its_table(capsys, load_benchmark):
    module = load_benchmark("streaming_memory")

    results = module.main(["--export-counts", "500", "200", "--fanout-counts", "100", "300"])

    # The script itself exits 1 when the rows differ from the signatures made.
    assert [(result.subject, result.count, result.rows) for result in results] == [
        ("CSV export", 200, 200), ("CSV export", 500, 500),
        ("update fan-out", 100, 100), ("update fan-out", 300, 300)]
    assert all(result.tracemalloc_peak > 0 for result in results)
    assert results[1].output_bytes > results[0].output_bytes > 0
    lines = capsys.readouterr().out.splitlines()
    header = next(index for index, line in enumerate(lines) if line.lstrip().startswith("subject"))
    assert lines[header].split("  ")[-1] == "growth over smallest MiB"
    rows = [line.split() for line in lines[header + 1:header + 5]]
    assert [row[-6] for row in rows] == ["200", "500", "100", "300"]
    # The smallest count of each subject is what the others are compared with.
    assert rows[0][-1] == rows[2][-1] == "0.0"
    assert any(line.startswith("CSV export: ") and "within 5 MiB" in line for line in lines)
    assert any(line.startswith("update fan-out: ") and "within 5 MiB" in line for line in lines)


def test_benchmark_refuses_a_database_other_than_postgresql(load_benchmark, monkeypatch,
                                                           tmp_path):
    module = load_benchmark("streaming_memory")
    monkeypatch.setattr(module.harness, "DATABASE_URL", f"sqlite:///{tmp_path / 'b.sqlite'}")

    with pytest.raises(SystemExit, match="needs PostgreSQL"):
        module.main(["--export-counts", "10", "--fanout-counts"])

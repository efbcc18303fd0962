"""The fan-out benchmark runs, and its figures are of the run it made."""

from __future__ import annotations

import importlib.util
import sys

from tests.support import PROJECT_ROOT


def test_benchmark_fans_out_to_every_recipient_and_prints_its_table(capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    spec = importlib.util.spec_from_file_location(
        "fanout_memory", PROJECT_ROOT / "bench" / "fanout_memory.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fanout_memory", module)
    spec.loader.exec_module(module)

    [result] = module.main(["300"])

    # The script checks that rows written == ids handed over == signers.
    assert result.recipients == result.outbox_rows == 300
    assert result.tracemalloc_peak > 0
    printed = capsys.readouterr().out
    assert "recipients" in printed and "       300" in printed

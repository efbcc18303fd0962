"""The mail benchmark runs with the real worker, and every recipient gets one e-mail."""

from __future__ import annotations

import pytest

from tests.bench.test_load_smoke import table_header

pytestmark = pytest.mark.worker


def test_mail_benchmark_mails_every_opted_in_signer_exactly_once(capsys, load_benchmark):
    module = load_benchmark("mail_throughput")

    # The script exits 1 when a recipient got no e-mail, or more than one.
    result = module.main(["--signers", "300", "--concurrency", "2"])

    assert result.delivered == result.rows_sent == result.signers == 300
    assert result.duplicates == result.missing == 0
    assert result.rss_start > 0 and result.rss_peak >= result.rss_start
    printed = capsys.readouterr().out
    assert table_header(printed, "signers")[-1] == "e-mails/s"
    assert table_header(printed, "target")[-1] == "met"

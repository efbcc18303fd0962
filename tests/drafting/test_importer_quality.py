"""bench/import_quality.py keeps working, and the importer keeps meeting its targets on
the corpus (a second or two: it is the benchmark itself, run in full)."""

import importlib.util
import json
import sys

import pytest

from tests.support import PROJECT_ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "import_quality", PROJECT_ROOT / "bench" / "import_quality.py")
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_corpus_has_twenty_texts_in_five_languages_each_with_its_expected_reading(bench):
    texts = sorted(bench.CORPUS.glob("*.txt"))
    languages = {json.loads(t.with_suffix(".expected.json").read_text(encoding="utf-8"))
                 ["language"] for t in texts}
    assert len(texts) >= 20 and len(languages) >= 5
    assert (bench.CORPUS / "en-crimea-2020.txt").read_text(encoding="utf-8") == (
        PROJECT_ROOT / "campaign" / "demo" / "crimea-statement-2020.txt").read_text(
            encoding="utf-8")


def test_benchmark_prints_its_table_and_meets_the_targets(bench, capsys):
    assert bench.main(["--check"]) == 0
    output = capsys.readouterr().out
    assert "en-crimea-2020" in output
    assert output.rstrip().endswith("targets met")


def test_f1_matches_fuzzily_and_counts_misses_and_strays(bench):
    assert bench.f1([], []) == 1.0
    assert bench.f1(["Release  all prisoners;"], ["release all prisoners"]) == 1.0
    assert bench.f1(["Release all prisoners", "Signed"], ["release all prisoners"]) == \
        pytest.approx(2 / 3)
    assert bench.f1([], ["release all prisoners"]) == 0.0


def test_check_fails_when_a_target_is_missed(bench, tmp_path):
    (tmp_path / "x.txt").write_text("Title\n\nWe call on the council to act.\n", encoding="utf-8")
    (tmp_path / "x.expected.json").write_text(json.dumps({
        "language": "en", "groups": [{"addressees": ["Mayor"], "demands": ["Resign."]}],
        "signatories": [], "furniture": ["Title"]}), encoding="utf-8")
    assert bench.main(["--check", "--corpus", str(tmp_path)]) == 1

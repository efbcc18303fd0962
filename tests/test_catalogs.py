"""The translation catalogs match the source, are complete and compile: a string
added, changed or removed in the code or a template without its catalogs being
updated fails here (and so in `python3 dev.py test` and CI)."""

from __future__ import annotations

from campaign import catalogs


def test_the_catalogs_are_up_to_date_complete_and_compile() -> None:
    assert catalogs.problems() == []


def test_the_check_names_what_is_wrong(tmp_path, monkeypatch) -> None:
    """A catalog missing a string, with a fuzzy one and an empty one, is refused."""
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, fuzzy\nmsgid "Sign in"\nmsgstr "Увійти"\n\n'
        'msgid "Sign out"\nmsgstr ""\n\n'
        'msgid "A string the code no longer has"\nmsgstr "Рядок"\n', encoding="utf-8")
    monkeypatch.setattr(catalogs, "TRANSLATIONS", tmp_path)
    found = "\n".join(catalogs.problems())
    assert "xx/LC_MESSAGES/messages.po: fuzzy, check and unmark it: 'Sign in'" in found
    assert "not translated: 'Sign out'" in found
    assert "no longer in the source (run the update): 'A string the code no longer has'" \
        in found
    assert "missing (run `python -m campaign.catalogs update`): 'Your statements'" in found

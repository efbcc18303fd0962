"""The signing path's quick check (campaign.signing.forms.quick_individual_submission)
accepts exactly what the full form accepts, and makes the same request of it."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from campaign.signing.forms import IndividualSignatureForm, quick_individual_submission
from campaign.signing.models import NameDisplay

WHITESPACE = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u2003"])
# What names lose (campaign.text.without_bidi_controls), and what they keep.
DIRECTION_CONTROLS = st.sampled_from(["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                      "\u2066", "\u2067", "\u2068", "\u2069", "\u200f"])
WRAPPING = st.lists(st.one_of(WHITESPACE, DIRECTION_CONTROLS), max_size=3).map("".join)
NAMES = st.one_of(
    st.just("Olena Kovalenko"), st.just("Мустафа Джемілєв"), st.just(""),
    st.builds(lambda pad, name, end: pad + name + end, WRAPPING,
              st.text(min_size=0, max_size=130), WRAPPING),
    st.builds(lambda pad, name: pad + "x" * 119 + name, WRAPPING, DIRECTION_CONTROLS),
    st.just("x" * 120), st.just("x" * 121), st.just(" " + "x" * 120 + " "),
    # Three characters each once normalized (NFC): 120 of them are too many, 40 are not.
    st.just("\ufb2c" * 120), st.just("\ufb2c" * 40),
)
EMAILS = st.one_of(
    st.sampled_from([
        "olena@example.org", " olena@example.org ", "Olena.K+petition@Gmail.com", "",
        "no-at-sign", "a@b", "олена@example.org", "olena@приклад.укр", "a@@example.org",
        "olena@example..org", "x" * 245 + "@example.org", "@example.org", "olena@",
    ]),
    st.emails().map(str),
    st.text(max_size=40),
)
COUNTRIES = st.one_of(st.sampled_from(["UA", "PL", "GB", "", "ua", "XX", "U A", " UA"]),
                      st.text(max_size=3))
NAME_DISPLAYS = st.one_of(st.sampled_from([*(choice.value for choice in NameDisplay),
                                           "", "FULL", "everything"]),
                          st.text(max_size=8))
AFFILIATIONS = st.one_of(
    st.sampled_from(["", " ", "Professor of Law, Kyiv University", "  КНУ  ", "x" * 200,
                     "x" * 201, " " + "x" * 200 + " ", "Two\nlines", "Line\u2028break",
                     "\u202e", " \u2066КНУ\u2069 ", "x" * 200 + "\u202e"]),
    st.text(max_size=30),
)
CHECKBOX = st.sampled_from(["y", "on", "false", "", "0", "no", "true"])


@st.composite
def posted_forms(draw: st.DrawFn) -> MultiDict[str, str]:
    """A form as a browser or a script might post it: each field present or not, once
    or twice, with any value."""
    fields: list[tuple[str, str]] = []
    for name, values in (("name", NAMES), ("email", EMAILS), ("country", COUNTRIES),
                         ("name_display", NAME_DISPLAYS), ("wants_updates", CHECKBOX),
                         ("affiliation", AFFILIATIONS),
                         ("homepage", st.sampled_from(["", "", "http://spam.example", " "]))):
        for value in draw(st.lists(values, min_size=0, max_size=2)):
            fields.append((f"person-{name}", value))
    return MultiDict(fields)


def full_form_verdict(app: Flask, formdata: MultiDict[str, str]) -> tuple[object, bool] | None:
    with app.test_request_context(method="POST", data=formdata):
        form = IndividualSignatureForm(prefix="person", meta={"csrf": False})
        if not form.validate():
            return None
        return form.to_request(), form.honeypot_filled


def quick_verdict(app: Flask, formdata: MultiDict[str, str]) -> tuple[object, bool] | None:
    with app.test_request_context(method="POST", data=formdata):
        submission = quick_individual_submission(formdata)
        return None if submission is None else (submission.request, submission.honeypot_filled)


@settings(max_examples=600, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posted_forms())
@example(MultiDict([("person-name", "Olena"), ("person-email", "olena@example.org"),
                    ("person-country", "UA")]))  # no radio button sent: its default
@example(MultiDict([("person-name", "Olena"), ("person-email", "olena@example.org"),
                    ("person-country", "UA"), ("person-name_display", "hidden"),
                    ("person-wants_updates", "false"), ("person-homepage", "x")]))
def test_the_quick_check_and_the_form_agree(app: Flask, formdata: MultiDict[str, str]) -> None:
    assert quick_verdict(app, formdata) == full_form_verdict(app, formdata)


def test_the_agreement_is_not_vacuous(app: Flask) -> None:
    good = MultiDict([("person-name", "  Olena  "), ("person-email", " olena@example.org "),
                      ("person-country", "UA"), ("person-name_display", "first_name_and_initial"),
                      ("person-wants_updates", "y")])
    verdict = quick_verdict(app, good)
    assert verdict is not None and verdict == full_form_verdict(app, good)
    request, honeypot_filled = verdict
    assert (request.name, request.email, request.country) == (
        "Olena", "olena@example.org", "UA")
    assert request.name_display is NameDisplay.FIRST_NAME_AND_INITIAL
    assert request.wants_updates and not honeypot_filled
    bad = good.copy()
    bad["person-country"] = "XX"
    assert quick_verdict(app, bad) is None and full_form_verdict(app, bad) is None

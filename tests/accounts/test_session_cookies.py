"""The cookies that keep a coordinator signed in: never sent over plain HTTP in
production, never readable by scripts, never sent along by other sites' forms."""

from __future__ import annotations

from campaign.config import load_settings
from tests.test_config import PRODUCTION


def test_production_session_and_remember_cookies_are_secure_and_http_only(tmp_path):
    settings = load_settings(tmp_path, PRODUCTION)

    for cookie in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert settings[f"{cookie}_SECURE"] is True
        assert settings[f"{cookie}_HTTPONLY"] is True
        assert settings[f"{cookie}_SAMESITE"] == "Lax"


def test_development_over_plain_http_can_still_keep_a_session(tmp_path):
    settings = load_settings(tmp_path, {})

    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["REMEMBER_COOKIE_SECURE"] is False
    assert settings["REMEMBER_COOKIE_HTTPONLY"] is True

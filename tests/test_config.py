"""Settings: safe defaults for a fresh machine, and production refusing unsafe ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign import create_app
from campaign.config import DEFAULT_SECRET_KEY, ConfigurationError, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "a-long-random-secret-key-for-production-use-only",
    "DATABASE_URL": "postgresql+psycopg://undersigned@db/undersigned",
    "REDIS_URL": "redis://redis:6379/0",
    "SERVER_NAME": "statements.example.org",
    "MAIL_DEFAULT_SENDER": "Statements <statements@example.org>",
}


def test_development_keeps_everything_in_the_instance_folder(tmp_path: Path):
    settings = load_settings(tmp_path, {})

    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'undersigned.sqlite'}"
    assert settings["CELERY"]["broker_url"] == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite'}"
    assert settings["MAIL_BACKEND"] == "file"
    assert settings["DEV_MAIL_PAGE"] is True


@pytest.mark.parametrize("secret_key", [
    None, DEFAULT_SECRET_KEY, "short", "x" * 40, "changeme" * 5, "0123456789" * 4,
    "my-secret-key-" * 3, "abcdefgh" * 4 + "abc", "change-me-in-production" * 2,
    "SuperSecretKey2024SuperSecretKey2025"])
def test_production_refuses_to_start_without_its_own_secret_key(tmp_path, secret_key):
    environ = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    if secret_key is not None:
        environ["SECRET_KEY"] = secret_key

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings(tmp_path, environ)


# What `secrets.token_urlsafe(48)`, `secrets.token_hex(16)`, `uuid.uuid4().hex` and
# `openssl rand -base64 32` once printed.
@pytest.mark.parametrize("secret_key", [
    "KsxRNMF5V4eguBBoH5AwGSAE0fZAFzH-OK9d9dE5UltHBp4KeMY9wZHLQs5dmpfk",
    "66696370d1b947b68f54283a4e5f7778", "8554ea4fb6164894853d810b764f17a1",
    "lh61OLvLMT9WsND1Lk9FgjMUFrBhsfxSM+/9+wEy0YY="])
def test_production_starts_with_a_key_a_generator_made(tmp_path, secret_key):
    settings = load_settings(tmp_path, {**PRODUCTION, "SECRET_KEY": secret_key})

    assert settings["SECRET_KEY"] == secret_key


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "SERVER_NAME",
                                     "MAIL_DEFAULT_SENDER"])
def test_production_needs_its_database_broker_address_and_sender(tmp_path, missing):
    environ = {key: value for key, value in PRODUCTION.items() if key != missing}

    with pytest.raises(ConfigurationError, match=missing):
        load_settings(tmp_path, environ)


def test_production_sends_real_mail_over_https_links_and_has_no_mail_page(tmp_path):
    settings = load_settings(tmp_path, PRODUCTION)

    assert settings["MAIL_BACKEND"] == "smtp"
    assert settings["DEV_MAIL_PAGE"] is False
    assert settings["PREFERRED_URL_SCHEME"] == "https"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CELERY"]["broker_url"] == "redis://redis:6379/0"


def test_the_application_itself_will_not_start_in_production_with_the_default_key(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SECRET_KEY", raising=False)

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_the_application_will_not_start_in_production_with_debug_on(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FLASK_DEBUG", "1")

    with pytest.raises(ConfigurationError, match="FLASK_DEBUG"):
        create_app()

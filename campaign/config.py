"""Settings, read from environment variables (and an optional `.env`).

Two run modes share one code path: the embedded default keeps everything in
`instance/` (SQLite, a Celery broker on SQLite, e-mail as .eml files) so that a
fresh machine with only Python can run the whole product; production takes
PostgreSQL, Redis and SMTP from the environment and refuses unsafe defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"
MAX_REQUEST_BYTES = 11 * 1024 * 1024


class ConfigurationError(RuntimeError):
    pass


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _looks_random(secret_key: str) -> bool:
    """Whoever guesses the key can sign a session cookie as any coordinator. Long
    enough is not enough: "x" * 40, "changeme" * 4 and "SuperSecretKey2024SuperSecret
    Key2025" are long. A key a generator made has many different characters (32
    hexadecimal digits show about 14) and no run of 8 characters twice (for 32 of
    them, a chance of 1 in 10 million); a key typed by a person often has one or
    the other."""
    if len(secret_key) < 32 or len(set(secret_key)) < 8:
        return False
    runs = [secret_key[start:start + 8] for start in range(len(secret_key) - 7)]
    return len(set(runs)) == len(runs)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(instance_path: Path, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    env = environ.get("APP_ENV", "development")
    production = env == "production"
    if env not in {"development", "production"}:
        raise ConfigurationError(f"APP_ENV must be 'development' or 'production', not {env!r}")

    database_url = environ.get("DATABASE_URL")
    redis_url = environ.get("REDIS_URL")
    secret_key = environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    if production:
        # SERVER_NAME and the sender have development defaults that would make every
        # e-mail's links point at 127.0.0.1 and its sender an .invalid address that
        # receiving servers refuse: in production they must be the site's own.
        missing = [name for name in ("DATABASE_URL", "REDIS_URL", "SERVER_NAME",
                                     "MAIL_DEFAULT_SENDER") if not environ.get(name)]
        if missing:
            raise ConfigurationError(f"production needs {', '.join(missing)} to be set")
        if secret_key == DEFAULT_SECRET_KEY or not _looks_random(secret_key):
            raise ConfigurationError(
                "production refuses to start without its own random SECRET_KEY "
                "(at least 32 characters, not a few characters or a short run repeated, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )

    broker_url = (environ.get("CELERY_BROKER_URL") or redis_url
                  or "sqla+" + sqlite_url(instance_path / "celery-broker.sqlite"))
    scheme = environ.get("PREFERRED_URL_SCHEME", "https" if production else "http")
    mail_backend = environ.get("MAIL_BACKEND", "smtp" if production else "file")

    return {
        "APP_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url
        or sqlite_url(instance_path / "undersigned.sqlite"),
        # An SQL error's message, which is logged, names no signer: its bound
        # parameters (addresses, names, token hashes) are left out (campaign.logs).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Links in e-mails are built from these, never from a request's Host header
        # (which a client controls), and workers have no request at all.
        "SERVER_NAME": environ.get("SERVER_NAME", "127.0.0.1:5000"),
        "PREFERRED_URL_SCHEME": scheme,
        "SESSION_COOKIE_SECURE": scheme == "https",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Flask-Login's "remember me" cookie is a second way into an account: the
        # same protections as the session's.
        "REMEMBER_COOKIE_SECURE": scheme == "https",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # The largest upload (a reply's document, 10 MB) and its form; anything
        # bigger is refused before it is read.
        "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
        "BABEL_DEFAULT_LOCALE": "en",
        # The time zone a new deadline is offered in. UTC unless the instance says
        # otherwise: an instance may serve coalitions anywhere, and a zone guessed
        # wrong would move every deadline by hours without anyone noticing; the
        # coordinator sees and can change the zone beside each deadline.
        "DEFAULT_TIME_ZONE": environ.get("DEFAULT_TIME_ZONE", "UTC"),
        "LANGUAGES": _languages(environ.get("LANGUAGES")),
        "MAIL_BACKEND": mail_backend,
        "MAIL_FILE_DIR": environ.get("MAIL_FILE_DIR", str(instance_path / "mail")),
        # Organizations' logos (campaign.signing.logos): the app's own store, never
        # under static/; every web process and worker must see the same folder.
        "LOGO_DIR": environ.get("LOGO_DIR", str(instance_path / "logos")),
        "MAIL_SERVER": environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": environ.get(
            "MAIL_DEFAULT_SENDER", "Undersigned <no-reply@undersigned.invalid>"
        ),
        "MAIL_TIMEOUT": float(environ.get("MAIL_TIMEOUT", "20")),
        # The page of captured mail exists only where mail is captured to files.
        "DEV_MAIL_PAGE": not production and mail_backend == "file",
        "CONFIRMATION_LINK_MAX_AGE_HOURS": int(
            environ.get("CONFIRMATION_LINK_MAX_AGE_HOURS", "72")),
        "CONFIRMATION_RESEND_MINUTES": int(environ.get("CONFIRMATION_RESEND_MINUTES", "5")),
        # A password reset link is short-lived (whoever reads the mailbox owns the
        # account), and at most one is mailed per account in the resend interval.
        "PASSWORD_RESET_LINK_MAX_AGE_MINUTES": int(
            environ.get("PASSWORD_RESET_LINK_MAX_AGE_MINUTES", "60")),
        "PASSWORD_RESET_RESEND_MINUTES": int(environ.get("PASSWORD_RESET_RESEND_MINUTES", "5")),
        "TEAM_INVITATION_MAX_AGE_DAYS": int(environ.get("TEAM_INVITATION_MAX_AGE_DAYS", "7")),
        "INVITATION_RESEND_MINUTES": int(environ.get("INVITATION_RESEND_MINUTES", "5")),
        # Personal data is kept no longer than needed (see campaign.privacy.services): a
        # signature never confirmed is deleted after this many days, and the address of
        # an individual who did not ask for updates this many days after the statement
        # closes.
        "UNCONFIRMED_SIGNATURE_DAYS": int(environ.get("UNCONFIRMED_SIGNATURE_DAYS", "14")),
        "EMAIL_RETENTION_DAYS_AFTER_CLOSE": int(
            environ.get("EMAIL_RETENTION_DAYS_AFTER_CLOSE", "90")),
        "OUTBOX_MAX_ATTEMPTS": int(environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
        "OUTBOX_RELAY_SECONDS": float(environ.get("OUTBOX_RELAY_SECONDS", "1")),
        "CELERY": celery_settings(broker_url),
        # Abuse defences (campaign.abuse). Limits count per client in this storage:
        # Redis where there is one, so that every web process shares the counts;
        # memory in the embedded mode, whose single web process needs no service.
        "RATELIMIT_ENABLED": _flag(environ.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or redis_url
        or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        # A storage that cannot be reached must not take the forms down with it: the
        # limits let requests through (and log it) until it is back, and a stalled
        # Redis costs a request at most a second.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"wrap_exceptions": True, "socket_connect_timeout": 1,
                                      "socket_timeout": 1},
        # Per-IP limits of the public forms, each a burst and a sustained window in the
        # limits library's notation. Over SIGNING_RATE_LIMIT (counted per address and
        # statement, as on the UK Parliament's petitions site) a signature is held for
        # review, never refused; over the others the form answers 429.
        **_rate_limits(environ, {
            "SIGNING_RATE_LIMIT": "1 per minute;5 per 5 minutes",
            "RESEND_RATE_LIMIT": "3 per minute;10 per hour",
            "CONFIRM_RATE_LIMIT": "10 per minute;50 per hour",
            "SIGNER_ACTION_RATE_LIMIT": "10 per minute;60 per hour",
            # Co-signatures sent with a logo: decoding one can take a second of CPU
            # and a few hundred MB for a picture made to, so they are refused, not
            # held, past this; one without a logo is never counted here.
            "LOGO_RATE_LIMIT": "5 per minute;20 per hour",
            # One-click unsubscribes come from mail providers' servers, many signers
            # behind one address: a limit against floods, not against a busy provider.
            "UNSUBSCRIBE_RATE_LIMIT": "60 per minute;1000 per hour",
            # Signing in, on top of the account's own slowdown after wrong passwords;
            # and the links that mail someone or set a password.
            "SIGN_IN_RATE_LIMIT": "5 per minute;20 per hour",
            "ACCOUNT_LINK_RATE_LIMIT": "5 per minute;20 per hour",
            # Invitations to a team: a coalition's dozen at once, not a mailing list.
            "INVITATION_RATE_LIMIT": "20 per minute;60 per hour",
        }),
        # How many reverse proxies in front of the app append to X-Forwarded-For. Only
        # that many hops are believed; 0 (no proxy) believes none of the header.
        "TRUSTED_PROXY_COUNT": int(environ.get("TRUSTED_PROXY_COUNT", "0")),
        # What is kept of a client's address: a keyed hash and this network prefix.
        "IP_PREFIX_LENGTH_V4": int(environ.get("IP_PREFIX_LENGTH_V4", "24")),
        "IP_PREFIX_LENGTH_V6": int(environ.get("IP_PREFIX_LENGTH_V6", "48")),
        "CLIENT_DATA_RETENTION_DAYS": int(environ.get("CLIENT_DATA_RETENTION_DAYS", "30")),
        # A network or an e-mail domain with at least this many signatures in an hour
        # is shown to coordinators as trending (dashboard and digest).
        "TRENDING_THRESHOLD": int(environ.get("TRENDING_THRESHOLD", "10")),
    }


TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def _languages(setting: str | None) -> list[str]:
    """English, the language of the code, and every language with a catalog in
    campaign/translations (so adding one needs no change here); LANGUAGES="en,uk"
    offers fewer."""
    found = ["en", *sorted(path.parent.parent.name for path in
                           TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))]
    if not setting:
        return found
    wanted = [code.strip() for code in setting.split(",") if code.strip()]
    unknown = [code for code in wanted if code not in found]
    if unknown or not wanted:
        raise ConfigurationError(
            f"LANGUAGES must name languages that have a catalog ({', '.join(found)}), "
            f"not {setting!r}")
    return wanted


def _rate_limits(environ: Mapping[str, str], defaults: dict[str, str]) -> dict[str, str]:
    """Each limit from the environment or its default; a mistyped one stops the start
    rather than the first signer."""
    from limits import parse_many

    settings = {name: environ.get(name) or default for name, default in defaults.items()}
    for name, value in settings.items():
        try:
            parse_many(value)
        except ValueError as error:
            raise ConfigurationError(
                f"{name} must be limits such as '1 per minute;5 per 5 minutes', "
                f"not {value!r}") from error
    return settings


def celery_settings(broker_url: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "broker_url": broker_url,
        "task_ignore_result": True,
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        # A web request publishes some tasks after its commit (a reply's or an
        # update's fan-out); if the broker is down it must give up quickly (beat
        # resumes those), not hang the coordinator.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0,
                                      "interval_step": 0.2, "interval_max": 0.2},
        "broker_connection_timeout": 2,
    }
    if broker_url.startswith("sqla+sqlite"):
        # kombu passes these options straight to create_engine: give SQLite a busy
        # timeout, since the web process and the worker share the broker file; and
        # keep the parameters out of its errors, as the app's engine does.
        settings["broker_transport_options"] = {"connect_args": {"timeout": 30},
                                                "hide_parameters": True}
    elif broker_url.startswith("redis"):
        settings["broker_transport_options"] = {"socket_connect_timeout": 2,
                                                "socket_timeout": 5}
    return settings

"""Undersigned: joint statements, sign-on letters and petitions."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign import form_tokens, health, input_checks, languages, security, sessions
from campaign.abuse.limits import check_limits_in_views_only, refuse_limits_outside_views
from campaign.config import ConfigurationError, load_settings
from campaign.extensions import babel, csrf, db, limiter, login_manager, migrate
from campaign.logs import keep_tokens_and_addresses_out_of_logs
from campaign.queue import celery_init_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The areas with Celery tasks (each in its tasks.py); the worker loads them.
TASK_AREAS = ("digests", "moderation", "outbox", "privacy", "replies", "updates")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    if test_config is None:
        load_dotenv(PROJECT_ROOT / ".env")
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    Path(app.instance_path).mkdir(exist_ok=True)
    app.session_interface = sessions.LazySecureCookieSessionInterface()
    input_checks.init_app(app)
    app.config.from_mapping(load_settings(Path(app.instance_path)))
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config["APP_ENV"] == "production" and app.debug:
        # FLASK_DEBUG left in an environment or .env: errors would bypass the app's
        # own error page, and under `flask run` Werkzeug's debugger runs code.
        raise ConfigurationError("production refuses to start with FLASK_DEBUG on")

    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    keep_tokens_and_addresses_out_of_logs(app)
    db.init_app(app)
    refuse_limits_outside_views(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=languages.select_locale)
    celery_init_app(app)
    _init_login(app)

    from campaign import database, errors, models, rendering  # noqa: F401 - models: every table

    with app.app_context():
        database.configure_engine(db.engine)
    rendering.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    form_tokens.init_app(app)
    languages.init_app(app)
    _register_blueprints(app)
    check_limits_in_views_only(app)

    from campaign.cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from campaign.accounts.models import Coordinator

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = lazy_gettext("Sign in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_coordinator(session_id: str) -> Coordinator | None:
        coordinator_id, _, stamp = session_id.partition(":")
        coordinator = db.session.get(Coordinator, int(coordinator_id))
        if coordinator is None or not hmac.compare_digest(stamp, coordinator.session_stamp()):
            return None
        return coordinator


def _register_blueprints(app: Flask) -> None:
    from campaign.abuse.views import bp as abuse_bp
    from campaign.accounts.views import bp as accounts_bp
    from campaign.addressees.views import bp as address_book_bp
    from campaign.drafting.views import bp as drafting_bp
    from campaign.drafting.views import translations_bp
    from campaign.exports.views import bp as exports_bp
    from campaign.letters.views import bp as letters_bp
    from campaign.moderation.views import bp as moderation_bp
    from campaign.privacy.views import bp as privacy_bp
    from campaign.progress.views import bp as progress_bp
    from campaign.public.views import api_bp, logos_bp, signer_bp, signing_bp
    from campaign.public.views import bp as statements_bp
    from campaign.replies.views import bp as replies_bp
    from campaign.replies.views import public_bp as public_replies_bp
    from campaign.sharing.views import bp as sharing_bp
    from campaign.updates.views import bp as updates_bp

    app.register_blueprint(health.bp)
    for blueprint in (statements_bp, signing_bp, signer_bp, api_bp, accounts_bp, drafting_bp,
                      moderation_bp, progress_bp, exports_bp, letters_bp, replies_bp,
                      public_replies_bp, address_book_bp, updates_bp, privacy_bp, abuse_bp,
                      logos_bp, sharing_bp, translations_bp):
        app.register_blueprint(blueprint)
    if app.config["DEV_MAIL_PAGE"]:
        from campaign.outbox.views import bp as dev_mail_bp

        app.register_blueprint(dev_mail_bp)

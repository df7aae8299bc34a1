"""Trygg: the application shell."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from trygg import access, i18n, integrity, jsonbody, logs, nav, security
from trygg.config import Config
from trygg.database import engine_options
from trygg.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    config.validate()
    app = Flask(__name__)
    app.request_class = jsonbody.Request
    if config.proxy_hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        TRYGG=config,
        SECRET_KEY=config.secret_key,
        SQLALCHEMY_DATABASE_URI=config.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(config.database_url),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=not config.is_development and config.env != "testing",
        SESSION_COOKIE_NAME="session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_ENABLED=config.csrf_enabled,
        WTF_CSRF_TIME_LIMIT=None,  # the session's idle timeout bounds a token's life
        # Its HTTPS check wants a Referer, which no-referrer pages never send; trygg/origin.py
        # checks where unsafe requests come from instead (security.install).
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=config.attachment_max_file + 1024 * 1024,
        BABEL_DEFAULT_LOCALE=i18n.DEFAULT,
        BABEL_TRANSLATION_DIRECTORIES=i18n.translation_directories(),
        RATELIMIT_STORAGE_URI=config.ratelimit_storage_uri,
        # A moving window: a fixed one lets a client spend two limits' worth in a moment
        # around a window's boundary.
        RATELIMIT_STRATEGY="moving-window",
        TESTING=config.env == "testing",
    )
    if config.database_url.startswith("sqlite:///"):
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )

    import trygg.models  # noqa: F401 - every table registered before migrations run

    db.init_app(app)
    if config.database_url.startswith("sqlite"):
        from trygg.database import sqlite_transactions

        with app.app_context():
            sqlite_transactions(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # "basic", not "strong", and an identifier without the address: Flask-Login's default
    # puts a plain hash of the staff member's IP address (and browser) into the readable
    # session cookie. Sessions end on sign-out everywhere (session_version) instead.
    login_manager.session_protection = "basic"
    login_manager._session_identifier_generator = security.session_identifier

    logs.install(app)
    security.install(app)
    i18n.install(app)
    nav.install(app)
    integrity.install(app)
    _register_blueprints(app)
    _install_hooks(app)
    _install_errors(app)

    from trygg.cli import register as register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from accounts.views import bp as accounts_bp
    from casework.views import bp as casework_bp
    from exercise import api as _exercise_api  # noqa: F401 - registers its routes on the blueprint
    from exercise.facilitator import bp as exercise_facilitator_bp
    from exercise.views import bp as exercise_bp
    from insights.views import bp as insights_bp
    from prevention.views import bp as prevention_bp
    from reporting.views import bp as reporting_bp
    from trygg.views import bp as shell_bp

    for blueprint in (shell_bp, accounts_bp, casework_bp, reporting_bp, insights_bp,
                      prevention_bp, exercise_bp, exercise_facilitator_bp):
        app.register_blueprint(blueprint)


def _install_hooks(app: Flask) -> None:
    idle = timedelta(minutes=app.config["TRYGG"].session_idle_minutes)

    @app.before_request
    def idle_timeout() -> Response | None:
        if not current_user.is_authenticated:
            return None
        now = datetime.now(UTC)
        last = session.get("last_seen")
        if last is not None and now - datetime.fromtimestamp(last, UTC) > idle:
            logout_user()
            session.clear()
            flash(_("You were signed out after %(minutes)d minutes without activity.",
                    minutes=int(idle.total_seconds() // 60)), "info")
            return redirect(url_for("accounts.login"))
        session["last_seen"] = int(now.timestamp())
        return None

    app.before_request(access.enforce)


def _install_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = _("The form had expired or was sent from somewhere else. "
                    "Nothing was saved. Go back, reload the page and try again.")
        return _error_page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return _error_page(error.code, None)

    @app.errorhandler(jsonbody.BadJSON)
    def bad_json(error: jsonbody.BadJSON) -> tuple[Response, int]:
        from flask import jsonify

        message = _("The request could not be read: its JSON is nested too deeply. "
                    "Nothing was saved.")
        return jsonify(error="invalid_json", message=message), 400

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception) -> tuple[str | Response, int, dict[str, str]]:
        return _unavailable(error)

    @app.errorhandler(429)
    def too_many(error: HTTPException) -> tuple[str, int]:
        return _error_page(429, _("Too many attempts. Wait a while and try again."))


def _unavailable(error: Exception) -> tuple[str | Response, int, dict[str, str]]:
    """The database cannot be reached (down, restarting, every connection busy): 503 with a
    clear page, never a 500. Logged by kind only: no statement, no parameters, no path."""
    from flask import current_app, jsonify

    with contextlib.suppress(Exception):  # the connection is gone; nothing to undo
        db.session.rollback()
    cause = type(getattr(error, "orig", None) or error).__name__
    current_app.logger.error("database unavailable (%s)", cause)
    headers = {"Retry-After": "30", "Cache-Control": "no-store"}
    title = _error_title(503)
    message = _("We cannot reach our database right now. Nothing was saved. "
                "Try again in a few minutes.")
    if request.accept_mimetypes.best == "application/json" or "/api/" in request.path:
        return jsonify(error="unavailable", message=message), 503, headers
    return render_template("errors/unavailable.html", title=title, message=message), 503, headers


def _error_page(code: int, message: str | None) -> tuple[str, int]:
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        from flask import jsonify

        return jsonify(error=code, message=message or _error_title(code)), code  # type: ignore[return-value]
    return render_template("errors/error.html", code=code, title=_error_title(code),
                           message=message), code


def _error_title(code: int) -> str:
    titles = {
        400: _("The request could not be understood"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("That action is not available here"),
        413: _("That was too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
        503: _("Trygg is unavailable for a moment"),
    }
    return titles.get(code, _("Something went wrong"))

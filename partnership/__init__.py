"""The partnership manager: a web application for police–NGO harm reduction partnerships."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from partnership.config import Config, load_or_create_secret_key, normalise_database_url
from partnership.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | type | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Config)
    if isinstance(test_config, type):
        app.config.from_object(test_config)
    elif test_config:
        app.config.from_mapping(test_config)
    _finish_config(app)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    db.init_app(app)
    from partnership import caching

    caching.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are checked against the database
    from partnership.i18n import select_locale

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=_select_timezone)

    _import_models()
    from partnership.database import configure_engine

    configure_engine(app)
    _check_storage(app)
    _bound_url_ids(app)
    _register_blueprints(app)
    _register_hooks(app)
    from partnership import submissions

    submissions.init_app(app)
    from partnership import offline

    offline.init_app(app)
    _register_template_helpers(app)
    from partnership import layout

    layout.init_app(app)

    from partnership import cli
    from partnership.errors import register_error_handlers

    register_error_handlers(app)
    cli.register(app)
    if app.config.get("BENCH_COUNT_SQL"):
        from partnership.bench.sqlcount import install

        install(app)
    from partnership import templating

    # Last: the compiled code depends on every extension added to the environment above.
    templating.init_app(app)
    _ready_to_serve(app)
    return app


def _ready_to_serve(app: Flask) -> None:
    """In a server's worker (neither debug nor tests), do now what its first requests would
    otherwise do: load every template (from the compiled code kept on disk), then set aside
    every object made so far from Python's garbage collector. Those (modules, classes,
    templates: some 260,000) live as long as the process, and a full collection would walk
    them all in some request (0.3 s of the first dashboard's 0.8 s at programme scale);
    ``gc.freeze`` is the standard library's way to leave them out."""
    if app.debug or app.testing or not app.config.get("WARM_AT_START", True):
        return
    import gc

    from partnership.templating import warm_templates

    warm_templates(app.jinja_env)
    gc.collect()  # what start-up left as garbage is freed, not kept for good
    gc.freeze()


def _bound_url_ids(app: Flask) -> None:
    """``<int:...>`` in every route accepts only ids both databases store (1 to 2^31-1): any
    other number is a 404 at routing, before a query could overflow. Rules are compiled with
    the converter they find, so this comes before the blueprints."""
    from werkzeug.routing import IntegerConverter

    from partnership.forms import MAX_INT, install_form_checks, install_form_translations

    class IdConverter(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=1, max=MAX_INT, signed=False) -> None:  # noqa: A002, ANN001
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = IdConverter
    install_form_checks()
    install_form_translations()


def _refuse_to_start(problem: str) -> None:
    """Stop with one line an administrator can act on, instead of a traceback further on."""
    raise SystemExit(f"The partnership manager cannot start: {problem}.")


def _check_storage(app: Flask) -> None:
    """Before anything else opens files (the job queue, the materials folder): the instance
    folder must be writable and the database usable."""
    if not app.config.get("STORAGE_CHECK_AT_START", True):
        return
    from partnership.storage import check_storage

    with app.app_context():
        problem = check_storage(app.instance_path)
    if problem:
        _refuse_to_start(problem)


def _finish_config(app: Flask) -> None:
    cfg = app.config
    if cfg.get("STORAGE_CHECK_AT_START", True):
        from partnership.storage import instance_problem

        problem = instance_problem(Path(app.instance_path))
        if problem:
            _refuse_to_start(problem)
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    url = cfg.get("SQLALCHEMY_DATABASE_URI") or cfg.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'partnership.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from partnership.database import sqlite_engine_options

        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_engine_options()
    else:
        cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    cfg["SESSION_COOKIE_SECURE"] = bool(cfg.get("HTTPS"))
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=cfg["SESSION_LIFETIME_HOURS"])
    cfg["SESSION_REFRESH_EACH_REQUEST"] = True


def _import_models() -> None:
    """Import every model so SQLAlchemy and Alembic know all tables."""
    import curricula.models  # noqa: F401
    import meetings.models  # noqa: F401
    import meetings.reach  # noqa: F401 - keeps the officers reached in step
    import partnership.accounts.models  # noqa: F401
    import partnership.actions.models  # noqa: F401
    import partnership.actions.summary  # noqa: F401 - keeps the action points summary in step
    import partnership.audit  # noqa: F401
    import partnership.dhis2.models  # noqa: F401
    import partnership.jobs.models  # noqa: F401
    import partnership.notifications.models  # noqa: F401
    import partnership.organisations.models  # noqa: F401
    import partnership.referrals.models  # noqa: F401
    import partnership.referrals.summary  # noqa: F401 - keeps the slips summary in step
    import partnership.search.models  # noqa: F401
    import partnership.submissions  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from curricula.views import bp as curricula_bp
    from meetings.views import bp as meetings_bp
    from partnership.accounts.views import bp as accounts_bp
    from partnership.actions.views import bp as actions_bp
    from partnership.auth import bp as auth_bp
    from partnership.dashboard.views import bp as dashboard_bp
    from partnership.dhis2.views import bp as dhis2_bp
    from partnership.jobs.views import bp as jobs_bp
    from partnership.notifications.views import bp as notifications_bp
    from partnership.organisations.views import bp as organisations_bp
    from partnership.referrals.views import bp as referrals_bp
    from partnership.search.views import bp as search_bp

    for blueprint in (
        auth_bp,
        dashboard_bp,
        accounts_bp,
        organisations_bp,
        actions_bp,
        referrals_bp,
        notifications_bp,
        meetings_bp,
        curricula_bp,
        search_bp,
        dhis2_bp,
        jobs_bp,
    ):
        app.register_blueprint(blueprint)

    from partnership.api import init_api

    init_api(app)

    @app.get("/healthz")
    def health():  # noqa: ANN202
        return {"status": "ok"}


def _register_hooks(app: Flask) -> None:
    from partnership.auth import record_activity
    from partnership.organisations.services import scope_ids_for_organisation
    from partnership.permissions import enforce_access_policy, register_scope_resolver

    register_scope_resolver(scope_ids_for_organisation)
    from partnership import access_log

    access_log.install()
    app.before_request(enforce_access_policy)
    app.teardown_request(record_activity)

    @app.before_request
    def refuse_nul_in_query_string() -> None:
        # No page takes a NUL in its filters; PostgreSQL text cannot hold one (form fields get
        # a message next to the field instead, see partnership.forms.check_fields).
        if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            abort(400)

    @app.after_request
    def security_headers(response):  # noqa: ANN001, ANN202
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HTTPS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            # Pages and downloads carry personal data: never keep them in shared caches.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response


def _select_timezone() -> str | None:
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.timezone
    return None


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import format_decimal

    from partnership import disclosure, permissions
    from partnership.dashboard.charts import shown_text
    from partnership.forms import country_name, select_options
    from partnership.i18n import LANGUAGES, format_day, request_language, zone_label
    from partnership.numbers import percent, round_half_up

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["numberformat"] = format_decimal
    # Displayed figures round half up (Jinja's own filter rounds half to even).
    app.jinja_env.filters["round"] = round_half_up
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["options"] = select_options
    app.jinja_env.filters["date"] = format_day

    # Templates ask the same policy functions as the views (see permissions.TEMPLATE_HELPERS).
    app.jinja_env.globals.update(permissions.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(
        country_name=country_name,
        current_language=request_language,
        languages=LANGUAGES,
        zone_label=zone_label,
        today_date=date.today,
    )
    app.jinja_env.globals["small_count"] = lambda n, small: str(disclosure.figure(n, small))
    app.jinja_env.globals["chart_text"] = shown_text

    @app.context_processor
    def _request_helpers() -> dict:
        return {"g": g}

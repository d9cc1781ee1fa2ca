"""The JSON API for integration (``/api/v1``), described by an OpenAPI 3 document generated from
this code by flask-smorest and served at ``/api/openapi.json``.

A script signs in with a personal API token (``Authorization: Bearer pmt_…``, created on the
"API tokens" page): it acts as that user, with the same access rules (``permissions.py``), the
same officer scope (each endpoint reads through its list page's query builder) and the same
small-count suppression as the pages. The API accepts tokens only, never the browser's session
cookie, so a page in another tab cannot make a script's request (no CSRF needed, none accepted).
Requests are rate-limited per token (``API_RATE_LIMIT``); the counts are kept in Redis when
``RATELIMIT_STORAGE_URI`` or ``REDIS_URL`` is set, otherwise in each worker's memory.

Writes (issuing a slip, recording attendance, adding a follow-up) go through the same services and
object rules as the forms. A write may carry an ``Idempotency-Key`` header: a retried request
with the same key is stored once and answered with the first answer.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_smorest import Api

api = Api()


def _rate_key() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:][-24:] if header.startswith("Bearer ") else (request.remote_addr or "")


limiter = Limiter(key_func=_rate_key, default_limits=[])


@limiter.request_filter
def _not_the_api() -> bool:
    # Only the API's blueprint has a limit: the pages skip the limiter's work on every request.
    return request.blueprint != "api"


_blueprint_limited = False


def init_api(app: Flask) -> None:
    from partnership.api import figures, views, writes  # noqa: F401 - they declare the endpoints
    from partnership.api.common import blp
    from partnership.extensions import csrf

    app.config.setdefault("API_TITLE", "Partnership manager API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    # Interactive documentation at /api/docs, from the Swagger UI files `make offline` copies
    # out of npm into static/vendor/swagger-ui (no CDN; templates/swagger_ui.html).
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/static/vendor/swagger-ui/")
    app.config.setdefault("API_RATE_LIMIT", "120 per minute")
    # Several workers share one count only in Redis: the queue's Redis unless set apart.
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage or "memory://")
    # Redis down: count in memory meanwhile rather than refuse every request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    api.init_app(app, spec_kwargs={"info": {"description": __doc__}})
    api.spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "A personal API token"}
    )
    limiter.init_app(app)
    global _blueprint_limited  # noqa: PLW0603 - the limiter keeps blueprint limits for all apps
    if not _blueprint_limited:
        # Once: a limit added again with each app (the tests make many) would count each
        # request as many times. It reads the limit from the app serving the request.
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(blp)
        _blueprint_limited = True
    # Token only (see partnership.auth): no session cookie is read, so no CSRF token is asked.
    csrf.exempt(blp)
    api.register_blueprint(blp)

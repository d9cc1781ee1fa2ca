"""Pages already opened work offline: the service worker (static/js/sw.js, built on Workbox).

It is served from the site's root so that it covers every page, and only when Workbox has been
copied from npm into static/vendor/workbox/ by `make offline` (part of `make run` and
`make test`); without it pages register no worker and simply need the network. What the
browser keeps (pages, and forms waiting to be sent) is emptied on sign-out by static/js/app.js.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, send_from_directory
from werkzeug.wrappers import Response

WORKBOX = Path("vendor") / "workbox" / "workbox-sw.js"
# Set on a page that shows restricted details (a concern's restricted details, a meeting's
# security notes or minutes, client codes): the service worker never keeps such a page on the
# device, so nothing restricted stays there longer than the page is open.
NOT_KEPT_HEADER = "X-Kept-Offline"


def not_kept_offline() -> str:
    """Called by a template where it shows restricted details; renders nothing."""
    g.not_kept_offline = True
    return ""


def _mark_not_kept(response: Response) -> Response:
    if g.get("not_kept_offline"):
        response.headers[NOT_KEPT_HEADER] = "no"
    return response


def service_worker() -> Response:
    # Like every page it is sent with no-store (partnership/__init__.py): the browser checks
    # for a new worker on each visit.
    return send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript")


def init_app(app: Flask) -> None:
    ready = (Path(app.static_folder or "") / WORKBOX).is_file()
    app.add_url_rule("/sw.js", "service_worker", service_worker)
    app.jinja_env.globals["offline_ready"] = ready
    app.jinja_env.globals["not_kept_offline"] = not_kept_offline
    app.after_request(_mark_not_kept)

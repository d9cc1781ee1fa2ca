"""The frame of every page (header, menu, the outbox's texts, footer), rendered once and kept.

Every page repeats the same frame: about forty translated texts, a dozen links and the menu of
what the user's role may open. Asking the catalogue, the router and the access rules for all of it
on every request cost as much as a simple page's own content, so the parts that are the same for
many requests are rendered once per process and kept:

- ``chrome()``: the texts and links of the frame (``templates/_layout/chrome.html``), per
  language; nothing in it belongs to a person or a session.
- ``menu()``: the menu's links (``templates/_layout/menu.html``), per role, language and current
  page (only the menu's own pages mark themselves current, so every other page shares one).
  Which links a role sees is decided by ``permissions.endpoints_for_role``.

What belongs to the person or the session (their name, unread count, search text, the sign-out
form's CSRF token) stays in ``base.html`` and is rendered on every request. The kept parts depend
only on the templates, the catalogues and the URL map, which do not change while a process runs.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from partnership import permissions

# The menu, in order: the page and its label. Each is shown to the roles its rule admits.
MENU: tuple[tuple[str, Any], ...] = (
    ("dashboard.home", _l("Home")),
    ("actions.my_review", _l("My review")),
    ("meetings.meeting_index", _l("Meetings")),
    ("actions.concern_list", _l("Concerns")),
    ("actions.action_point_list", _l("Action points")),
    ("actions.measures", _l("Problem-solving measures")),
    ("curricula.curricula_index", _l("Training")),
    ("referrals.scheme_list", _l("Referrals")),
    ("organisations.organisation_list", _l("Organisations")),
    ("organisations.person_list", _l("People")),
    ("dhis2.dry_run", _l("DHIS2")),
    ("accounts.user_list", _l("Accounts")),
    ("accounts.audit_list", _l("Audit log")),
)
MENU_ENDPOINTS = tuple(endpoint for endpoint, _label in MENU)
_MENU_SET = frozenset(MENU_ENDPOINTS)

# A safety bound: the keys are few (roles × languages × menu pages), this only guards against
# something unforeseen making them many.
MAX_KEPT = 1000


def _kept() -> dict[tuple, Any]:
    return current_app.extensions.setdefault("layout_kept", {})


def _keep(key: tuple, build) -> Any:  # noqa: ANN001
    kept = _kept()
    value = kept.get(key)
    if value is None:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        value = kept[key] = build()
    return value


def _language_key() -> tuple[str, str]:
    # The catalogue and formats follow the locale; links include the prefix the app is served at.
    return str(get_locale()), request.script_root


def chrome() -> Any:
    """The frame's texts and links for this request's language (a template module: its
    top-level ``set`` names are attributes)."""

    def build() -> Any:
        template = current_app.jinja_env.get_template("_layout/chrome.html")
        return template.make_module()

    return _keep(("chrome", *_language_key()), build)


def menu() -> Any:
    """The menu's links for the current user's role, in this request's language (a rendered
    template module: printed in a template, it is its HTML)."""
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return ""
    endpoint = request.endpoint if request.endpoint in _MENU_SET else None
    role = user.role

    def build() -> Any:
        visible = set(permissions.endpoints_for_role(role, MENU_ENDPOINTS))
        items = [(e, label) for e, label in MENU if e in visible]
        template = current_app.jinja_env.get_template("_layout/menu.html")
        return template.make_module({"items": items, "current": endpoint})

    return _keep(("menu", role, endpoint, *_language_key()), build)


def init_app(app) -> None:  # noqa: ANN001
    app.jinja_env.globals.update(layout_chrome=chrome, layout_menu=menu)

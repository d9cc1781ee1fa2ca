"""Kept figures and fragments: ``cached`` (a value), ``cached_html`` (HTML) and ``render_kept``
(a page's content around a fresh layout), each kept until a write changes a table it read
(see the package's docstring), and the keys that say who looks."""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from flask import current_app, g, has_request_context
from markupsafe import Markup, escape

from partnership.caching.generations import EVERY_TABLE, _token_time, cache, generations
from partnership.caching.recorder import UNTIL, _reading, session_has_uncommitted_writes

T = TypeVar("T")

# Read before any figure is computed (the officer's station scope, kept for the request), so
# every figure depends on it.
ALWAYS_READ = frozenset({"organisations"})


# ---- cached figures ---------------------------------------------------------------------------

# The application's own files: a kept figure or page is what this code and these templates and
# catalogues made of the data, so a release that changes any of them keeps its own.
_SOURCE_ROOT = Path(__file__).resolve().parents[2]
_SOURCE_SUFFIXES = (".py", ".html", ".mo")
_NOT_SOURCE = frozenset({"tests", "migrations", "static", "node_modules"})


@functools.cache
def release() -> str:
    """A fingerprint of the running release's code, templates and compiled catalogues, part of
    every kept entry's key: after a deploy nothing kept by the previous release is served, even
    a page whose template kept its name. The same files give the same fingerprint on every
    worker and server, so they share what they keep. Generations are not keyed by it: a write
    made by a worker of the old release still replaces what the new one keeps."""
    digest = hashlib.blake2b(digest_size=8)
    for folder, subfolders, files in os.walk(_SOURCE_ROOT):
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in _NOT_SOURCE and not name.startswith((".", "instance", "__"))
        )
        for name in sorted(files):
            if name.endswith(_SOURCE_SUFFIXES):
                path = Path(folder, name)
                digest.update(str(path.relative_to(_SOURCE_ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cached(name: str, compute: Callable[[], T], *key: object, timeout: int | None = None) -> T:
    """``compute()``, or its value from the cache while none of the tables it read has changed
    since (and on the same day). ``key`` must name everything else the value depends on: the
    viewer's scope (``viewer_key``), the filters. ``timeout``: seconds a value is kept at most
    (for values asked for once or twice, like one search's results: they leave the cache soon
    and do not crowd out the dashboards' figures); the cache's default otherwise."""
    from flask_babel import get_locale

    if session_has_uncommitted_writes():
        return compute()  # the figure must count this transaction's own writes, and not keep them
    full_key = f"figure:{name}:{release()}:{date.today().isoformat()}:{get_locale()}:{key!r}"
    entry = cache.get(full_key)
    if entry is not None and len(entry) == 3:
        depends, value, until = entry
        if (until is None or time.time() < until) and generations(depends) == depends:
            for outer in _reading.get():  # a figure computed around this one depends on it too
                outer.update(depends)
                if until is not None:
                    outer.add(f"{UNTIL}{until}")
            return value
    reads: set[str] = set()
    stack = _reading.get()
    token = _reading.set((*stack, reads))
    try:
        value = compute()
    finally:
        _reading.reset(token)
    times = [name for name in reads if name.startswith(UNTIL)]
    until = min((float(name[len(UNTIL) :]) for name in times), default=None)
    depends_on = (reads - set(times)) | ALWAYS_READ | {EVERY_TABLE}
    for outer in stack:
        outer.update(depends_on)
        outer.update(times)
    current = generations(depends_on, fresh=True)
    if may_keep(current):
        cache.set(full_key, (current, value, until), timeout=timeout)
    return value


def valid_until(moment: datetime | None) -> None:
    """The figure being computed changes at ``moment`` even without a write (a meeting that
    starts is no longer the next one): it is kept until then at most."""
    if moment is None:
        return
    stamp = moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=UTC).timestamp()
    for reads in _reading.get():
        reads.add(f"{UNTIL}{stamp}")


def depends_on(*tables: str) -> None:
    """The figure being computed shows rows of ``tables`` read before it began (a record the
    page loaded to authorise the reader): a write to them computes it again."""
    for reads in _reading.get():
        reads.update(tables)


def may_keep(current: dict[str, str]) -> bool:
    """Whether a figure just computed may be kept: not outside a request (a job's transaction
    may be old), and none of its tables written since the request began (its reads may
    predate that write)."""
    if not has_request_context() or "_figures_since" not in g:
        return False
    since = g._figures_since - current_app.config["CACHE_CLOCK_MARGIN_SECONDS"]
    return all(_token_time(token) < since for token in current.values())


def cached_html(
    name: str, render: Callable[[], str], *key: object, timeout: int | None = None
) -> Markup:
    """A fragment of a page (``render()``: its HTML) kept exactly like a figure: until a write
    changes a table that rendering read. ``key`` must name everything else the HTML depends on
    (``page_key`` for who looks, the filters); a fragment never holds a CSRF token or anything
    else of one session."""

    def compute() -> tuple[str, tuple[str, ...]]:
        # Marks the rendering leaves on the request (``not_kept_offline``: the page shows
        # restricted details) are kept with the HTML and set again whenever it is served.
        outer = {flag: g.pop(flag, None) for flag in REPLAYED_FLAGS}
        try:
            html = str(render())
            marks = tuple(flag for flag in REPLAYED_FLAGS if g.get(flag))
        finally:
            for flag, value in outer.items():
                if value:
                    setattr(g, flag, value)
        return html, marks

    kept = cached(f"html:{name}", compute, *key, timeout=timeout)
    html, marks = (kept, ()) if isinstance(kept, str) else kept  # kept by an older release
    for flag in marks:
        setattr(g, flag, True)
    # Our own templates' output, escaped when it was rendered.
    return Markup(html)  # noqa: S704


# Request marks a template sets while it renders (partnership.offline.not_kept_offline: the
# service worker must not keep this page): a kept fragment carries them to every page it is
# served in, or a page served from the cache would lose them.
REPLAYED_FLAGS = ("not_kept_offline",)


# Template globals whose every call writes something of one session or one page load: a form's
# CSRF token, and its one-time submission key (partnership.submissions). In a fragment that
# ``render_kept`` keeps, each call writes a slot instead, filled by calling the global afresh
# on every page served. No value shown can write a slot (values are escaped, "<" with them).
PER_LOAD_GLOBALS = ("csrf_token", "submission_key_field")


def _slot(name: str) -> str:
    return f"<kept-{name}>"


CSRF_SLOT = _slot("csrf_token")


def render_kept(
    template: str,
    body: str,
    context: Callable[[], dict],
    *,
    keep_seconds: int | None = None,
    kept_key: tuple = (),
    **page: object,
) -> str:
    """``template`` around its content ``body`` rendered with ``context()``, the content kept
    like a figure for who looks (``page_key``, and ``kept_key`` when the content depends on
    more, such as the account itself) and the address asked for (path and query: the filters
    and the page); the layout (who is signed in, the sign-out form's CSRF token, messages) is
    rendered afresh. Forms in ``body`` may post: their CSRF tokens and submission keys are
    kept as slots (``PER_LOAD_GLOBALS``) and written afresh for every page served. ``page``:
    what ``template`` itself shows (its title). ``keep_seconds``: kept at most that long
    (``cached``'s ``timeout``)."""
    from flask import render_template, request
    from flask_login import current_user

    slots = {name: (lambda slot=_slot(name): Markup(slot)) for name in PER_LOAD_GLOBALS}  # noqa: S704
    html = str(
        cached_html(
            f"page:{body}",
            lambda: render_template(body, **{**context(), **slots}),
            page_key(current_user),
            request.full_path,
            *kept_key,
            timeout=keep_seconds,
        )
    )
    fill = current_app.jinja_env.globals
    for name in PER_LOAD_GLOBALS:
        parts = html.split(_slot(name))  # one call of the global for each slot
        html = parts[0] + "".join(str(escape(fill[name]())) + part for part in parts[1:])
    # Our own templates' output, escaped when it was rendered.
    return render_template(template, body=Markup(html), **page)  # noqa: S704


def page_key(user) -> tuple:  # noqa: ANN001
    """What a rendered fragment may depend on about who looks: ``viewer_key`` and the time zone
    times are shown in."""
    return (*viewer_key(user), getattr(user, "timezone", None))


def viewer_key(user) -> tuple:  # noqa: ANN001
    """What a figure may depend on about who looks: the role (small-count suppression, what
    each role may see) and the organisation (an officer's stations)."""
    return (str(user.role), user.organisation_id)

"""Generations: one token per table in the cache, replaced whenever a committed transaction
wrote to the table; a kept figure is served only while the tokens it was stored with are current.

Every write also replaces the token of ``ANY_WRITE``, *after* its tables' tokens. So while
``ANY_WRITE`` keeps the token a worker last read, no table's token has changed since: each
worker keeps the tokens it has read (``_worker_memo``) under that one token, and a kept page
reads a single generation entry from the cache instead of one per table it depends on. A token
that leaves the cache without a write (pruned, expired, cleared) is never *newer* than the one
kept: at worst a figure is computed again, never served stale.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from flask import current_app, g, has_app_context, has_request_context
from flask_caching import Cache

cache = Cache()

GENERATION_PREFIX = "gen:"
# Replaced by a write whose tables cannot be told: every figure depends on it.
EVERY_TABLE = "*"
# Replaced by every write, after the tables it wrote: figures computed with SQL the recorder
# cannot read depend on it, and each worker's memo of the tokens is valid while it is unchanged.
ANY_WRITE = "+"
_WORKER_MEMO = "caching_generations"


def _new_token(settled: bool = False) -> str:
    return f"{uuid.uuid4().hex}:{0.0 if settled else time.time():.6f}"


def _token_time(token: str) -> float:
    try:
        return float(token.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return float("inf")


def _request_memo() -> dict[str, str] | None:
    """The generations already read in this request (a page asks for several figures that
    depend on the same tables), or None outside a request."""
    if not has_request_context():
        return None
    if "_figure_generations" not in g:
        g._figure_generations = {}
    return g._figure_generations


def _worker_memo(stamp: str) -> dict[str, str]:
    """The tokens this worker read while ``ANY_WRITE`` was ``stamp`` (a fresh, empty memo when
    it has changed since). Replaced as a whole, never emptied in place: a thread still holding
    the memo of an older stamp only ever fills that one."""
    extensions = current_app.extensions
    kept = extensions.get(_WORKER_MEMO)
    if kept is None or kept[0] != stamp:
        kept = extensions[_WORKER_MEMO] = (stamp, {})
    return kept[1]


def _read(names: list[str]) -> dict[str, str]:
    """The tokens in the cache now; a table without one gets one."""
    values = cache.get_many(*(GENERATION_PREFIX + name for name in names)) if names else []
    current = {}
    for name, value in zip(names, values, strict=True):
        if value is None:
            # Not written since the cache began: a token as old as that. ``add`` leaves a token
            # a write has just set in place, and that is the one read back.
            cache.add(GENERATION_PREFIX + name, _new_token(settled=True), timeout=0)
            value = cache.get(GENERATION_PREFIX + name) or _new_token()
        current[name] = value
    return current


def generations(tables: Iterable[str], fresh: bool = False) -> dict[str, str]:
    """The current generation of each table; a table without one gets a new one. Within a
    request each table's generation is read once (as if every figure of the page had been
    looked up at that moment) unless ``fresh``; across requests, a worker reads again only
    the generations of ``ANY_WRITE`` and of tables it has not read since the last write."""
    names = sorted(set(tables))
    memo = _request_memo()
    if memo is None or fresh:
        current = _read(names)
        if memo is not None:
            memo.update(current)
        return current
    missing = [n for n in names if n not in memo]
    if missing:
        # ``ANY_WRITE`` first: every token read after it is at least as new as it says.
        if ANY_WRITE not in memo:
            memo.update(_read([ANY_WRITE]))
        worker = _worker_memo(memo[ANY_WRITE]) if has_app_context() else {}
        unknown = [n for n in missing if n not in memo and n not in worker]
        read = _read(unknown)
        worker.update(read)
        memo.update({n: worker.get(n) or read[n] for n in missing if n not in memo})
    return {name: memo[name] for name in names}


def tables_changed(tables: Iterable[str]) -> None:
    """Replace the generation of ``tables``: the figures read from them are computed again.

    ``ANY_WRITE`` is written last (``set_many`` writes in order: one file after another, or
    one Redis pipeline), so a worker that sees its new token reads the tables' new ones."""
    names = set(tables)
    if not names:
        return
    names.discard(ANY_WRITE)
    token = _new_token()
    mapping = {GENERATION_PREFIX + name: token for name in sorted(names)}
    mapping[GENERATION_PREFIX + ANY_WRITE] = token
    cache.set_many(mapping, timeout=0)
    memo = _request_memo()
    if memo is not None:
        memo.clear()  # this request wrote: what it reads next is read afresh


def data_changed() -> None:
    """Every figure is computed again on its next request."""
    tables_changed({EVERY_TABLE})

"""Server-side sessions: started at sign-in, touched while in use, ended at sign-out."""

from __future__ import annotations

import functools
import hashlib
import pickle
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from partnership import signals
from partnership.accounts.models import ApiToken, User, UserSession
from partnership.extensions import db
from partnership.mixins import utcnow


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    """Open a server-side session and return the token to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:255],
        )
    )
    # A sign-in is not an edit of the account: it must not bump the version an admin's open
    # edit form was loaded with.
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(last_login_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return token


@functools.cache
def _live_session_query() -> Select:
    """Every signed-in request runs this query: built once (on first use, when every model is
    mapped), since building it with its eager loads cost as much as running it."""
    return (
        select(UserSession)
        .options(joinedload(UserSession.user).joinedload(User.organisation))
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None))
    )


def load_session(token: str | None, seen_at: datetime | None = None) -> UserSession | None:
    """The live session for ``token``: not ended, not idle too long, not past its lifetime.

    ``seen_at`` is the exact time of the session's last request, kept in the signed cookie; the
    stored ``last_seen_at`` is refreshed only every ``SESSION_ACTIVITY_SECONDS``, so the idle
    timeout counts from the later of the two and is exact to the second."""
    if not token:
        return None
    token_hash = _token_hash(token)
    row = _session_row(token_hash)
    if row is not None and not _alive(row, seen_at) and _forget(token_hash):
        # The kept copy's activity time may be older than the stored one (another worker
        # recorded a later request): the session ends only on what is stored.
        row = _session_row(token_hash)
    if row is None or not _alive(row, seen_at):
        return None
    return row


def _alive(row: UserSession, seen_at: datetime | None) -> bool:
    if not row.user.active:
        return False
    now = utcnow()
    cfg = current_app.config
    last_active = row.last_seen_at
    if seen_at is not None and row.created_at <= seen_at <= now:
        last_active = max(last_active, seen_at)
    if now - last_active > timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]):
        return False
    return now - row.created_at <= timedelta(hours=cfg["SESSION_LIFETIME_HOURS"])


# ---- the session row, kept by each worker until a write could have changed it -----------------
#
# Every signed-in request needs its session row, its user and the user's organisation; reading
# them was most of what a kept page cost. Each worker keeps what it read, like a kept figure
# (partnership.caching): with the generations of the tables it came from, and only when none of
# them changed after the request began. It is used again only while every one of them is
# unchanged: signing out, ending every session, a change of the account (role, deactivation,
# password) or of an organisation are all committed writes to these tables, and the next
# request of every worker reads the row from the database again. ``notifications`` is among
# them because the unread count on the user's row changes with it alone. The checks above
# (ended, idle, lifetime, active account) run on every request, on the kept row as on a read
# one. A change made outside the application (SQL typed into the database) is seen within
# ``KEPT_SESSION_SECONDS``. Recording a session's activity (``last_seen_at``, once a minute per
# session) is not such a write (partnership.caching.recorder's quiet columns): with many people
# signed in at once it would make every worker read every session again every few seconds. The
# worker that records it updates its own copy; another worker's copy may be older, which only
# matters for the idle timeout, so a kept copy that looks idle is read again before the session
# ends.
SESSION_TABLES = ("user_sessions", "users", "organisations", "notifications")
KEPT_SESSION_SECONDS = 60
_KEPT = "kept_session_rows"
MAX_KEPT_SESSIONS = 10_000


def _session_row(token_hash: str) -> UserSession | None:
    from partnership.caching import EVERY_TABLE, generations, may_keep

    kept_rows = current_app.extensions.setdefault(_KEPT, {})
    kept = kept_rows.get(token_hash)
    if kept is not None:
        tokens, snapshot, kept_at = kept
        if time.monotonic() - kept_at < KEPT_SESSION_SECONDS and generations(tokens) == tokens:
            # A copy in this request's session, made from the kept one without a query.
            return db.session.merge(snapshot, load=False)
        kept_rows.pop(token_hash, None)
    # Refreshed when a kept copy of it is already in this request's session (read again after
    # the copy looked idle).
    row = db.session.scalar(
        _live_session_query(),
        {"token_hash": token_hash},
        execution_options={"populate_existing": True},
    )
    if row is None:
        return None
    tokens = generations((*SESSION_TABLES, EVERY_TABLE), fresh=True)
    if may_keep(tokens):
        if len(kept_rows) >= MAX_KEPT_SESSIONS:
            kept_rows.clear()
        # A snapshot of its own (the row, its user and organisation), never attached to any
        # session: a commit or the end of this request cannot expire what is kept.
        kept_rows[token_hash] = (tokens, pickle.loads(pickle.dumps(row)), time.monotonic())  # noqa: S301 - our own objects, never from outside
    return row


def _forget(token_hash: str) -> bool:
    """Drop this worker's copy of a session row; whether there was one."""
    return current_app.extensions.get(_KEPT, {}).pop(token_hash, None) is not None


def session_needs_touch(row: UserSession) -> bool:
    interval = timedelta(seconds=current_app.config["SESSION_ACTIVITY_SECONDS"])
    return utcnow() - row.last_seen_at > interval


# How long recording activity may wait for another writer before it gives up until the next
# request: the exact time is in the cookie meanwhile, so nothing depends on this write.
TOUCH_WAIT_MS = 2000


def touch_session(session_id: int) -> None:
    """Record activity in a short write transaction of its own.

    Called after the request's own transaction has ended (see ``auth.record_activity``), so it
    never waits for a lock its own request holds; it waits at most ``TOUCH_WAIT_MS`` for
    other writers and otherwise leaves the update to a later request."""
    from partnership.database import write_transaction

    now = utcnow()
    with write_transaction(wait_ms=TOUCH_WAIT_MS) as conn:
        token_hash = conn.execute(
            update(UserSession)
            .where(UserSession.id == session_id)
            .values(last_seen_at=now)
            .returning(UserSession.token_hash)
        ).scalar()
    kept = current_app.extensions.get(_KEPT, {}).get(token_hash)
    if kept is not None:
        # This worker's copy follows (without a change to flush: it is never saved from here).
        set_committed_value(kept[1], "last_seen_at", now)


def end_session(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(user: User, except_token: str | None = None) -> int:
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_token:
        stmt = stmt.where(UserSession.token_hash != _token_hash(except_token))
    result = db.session.execute(stmt.values(ended_at=utcnow()))
    if except_token is None:
        # Every sign-in of the user ends, including those that are not browser sessions: the
        # personal API tokens (a script reads with the user's rights) and, through the signal,
        # the calendar feed's secret address.
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        signals.sessions_ended.send(user)
    return result.rowcount or 0


def active_session_count(user: User) -> int:
    cutoff = utcnow() - timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])
    return (
        db.session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.created_at > cutoff,
            )
        )
        or 0
    )

"""Personal calendar feeds: tokens (stored hashed) and the meetings a feed shows."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from meetings.models import (
    CalendarFeedToken,
    Meeting,
    meeting_facilitators,
    meeting_stations,
)
from meetings.services.queries import scope_clause
from partnership.accounts.models import User
from partnership.caching import valid_until
from partnership.extensions import db
from partnership.mixins import utcnow

FEED_REACHES_BACK = timedelta(days=365)

# ---- personal calendar feeds -------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_of(user: User) -> CalendarFeedToken | None:
    return db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))


def create_feed_token(user: User) -> str:
    """A new secret feed address for ``user``; any previous address stops working."""
    token = secrets.token_urlsafe(32)
    existing = feed_token_of(user)
    if existing is None:
        db.session.add(CalendarFeedToken(user_id=user.id, token_hash=_hash_token(token)))
    else:
        existing.token_hash = _hash_token(token)
        existing.created_at = utcnow()
        existing.last_used_at = None
    db.session.flush()
    return token


def revoke_feed_token(user: User) -> bool:
    existing = feed_token_of(user)
    if existing is None:
        return False
    db.session.delete(existing)
    db.session.flush()
    return True


def user_for_feed_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.token_hash == _hash_token(token))
        .options(joinedload(CalendarFeedToken.user))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def personal_feed_query(user: User, station_id: int | None = None) -> Select:
    """A user's feed: the meetings they facilitate and, for officers, those of their stations;
    or, with ``station_id``, that station's meetings within what the user may see."""
    stmt = select(Meeting).options(selectinload(Meeting.stations), joinedload(Meeting.organiser))
    scope = scope_clause(user)
    if station_id is not None:
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id == station_id
                )
            )
        )
        if scope is not None:
            stmt = stmt.where(scope)
    else:
        mine = Meeting.id.in_(
            select(meeting_facilitators.c.meeting_id).where(
                meeting_facilitators.c.user_id == user.id
            )
        )
        stmt = stmt.where(or_(mine, scope) if scope is not None else mine)
    # A year back is enough for a calendar program; cancelled ones stay so they are removed.
    since = utcnow() - FEED_REACHES_BACK
    return stmt.where(Meeting.ends_at >= since).order_by(Meeting.starts_at).limit(2000)


def kept_until_first_leaves(meetings: list[Meeting]) -> None:
    """A kept feed changes by itself when its earliest meeting falls out of the year it
    reaches back: it is kept until then at most (partnership.caching)."""
    if meetings:
        valid_until(min(m.ends_at for m in meetings) + FEED_REACHES_BACK)

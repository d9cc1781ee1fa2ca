"""Sign-in throttling: too many failures for an address or a client block for a while."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from partnership.accounts.models import LoginAttempt
from partnership.extensions import db
from partnership.mixins import utcnow


@dataclass
class Throttle:
    blocked: bool
    retry_after_minutes: int = 0
    retry_after_seconds: int = 0  # for the Retry-After header of the 429 answer


def login_throttle(email: str, ip: str) -> Throttle:
    """Blocked when the account or the address has too many recent failures."""
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    since = utcnow() - window
    limit = cfg["LOGIN_MAX_FAILURES"]
    email = email.strip().lower()
    for column, value in ((LoginAttempt.email, email), (LoginAttempt.ip, ip)):
        recent = db.session.scalars(
            select(LoginAttempt.at)
            .where(column == value, LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            oldest: datetime = recent[-1]
            wait = (oldest + window - utcnow()).total_seconds()
            return Throttle(True, max(1, int(wait // 60) + 1), max(1, math.ceil(wait)))
    return Throttle(False)


def record_failed_login(email: str, ip: str) -> None:
    db.session.add(LoginAttempt(email=email.strip().lower()[:255], ip=ip))
    # Old attempts are no longer needed for the window; keep the table small.
    cutoff = utcnow() - timedelta(days=1)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))


def clear_failed_logins(email: str) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email.strip().lower()))

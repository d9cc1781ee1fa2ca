"""User accounts: the first administrator, the administrators' list and edits, own changes."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from partnership import audit
from partnership.accounts.models import User
from partnership.accounts.services.passwords import set_password, verify_password
from partnership.accounts.services.sessions import end_all_sessions
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import POLICE_KINDS, Organisation
from partnership.organisations.services import create_organisation
from partnership.permissions import role_needs_police_organisation
from partnership.roles import ADMIN_ONLY, Role


def has_administrator() -> bool:
    return (
        db.session.scalar(select(User.id).where(User.role.in_(list(ADMIN_ONLY))).limit(1))
        is not None
    )


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


def latest_sign_in() -> object:
    """When anyone last signed in: what the accounts list shows changes with it."""
    return db.session.scalar(select(func.max(User.last_login_at)))


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

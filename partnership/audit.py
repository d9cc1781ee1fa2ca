"""The change log: every create, update and delete of an audited model is recorded here.

Models opt in with ``__audited__ = True``; fields named in ``__audit_masked__`` are recorded as
changed without their values. The log is written from SQLAlchemy's flush, so the web, the CLI and
imports are all covered without each write remembering to call it.
"""

from __future__ import annotations

import contextvars
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, event, func, insert, inspect, select
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from partnership.database import bulk_insert
from partnership.extensions import db
from partnership.mixins import UTCDateTime, utcnow
from partnership.signals import records_bulk_created

MASK = "••••••"
# sort_key: derived from the name (partnership.collation), not a change of its own.
IGNORED_FIELDS = {"created_at", "updated_at", "version", "sort_key"}

# Who acts when there is no logged-in user (CLI commands, background jobs).
_system_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "system_actor", default=None
)


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None]
    entity_label: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


def set_system_actor(label: str) -> contextvars.Token:
    return _system_actor.set(label)


def _current_actor() -> tuple[int | None, str, str | None]:
    from flask_login import current_user

    ip = request.remote_addr if has_request_context() else None
    if has_request_context():
        try:
            if current_user and current_user.is_authenticated:
                return current_user.id, current_user.email, ip
        except Exception:  # noqa: S110, BLE001 - the user loader may not be usable mid-teardown
            pass
    return None, _system_actor.get() or "system", ip


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _label(obj: Any) -> str:
    return str(getattr(obj, "audit_label", None) or getattr(obj, "name", "") or "")[:255]


def _column_changes(obj: Any, action: str) -> dict[str, list[Any]]:
    masked = getattr(obj, "__audit_masked__", set())
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in IGNORED_FIELDS or key == "id":
            continue
        if action == "create":
            value = getattr(obj, key)
            if value is None:
                continue
            changes[key] = [None, MASK if key in masked else _plain(value)]
        else:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            if key in masked:
                changes[key] = [MASK, MASK]
            else:
                changes[key] = [_plain(old), _plain(new)]
    return changes


def _keep_old_value(target, value, oldvalue, initiator):  # noqa: ANN001, ANN202
    return value


@event.listens_for(Mapper, "mapper_configured")
def _load_old_values_of_audited_models(mapper: Mapper, cls: type) -> None:
    """Load a column's old value before it is overwritten, even on an expired object, so the
    log always has both sides of a change."""
    if not getattr(cls, "__audited__", False):
        return
    for attr in mapper.column_attrs:
        event.listen(
            getattr(cls, attr.key), "set", _keep_old_value, active_history=True, retval=True
        )


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context: Any) -> None:
    rows = []
    user_id, actor, ip = None, None, None
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not getattr(obj, "__audited__", False):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, action) if action != "delete" else {}
            if action == "update" and not changes:
                continue
            if actor is None:
                user_id, actor, ip = _current_actor()
            rows.append(
                {
                    "at": utcnow(),
                    "user_id": user_id,
                    "actor": actor,
                    "action": action,
                    "entity_type": obj.__class__.__name__,
                    "entity_id": getattr(obj, "id", None),
                    "entity_label": _label(obj),
                    "version": getattr(obj, "version", None),
                    "changes": changes,
                    "ip": ip,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


_PLAIN = (str, int, bool)


def record_bulk_creates(model: type, records: list[tuple[int, str, dict[str, Any]]]) -> None:
    """One create entry per record for rows inserted in bulk with a Core INSERT (which the
    flush hook does not see): ``records`` are (id, label, column values), logged as the hook
    would log them, in one statement."""
    if not records:
        return
    user_id, actor, ip = _current_actor()
    masked = getattr(model, "__audit_masked__", set())
    now = utcnow()
    rows = [
        {
            "at": now,
            "user_id": user_id,
            "actor": actor,
            "action": "create",
            "entity_type": model.__name__,
            "entity_id": entity_id,
            "entity_label": label[:255],
            "version": values.get("version", 1) if hasattr(model, "version") else None,
            "changes": {
                # Plain text and numbers need no conversion: skip it for speed (8,000 rows).
                key: [
                    None,
                    MASK if key in masked else value if type(value) in _PLAIN else _plain(value),
                ]
                for key, value in values.items()
                if value is not None and key not in IGNORED_FIELDS and key != "id"
            },
            "ip": ip,
        }
        for entity_id, label, values in records
    ]
    bulk_insert(AuditEntry.__table__, rows)
    records_bulk_created.send(model, records=records)


def record_event(
    action: str, entity: Any = None, *, label: str = "", user: Any = None, **details: Any
) -> None:
    """Record something that is not a column change: a login, a session ended, an export, a
    status change. ``user`` is who did it when that is not the signed-in user (the CLI)."""
    user_id, actor, ip = _current_actor()
    if user is not None and getattr(user, "id", None) is not None:
        user_id, actor = user.id, user.email
    db.session.add(
        AuditEntry(
            user_id=user_id,
            actor=actor,
            action=action,
            entity_type=entity.__class__.__name__ if entity is not None else "",
            entity_id=getattr(entity, "id", None),
            entity_label=label or (_label(entity) if entity is not None else ""),
            changes={k: _plain(v) for k, v in details.items()},
            ip=ip,
        )
    )


def entity_types() -> list[str]:
    """The record types the log holds, in order: each read from the entity index with one
    lookup of the next type after the last (a loose index scan as a recursive query), not by
    reading every entry as DISTINCT would."""
    table = AuditEntry.__table__
    first = select(func.min(table.c.entity_type).label("entity_type")).cte(
        "entity_types", recursive=True
    )
    following = (
        select(func.min(table.c.entity_type))
        .where(table.c.entity_type > first.c.entity_type)
        .scalar_subquery()
    )
    types = first.union_all(select(following).where(first.c.entity_type.is_not(None)))
    found = db.session.scalars(select(types.c.entity_type)).all()
    return [t for t in found if t]


def record_event_on_read(
    action: str, entity: Any = None, *, label: str = "", **details: Any
) -> None:
    """Record an event of a GET request (a download): written at once in a short transaction of
    its own that takes the write lock when it begins. A GET reads in a transaction that does not
    hold the lock; upgrading it to write at commit is what fails with "database is locked" when
    another request writes at the same moment."""
    from partnership.database import write_transaction

    user_id, actor, ip = _current_actor()
    with write_transaction() as conn:
        conn.execute(
            insert(AuditEntry.__table__).values(
                at=utcnow(),
                user_id=user_id,
                actor=actor,
                action=action,
                entity_type=entity.__class__.__name__ if entity is not None else "",
                entity_id=getattr(entity, "id", None),
                entity_label=label or (_label(entity) if entity is not None else ""),
                changes={k: _plain(v) for k, v in details.items()},
                ip=ip,
            )
        )


def changes_since(obj: Any, version: int) -> list[AuditEntry]:
    """Audit entries that moved ``obj`` past ``version``: what someone else changed meanwhile."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.entity_type == obj.__class__.__name__,
                AuditEntry.entity_id == obj.id,
                AuditEntry.version > version,
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.id)
        )
    )


class EditConflict(Exception):
    """Someone saved a newer version of the record since the editor loaded it."""

    def __init__(self, obj: Any, entries: list[AuditEntry]) -> None:
        super().__init__("edit conflict")
        self.obj = obj
        self.entries = entries


def check_version(obj: Any, loaded_version: int | None) -> None:
    """Refuse a save based on an older version than the one stored now."""
    if loaded_version is None or loaded_version == obj.version:
        return
    raise EditConflict(obj, changes_since(obj, loaded_version))


def conflict_entries(exc: Exception, obj: Any) -> list[AuditEntry]:
    """What someone else changed, after a refused save (``EditConflict`` from the form's
    version, or SQLAlchemy's ``StaleDataError`` when the race was lost at commit): reload the
    record and return the changes to show instead of saving over them. Call after rollback."""
    db.session.refresh(obj)
    if isinstance(exc, EditConflict):
        return exc.entries
    return changes_since(obj, obj.version - 1)

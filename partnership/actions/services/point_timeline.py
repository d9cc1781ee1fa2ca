"""An action point's timeline: follow-ups and edits in order, in the reader's words (field labels,
people's names)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from partnership.accounts.models import User
from partnership.actions.models import ActionPoint, FollowUp
from partnership.actions.services.concern_notes import TimelinePage
from partnership.audit import AuditEntry
from partnership.extensions import db


@dataclass
class TimelineEntry:
    at: object
    who: str
    kind: str  # "follow_up", "create" or "update"
    text: str
    follow_up: FollowUp | None = None
    # What an edit changed, as the reader calls it ("Due date", "Police owner").
    changed: list[str] | None = None


# The fields of an action point as its pages name them, for the timeline's "changed: ...".
# Several columns are one fact to a reader (who and when it was acknowledged).
FIELD_LABELS = {
    "title": _l("What will be done"),
    "details": _l("Details"),
    "station_id": _l("Police station or post"),
    "origin_meeting_id": _l("Agreed at"),
    "police_owner_id": _l("Police owner"),
    "ngo_owner_id": _l("NGO owner"),
    "due_on": _l("Due date"),
    "priority": _l("Priority"),
    "status": _l("Status"),
    "acknowledged_at": _l("Acknowledged"),
    "acknowledged_by_id": _l("Acknowledged"),
    "action_taken": _l("Action taken"),
    "done_on": _l("Marked done"),
    "done_by_id": _l("Marked done"),
    "done_side": _l("Marked done"),
    "verified_at": _l("Verification"),
    "verified_by_id": _l("Verification"),
    "verified_adequate": _l("Verification"),
    "verification_note": _l("Verification"),
    "days_to_verification": _l("Verification"),
    "dropped_reason": _l("Reason for dropping"),
    "created_by_id": _l("Created by"),
    "concerns": _l("Concerns it answers"),
}


def changed_labels(changes: dict | None) -> list[str]:
    """The changed fields of an audit entry in the reader's language, each once."""
    labels: list[str] = []
    for key in changes or {}:
        label = str(FIELD_LABELS.get(key, _("other details")))
        if label not in labels:
            labels.append(label)
    return labels


def actor_name(name: str | None, actor: str) -> str:
    """Who made an audited change, by name: never an email address. A removed account keeps
    only its address in the log; a command-line task its own label."""
    if name:
        return name
    if "@" in actor:
        return _("a removed account")
    return _("the system")


def action_point_timeline(
    point: ActionPoint, page: int = 1, per_page: int | None = None
) -> TimelinePage:
    """Follow-ups merged with the audit history of the point, newest first, one page at a time.

    A point followed up for years gathers more than a thousand entries; the page shows the
    newest ``per_page`` and links to older ones. Four queries whatever the length: the newest
    rows of each source up to this page, and the two totals."""
    per_page = per_page or current_app.config["PER_PAGE"]
    totals = db.session.execute(
        select(
            select(func.count(FollowUp.id))
            .where(FollowUp.action_point_id == point.id)
            .scalar_subquery(),
            select(func.count(AuditEntry.id))
            .where(
                AuditEntry.entity_type == "ActionPoint",
                AuditEntry.entity_id == point.id,
                AuditEntry.action.in_(["create", "update"]),
            )
            .scalar_subquery(),
        )
    ).one()
    total = int(totals[0] or 0) + int(totals[1] or 0)
    last_page = max(1, -(-total // per_page))
    page = min(max(1, page), last_page)
    upto = page * per_page
    follow_ups = db.session.scalars(
        select(FollowUp)
        .options(joinedload(FollowUp.user))
        .where(FollowUp.action_point_id == point.id)
        .order_by(FollowUp.at.desc(), FollowUp.id.desc())
        .limit(upto)
    )
    entries = [
        TimelineEntry(
            at=f.at,
            who=f.user.name if f.user else "",
            kind="follow_up",
            text=f.note,
            follow_up=f,
        )
        for f in follow_ups
    ]
    audit_rows = db.session.execute(
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(
            AuditEntry.entity_type == "ActionPoint",
            AuditEntry.entity_id == point.id,
            # status changes are on the timeline as follow-ups already
            AuditEntry.action.in_(["create", "update"]),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(upto)
    )
    for row, name in audit_rows:
        entries.append(
            TimelineEntry(
                at=row.at,
                who=actor_name(name, row.actor),
                kind=row.action,
                text="",
                changed=changed_labels(row.changes) if row.action == "update" else None,
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return TimelinePage(entries[upto - per_page : upto], page, per_page, total)

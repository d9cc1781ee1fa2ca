"""A concern's notes: written by the NGO side, some restricted, read one page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from partnership.accounts.models import User
from partnership.actions.models import Concern, ConcernNote
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.permissions import can_see_restricted_details


def annotate_concern(concern: Concern, user: User, text: str, restricted: bool) -> ConcernNote:
    if not text.strip():
        raise FieldError("text", _("Write the note."))
    note = ConcernNote(concern=concern, user_id=user.id, text=text.strip(), restricted=restricted)
    db.session.add(note)
    db.session.flush()
    return note


@dataclass
class TimelinePage:
    """The newest entries of a timeline (or a concern's notes), and where the older ones are."""

    entries: list  # TimelineEntry rows or ConcernNote rows
    page: int
    per_page: int
    total: int

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.entries else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.entries)

    @property
    def older_page(self) -> int | None:
        return self.page + 1 if self.last_shown < self.total else None

    @property
    def newer_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


def visible_notes(
    concern: Concern, user: User, page: int = 1, per_page: int | None = None
) -> TimelinePage:
    """The notes ``user`` may read, newest first, one page at a time (a concern followed for
    years gathers many). Two queries whatever the number of notes."""
    per_page = per_page or current_app.config["PER_PAGE"]
    stmt = select(ConcernNote).where(ConcernNote.concern_id == concern.id)
    if not can_see_restricted_details(user):
        stmt = stmt.where(ConcernNote.restricted.is_(False))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    notes = db.session.scalars(
        stmt.options(joinedload(ConcernNote.user))
        .order_by(ConcernNote.at.desc(), ConcernNote.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return TimelinePage(list(notes), page, per_page, total)

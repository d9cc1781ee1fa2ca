"""The reminder digest (`flask send-reminders`): one email to each owner and reviewer listing
the action points that are due soon or overdue.

Owners are the police and NGO owners of open points due within REMINDER_DUE_DAYS (or overdue);
reviewers are the senior officers of a station's command, for points escalated past
ESCALATION_DAYS. Mail goes through the configured SMTP server (MAIL_* settings).
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from partnership.accounts.models import User
from partnership.actions.models import OPEN_ACTION_STATUSES, ActionPoint
from partnership.extensions import db
from partnership.i18n import in_language_of
from partnership.roles import POLICE_ROLES


@dataclass
class Digest:
    user: User
    overdue: list[ActionPoint] = field(default_factory=list)
    due: list[ActionPoint] = field(default_factory=list)
    escalated: list[ActionPoint] = field(default_factory=list)


def collect_digests(on: date) -> list[Digest]:
    """Digests per recipient, in two queries whatever the number of points."""
    config = current_app.config
    horizon = on + timedelta(days=int(config.get("REMINDER_DUE_DAYS", 7)))
    escalate_before = on - timedelta(days=int(config.get("ESCALATION_DAYS", 14)))
    points = list(
        db.session.scalars(
            select(ActionPoint)
            .options(
                joinedload(ActionPoint.station),
                joinedload(ActionPoint.police_owner),
                joinedload(ActionPoint.ngo_owner),
            )
            .where(
                ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)),
                ActionPoint.due_on <= horizon,
            )
            .order_by(ActionPoint.due_on, ActionPoint.id)
        )
    )
    command_ids = {p.station.command_id for p in points if p.due_on <= escalate_before}
    reviewers: dict[int, list[User]] = defaultdict(list)
    if command_ids - {None}:
        for user in db.session.scalars(
            select(User).where(
                User.role.in_(list(POLICE_ROLES)),
                User.active.is_(True),
                User.organisation_id.in_(command_ids - {None}),
            )
        ):
            reviewers[user.organisation_id].append(user)
    digests: dict[int, Digest] = {}

    def digest(user: User) -> Digest:
        return digests.setdefault(user.id, Digest(user))

    for point in points:
        for owner in (point.police_owner, point.ngo_owner):
            if owner is not None and owner.active:
                bucket = digest(owner).overdue if point.due_on < on else digest(owner).due
                bucket.append(point)
        if point.due_on <= escalate_before:
            for reviewer in reviewers.get(point.station.command_id, []):
                if point not in digest(reviewer).overdue:
                    digest(reviewer).escalated.append(point)
    return sorted(digests.values(), key=lambda d: d.user.email)


def _line(point: ActionPoint, on: date) -> str:
    late = (on - point.due_on).days
    when = (
        ngettext("%(num)d day overdue", "%(num)d days overdue", late)
        if late > 0
        else _("due %(date)s", date=format_date(point.due_on, "medium"))
    )
    return f"- AP-{point.id} {point.title} ({point.station.name}; {when})"


def digest_message(item: Digest, on: date, base_url: str = "") -> EmailMessage:
    """The digest in the recipient's own language."""
    with in_language_of(item.user):
        return _digest_message(item, on, base_url)


def _digest_message(item: Digest, on: date, base_url: str = "") -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = _(
        "Action points due and overdue (%(date)s)", date=format_date(on, "medium")
    )
    message["From"] = config["MAIL_FROM"]
    message["To"] = item.user.email
    lines = [_("Hello %(name)s,", name=item.user.name), ""]
    for title, points in (
        (_("Overdue"), item.overdue),
        (_("Due soon"), item.due),
        (_("Escalated to your command"), item.escalated),
    ):
        if points:
            lines.append(f"{title}:")
            lines.extend(_line(p, on) for p in points)
            lines.append("")
    if base_url:
        lines.append(
            _("Review them at %(url)s", url=f"{base_url.rstrip('/')}/action-points?overdue=1")
        )
    lines.append("— " + _("Partnership manager"))
    message.set_content("\n".join(lines))
    return message


def send_reminders(on: date) -> int:
    """Send every digest through one SMTP connection; the number of emails sent."""
    digests = collect_digests(on)
    if not digests:
        return 0
    config = current_app.config
    base_url = config.get("BASE_URL", "")
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        for item in digests:
            smtp.send_message(digest_message(item, on, base_url))
    return len(digests)

"""The officer's review of their stations' action points, and what a station's or a
meeting's page shows of the loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from partnership import disclosure
from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    FollowUp,
    Side,
)
from partnership.actions.services.action_points import (
    action_point_options,
    open_action_points_of_stations,
)
from partnership.actions.services.concerns import escalation_days, open_concerns_of_stations, today
from partnership.disclosure import Figure
from partnership.extensions import db
from partnership.organisations.models import Organisation, OrganisationKind
from partnership.permissions import (
    sees_concern_summaries,
    station_scope,
    visible_station_ids,
)


@dataclass
class Review:
    overdue: list[ActionPoint]
    due: list[ActionPoint]
    later: list[ActionPoint]
    to_verify: list[ActionPoint]
    concerns: list[Concern]
    is_command: bool


def review_for(user: User, due_within_days: int = 14) -> Review:
    """An officer's review: the open action points of their station, or for a command's senior
    officers the escalated points of its stations and those they own; points the NGO side
    marked done, for them to verify; open concern summaries of their stations."""
    scope = sorted(station_scope(user) or [])
    is_command = user.organisation.kind is OrganisationKind.POLICE_COMMAND
    stmt = (
        select(ActionPoint)
        .options(*action_point_options())
        .where(
            ActionPoint.station_id.in_(scope),
            ActionPoint.status.in_([*OPEN_ACTION_STATUSES, ActionStatus.DONE]),
        )
        .order_by(ActionPoint.due_on, ActionPoint.id)
    )
    if is_command:
        cutoff = today() - timedelta(days=escalation_days())
        stmt = stmt.where(
            or_(
                ActionPoint.police_owner_id == user.id,
                ActionPoint.due_on <= cutoff,
                ActionPoint.status == ActionStatus.DONE,
            )
        )
    points = list(db.session.scalars(stmt))
    now = today()
    horizon = now + timedelta(days=due_within_days)
    review = Review([], [], [], [], [], is_command)
    for point in points:
        if point.status is ActionStatus.DONE:
            if point.done_side is Side.NGO:
                review.to_verify.append(point)
        elif point.due_on < now:
            review.overdue.append(point)
        elif point.due_on <= horizon:
            review.due.append(point)
        else:
            review.later.append(point)
    review.concerns = open_concerns_of_stations(scope)
    return review


@dataclass
class StationPanel:
    concerns: list[Concern] | None
    points: list[ActionPoint]


def station_panel(station: Organisation, user: User) -> StationPanel:
    """What the station page shows of the loop; viewers get no concern summaries."""
    concerns = open_concerns_of_stations([station.id]) if sees_concern_summaries(user) else None
    return StationPanel(concerns, open_action_points_of_stations([station.id]))


# ---- meetings: the carried-forward agenda ------------------------------------------------------


@dataclass
class MeetingLoop:
    concerns: list[Concern] | None
    points: list[ActionPoint]
    reviewed_ids: set[int]
    agreed: list[ActionPoint]
    # At a joint meeting, what belongs to stations the user may not see: counts only, already
    # suppressed for the user (see partnership.disclosure). None when nothing is left out.
    other_concerns: Figure | None = None
    other_points: Figure | None = None


def meeting_loop(meeting_id: int, station_ids: list[int], user: User) -> MeetingLoop:
    """The open concerns and open action points of a meeting's stations, as they stand now
    (computed on display, so they always show the current status), the points agreed at the
    meeting, and which points were reviewed there. Viewers get no concern summaries. At a
    joint meeting an officer gets only their own stations' items; the other stations' appear
    as counts at most."""
    visible = visible_station_ids(user, station_ids)
    others = [s for s in station_ids if s not in visible]
    concerns = open_concerns_of_stations(visible) if sees_concern_summaries(user) else None
    points = open_action_points_of_stations(visible)
    agreed_stmt = (
        select(ActionPoint)
        .options(*action_point_options())
        .where(ActionPoint.origin_meeting_id == meeting_id)
        .order_by(ActionPoint.id)
    )
    if others:
        agreed_stmt = agreed_stmt.where(ActionPoint.station_id.in_(visible or [-1]))
    agreed = list(db.session.scalars(agreed_stmt))
    reviewed = set(
        db.session.scalars(
            select(FollowUp.action_point_id).where(FollowUp.meeting_id == meeting_id)
        )
    )
    loop = MeetingLoop(concerns, points, reviewed, agreed)
    if others:
        suppress = disclosure.applies_to(user)
        loop.other_concerns = disclosure.figure(
            db.session.scalar(
                select(func.count(Concern.id)).where(
                    Concern.station_id.in_(others),
                    Concern.status.in_(list(OPEN_CONCERN_STATUSES)),
                )
            ),
            suppress,
        )
        loop.other_points = disclosure.figure(
            db.session.scalar(
                select(func.count(ActionPoint.id)).where(
                    ActionPoint.station_id.in_(others),
                    ActionPoint.status.in_([*OPEN_ACTION_STATUSES, ActionStatus.DONE]),
                )
            ),
            suppress,
        )
    return loop

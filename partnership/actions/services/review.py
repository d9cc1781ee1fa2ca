"""The officer's review of their stations' action points, and what waits for a user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased, joinedload, load_only

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    Side,
    action_point_concerns,
)
from partnership.actions.services.action_points import action_point_options
from partnership.actions.services.concerns import (
    POINT_LINE_COLUMNS,
    count_open_concerns_of_stations,
    escalation_days,
    open_concerns_of_stations,
    today,
)
from partnership.database import unindexed
from partnership.extensions import db
from partnership.organisations.models import Organisation, OrganisationKind
from partnership.permissions import (
    side_of,
    station_scope,
)

# A command's review covers hundreds of action points: each group shows the most pressing ones
# (the earliest due) with its total, and links to the full list.
REVIEW_SHOWN = 20


@dataclass
class Review:
    overdue: list[ActionPoint]
    due: list[ActionPoint]
    later: list[ActionPoint]
    to_verify: list[ActionPoint]
    concerns: list[Concern]
    is_command: bool
    # How many each group holds in all: {"overdue": n, "due": n, "later": n, "verify": n}.
    totals: dict[str, int] = field(default_factory=dict)
    concerns_total: int = 0


def review_for(user: User, due_within_days: int = 14) -> Review:
    """An officer's review: the open action points of their station, or for a command's senior
    officers the escalated points of its stations and those they own; points the NGO side
    marked done, for them to verify; open concern summaries of their stations. Each group
    holds at most ``REVIEW_SHOWN`` points, whatever the programme's size, in a fixed number of
    queries."""
    scope = sorted(station_scope(user) or [])
    is_command = user.organisation.kind is OrganisationKind.POLICE_COMMAND
    now = today()
    horizon = now + timedelta(days=due_within_days)
    group = case(
        (
            ActionPoint.status == ActionStatus.DONE,
            case((ActionPoint.done_side == Side.NGO, "verify"), else_=""),
        ),
        (ActionPoint.due_on < now, "overdue"),
        (ActionPoint.due_on <= horizon, "due"),
        else_="later",
    ).label("review_group")
    conditions = [
        ActionPoint.station_id.in_(scope),
        ActionPoint.status.in_([*OPEN_ACTION_STATUSES, ActionStatus.DONE]),
    ]
    if is_command:
        cutoff = now - timedelta(days=escalation_days())
        conditions.append(
            or_(
                ActionPoint.police_owner_id == user.id,
                ActionPoint.due_on <= cutoff,
                ActionPoint.status == ActionStatus.DONE,
            )
        )
    totals = dict(
        db.session.execute(
            select(group, func.count(ActionPoint.id)).where(*conditions).group_by(group)
        ).all()
    )
    rank = (
        func.row_number()
        .over(partition_by=group, order_by=(ActionPoint.due_on, ActionPoint.id))
        .label("rank")
    )
    # The points' list columns come from the ranked rows themselves, not from a join back to
    # the table (which PostgreSQL read from end to end to hash against the ranked ids).
    columns = (*POINT_LINE_COLUMNS, ActionPoint.acknowledged_at, ActionPoint.done_on)
    ranked = select(*columns, group, rank).where(*conditions).subquery()
    point = aliased(ActionPoint, ranked)
    shown = (
        select(point, ranked.c.review_group)
        .options(
            load_only(*(getattr(point, c.key) for c in columns)),
            joinedload(point.station).load_only(Organisation.id, Organisation.name),
            joinedload(point.police_owner).load_only(User.id, User.name),
            joinedload(point.ngo_owner).load_only(User.id, User.name),
        )
        .where(ranked.c.rank <= REVIEW_SHOWN, ranked.c.review_group != "")
        .order_by(ranked.c.due_on, ranked.c.id)
    )
    review = Review([], [], [], [], [], is_command, totals={k: v for k, v in totals.items() if k})
    lists = {"overdue": review.overdue, "due": review.due, "later": review.later,
             "verify": review.to_verify}  # fmt: skip
    for point, name in db.session.execute(shown):
        lists[name].append(point)
    review.concerns = open_concerns_of_stations(scope, limit=REVIEW_SHOWN)
    review.concerns_total = count_open_concerns_of_stations(scope)
    return review


# ---- what waits for a user (the dashboard's to-do) ----------------------------------------------


def points_to_verify(user: User, limit: int) -> list[ActionPoint]:
    """Points the other side marked done, waiting for the user's side to verify them, in the
    user's scope; oldest done first."""
    side = side_of(user)
    if side is None:
        return []
    stmt = (
        select(ActionPoint)
        .options(*action_point_options())
        .where(ActionPoint.status == ActionStatus.DONE, ActionPoint.done_side != Side(side))
        .order_by(ActionPoint.done_on, ActionPoint.id)
        .limit(limit)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(ActionPoint.station_id.in_(scope))
    return list(db.session.scalars(stmt))


def concerns_ready_to_resolve(user: User, limit: int) -> list[Concern]:
    """Open concerns whose action points are all settled (verified or dropped), at least one of
    them verified: the loop is closed and the concern can be resolved. In the user's scope."""
    settled = [ActionStatus.VERIFIED, ActionStatus.DROPPED]

    # The open concerns are read in date order (the index on occurred_on, id) and each one's
    # points looked up by its id (the index on concern_id, then the points' key), so the first
    # ``limit`` ready ones end the query: 0.5 ms on SQLite and 3 ms on PostgreSQL at programme
    # scale, where a NOT IN read and hashed every unsettled action point first (11 and 23 ms).
    # ``unindexed``: SQLite, without statistics, would otherwise start from every verified
    # point, or gather every open concern and sort them.
    status = unindexed(ActionPoint.status)

    def has_point(condition):  # noqa: ANN001, ANN202
        return (
            select(action_point_concerns.c.action_point_id)
            .join(ActionPoint, ActionPoint.id == action_point_concerns.c.action_point_id)
            .where(action_point_concerns.c.concern_id == Concern.id, condition)
            .exists()
        )

    stmt = (
        select(Concern)
        .options(joinedload(Concern.station))
        .where(
            unindexed(Concern.status).in_(list(OPEN_CONCERN_STATUSES)),
            has_point(status == ActionStatus.VERIFIED),
            ~has_point(status.not_in(settled)),
        )
        .order_by(Concern.occurred_on, Concern.id)
        .limit(limit)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Concern.station_id.in_(scope))
    return list(db.session.scalars(stmt))

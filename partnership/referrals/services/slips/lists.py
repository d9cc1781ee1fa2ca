"""The slips list: its filters, the page of ids chosen from the slips' indexes, the rows it
shows, the search by number, and the download's rows."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased, joinedload, load_only

from partnership.extensions import db
from partnership.organisations.models import Organisation, Person
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import can_see_client_codes, station_scope
from partnership.referrals import summary
from partnership.referrals.codes import normalise_slip_number
from partnership.referrals.models import Redemption, Route, Scheme, ServicePoint, Slip


@functools.cache
def station_alias():  # noqa: ANN201
    """The station a row of the slips or redemptions list names: one alias for every call
    (building one costs as much as the query). Built on first use, when every model is mapped (building it at import configures the
    mappers, which fails while the models are still being imported)."""
    return aliased(Organisation, name="station")


@dataclass
class SlipFilters:
    scheme_id: int | None = None
    station_id: int | None = None
    route: str = ""
    number: str = ""
    state: str = ""  # "redeemed" / "open": NGO editors only
    # The place and period filters the dashboard's referral tiles send.
    country: str = ""
    command_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None


def slip_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    # Only the columns the list shows: never a redemption's client code.
    options = [
        load_only(Slip.number, Slip.issued_on, Slip.route, Slip.scheme_id, Slip.station_id),
        joinedload(Slip.scheme).load_only(Scheme.name, Scheme.status),
        joinedload(Slip.station).load_only(Organisation.name),
        joinedload(Slip.officer).load_only(Person.name),
    ]
    if can_see_client_codes(user):
        options.append(
            joinedload(Slip.redemption)
            .load_only(Redemption.redeemed_on)
            .joinedload(Redemption.service_point)
            .load_only(ServicePoint.name)
        )
    return _filtered(select(Slip).options(*options), user, filters or SlipFilters())


def slip_page_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    """The slips list's ids, in its order and with its filters: the page is chosen from the
    slips table's indexes alone (the officer's stations, a station or a scheme, the date
    order), and only the slips of that page are joined to what the list shows
    (``slip_list_rows``)."""
    return _filtered(select(Slip.id), user, filters or SlipFilters())


def slip_state_count(user, filters: SlipFilters) -> int | None:  # noqa: ANN001
    """How many slips the list shows when an NGO editor filters it by "redeemed" or "open",
    read from the slips summary (``partnership.referrals.summary``): counting them from the
    slips would look up every one of a station's slips in the redemptions. The same number as
    counting the list's own query; None when the list is not filtered by state, or is also
    searched by number (which the summary does not keep), and the list counts itself."""
    if filters.number or filters.state not in ("redeemed", "open"):
        return None
    if not can_see_client_codes(user):
        return None
    route = None
    if filters.route:
        try:
            route = Route(filters.route)
        except ValueError:
            route = None
    stations = None
    scope = station_scope(user)
    place = station_ids_in_place(filters.country, filters.command_id)
    if scope is not None or filters.station_id or place is not None:
        stations = select(Organisation.id)
        if scope is not None:
            stations = stations.where(Organisation.id.in_(scope))
        if filters.station_id:
            stations = stations.where(Organisation.id == filters.station_id)
        if place is not None:
            stations = stations.where(Organisation.id.in_(place))
    row = db.session.execute(
        summary.slip_counts(
            (),
            start=filters.issued_from,
            end=filters.issued_to,
            scheme_id=filters.scheme_id,
            stations=stations,
            route=route,
        )
    ).one()
    issued, redeemed = int(row.issued or 0), int(row.redeemed or 0)
    return redeemed if filters.state == "redeemed" else issued - redeemed


def slip_list_rows(user, ids: Sequence[int]) -> list:  # noqa: ANN001
    """What the slips list shows of the slips ``ids``, in that order, as plain rows: number,
    date issued, route, scheme (name, status), station and officer names, and for NGO editors
    the date the slip was redeemed. One query; never a client code."""
    if not ids:
        return []
    station = station_alias()
    stmt = (
        select(
            Slip.id,
            Slip.number,
            Slip.issued_on,
            Slip.route,
            Slip.scheme_id,
            Scheme.name.label("scheme_name"),
            Scheme.status.label("scheme_status"),
            station.name.label("station_name"),
            Person.name.label("officer_name"),
        )
        .join(Scheme, Scheme.id == Slip.scheme_id)
        .join(station, station.id == Slip.station_id)
        .outerjoin(Person, Person.id == Slip.officer_id)
        .where(Slip.id.in_(list(ids)))
    )
    if can_see_client_codes(user):
        stmt = stmt.add_columns(Redemption.redeemed_on).outerjoin(
            Redemption, Redemption.slip_id == Slip.id
        )
    rows = {row.id: row for row in db.session.execute(stmt)}
    return [rows[i] for i in ids if i in rows]


def slip_number_pattern(typed: str) -> str:
    """The LIKE pattern of the search by number: numbers that begin with what was typed, in
    capitals and without spaces, as numbers are stored. Read from an index on both databases
    (ix_slips_number_nocase, ix_slips_number_pattern), where "anywhere in the number" would
    read every slip."""
    number = normalise_slip_number(typed)
    return number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def slip_rows_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    """The download's rows as plain values (number, scheme, station, officer, date issued,
    route, and for NGO editors the redemption's date and service point), in the list's order
    and with its filters: no objects are built, so 200,000 rows stream in seconds."""
    station = aliased(Organisation)
    columns = [Slip.number, Scheme.name, station.name, Person.name, Slip.issued_on, Slip.route]
    editor = can_see_client_codes(user)
    if editor:
        columns += [Redemption.redeemed_on, ServicePoint.name]
    stmt = (
        select(*columns)
        .join(Scheme, Scheme.id == Slip.scheme_id)
        .join(station, station.id == Slip.station_id)
        .outerjoin(Person, Person.id == Slip.officer_id)
    )
    if editor:
        stmt = stmt.outerjoin(Redemption, Redemption.slip_id == Slip.id).outerjoin(
            ServicePoint, ServicePoint.id == Redemption.service_point_id
        )
    return _filtered(stmt, user, filters or SlipFilters())


def _filtered(stmt: Select, user, filters: SlipFilters) -> Select:  # noqa: ANN001
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Slip.station_id.in_(scope))
    if filters.scheme_id:
        stmt = stmt.where(Slip.scheme_id == filters.scheme_id)
    if filters.station_id:
        stmt = stmt.where(Slip.station_id == filters.station_id)
    place = station_ids_in_place(filters.country, filters.command_id)
    if place is not None:
        stmt = stmt.where(Slip.station_id.in_(place))
    if filters.issued_from:
        stmt = stmt.where(Slip.issued_on >= filters.issued_from)
    if filters.issued_to:
        stmt = stmt.where(Slip.issued_on <= filters.issued_to)
    if filters.route:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Slip.route == Route(filters.route))
    if filters.number:
        stmt = stmt.where(Slip.number.like(slip_number_pattern(filters.number), escape="\\"))
    # Whether a given slip was redeemed is a redemption record: officers learn only counts.
    if can_see_client_codes(user) and filters.state in ("redeemed", "open"):
        # Looked up slip by slip in the redemptions' unique index on slip_id, as the list reads
        # its slips in order (a list of every redeemed slip would be built first).
        # (An alias: the download joins the redemptions too.)
        visit = aliased(Redemption)
        redeemed = select(visit.id).where(visit.slip_id == Slip.id).correlate_except(visit).exists()
        stmt = stmt.where(redeemed if filters.state == "redeemed" else ~redeemed)
    return stmt.order_by(Slip.issued_on.desc(), Slip.id.desc())

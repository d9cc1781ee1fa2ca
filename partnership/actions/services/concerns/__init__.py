"""Concerns: the list, one concern loaded and authorised (``queries``), writes, status changes,
the agenda status and sealing (``writes``), and resolving a concern once its action points are
verified (``resolution``); notes: ``concern_notes``. Callers import from here.

Writes mutate and flush; the request (or CLI command) commits once."""

from partnership.actions.services.concerns.queries import (
    LIST_COLUMNS,
    POINT_LINE_COLUMNS,
    SETTLED_POINT_STATUSES,
    ConcernFilters,
    concern_line_options,
    concern_list_query,
    concern_points,
    concern_query,
    count_open_concerns_of_stations,
    escalation_days,
    get_concern_or_404,
    open_concerns_of_stations,
    ready_to_resolve_conditions,
    today,
)
from partnership.actions.services.concerns.resolution import (
    concerns_ready_to_resolve,
    ready_to_resolve,
    resolution_outcome,
    resolve_concern,
)
from partnership.actions.services.concerns.writes import (
    CONCERN_FIELDS,
    CONCERN_LIFECYCLE,
    SealedError,
    change_concern_status,
    concern_transitions,
    create_concern,
    put_concern_on_agenda,
    put_station_concerns_on_agenda,
    seal_concern,
    take_station_concerns_off_agenda,
    update_concern,
)

__all__ = [
    "CONCERN_FIELDS",
    "CONCERN_LIFECYCLE",
    "LIST_COLUMNS",
    "POINT_LINE_COLUMNS",
    "SETTLED_POINT_STATUSES",
    "ConcernFilters",
    "SealedError",
    "change_concern_status",
    "concern_line_options",
    "concern_list_query",
    "concern_points",
    "concern_query",
    "concern_transitions",
    "concerns_ready_to_resolve",
    "count_open_concerns_of_stations",
    "create_concern",
    "escalation_days",
    "get_concern_or_404",
    "open_concerns_of_stations",
    "put_concern_on_agenda",
    "put_station_concerns_on_agenda",
    "ready_to_resolve",
    "ready_to_resolve_conditions",
    "resolution_outcome",
    "resolve_concern",
    "seal_concern",
    "take_station_concerns_off_agenda",
    "today",
    "update_concern",
]

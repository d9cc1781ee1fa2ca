"""Referral slips, one module per part: the list (``lists``), who issues them (``issuers``:
stations and officers) and issuing them (``issuing``: the checks, one slip, a slip book). Their
public names are all here, so callers import ``services.slips`` as before."""

from __future__ import annotations

from partnership.referrals.services.slips.issuers import (
    OFFICER_SUGGESTIONS,
    issuing_stations,
    officer_named,
    officers_at,
    search_officers,
)
from partnership.referrals.services.slips.issuing import (
    LOOKUP_CHUNK,
    Issuing,
    check_slip,
    issue_slip,
    issue_slips,
    issuing_in,
    slip_number_problem,
    taken_numbers,
)
from partnership.referrals.services.slips.lists import (
    SlipFilters,
    slip_list_rows,
    slip_number_pattern,
    slip_page_query,
    slip_query,
    slip_rows_query,
    slip_state_count,
)

__all__ = [
    "LOOKUP_CHUNK",
    "OFFICER_SUGGESTIONS",
    "Issuing",
    "SlipFilters",
    "check_slip",
    "issue_slip",
    "issue_slips",
    "issuing_in",
    "issuing_stations",
    "officer_named",
    "officers_at",
    "search_officers",
    "slip_list_rows",
    "slip_number_pattern",
    "slip_page_query",
    "slip_state_count",
    "slip_query",
    "slip_rows_query",
    "slip_number_problem",
    "taken_numbers",
]

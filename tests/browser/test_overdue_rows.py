"""An overdue action point's row carries one red bar at its start, not one on every cell."""

from __future__ import annotations

from datetime import date, timedelta

from tests.browser.conftest import sign_in


def test_overdue_row_has_one_bar(page, world, make_action_point):  # noqa: ANN001
    make_action_point(
        world.station_a, title="Overdue point", due_on=date.today() - timedelta(days=9)
    )
    sign_in(page, "coordinator@test.example")
    page.goto("/action-points")
    row = page.locator("tr.is-overdue").first
    row.wait_for()
    widths = row.locator("td, th").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c).borderLeftWidth)"
    )
    assert len(widths) > 2
    assert widths[0] == "4px"
    assert set(widths[1:]) == {"0px"}, widths

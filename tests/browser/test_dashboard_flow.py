"""A coordinator filters the dashboard to one station and downloads the programme workbook."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.dashboard.conftest import programme, referrals  # noqa: F401


def test_coordinator_filters_to_a_station_and_downloads_the_workbook(page, programme, world):  # noqa: F811
    sign_in(page, "coordinator@test.example")
    page.goto("/?start=2026-01-01&end=2026-06-30")
    page.get_by_label("Station").select_option(label="Alpha Police Station")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**station={world.station_a.id}**")
    assert "start=2026-01-01" in page.url  # the view is bookmarkable
    assert (
        page.locator(".indicators li", has_text="meetings held of those planned")
        .inner_text()
        .startswith("2 / 2")
    )
    assert (
        page.locator(".indicators li", has_text="referral slips issued")
        .inner_text()
        .startswith("6")
    )
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="Build the Excel report").click()
    page.get_by_text("The report is ready.").wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the workbook").click()
    with open(info.value.path(), "rb") as fh:
        workbook = load_workbook(io.BytesIO(fh.read()))
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Station"] == "Alpha Police Station"
    assert labels["Referral slips issued"] == 6
    stations = [r[0] for r in workbook["Stations"].iter_rows(values_only=True)]
    assert stations[1:-1] == ["Alpha Police Station"]


def test_dashboard_fits_a_phone(phone_page, programme):  # noqa: F811
    sign_in(phone_page, "officer@test.example")
    phone_page.goto("/?start=2026-01-01&end=2026-06-30")
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_accessibility_violations(phone_page) == []

"""The Excel programme report: built as a background job, scoped to the user, read back."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from partnership.dashboard.models import JobStatus, ReportJob
from partnership.extensions import db


def request_report(client, **filters):  # noqa: ANN001, ANN003, ANN201
    response = client.post("/reports", data=filters)
    assert response.status_code == 302
    return response.location


def download(client, job_url: str):  # noqa: ANN001, ANN201
    page = client.get(job_url)
    assert page.status_code == 200
    assert b"The report is ready." in page.data
    response = client.get(job_url + "/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.data))


def test_coordinator_report_has_summary_and_sheets(coordinator_client, world, make_person):
    make_person("officer", world.station_a, name="Inspector Mary Achieng", rank="Inspector")
    workbook = download(coordinator_client, request_report(coordinator_client))
    assert workbook.sheetnames == ["Summary", "Charts", "Stations", "Meetings", "Officers",
                                   "Referrals", "Action points", "Concerns", "Chart data"]  # fmt: skip
    # The charts' numbers are on a hidden sheet: they print as charts, not twice.
    assert workbook["Chart data"].sheet_state == "hidden"
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert summary[0][0] == "Partnership programme report"
    labels = {row[0]: row[1] for row in summary if row[0]}
    assert labels["Police stations and posts covered"] == 3
    assert labels["Officers posted there now"] == 1
    assert "Generated on" in labels
    stations = list(workbook["Stations"].iter_rows(values_only=True))
    assert stations[0][0] == "Station"
    assert {r[0] for r in stations[1:-1]} == {
        "Alpha Police Station", "Bravo Police Station", "Charlie Police Station"
    }  # fmt: skip
    assert stations[-1][0] == "Total" and stations[-1][6] == 1
    assert workbook["Stations"].freeze_panes == "A2"
    assert workbook["Stations"].auto_filter.ref is not None


def test_officer_report_contains_only_their_station(officer_client, world, make_person):
    make_person("officer", world.station_a, name="Own Officer")
    make_person("officer", world.station_c, name="Far Officer")
    workbook = download(officer_client, request_report(officer_client))
    stations = [r[0] for r in workbook["Stations"].iter_rows(values_only=True)]
    assert "Alpha Police Station" in stations
    assert "Charlie Police Station" not in stations and "Bravo Police Station" not in stations
    officers = [r[0] for r in workbook["Officers"].iter_rows(values_only=True)]
    assert "Own Officer" in officers and "Far Officer" not in officers


def test_viewer_report_has_no_lists_of_people(viewer_client, world, make_person):
    make_person("officer", world.station_a, name="Named Officer")
    workbook = download(viewer_client, request_report(viewer_client))
    assert "Officers" not in workbook.sheetnames
    text = " ".join(
        str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row
    )
    assert "Named Officer" not in text


def test_filters_are_applied_and_written_on_the_summary(coordinator_client, world):
    workbook = download(
        coordinator_client, request_report(coordinator_client, command=str(world.other_command.id))
    )
    stations = [r[0] for r in workbook["Stations"].iter_rows(values_only=True)]
    assert "Charlie Police Station" in stations and "Alpha Police Station" not in stations
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Command"] == "Inland Command"


def test_another_users_report_is_not_found(login_as, world):
    url = request_report(login_as("coordinator"))
    other = login_as("admin")
    assert other.get(url).status_code == 404
    assert other.get(url + "/download").status_code == 404


def test_report_runs_in_a_real_queue_consumer(
    app, world, coordinator_client, tmp_path, monkeypatch
):
    """With the SQLite queue and a consumer thread, as `make run` runs it: queued, then done."""
    from huey import SqliteHuey

    from partnership import jobs
    from partnership.dashboard import tasks

    monkeypatch.setattr(jobs, "_app", app)  # the consumer's app, on the test database

    real = SqliteHuey("test-reports", filename=str(tmp_path / "jobs.sqlite3"))
    task = real.task()(tasks.build_report_task.func)
    with app.app_context():
        job = ReportJob(user_id=world.users["coordinator"].id, params={})
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    task(job_id)  # enqueued, not run yet
    with app.app_context():
        assert db.session.get(ReportJob, job_id).status is JobStatus.QUEUED
    consumer = real.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        deadline = time.monotonic() + 60
        status = JobStatus.QUEUED
        while time.monotonic() < deadline and status in (JobStatus.QUEUED, JobStatus.RUNNING):
            time.sleep(0.2)
            with app.app_context():
                status = db.session.scalar(select(ReportJob.status).where(ReportJob.id == job_id))
    finally:
        consumer.stop(graceful=True)
    assert status is JobStatus.DONE
    assert b"The report is ready." in coordinator_client.get(f"/reports/{job_id}").data


def test_progress_page_refreshes_until_done(coordinator_client, world, app):
    with app.app_context():
        job = ReportJob(user_id=world.users["coordinator"].id, params={"start": "2026-01-01",
                                                                       "end": "2026-06-30"},
                        rows_total=200, rows_done=50)  # fmt: skip
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    html = coordinator_client.get(f"/reports/{job_id}").data.decode()
    assert 'http-equiv="refresh"' in html
    assert 'value="25"' in html
    assert coordinator_client.get(f"/reports/{job_id}/download").status_code == 404


def test_report_of_the_fixture_programme(coordinator_client, programme, world):
    from tests.dashboard.conftest import PERIOD

    params = dict(pair.split("=") for pair in PERIOD.split("&"))
    workbook = download(coordinator_client, request_report(coordinator_client, **params))
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Meetings planned in the period"] == 4
    assert labels["Meetings held in the period"] == 3
    assert labels["Meetings cancelled in the period"] == 1
    assert labels["Unique officers reached at meetings"] == 3
    assert labels["Referral slips issued"] == 9
    assert labels["Referral slips redeemed"] == 3
    assert labels["Period"] == "1 Jan 2026 – 30 Jun 2026"
    assert len(workbook["Charts"]._charts) == 3  # native Excel charts
    meetings = list(workbook["Meetings"].iter_rows(values_only=True))
    assert len(meetings) == 1 + 5  # header + the five meetings in the period
    assert {r[5] for r in meetings[1:]} >= {"Held", "Cancelled", "Confirmed"}
    # 10:00 in Nairobi is written as local time.
    assert all(r[0].hour == 10 for r in meetings[1:])
    referrals = list(workbook["Referrals"].iter_rows(values_only=True))
    assert ("Alpha Police Station", "2026-02", 6, 2) in referrals
    assert ("Charlie Police Station", "2026-03", 3, 1) in referrals
    assert referrals[-1][0] == "Total" and referrals[-1][2:4] == (9, 3)


def test_officer_report_suppresses_small_counts_and_has_no_client_codes(officer_client, programme):
    from tests.dashboard.conftest import PERIOD

    params = dict(pair.split("=") for pair in PERIOD.split("&"))
    workbook = download(officer_client, request_report(officer_client, **params))
    referrals = list(workbook["Referrals"].iter_rows(values_only=True))
    assert ("Alpha Police Station", "2026-02", 6, "<5") in referrals
    assert all(r[0] != "Charlie Police Station" for r in referrals)
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Unique officers reached at meetings"] == "<5"
    assert labels["Referral slips redeemed"] == "<5"


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_no_client_code_in_reports_or_dashboards_of_other_roles(login_as, redeemed, role):  # noqa: F811
    from tests.referrals.conftest import CODES

    client = login_as(role)
    html = client.get("/").data.decode()
    workbook = download(client, request_report(client))
    text = html + " ".join(
        str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row
    )
    for code in CODES:
        assert code not in text


@pytest.mark.parametrize("role", ["coordinator", "officer", "trainer", "viewer"])
def test_loop_sheets_respect_roles(login_as, world, make_concern, make_action_point, role):
    from tests.dashboard.test_loop_indicators import loop_fixture

    loop_fixture(world, make_concern, make_action_point)
    client = login_as(role)
    workbook = download(client, request_report(client, start="2026-01-01", end="2026-06-30"))
    text = " ".join(
        str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row
    )
    assert "Name X" not in text  # restricted details never leave the app
    concerns = list(workbook["Concerns"].iter_rows(values_only=True))
    points = list(workbook["Action points"].iter_rows(values_only=True))
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    if role == "viewer":
        assert concerns[0] == ("Station", "Month", "Category", "Concerns")
        assert ("Alpha Police Station", "2026-02", "Raids at hotspots", "<5") in concerns
        assert "Syringes taken" not in text
    elif role == "officer":
        assert len(concerns) == 1 + 3 and all(r[2] == "Alpha Police Station" for r in concerns[1:])
        assert len(points) == 1 + 4
        assert labels["Concerns raised in the period"] == "<5"
    else:
        assert len(concerns) == 1 + 4
        assert len(points) == 1 + 5
        assert labels["Action points overdue (today)"] == 2
        assert labels["Concerns raised in the period"] == 4
    assert len(workbook["Charts"]._charts) == 3


def test_withheld_counts_in_the_workbook_are_hatched_and_labelled(officer_client, programme):
    """A withheld count is never an empty cell or an empty bar: the sheet shows "<5" on a
    hatched cell; the chart draws a hatched bar labelled "<5" at the threshold's height (not
    the true count, which the workbook does not hold)."""
    import re
    import zipfile

    from tests.dashboard.conftest import PERIOD

    params = dict(pair.split("=") for pair in PERIOD.split("&"))
    job_url = request_report(officer_client, **params)
    download(officer_client, job_url)
    data = officer_client.get(job_url + "/download").data
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for row in workbook["Referrals"].iter_rows() for c in row if c.value == "<5"]
    assert cells and all(c.fill.fill_type == "lightUp" for c in cells)
    points = [
        c
        for row in workbook["Chart data"].iter_rows()
        for c in row
        if c.number_format == '"<5"'
    ]
    # February's two redemptions at Alpha: drawn at 4, shown as "<5", hatched.
    assert points and all(c.value == 4 and c.fill.fill_type == "lightUp" for c in points)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if "charts/chart" in n]
    referral_chart = next(c for c in charts if "Referral slips per month" in c)
    assert re.search(r"<c:dPt>.*?<a:pattFill", referral_chart, re.S)
    assert "&lt;5" in referral_chart  # the bar's label


def test_no_withheld_cell_of_a_sheet_can_be_recomputed_from_the_summary(
    login_as, world, make_concern
):
    """Viewer: concerns per station, month and category on one sheet; the totals per month,
    per category and for the period on the summary. No "<5" can be worked out from them."""
    from datetime import date

    from partnership import disclosure

    for station, category, n in (
        (world.station_a, "raids", 7), (world.station_a, "extortion", 2),
        (world.station_b, "raids", 6), (world.station_c, "raids", 9),
    ):  # fmt: skip
        for _ in range(n):
            make_concern(station, category=category, occurred_on=date(2026, 2, 10))
    client = login_as("viewer")
    workbook = download(client, request_report(client, start="2026-01-01", end="2026-06-30"))
    rows = list(workbook["Concerns"].iter_rows(values_only=True))[1:]
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    shown = {(r[0], r[1], r[2]): (r[3] if isinstance(r[3], int) else None) for r in rows}
    assert shown[("Alpha Police Station", "2026-02", "Extortion")] is None
    total = labels["Concerns raised in the period"]
    shown["all"] = total if isinstance(total, int) else None
    groups = [([k for k in shown if k != "all"], "all")]
    for category in {k[2] for k in shown if k != "all"}:
        key = ("category", category)
        value = labels.get(f"Concerns: {category}")
        shown[key] = value if isinstance(value, int) else None
        groups.append(([k for k in shown if k[2:] == (category,) and len(k) == 3], key))
    assert not {
        k for k in disclosure.recoverable(groups, shown) if shown.get(k) is None and len(k) == 3
    }

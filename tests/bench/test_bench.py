"""The benchmark works: a tiny programme is valid data that every benched page can show, the
table judges results against the targets, and ``python -m partnership.bench`` runs end to end.
No timing is asserted here (make bench measures; the suite only proves the tool works)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from partnership.bench.build import COMMAND_OFFICER_EMAIL, Sizes, build
from partnership.bench.pages import EXPORT, LIST, ROLES, SUMMARY, Page, resolve_pages
from partnership.bench.run import Result, judge, table

ROOT = Path(__file__).resolve().parents[2]
# Statements a page may run more or fewer by the state of its data (see the test below).
SECTION_SLACK = 2


def test_tiny_programme_is_valid_and_every_benched_page_opens(app, db) -> None:  # noqa: ANN001
    from partnership.organisations.models import Organisation, OrganisationKind
    from partnership.referrals.models import Redemption, Slip

    sizes = Sizes.tiny()
    with app.app_context():
        build(sizes, echo=lambda *_: None)
        bench_slips = db.session.scalar(select(func.count(Slip.id)).where(Slip.number.like("R%")))
        assert bench_slips == sizes.slips
        # A redemption keeps its slip's station, as the redemption service writes it.
        mismatched = db.session.scalar(
            select(func.count(Redemption.id))
            .join(Slip, Slip.id == Redemption.slip_id)
            .where(Slip.station_id != Redemption.station_id)
        )
        assert mismatched == 0
        # Ids written explicitly leave the database able to add rows (sequences moved on).
        db.session.add(
            Organisation(kind=OrganisationKind.NGO, name="After the bench", country="KE")
        )
        db.session.commit()
        pages = resolve_pages()
    assert {p.role for p in pages if p.role} == set(ROLES)
    clients = {}
    for role, email in ROLES.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "partnership-demo"})
        assert response.status_code == 302, email
        clients[role] = client
    for page in pages:
        client = clients[page.role] if page.role else app.test_client()
        response = client.get(page.path)
        assert response.status_code == 200, (page.name, page.role, page.path)
        if page.kind == EXPORT:
            assert len(response.get_data()) > 0
    assert COMMAND_OFFICER_EMAIL in ROLES.values()


def _result(kind: str, rps: float, p99: float, size: int = 1000, status: int = 200) -> Result:
    result = Result(Page("a page", "coordinator", "/x", kind), status=status, size=size)
    result.rps, result.p50, result.p99 = [rps] * 3, [p99 / 2] * 3, [p99] * 3
    return result


def test_targets_are_judged_against_the_login_page_of_the_same_run() -> None:
    fast_list = _result(LIST, rps=60, p99=100)
    slow_list = _result(LIST, rps=40, p99=100)
    late_summary = _result(SUMMARY, rps=30, p99=300)
    big_page = _result(LIST, rps=80, p99=50, size=300 * 1024)
    broken = _result(LIST, rps=80, p99=50, status=500)
    export = _result(EXPORT, rps=0, p99=0)
    export.first_byte_s = 3.0
    for result in (fast_list, slow_list, late_summary, big_page, broken, export):
        judge(result, login_rps=100)
    assert fast_list.failures == []
    assert slow_list.failures == ["0.40× login < 0.5×"]
    assert late_summary.failures == ["p99 300 ms ≥ 250 ms"]
    assert big_page.failures == ["300 KB > 200 KB"]
    assert broken.failures == ["status 500"]
    assert export.failures == ["first byte after 3.0 s"]
    context = {
        "hello_rps": 1000, "login_rps": 100, "load_average_before": (1.0, 1, 1),
        "load_average_after": (2.0, 1, 1), "cpus": 2, "connections": 8, "workers": 2,
        "rounds": 3, "seconds": 5,
    }  # fmt: skip
    fast_list.single_s = 0.4321  # its first request, before anything was kept
    printed = table([fast_list, slow_list], context)
    assert "0.60" in printed and "FAIL: 0.40× login < 0.5×" in printed
    assert "cold ms" in printed.splitlines()[0]
    assert "  432  " in printed.splitlines()[1]
    assert "load average 1.00 before, 2.00 after" in printed


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs on its own SQLite")
def test_bench_command_runs_end_to_end_on_a_tiny_programme(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_COUNT_SQL")}
    env["INSTANCE_PATH"] = str(tmp_path)
    output = tmp_path / "bench.json"
    completed = subprocess.run(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "partnership.bench",
            "--tiny",
            "--pages",
            "slips,dashboard",
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--json",
            str(output),
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Exit 1 means a target was missed on this busy test machine: the run itself worked.
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    report = json.loads(output.read_text())
    names = {(p["page"], p["role"]) for p in report["pages"]}
    assert {("bare hello route", None), ("login page", None), ("slips", "coordinator")} <= names
    slips = next(p for p in report["pages"] if p["page"] == "slips" and p["role"] == "coordinator")
    assert slips["status"] == 200 and slips["sql_statements"] > 0 and slips["bytes"] > 0
    assert slips["cold_ms"] > 0 and slips["cold_ms"] == slips["single_request_s"] * 1000
    assert "-- plan" in slips["explain"]
    assert "slips" in completed.stdout and "req/s" in completed.stdout
    assert "cold ms" in completed.stdout
    # The programme workbook against raw xlsxwriter, on the programme just built.
    workbook = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "partnership.bench.report"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert workbook.returncode in (0, 1), workbook.stderr[-2000:]
    assert "report / raw: time" in workbook.stdout
    written = [line for line in workbook.stdout.splitlines() if " rows " in line]
    assert len(written) == 2 and all(" 0 rows" not in line for line in written), workbook.stdout


def _statements_per_page(app) -> dict[tuple[str, str | None], int]:  # noqa: ANN001
    """SQL statements of one request to every benched page (nothing kept: the suite's cache keeps
    nothing, so each page computes everything it shows)."""
    from partnership.extensions import db as _db

    with app.app_context():
        pages = resolve_pages()
        engine = _db.engine
    clients = {}
    for role, email in ROLES.items():
        client = app.test_client()
        assert (
            client.post("/login", data={"email": email, "password": "partnership-demo"}).status_code
            == 302
        )
        clients[role] = client
    counted = [0]

    def count(*_args) -> None:  # noqa: ANN002
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        statements = {}
        for page in pages:
            if page.kind == EXPORT:
                continue
            client = clients[page.role] if page.role else app.test_client()
            client.get(
                page.path
            )  # the first request of a role also loads what it keeps for the session
            counted[0] = 0
            response = client.get(page.path)
            assert response.status_code == 200, (page.name, page.role, page.path)
            statements[(page.name, page.role)] = counted[0]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


def test_every_benched_page_runs_as_many_statements_for_a_larger_programme(app, db) -> None:  # noqa: ANN001
    """The issue's "SQL statements per request equal at demo size and at programme size": the
    same pages on a programme of 6 stations and on one five times larger (more stations, officers,
    slips, meetings, history) run the same number of statements each. ``make bench`` shows the
    count at full size next to each page."""
    from tests.conftest import _empty_all_tables

    tiny = Sizes.tiny()
    larger = Sizes(
        commands=4, stations=30, officers=300, slips=2000, action_points=400, follow_ups=1000,
        concerns=150, meetings=200, attendance_marks=2000, trainings=12, participants=300,
    )  # fmt: skip
    counts = []
    for sizes in (tiny, larger):
        with app.app_context():
            build(sizes, echo=lambda *_: None)
        counts.append(_statements_per_page(app))
        _empty_all_tables(app)
    small, large = counts
    assert small.keys() == large.keys()
    # Not always exactly equal: a section a tiny programme leaves empty (no training on the
    # first page's dates) skips its query, and a record's page runs a statement more or less in
    # some states (a verified point offers to resolve its concerns) while the largest record of
    # each build is in whatever state it is. A query per row (N+1) adds a statement per extra
    # row, and the larger programme shows many more rows on every page: it fails here.
    grew = {
        page: (small[page], large[page])
        for page in small
        if abs(large[page] - small[page]) > SECTION_SLACK
    }
    assert not grew, f"statements per request changed with the programme's size: {grew}"

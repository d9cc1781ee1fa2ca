"""The slips summary (partnership.referrals.summary) gives exactly what counting the slips and
their redemptions gives: on a random programme, for random periods and places, and right after
every kind of write (the slip and visit forms, both imports, a slip edited or deleted, a visit
undone) and two writers at once."""

from __future__ import annotations

import io
import random
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partnership.dashboard.services import DashboardFilters, referral_indicators
from partnership.dashboard.services.by_station import indicators_by_station
from partnership.extensions import db
from partnership.referrals import summary
from partnership.referrals.models import (
    NO_STATION,
    Redemption,
    RedemptionGap,
    RedemptionService,
    Route,
    ServiceCount,
    ServiceType,
    Slip,
    SlipCount,
    VisitCount,
)
from tests.referrals.conftest import add_redemption, add_slips

TODAY = date.today()


def _plain_groups() -> dict:
    """Slips and redeemed slips per scheme, station, route and month, counted from the rows."""
    rows = db.session.execute(
        select(Slip.scheme_id, Slip.station_id, Slip.route, Slip.issued_on, Redemption.id)
        .outerjoin(Redemption, Redemption.slip_id == Slip.id)
    )  # fmt: skip
    groups: dict = {}
    for scheme_id, station_id, route, issued_on, redemption_id in rows:
        key = (scheme_id, station_id, Route(route).value, issued_on.replace(day=1))
        issued, redeemed = groups.get(key, (0, 0))
        groups[key] = (issued + 1, redeemed + (redemption_id is not None))
    return groups


def _summary_groups() -> dict:
    return {
        (r.scheme_id, r.station_id, Route(r.route).value, r.month): (r.issued, r.redeemed)
        for r in db.session.scalars(select(SlipCount))
    }


def _plain_visit_groups() -> tuple[dict, dict, dict]:
    """Days to redemption, visits and services, grouped as the visit summaries are."""
    gaps: dict = {}
    for scheme_id, station_id, point_id, issued_on, redeemed_on in db.session.execute(
        select(Slip.scheme_id, Slip.station_id, Redemption.service_point_id, Slip.issued_on,
               Redemption.redeemed_on).join(Redemption, Redemption.slip_id == Slip.id)
    ):  # fmt: skip
        key = (scheme_id, station_id, point_id, issued_on.replace(day=1),
               (redeemed_on - issued_on).days)  # fmt: skip
        gaps[key] = gaps.get(key, 0) + 1
    visits: dict = {}
    for scheme_id, station_id, point_id, walk_in in db.session.execute(
        select(Redemption.scheme_id, Redemption.station_id, Redemption.service_point_id,
               Redemption.walk_in)
    ):  # fmt: skip
        key = (scheme_id, station_id or NO_STATION, point_id)
        n, walk_ins = visits.get(key, (0, 0))
        visits[key] = (n + 1, walk_ins + bool(walk_in))
    services: dict = {}
    for scheme_id, station_id, service in db.session.execute(
        select(Redemption.scheme_id, Redemption.station_id, RedemptionService.service)
        .join(Redemption, Redemption.id == RedemptionService.redemption_id)
    ):  # fmt: skip
        key = (scheme_id, station_id or NO_STATION, ServiceType(service).value)
        services[key] = services.get(key, 0) + 1
    return gaps, visits, services


def _summary_visit_groups() -> tuple[dict, dict, dict]:
    gaps = {(r.scheme_id, r.station_id, r.service_point_id, r.month, r.days): r.redeemed
            for r in db.session.scalars(select(RedemptionGap))}  # fmt: skip
    visits = {(r.scheme_id, r.station_id, r.service_point_id): (r.visits, r.walk_ins)
              for r in db.session.scalars(select(VisitCount))}  # fmt: skip
    services = {(r.scheme_id, r.station_id, ServiceType(r.service).value): r.provided
                for r in db.session.scalars(select(ServiceCount))}  # fmt: skip
    return gaps, visits, services


def assert_summary_matches(app) -> None:  # noqa: ANN001
    with app.app_context():
        assert _summary_groups() == _plain_groups()
        assert _summary_visit_groups() == _plain_visit_groups()
        db.session.remove()


def _plain_counts(start, end, scheme_id=None, stations=None) -> dict:  # noqa: ANN001
    stmt = (
        select(Slip.station_id, Slip.route, Slip.issued_on, Redemption.id)
        .outerjoin(Redemption, Redemption.slip_id == Slip.id)
    )  # fmt: skip
    if start is not None:
        stmt = stmt.where(Slip.issued_on >= start)
    if end is not None:
        stmt = stmt.where(Slip.issued_on <= end)
    if scheme_id is not None:
        stmt = stmt.where(Slip.scheme_id == scheme_id)
    if stations is not None:
        stmt = stmt.where(Slip.station_id.in_(stations))
    out: dict = {}
    for station_id, route, issued_on, redemption_id in db.session.execute(stmt):
        key = (station_id, Route(route).value, issued_on.year, issued_on.month)
        issued, redeemed = out.get(key, (0, 0))
        out[key] = (issued + 1, redeemed + (redemption_id is not None))
    return out


def _read(start, end, scheme_id=None, stations=None) -> dict:  # noqa: ANN001
    stmt = summary.slip_counts(
        ("station_id", "route", "year", "month"),
        start=start, end=end, scheme_id=scheme_id, stations=stations,
    )  # fmt: skip
    return {
        (s, Route(r).value, int(y), int(m)): (int(n), int(red))
        for s, r, y, m, n, red in db.session.execute(stmt)
    }


@pytest.fixture()
def programme(app, world, referrals):  # noqa: ANN001, ANN201
    """A few hundred slips over two years at three stations, about half redeemed."""
    rng = random.Random(20261202)
    stations = [world.station_a.id, world.station_b.id, world.station_c.id]
    number = 1
    slip_ids = []
    for _ in range(60):
        issued_on = TODAY - timedelta(days=rng.randrange(0, 730))
        count = rng.randrange(1, 6)
        slip_ids += add_slips(
            app, referrals.scheme_id, rng.choice(stations), count, start=number,
            issued_on=issued_on, route=rng.choice(list(Route)),
        )  # fmt: skip
        number += count
    for slip_id in rng.sample(slip_ids, len(slip_ids) // 2):
        with app.app_context():
            issued_on = db.session.get(Slip, slip_id).issued_on
        add_redemption(app, referrals.scheme_id, referrals.point_id, slip_id, "",
                       redeemed_on=min(TODAY, issued_on + timedelta(days=rng.randrange(0, 20))),
                       services=rng.sample(list(ServiceType), rng.randrange(1, 3)))  # fmt: skip
    for station_id in (None, world.station_b.id, None):  # walk-ins
        add_redemption(app, referrals.scheme_id, referrals.point_id, None, "",
                       station_id=station_id)  # fmt: skip
    return referrals


def test_the_summary_equals_the_slips_counted_on_a_random_programme(app, world, programme):
    assert_summary_matches(app)
    rng = random.Random(7)
    periods = [(None, None), (TODAY.replace(day=1), TODAY), (TODAY, TODAY),
               (TODAY - timedelta(days=365), TODAY), (TODAY - timedelta(days=90), TODAY),
               (TODAY - timedelta(days=30), TODAY)]  # fmt: skip
    for _ in range(40):
        a = TODAY - timedelta(days=rng.randrange(0, 800))
        b = a + timedelta(days=rng.randrange(0, 400))
        periods.append((a, b))
    # Whole months, a month and a day, month ends and starts.
    periods += [(date(TODAY.year - 1, 1, 1), date(TODAY.year - 1, 12, 31)),
                (date(TODAY.year - 1, 2, 1), date(TODAY.year - 1, 3, 1)),
                (date(TODAY.year - 1, 1, 31), date(TODAY.year - 1, 2, 28)),
                (None, date(TODAY.year - 1, 6, 15)), (date(TODAY.year - 1, 6, 15), None)]  # fmt: skip
    with app.app_context():
        for start, end in periods:
            for stations in (None, [world.station_a.id], [world.station_b.id, world.station_c.id]):
                assert _read(start, end, programme.scheme_id, stations) == _plain_counts(
                    start, end, programme.scheme_id, stations
                ), (start, end, stations)
            assert _read(start, end) == _plain_counts(start, end)


def test_split_period_covers_every_day_once():
    rng = random.Random(3)
    for _ in range(300):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 800))
        end = start + timedelta(days=rng.randrange(0, 120))
        whole, days = summary.split_period(start, end)
        covered = []
        if whole is not None:
            day = whole[0]
            while day < whole[1]:
                covered.append(day)
                day += timedelta(days=1)
        for first, last in days:
            day = first
            while day <= last:
                covered.append(day)
                day += timedelta(days=1)
        assert sorted(covered) == [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_cheapest_split_counts_every_day_of_the_period_once_and_no_other():
    rng = random.Random(11)
    for _ in range(400):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 800))
        end = start + timedelta(days=rng.randrange(0, 120))
        today = start + timedelta(days=rng.randrange(-30, 150))
        whole, added, taken = summary.cheapest_split(start, end, today)
        counted: dict[date, int] = {}
        if whole is not None:
            for day in _days(whole[0], whole[1] - timedelta(days=1)):
                counted[day] = counted.get(day, 0) + 1
        for first, last in added:
            for day in _days(first, last):
                counted[day] = counted.get(day, 0) + 1
        for first, last in taken:
            for day in _days(first, last):
                counted[day] = counted.get(day, 0) - 1
        assert {d for d, n in counted.items() if n} == set(_days(start, end)), (start, end, today)
        assert all(n in (0, 1) for n in counted.values())


def test_a_year_to_today_reads_two_days_of_slips_not_a_month():
    """The dashboards' default period: whole months from the summary, the first month's two
    days before the period taken away, and this month's days to come (none issued) taken away."""
    whole, added, taken = summary.cheapest_split(date(2025, 12, 3), date(2026, 12, 2),
                                                 today=date(2026, 12, 2))  # fmt: skip
    assert whole == (date(2025, 12, 1), date(2027, 1, 1))
    assert added == []
    assert taken == [
        (date(2025, 12, 1), date(2025, 12, 2)),
        (date(2026, 12, 3), date(2026, 12, 31)),
    ]
    # A period in the middle of a month reads its own days.
    assert summary.cheapest_split(date(2026, 3, 10), date(2026, 3, 14), today=date(2026, 12, 2)) == (
        None, [(date(2026, 3, 10), date(2026, 3, 14))], []
    )  # fmt: skip


def test_an_empty_period_and_the_calendars_last_month_read_the_slips():
    start, end = date(2026, 5, 10), date(2026, 5, 1)
    assert summary.cheapest_split(start, end, today=end) == (None, [(start, end)], [])
    start, end = date(9999, 12, 1), date(9999, 12, 15)
    assert summary.cheapest_split(start, end, today=end) == (None, [(start, end)], [])


def test_a_group_with_slips_only_on_days_taken_away_is_no_row(app, world, referrals):
    """A station's slips all on the first days of a month, before the period: the month read
    from the summary less those days leaves nothing, and the plain query has no such group."""
    month = month_start = (TODAY.replace(day=1) - timedelta(days=40)).replace(day=1)
    add_slips(app, referrals.scheme_id, world.station_a.id, 3, start=1, issued_on=month_start)
    later = add_slips(app, referrals.scheme_id, world.station_b.id, 2, start=10,
                      issued_on=month + timedelta(days=20))  # fmt: skip
    add_redemption(app, referrals.scheme_id, referrals.point_id, later[0], "")
    start = month + timedelta(days=3)
    whole, added, taken = summary.cheapest_split(start, TODAY)
    assert taken and not added  # the case under test: the first days are taken away
    with app.app_context():
        counted = _read(start, TODAY, referrals.scheme_id)
        assert counted == _plain_counts(start, TODAY, referrals.scheme_id)
        assert set(counted) == {(world.station_b.id, Route.SOCIAL_CONTACT.value, month.year,
                                 month.month)}  # fmt: skip
        assert counted[next(iter(counted))] == (2, 1)
        # The same figures for an officer's station, and as one total (the slips list's count).
        assert _read(start, TODAY, stations=[world.station_a.id]) == {}
        total = db.session.execute(summary.slip_counts((), start=start, end=TODAY)).one()
        assert (total.issued, total.redeemed) == (2, 1)


def test_dashboard_figures_equal_the_plain_count_for_each_role(app, world, programme):
    from partnership.accounts.models import User

    filters = DashboardFilters(start=TODAY - timedelta(days=365), end=TODAY)
    with app.app_context():
        plain = _plain_counts(filters.start, filters.end)
        officer_plain = _plain_counts(filters.start, filters.end, stations=[world.station_a.id])
        for role, counted in (("coordinator", plain), ("officer", officer_plain),
                              ("viewer", plain)):  # fmt: skip
            user = db.session.get(User, world.users[role].id)
            figures = referral_indicators(user, filters)
            issued = sum(n for n, _r in counted.values())
            redeemed = sum(r for _n, r in counted.values())
            if figures.issued.withheld:  # the viewer's and officer's small counts
                assert issued < 5
            else:
                assert int(figures.issued) == issued
            if not figures.redeemed.withheld:
                assert int(figures.redeemed) == redeemed
        by_station = indicators_by_station(
            db.session.get(User, world.users["coordinator"].id), filters
        )
        per_station: dict = {}
        for (station_id, _r, _y, _m), (n, red) in plain.items():
            issued, redeemed = per_station.get(station_id, (0, 0))
            per_station[station_id] = (issued + n, redeemed + red)
        assert by_station["slips_issued"] == {s: v[0] for s, v in per_station.items()}
        assert by_station["slips_redeemed"] == {s: v[1] for s, v in per_station.items() if v[1]} | {
            s: 0 for s, v in per_station.items() if not v[1]
        }


# ---- right after each kind of write --------------------------------------------------------------


def test_the_forms_keep_the_summary_in_step(app, coordinator_client, world, referrals):
    response = coordinator_client.post("/referrals/slips/new", data={
        "scheme_id": referrals.scheme_id, "number": "00001", "station_id": world.station_a.id,
        "officer_id": "", "issued_on": (TODAY - timedelta(days=3)).isoformat(),
        "route": "arrest_diversion",
    })  # fmt: skip
    assert response.status_code == 302
    assert_summary_matches(app)
    response = coordinator_client.post("/referrals/redemptions/new", data={
        "scheme_id": referrals.scheme_id, "slip_number": "00001",
        "redeemed_on": TODAY.isoformat(), "service_point_id": referrals.point_id,
        "consent": "y", "client_code": "majo 1990 m", "services": ["nsp"], "outcome": "reached",
        "follow_up": "",
    })  # fmt: skip
    assert response.status_code == 302
    assert_summary_matches(app)
    with app.app_context():
        assert db.session.scalar(select(func.sum(SlipCount.redeemed))) == 1
    # A refused visit (the slip is redeemed already) writes nothing to the summary either.
    response = coordinator_client.post("/referrals/redemptions/new", data={
        "scheme_id": referrals.scheme_id, "slip_number": "00001",
        "redeemed_on": TODAY.isoformat(), "service_point_id": referrals.point_id,
        "consent": "", "client_code": "", "services": ["nsp"], "outcome": "reached",
    })  # fmt: skip
    assert response.status_code == 422
    assert_summary_matches(app)


def test_the_imports_keep_the_summary_in_step(app, coordinator_client, world, referrals):
    day = (TODAY - timedelta(days=40)).isoformat()
    other = (TODAY - timedelta(days=5)).isoformat()
    book = "number,station,date,route,officer\n" + "".join(
        f"{n:05d},{'Alpha' if n % 2 else 'Charlie'} Police Station,{day if n % 3 else other},"
        f"{'custody' if n % 4 else 'social_contact'},\n"
        for n in range(1, 41)
    )
    response = coordinator_client.post(
        "/referrals/slips/import",
        data={"scheme_id": referrals.scheme_id, "file": (io.BytesIO(book.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert_summary_matches(app)
    register = "slip,date,service point,consent,client code,services,outcome,follow-up,follow-up date,walk-in station\n"
    register += "".join(f"{n:05d},{TODAY.isoformat()},Harbour drop-in,no,,nsp,reached,,,\n"
                        for n in range(1, 41, 3))  # fmt: skip
    register += f",{TODAY.isoformat()},Harbour drop-in,no,,nsp,reached,,,Bravo Police Station\n"
    response = coordinator_client.post(
        "/referrals/redemptions/import",
        data={"scheme_id": referrals.scheme_id, "file": (io.BytesIO(register.encode()), "r.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert_summary_matches(app)
    with app.app_context():
        assert db.session.scalar(select(func.sum(SlipCount.redeemed))) == 14


def test_a_refused_import_leaves_the_summary_as_it_was(app, coordinator_client, referrals):
    book = "number,station,date,route,officer\n00001,Alpha Police Station,2001-01-01,custody,\n"
    book += "00002,Nowhere Station,2001-01-01,custody,\n"
    response = coordinator_client.post(
        "/referrals/slips/import",
        data={"scheme_id": referrals.scheme_id, "file": (io.BytesIO(book.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SlipCount)) == 0


def test_a_slip_edited_or_deleted_and_a_visit_undone_keep_the_summary_in_step(
    app, world, referrals
):
    ids = add_slips(app, referrals.scheme_id, world.station_a.id, 4,
                    issued_on=TODAY - timedelta(days=70))  # fmt: skip
    visit = add_redemption(app, referrals.scheme_id, referrals.point_id, ids[0], "")
    add_redemption(app, referrals.scheme_id, referrals.point_id, ids[1], "")
    add_redemption(app, referrals.scheme_id, referrals.point_id, None, "", station_id=world.station_b.id)  # fmt: skip
    assert_summary_matches(app)
    with app.app_context():  # a redeemed slip moves to another station, month and route
        slip = db.session.get(Slip, ids[0])
        slip.station_id, slip.issued_on, slip.route = world.station_c.id, TODAY, Route.CUSTODY
        db.session.commit()
    assert_summary_matches(app)
    with app.app_context():  # its visit is undone
        db.session.delete(db.session.get(Redemption, visit))
        db.session.commit()
    assert_summary_matches(app)
    with app.app_context():  # an unredeemed slip is deleted, another redeemed in the same flush
        db.session.delete(db.session.get(Slip, ids[3]))
        slip = db.session.get(Slip, ids[2])
        slip.issued_on = TODAY - timedelta(days=400)
        db.session.add(
            Redemption(scheme_id=referrals.scheme_id, slip=slip, station_id=slip.station_id,
                       redeemed_on=TODAY, service_point_id=referrals.point_id,
                       outcome="reached")
        )  # fmt: skip
        db.session.commit()
    assert_summary_matches(app)
    with app.app_context():  # a redeemed slip is deleted with its visit
        slip = db.session.get(Slip, ids[1])
        db.session.delete(
            db.session.scalar(select(Redemption).where(Redemption.slip_id == slip.id))
        )
        db.session.delete(slip)
        db.session.commit()
    assert_summary_matches(app)
    with app.app_context():
        rows = db.session.scalars(select(SlipCount)).all()
        assert rows and all(r.issued > 0 for r in rows)  # no row left counting nothing


def test_rebuild_counts_every_slip_again(app, world, programme):
    with app.app_context():
        db.session.execute(SlipCount.__table__.delete())
        summary.rebuild(db.session.connection())
        db.session.commit()
    assert_summary_matches(app)


def test_the_rebuild_command_counts_every_slip_and_visit_again(app, world, programme):
    """Rows deleted and changed by hand in the summary (past the application) are counted
    again from the slips and visits by ``flask rebuild-summaries``."""
    with app.app_context():
        db.session.execute(SlipCount.__table__.update().values(issued=SlipCount.issued + 3))
        db.session.execute(VisitCount.__table__.delete())
        db.session.commit()
        assert _summary_groups() != _plain_groups()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "Slips and visits summary:" in result.output
    assert_summary_matches(app)


def test_two_writers_at_once_both_count(app, world, referrals):
    """Two transactions issue slips of the same station and month side by side: the second
    waits for the first's summary row (PostgreSQL) or the write lock (SQLite); both count."""
    first_wrote = threading.Event()
    errors: list[BaseException] = []

    def issue(number: str, hold: bool) -> None:
        try:
            with app.app_context():
                from partnership.accounts.models import User
                from partnership.referrals.services.slips import issuing_in

                user = db.session.get(User, world.users["coordinator"].id)
                issuing = issuing_in(referrals.scheme_id, user)
                if not hold:
                    first_wrote.wait(10)
                db.session.add(Slip(scheme_id=issuing.scheme.id, number=number,
                                    station_id=world.station_a.id, issued_on=TODAY,
                                    route=Route.CUSTODY))  # fmt: skip
                db.session.flush()
                if hold:
                    first_wrote.set()
                    threading.Event().wait(0.5)  # the other transaction now waits for this one
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            first_wrote.set()

    threads = [threading.Thread(target=issue, args=("00001", True)),
               threading.Thread(target=issue, args=("00002", False))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert_summary_matches(app)
    with app.app_context():
        assert db.session.scalar(select(SlipCount.issued)) == 2


def test_scheme_measures_equal_the_plain_count(app, world, programme):
    """Every count and median of a scheme's measures, as a coordinator sees them, equals the
    slips and redemptions counted one by one."""
    from partnership.accounts.models import User
    from partnership.referrals.measures import median_of, month_span, scheme_measures
    from partnership.referrals.models import Scheme

    with app.app_context():
        user = db.session.get(User, world.users["coordinator"].id)
        m = scheme_measures(db.session.get(Scheme, programme.scheme_id), user)
        span = set(month_span(TODAY, 12))
        station: dict = {}
        month: dict = {}
        point_days: dict = {}
        for station_id, issued_on, redeemed_on, point_id in db.session.execute(
            select(Slip.station_id, Slip.issued_on, Redemption.redeemed_on,
                   Redemption.service_point_id)
            .outerjoin(Redemption, Redemption.slip_id == Slip.id)
            .where(Slip.scheme_id == programme.scheme_id)
        ):  # fmt: skip
            ym = (issued_on.year, issued_on.month)
            for table, key in ((station, station_id), (month, ym if ym in span else None)):
                if key is None:
                    continue
                issued, redeemed, days = table.setdefault(key, [0, 0, {}])
                table[key][0] += 1
                if redeemed_on is not None:
                    table[key][1] += 1
                    gap = (redeemed_on - issued_on).days
                    days[gap] = days.get(gap, 0) + 1
            if redeemed_on is not None:
                gap = (redeemed_on - issued_on).days
                point_days.setdefault(point_id, {}).setdefault(gap, 0)
                point_days[point_id][gap] += 1
        for line in m.by_station:
            issued, redeemed, days = station[line.key]
            assert (int(line.issued), int(line.redeemed)) == (issued, redeemed)
            assert line.median_days == median_of(days)
        for line in m.by_month:
            issued, redeemed, days = month.get(line.key, [0, 0, {}])
            assert (int(line.issued), int(line.redeemed)) == (issued, redeemed)
            assert line.median_days == median_of(days)
        visits = db.session.execute(
            select(func.count(), func.sum(func.cast(Redemption.walk_in, db.Integer)))
            .where(Redemption.scheme_id == programme.scheme_id)
        ).one()  # fmt: skip
        (point,) = m.by_service_point
        assert (int(point.redeemed), int(point.walk_ins)) == (visits[0] - visits[1], visits[1])
        assert point.median_days == median_of(point_days[programme.point_id])
        provided = dict(db.session.execute(
            select(RedemptionService.service, func.count()).group_by(RedemptionService.service)
        ).all())  # fmt: skip
        assert {s: int(n) for s, n in m.services} == provided


def test_every_writer_past_the_orm_counts_what_it_writes():
    """Writes through the ORM are counted by the flush hook; rows written past it (a table's own
    INSERT, UPDATE or DELETE) only by writers that call the summary themselves: the two imports.
    (The bench's builder writes its programme past both and rebuilds the summaries after.)"""
    import re
    from pathlib import Path

    pattern = re.compile(
        r"(Slip|Redemption|RedemptionService)\.__table__"
        r"|\b(insert|update|delete)\((Slip|Redemption|RedemptionService)\b"
        r"|\b(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(slips|redemptions|redemption_services)\b",
        re.IGNORECASE,
    )
    root = Path(__file__).resolve().parents[2]
    writers = {
        str(path.relative_to(root))
        for folder in ("partnership", "meetings", "curricula")
        for path in (root / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {
        "partnership/referrals/services/slips/issuing.py",
        "partnership/referrals/services/redemptions.py",
    }
    for writer in writers:
        text = (root / writer).read_text(encoding="utf-8")
        assert "summary.slips_added(" in text or "summary.redemptions_added(" in text


def test_the_slips_list_counted_by_state_equals_its_own_query(
    app, world, programme, coordinator_client
):
    """Filtered by "redeemed" or "open", the slips list takes its count from the summary; the
    number is the one counting the list's own query gives, with every other filter, and the
    page says it."""
    from flask_login import login_user

    from partnership.accounts.models import User
    from partnership.referrals.services.slips import SlipFilters, slip_page_query, slip_state_count

    rng = random.Random(11)
    stations = [None, world.station_a.id, world.station_b.id, world.station_c.id]
    with app.test_request_context():
        login_user(db.session.get(User, world.users["coordinator"].id))
        from flask_login import current_user

        for _ in range(60):
            start = rng.choice([None, TODAY - timedelta(days=rng.randrange(0, 800))])
            end = rng.choice([None, TODAY - timedelta(days=rng.randrange(0, 400))])
            filters = SlipFilters(
                scheme_id=rng.choice([None, programme.scheme_id]),
                station_id=rng.choice(stations),
                route=rng.choice(["", "not-a-route", *(r.value for r in Route)]),
                state=rng.choice(["redeemed", "open"]),
                issued_from=start,
                issued_to=end,
            )
            plain = db.session.scalar(
                select(func.count()).select_from(
                    slip_page_query(current_user, filters).order_by(None).subquery()
                )
            )
            assert slip_state_count(current_user, filters) == plain, filters
        # Not filtered by state, or searched by number: the list counts itself.
        assert slip_state_count(current_user, SlipFilters()) is None
        assert slip_state_count(current_user, SlipFilters(state="open", number="12")) is None
        redeemed = slip_state_count(current_user, SlipFilters(state="redeemed"))
    html = coordinator_client.get("/referrals/slips?state=redeemed").get_data(as_text=True)
    assert f"{redeemed} records" in html


def test_officers_get_no_count_by_state(app, world, programme):
    """Whether a slip was redeemed is a redemption record: the list is not filtered by it for
    police users, and no count by state is read for them."""
    from flask_login import current_user, login_user

    from partnership.accounts.models import User
    from partnership.referrals.services.slips import SlipFilters, slip_state_count

    with app.test_request_context():
        login_user(db.session.get(User, world.users["officer"].id))
        assert slip_state_count(current_user, SlipFilters(state="redeemed")) is None

"""The officers reached summary (meetings.reach) gives exactly what counting the registers gives:
on a random programme, for many periods and places, as each role sees it, and right after every
kind of write (the register page, its import and a refused one, a meeting held, moved, renamed
as a training, cancelled or deleted, a person's kind changed) and two writers at once."""

from __future__ import annotations

import io
import random
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import case, distinct, func, select

from meetings import reach
from meetings.models import (
    HAPPENED_STATUSES,
    NO_STATION,
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OfficerReach,
)
from partnership.extensions import db
from partnership.organisations.models import Person, PersonKind
from tests.meetings.helpers import create_meeting

TODAY = datetime.now(UTC).date()
ATTENDED = [AttendanceStatus.PRESENT, AttendanceStatus.LATE]


def _plain_rows() -> Counter:
    """Every officer's marks present or late at meetings held, per summary key, one by one."""
    rows = db.session.execute(
        select(Meeting.starts_at, Meeting.kind, Meeting.status, Attendee.station_id,
               Attendee.person_id, Person.kind, AttendanceMark.status)
        .join(Attendee, Attendee.id == AttendanceMark.attendee_id)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Person, Person.id == Attendee.person_id)
    )  # fmt: skip
    found: Counter = Counter()
    for starts_at, kind, status, station_id, person_id, person_kind, mark in rows:
        if person_kind is PersonKind.OFFICER and status in HAPPENED_STATUSES and mark in ATTENDED:
            key = (starts_at.astimezone(UTC).date(), station_id or NO_STATION, person_id,
                   kind is MeetingKind.TRAINING)  # fmt: skip
            found[key] += 1
    return found


def _summary_rows() -> Counter:
    return Counter(
        {
            (r.day, r.station_id, r.person_id, bool(r.training)): r.marks
            for r in db.session.scalars(select(OfficerReach))
        }
    )


def assert_summary_matches(app) -> None:  # noqa: ANN001
    with app.app_context():
        assert _summary_rows() == _plain_rows()
        db.session.remove()


def _plain_reached(start, end, stations=None) -> tuple[int, int]:  # noqa: ANN001
    """The dashboards' former query, over every register line and mark."""
    trained = case((Meeting.kind == MeetingKind.TRAINING, Attendee.person_id), else_=None)
    stmt = (
        select(func.count(distinct(Attendee.person_id)), func.count(distinct(trained)))
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Person, Person.id == Attendee.person_id)
        .where(
            Person.kind == PersonKind.OFFICER,
            Meeting.status.in_(list(HAPPENED_STATUSES)),
            Attendee.id.in_(
                select(AttendanceMark.attendee_id).where(AttendanceMark.status.in_(ATTENDED))
            ),
        )
    )
    if start is not None:
        stmt = stmt.where(Meeting.starts_at >= datetime(start.year, start.month, start.day,
                                                        tzinfo=UTC))  # fmt: skip
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < datetime(end.year, end.month, end.day, tzinfo=UTC)
                          + timedelta(days=1))  # fmt: skip
    if stations is not None:
        stmt = stmt.where(Attendee.station_id.in_(stations))
    n, t = db.session.execute(stmt).one()
    return int(n), int(t)


def _read(start, end, stations=None) -> tuple[int, int]:  # noqa: ANN001
    n, t = db.session.execute(reach.reached(start, end, stations)).one()
    return int(n), int(t)


def _add_line(meeting_id: int, person: Person, station_id, statuses) -> None:  # noqa: ANN001
    meeting = db.session.get(Meeting, meeting_id)
    attendee = Attendee(meeting_id=meeting_id, person_id=person.id, station_id=station_id)
    for day, status in zip(meeting.days, statuses, strict=False):
        if status is not None:
            attendee.marks.append(AttendanceMark(day=day, status=status))
    db.session.add(attendee)


@pytest.fixture()
def programme(app, world, make_person):  # noqa: ANN001, ANN201
    """Thirty meetings over two years at three stations, officers and others on their
    registers with every kind of mark; some meetings held, some not."""
    rng = random.Random(20261202)
    stations = [world.station_a, world.station_b, world.station_c]
    people = [make_person("officer", rng.choice(stations)) for _ in range(14)]
    people += [make_person("ngo_staff", world.ngo) for _ in range(2)]
    statuses = [*AttendanceStatus, None]
    for _ in range(30):
        starts = datetime.combine(TODAY - timedelta(days=rng.randrange(0, 730)),
                                  datetime.min.time(), UTC) + timedelta(hours=rng.choice((0, 7, 22)))  # fmt: skip
        meeting_id = create_meeting(
            app, rng.sample(stations, rng.randrange(1, 3)),
            kind=rng.choice(["sensitisation", "training", "joint_workshop", "station_visit"]),
            starts=starts, hours=rng.choice((2, 30)),
            status=rng.choice(["held", "held", "minutes_recorded", "proposed", "cancelled"]),
        )  # fmt: skip
        with app.app_context():
            for person in rng.sample(people, rng.randrange(0, 8)):
                station = rng.choice([*stations, None])
                _add_line(meeting_id, person, station.id if station else None,
                          [rng.choice(statuses) for _ in range(2)])  # fmt: skip
            db.session.commit()
            db.session.remove()
    return people


def test_the_summary_equals_the_registers_counted_on_a_random_programme(app, world, programme):
    assert_summary_matches(app)
    rng = random.Random(7)
    periods = [(None, None), (TODAY.replace(day=1), TODAY), (TODAY, TODAY),
               (TODAY - timedelta(days=365), TODAY)]  # fmt: skip
    for _ in range(45):
        a = TODAY - timedelta(days=rng.randrange(0, 800))
        periods.append((a, a + timedelta(days=rng.randrange(0, 400))))
    periods += [(None, TODAY - timedelta(days=200)), (TODAY - timedelta(days=200), None)]
    with app.app_context():
        assert _read(None, None) != (0, 0)
        for start, end in periods:
            for stations in (None, [world.station_a.id], [world.station_b.id, world.station_c.id]):
                assert _read(start, end, stations) == _plain_reached(start, end, stations), (
                    start, end, stations,
                )  # fmt: skip


def test_dashboard_station_page_and_figures_by_station_equal_the_plain_count(app, world, programme):
    from partnership.accounts.models import User
    from partnership.dashboard.services import DashboardFilters, reach_indicators
    from partnership.dashboard.services.by_station import indicators_by_station
    from partnership.dashboard.services.indicators import dashboard_figures, indicator_values

    filters = DashboardFilters(start=TODAY - timedelta(days=400), end=TODAY)
    with app.app_context():
        everyone = _plain_reached(filters.start, filters.end)
        mine = _plain_reached(filters.start, filters.end, [world.station_a.id])
        for role, expected in (("coordinator", everyone), ("admin", everyone),
                               ("trainer", everyone), ("officer", mine)):  # fmt: skip
            user = db.session.get(User, world.users[role].id)
            figures = reach_indicators(user, filters)
            assert (figures.officers_sensitised, figures.officers_trained) == expected, role
        viewer = db.session.get(User, world.users["viewer"].id)
        shown = indicator_values(dashboard_figures(viewer, filters))
        for name, n in zip(("officers_sensitised", "officers_trained"), everyone, strict=True):
            small = 0 < n < 5  # noqa: PLR2004 - the disclosure threshold
            assert shown[name] == ("<5" if small else n), name
        coordinator = db.session.get(User, world.users["coordinator"].id)
        by_station = indicators_by_station(coordinator, filters)
        for station in (world.station_a, world.station_b, world.station_c):
            n, t = _plain_reached(filters.start, filters.end, [station.id])
            assert by_station["officers_sensitised"].get(station.id, 0) == n
            assert by_station["officers_trained"].get(station.id, 0) == t
        from meetings.services.queries import station_meetings

        for station in (world.station_a, world.station_c):
            page = station_meetings(station, coordinator)
            assert page.officers_reached == _plain_reached(None, None, [station.id])[0]


# ---- right after each kind of write --------------------------------------------------------------

# A two-day workshop that started yesterday morning in Nairobi.
START = datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=5)


def _workshop(app, world, status: str = "proposed") -> int:  # noqa: ANN001
    return create_meeting(app, [world.station_a], kind="joint_workshop", starts=START, hours=30,
                          status=status)  # fmt: skip


def _attendee_id(app, meeting_id: int, person_id: int) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(
            select(Attendee.id).where(
                Attendee.meeting_id == meeting_id, Attendee.person_id == person_id
            )
        )


def test_the_register_page_and_the_meeting_lifecycle_keep_the_summary_in_step(
    app, world, make_person, coordinator_client
):
    first = make_person("officer", world.station_a, name="Sgt Amani")
    second = make_person("officer", world.station_b, name="Cst Baya")
    staff = make_person("ngo_staff", world.ngo, name="Outreach Worker")
    meeting_id = _workshop(app, world)
    url = f"/meetings/{meeting_id}/register"
    day1, day2 = (START.date() + timedelta(days=n) for n in (0, 1))
    coordinator_client.post(f"{url}/add", data={"person_ids": [first.id, second.id, staff.id]})
    coordinator_client.post(url, data={"action": "all-present"})
    assert_summary_matches(app)
    with app.app_context():
        assert _read(None, None) == (0, 0)  # not held yet
    assert coordinator_client.post(f"/meetings/{meeting_id}/hold").status_code == 302
    assert_summary_matches(app)
    with app.app_context():
        assert _read(None, None) == (2, 0)
    a = _attendee_id(app, meeting_id, first.id)
    b = _attendee_id(app, meeting_id, second.id)
    steps = [
        {f"mark-{a}-{day1}": "absent"},
        {f"mark-{a}-{day2}": "late", f"mark-{b}-{day1}": "excused"},
        {f"mark-{b}-{day2}": ""},
        {f"mark-{a}-{day1}": "present", f"mark-{a}-{day2}": "absent"},
    ]
    for step in steps:
        assert coordinator_client.post(url, data=step).status_code in (200, 302)
        assert_summary_matches(app)
    with app.app_context():
        assert _read(None, None) == (1, 0)
    coordinator_client.post(f"{url}/remove", data={"attendee_id": a})
    assert_summary_matches(app)
    with app.app_context():
        assert _read(None, None) == (0, 0)
        assert db.session.scalar(select(func.count()).select_from(OfficerReach)) == 0
    coordinator_client.post(f"{url}/add", data={"person_ids": [first.id]})
    coordinator_client.post(url, data={"action": "all-present"})
    assert_summary_matches(app)
    # The meeting moved, made a training, its officer made staff and back, then deleted.
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at -= timedelta(days=40)
        meeting.ends_at -= timedelta(days=40)
        db.session.commit()
    assert_summary_matches(app)
    with app.app_context():
        db.session.get(Meeting, meeting_id).kind = MeetingKind.TRAINING
        db.session.commit()
        assert _read(None, None) == (2, 2)  # "all present" filled the second's empty day too
    assert_summary_matches(app)
    for kind in (PersonKind.NGO_STAFF, PersonKind.OFFICER):
        with app.app_context():
            db.session.get(Person, first.id).kind = kind
            db.session.commit()
        assert_summary_matches(app)
    with app.app_context():
        db.session.get(Meeting, meeting_id).status = MeetingStatus.CANCELLED
        db.session.commit()
        assert _read(None, None) == (0, 0)
        db.session.get(Meeting, meeting_id).status = MeetingStatus.MINUTES_RECORDED
        db.session.commit()
        assert _read(None, None) == (2, 2)
    assert_summary_matches(app)
    with app.app_context():
        db.session.delete(db.session.get(Meeting, meeting_id))
        db.session.commit()
    assert_summary_matches(app)
    with app.app_context():
        assert _read(None, None) == (0, 0)


def _csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _payload(html: str) -> str:
    marker = 'name="payload" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_register_import_keeps_the_summary_in_step_and_a_refused_one_changes_nothing(
    app, world, make_person, coordinator_client
):
    make_person("officer", world.station_a, name="Sgt Known")
    meeting_id = _workshop(app, world, status="held")
    url = f"/meetings/{meeting_id}/register/import"
    day1, day2 = (str(START.date() + timedelta(days=n)) for n in (0, 1))
    header = ["Name", "Kind", "Station or organisation", "Rank", "Unit", day1, day2]
    refused = _csv([header, ["Good Row", "officer", "Alpha Police Station", "", "", "present", ""],
                    ["", "officer", "Alpha Police Station", "", "", "present", ""]])  # fmt: skip
    response = coordinator_client.post(url, data={"file": (io.BytesIO(refused), "r.csv")},
                                       content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422
    assert_summary_matches(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OfficerReach)) == 0
    good = _csv([header, ["Sgt Known", "officer", "Alpha Police Station", "", "", "present", "late"],
                 ["Cst New", "officer", "alpha police station", "", "", "absent", "present"],
                 ["Cst Away", "officer", "Bravo Police Station", "", "", "absent", ""]])  # fmt: skip
    response = coordinator_client.post(url, data={"file": (io.BytesIO(good), "r.csv")},
                                       content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 200
    response = coordinator_client.post(
        url, data={"step": "confirm", "payload": _payload(response.text)}
    )
    assert response.status_code == 302
    assert_summary_matches(app)
    with app.app_context():
        assert _read(None, None) == (2, 0)
        assert _read(None, None, [world.station_b.id]) == (0, 0)


def test_rebuild_counts_every_register_again(app, world, programme):
    with app.app_context():
        db.session.execute(OfficerReach.__table__.delete())
        reach.rebuild(db.session.connection())
        db.session.commit()
    assert_summary_matches(app)


def test_the_rebuild_command_counts_every_register_again(app, world, programme):
    """A summary row deleted by hand (past the application) is counted again from the
    registers by ``flask rebuild-summaries``."""
    with app.app_context():
        first = db.session.scalar(select(OfficerReach.__table__.c.person_id).limit(1))
        table = OfficerReach.__table__
        db.session.execute(table.delete().where(table.c.person_id == first))
        db.session.commit()
        assert _summary_rows() != _plain_rows()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "Officers reached:" in result.output
    assert_summary_matches(app)


def test_two_writers_at_once_both_count(app, world, make_person):
    """Two transactions mark the same officer present at two meetings of the same day and
    station (one summary row), and a third holds a meeting while a fourth marks its register:
    each waits for the other (PostgreSQL: the meeting's lock and the row; SQLite: the write
    lock), and no count is lost."""
    officer = make_person("officer", world.station_a)
    other = make_person("officer", world.station_b)
    held = [_workshop(app, world, status="held") for _ in range(2)]
    proposed = _workshop(app, world)
    with app.app_context():
        _add_line(proposed, other, world.station_b.id, [None, None])
        db.session.commit()
    errors: list[BaseException] = []

    def run(first_wrote: threading.Event, hold: bool, write) -> None:  # noqa: ANN001
        try:
            with app.app_context():
                if not hold:
                    first_wrote.wait(10)
                write()
                db.session.flush()
                if hold:
                    first_wrote.set()
                    threading.Event().wait(0.5)  # the other transaction now waits for this one
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            first_wrote.set()

    def mark(meeting_id: int, person: Person, station_id: int):  # noqa: ANN202
        return lambda: _add_line(meeting_id, person, station_id, [AttendanceStatus.PRESENT])

    def hold_meeting() -> None:
        db.session.get(Meeting, proposed).status = MeetingStatus.HELD

    def mark_present() -> None:
        attendee = db.session.scalar(select(Attendee).where(Attendee.meeting_id == proposed))
        attendee.marks.append(AttendanceMark(day=START.date(), status=AttendanceStatus.LATE))

    for pair in ((mark(held[0], officer, world.station_a.id),
                  mark(held[1], officer, world.station_a.id)),
                 (hold_meeting, mark_present)):  # fmt: skip
        first_wrote = threading.Event()
        threads = [threading.Thread(target=run, args=(first_wrote, True, pair[0])),
                   threading.Thread(target=run, args=(first_wrote, False, pair[1]))]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors
        assert_summary_matches(app)
    with app.app_context():
        assert (
            db.session.scalar(
                select(OfficerReach.marks).where(OfficerReach.person_id == officer.id)
            )
            == 2
        )
        assert _read(None, None) == (2, 0)


def test_every_writer_past_the_orm_counts_what_it_writes():
    """Writes through the ORM are counted by the flush hook; nothing in the app writes
    registers, meetings or people's kinds past it (the people import inserts new people, who
    attended nothing yet; the bench's builder rebuilds the summary after writing)."""
    import re
    from pathlib import Path

    pattern = re.compile(
        r"(AttendanceMark|Attendee|Meeting|Person)\.__table__"
        r"|(?<!session\.)\b(insert|update|delete)\((AttendanceMark|Attendee|Meeting|Person)\b"
        r"|\b(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(attendance_marks|meeting_attendees|meetings"
        r"|people)\b",
        re.IGNORECASE,
    )
    root = Path(__file__).resolve().parents[2]
    writers = {
        str(path.relative_to(root))
        for folder in ("partnership", "meetings", "curricula")
        for path in (root / folder).rglob("*.py")
        if "bench" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {"meetings/reach.py", "partnership/organisations/imports/people.py"}
    text = (root / "partnership/bench/build/__init__.py").read_text(encoding="utf-8")
    assert "reach.rebuild(" in text


def test_reading_a_period_uses_no_register(app, world, programme):
    """The figures read the summary alone: no register line or mark."""
    with app.app_context():
        sql = str(reach.reached(date(2025, 1, 1), TODAY, [1, 2]).compile())
        assert "meeting_attendees" not in sql and "attendance_marks" not in sql


def test_kept_dashboard_figures_follow_a_register_write(
    app, world, make_person, coordinator_client, live_cache
):
    """The dashboard keeps its figures until a write touches a table they read: a register
    write changes the summary in the same transaction, so the kept figure is computed again."""
    from partnership.accounts.models import User
    from partnership.dashboard.services import DashboardFilters
    from partnership.dashboard.services.indicators import dashboard_figures

    officers = [make_person("officer", world.station_a) for _ in range(6)]
    meeting_id = _workshop(app, world, status="held")
    filters = DashboardFilters(start=TODAY - timedelta(days=30), end=TODAY)

    def reached_now() -> int:
        with app.test_request_context("/"):
            user = db.session.get(User, world.users["coordinator"].id)
            value = dashboard_figures(user, filters).reach.officers_sensitised
            db.session.remove()
            return value

    assert reached_now() == 0
    assert reached_now() == 0  # kept
    url = f"/meetings/{meeting_id}/register"
    coordinator_client.post(f"{url}/add", data={"person_ids": [o.id for o in officers]})
    coordinator_client.post(url, data={"action": "all-present"})
    assert reached_now() == 6
    coordinator_client.post(
        f"{url}/remove", data={"attendee_id": _attendee_id(app, meeting_id, officers[0].id)}
    )
    assert reached_now() == 5
    with app.app_context():
        assert reached_now() == _plain_reached(filters.start, filters.end)[0]

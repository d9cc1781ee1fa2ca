"""The meetings list read in two parts (those not yet over, then the past ones, each through an
index: ``meetings.services.queries.meeting_list_parts`` and
``partnership.pagination.paginate_parts``) equals the plain list sorted whole with
``coming_first`` and cut by ``paginate``, page by page: for every filter, an officer's scope and a
viewer, the page where the coming meetings end and the past ones begin, the last page and a page
beyond those that may be opened, and right after a write."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_login import login_user

from tests.meetings.helpers import create_meeting

# The list's "now", fixed for both lists: half past an hour, so no meeting below ends at it by
# chance (one does on purpose).
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)

FILTERS = [
    "",
    "station={b}",
    "command={command}",
    "command={other}",
    "country=UG",
    "organiser={ngo}",
    "kind=training",
    "status=held",
    "q=visit",
    "upcoming=1",
    "held=1",
    "from={from_day}",
    "to={to_day}",
    "from={from_day}&to={to_day}",
    "kind=station_visit&station={a}",
    "q=nothing-matches",
]


@pytest.fixture()
def programme(app, world, make_org):  # noqa: ANN001, ANN201
    """About forty meetings around NOW: past and coming, one going on, a workshop that began
    before past meetings did and ends tomorrow, one ending exactly now (not yet over), several
    starting at the same moment (past and coming), of every kind and several statuses,
    stations, organisers and countries."""
    delta = make_org("police_station", "Delta Police Station", command=world.other_command,
                     country="UG", city="Kampala")  # fmt: skip
    other_ngo = make_org("ngo", "Lakeside Outreach")
    a, b, c = world.station_a, world.station_b, world.station_c
    kinds = ["sensitisation", "station_visit", "training", "joint_workshop", "webinar", "review"]
    stations = [[a], [b], [c], [a, b], [delta], [b, c]]
    made: dict[str, int] = {}

    def make(name: str, starts: datetime, hours: float = 2, i: int = 0, **extra) -> None:  # noqa: ANN003
        extra.setdefault("kind", kinds[i % len(kinds)])
        extra.setdefault("organiser", world.ngo if i % 3 else other_ngo)
        status = extra.pop("status", None) or ("held" if starts < NOW else "confirmed")
        made[name] = create_meeting(app, extra.pop("stations", stations[i % len(stations)]),
                                    title=name, starts=starts, hours=hours, status=status,
                                    **extra)  # fmt: skip

    for i in range(14):  # past, one a day, some cancelled
        make(f"Past {i}", NOW - timedelta(days=i + 1, hours=i % 5), i=i,
             status="cancelled" if i % 4 == 3 else None)  # fmt: skip
    for i in range(12):  # coming
        make(f"Coming {i}", NOW + timedelta(days=i % 9, hours=3 + i), i=i + 1)
    for i in range(3):  # three past meetings at one moment, three coming ones at another
        make(f"Past tie {i}", NOW - timedelta(days=4, hours=6), i=i)
        make(f"Coming tie {i}", NOW + timedelta(days=2, hours=1), i=i + 2)
    # At the officer's station (station_a) as well.
    make("Going on", NOW - timedelta(hours=1), hours=3, i=1, kind="station_visit",
         stations=[a, b])  # fmt: skip
    make("Long workshop", NOW - timedelta(days=3), hours=4 * 24, i=3, kind="joint_workshop")
    make("Ends now", NOW - timedelta(hours=2), hours=2, i=4, stations=[a, delta])
    make("Ended a minute ago", NOW - timedelta(hours=1, minutes=1), hours=1, i=6)
    return {
        "made": made,
        "ids": {
            "a": a.id, "b": b.id, "command": world.command.id, "other": world.other_command.id,
            "ngo": world.ngo.id, "from_day": (NOW - timedelta(days=5)).date().isoformat(),
            "to_day": (NOW + timedelta(days=3)).date().isoformat(),
        },  # fmt: skip
    }


@pytest.fixture()
def fixed_now(monkeypatch):  # noqa: ANN001, ANN201
    """The list's clock (both lists read it from meetings.services.queries)."""
    from meetings.services import queries

    clock = {"now": NOW}
    monkeypatch.setattr(queries, "utcnow", lambda: clock["now"])
    return clock


def _pages(app, user_id: int, query: str, page: int):  # noqa: ANN001, ANN202
    """(the page as the list serves it, the same page of the plain list sorted whole)."""
    from meetings.services import queries
    from meetings.views.lists import _filters, _list_context
    from partnership.accounts.models import User
    from partnership.extensions import db
    from partnership.pagination import paginate

    with app.test_request_context(f"/meetings/?{query}&page={page}"):
        login_user(db.session.get(User, user_id))
        served = _list_context()["page"]
        plain = paginate(queries.coming_first(queries.meeting_list_query(
            db.session.get(User, user_id), _filters())))  # fmt: skip
        return _shape(served), _shape(plain)


def _shape(page) -> dict:  # noqa: ANN001
    return {
        "ids": [m.id for m in page.items],
        "total": page.total,
        "more": page.more,
        "pages": page.pages,
        "reachable": page.reachable,
        "capped": page.capped,
        "beyond": page.beyond,
    }


def _check_every_page(app, user_id: int, query: str) -> int:  # noqa: ANN001
    """Every page, one past the last and one beyond those that may be opened; the number of
    rows seen."""
    seen = 0
    max_pages = app.config["LIST_MAX_PAGES"]
    page = 1
    while True:
        served, plain = _pages(app, user_id, query, page)
        assert served == plain, (query, page)
        seen += len(served["ids"])
        if page > max_pages or page > served["reachable"]:
            break
        page += 1
    served, plain = _pages(app, user_id, query, max_pages + 1)
    assert served == plain and not served["ids"], (query, "beyond")
    return seen


@pytest.mark.parametrize("max_pages", [5, 30])
@pytest.mark.parametrize("role", ["coordinator", "officer", "viewer"])
def test_every_page_equals_the_plain_list(
    app, world, programme, fixed_now, monkeypatch, role, max_pages
):  # noqa: ANN001
    # Four meetings a page: the coming ones end on page 5 or so; with 5 pages the whole list
    # is longer than the pages that may be opened ("more than 20").
    monkeypatch.setitem(app.config, "PER_PAGE", 4)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", max_pages)
    user_id = world.users[role].id
    rows = 0
    for template in FILTERS:
        rows += _check_every_page(app, user_id, template.format(**programme["ids"]))
    assert rows > 100  # the filters do select meetings


def _boundary(app, user_id: int) -> tuple[int, int]:  # noqa: ANN001
    """(the page where the past meetings begin, how many coming meetings are on it)."""
    from meetings.models import Meeting
    from partnership.extensions import db

    with app.app_context():
        coming = db.session.query(Meeting).filter(Meeting.ends_at >= NOW).count()
    per_page = app.config["PER_PAGE"]
    return coming // per_page + 1, coming % per_page


@pytest.mark.parametrize("per_page", [3, 4, 5, 6, 7])
def test_the_page_where_the_past_begins(app, world, programme, fixed_now, monkeypatch, per_page):  # noqa: ANN001
    """Whatever the page size, the coming meetings end on the page they end on: their last at
    the top of it (or none, when they fill the pages before), the most recent past after."""
    monkeypatch.setitem(app.config, "PER_PAGE", per_page)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 100)
    user_id = world.users["coordinator"].id
    page, coming_on_it = _boundary(app, user_id)
    for number in (page - 1, page, page + 1):
        served, plain = _pages(app, user_id, "", number)
        assert served == plain, number
    served, _plain = _pages(app, user_id, "", page)
    made = programme["made"]
    # The most recent past meeting ended a minute ago; the meeting ending now is not yet over.
    assert served["ids"][coming_on_it] == made["Ended a minute ago"]
    assert made["Ends now"] in _all_ids(app, user_id, "")[: (page - 1) * per_page + coming_on_it]


def _all_ids(app, user_id: int, query: str) -> list[int]:  # noqa: ANN001
    ids = []
    page = 1
    while True:
        served, plain = _pages(app, user_id, query, page)
        assert served == plain, (query, page)
        if not served["ids"]:
            return ids
        ids += served["ids"]
        page += 1


def test_right_after_a_write(app, world, programme, fixed_now, monkeypatch):  # noqa: ANN001
    """A meeting scheduled appears in its place on the next load; a meeting whose end passes
    moves from the coming ones to the top of the past ones."""
    monkeypatch.setitem(app.config, "PER_PAGE", 4)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 100)
    user_id = world.users["officer"].id
    before = _all_ids(app, user_id, "")
    made = programme["made"]
    new = create_meeting(app, [world.station_a], title="Just scheduled",
                         starts=NOW + timedelta(days=2, hours=1), status="confirmed")  # fmt: skip
    after = _all_ids(app, user_id, "")
    # Of those starting at one moment, the last scheduled comes first.
    ties = [made[f"Coming tie {k}"] for k in range(3) if made[f"Coming tie {k}"] in after]
    assert ties and after.index(new) == min(after.index(t) for t in ties) - 1
    assert [m for m in after if m != new] == before

    # Two hours on, the meeting going on is over: it leaves the coming ones for the top of the
    # past ones (it started after every other past meeting).
    going_on, last_past = made["Going on"], made["Ended a minute ago"]
    assert after.index(made["Long workshop"]) < after.index(going_on) < after.index(last_past)
    fixed_now["now"] = NOW + timedelta(hours=2, minutes=1)
    moved = _all_ids(app, user_id, "")
    assert moved.index(made["Long workshop"]) < moved.index(made["Coming 2"])
    assert moved.index(made["Coming 2"]) < moved.index(going_on)
    assert moved.index(going_on) == moved.index(last_past) - 1
    assert sorted(moved) == sorted(after)
    for template in FILTERS:
        _check_every_page(app, user_id, template.format(**programme["ids"]))


def test_the_page_shows_the_plain_order(app, world, programme, fixed_now, monkeypatch, coordinator_client):  # noqa: ANN001, E501
    """The page a user opens lists the meetings of the page in the plain list's order."""
    monkeypatch.setitem(app.config, "PER_PAGE", 5)
    user_id = world.users["coordinator"].id
    page, _coming = _boundary(app, user_id)
    for number in (1, page, page + 1):
        html = coordinator_client.get(f"/meetings/?page={number}").text
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        shown = [int(i) for i in re.findall(r'href="/meetings/(\d+)"', body)]
        _served, plain = _pages(app, user_id, "", number)
        assert shown == plain["ids"] and shown, number

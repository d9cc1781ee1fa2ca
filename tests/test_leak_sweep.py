"""The leak sweep: a distinct marker in every restricted field, then every page, export, feed,
PDF and workbook the application serves is fetched as officer, trainer and viewer.

Each answer must be a success or an expected refusal (never a server error that would hide what
a page shows), and no marker the role may not read may appear in what it receives: PDFs are
read as text (fpdf2 compresses page content), spreadsheets are read back, archives opened. As a
positive control, the same crawl as a coordinator meets every marker, so the sweep would see a
leak. The crawler walks ``app.url_map`` and fails on a GET route it cannot fill, so a new page
is swept from the day it is added.

The same crawl checks that no GET changes data (every role, every route), by comparing the
database before and after rather than guessing from endpoint names.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from partnership import disclosure
from partnership.spreadsheets import read_rows
from tests.curricula.conftest import make_module, make_training  # noqa: F401 - fixtures
from tests.meetings.helpers import create_meeting
from tests.pdf_text import pdf_text
from tests.referrals.conftest import add_redemption, add_slips, referrals  # noqa: F401

# One marker per restricted field; each is a plain token so it survives every format.
CLIENT_CODE = "LEAKCODE7731Q"
REDEMPTION_NOTE = "LeakRedemptionNote4410"
RESTRICTED_DETAIL = "LeakRestrictedDetail8812"
RESTRICTED_NOTE = "LeakRestrictedNote3391"
SECURITY_NOTE = "LeakSecurityNote4417"
MINUTES = "LeakMinutes6604"
COMMUNITY_NAME = "LeakCommunityName2278"
OTHER_STATION_CONCERN = "LeakOtherStationConcern5150"
OTHER_STATION_POINT = "LeakOtherStationPoint9021"
OTHER_STATION_OFFICER = "LeakOtherStationOfficer6130"

ALL_MARKERS = {
    CLIENT_CODE,
    REDEMPTION_NOTE,
    RESTRICTED_DETAIL,
    RESTRICTED_NOTE,
    SECURITY_NOTE,
    MINUTES,
    COMMUNITY_NAME,
    OTHER_STATION_CONCERN,
    OTHER_STATION_POINT,
    OTHER_STATION_OFFICER,
}
# What each role must never receive (product.md, "Who sees what").
FORBIDDEN = {
    "officer": ALL_MARKERS - {MINUTES},  # minutes of their own station's meetings they read
    "trainer": {CLIENT_CODE, REDEMPTION_NOTE, RESTRICTED_DETAIL, RESTRICTED_NOTE},
    # Viewers read action points and the people directory (aggregates of everything else).
    "viewer": ALL_MARKERS - {OTHER_STATION_POINT, OTHER_STATION_OFFICER},
}
EXPECTED = {200, 302, 303, 403, 404}


@dataclass
class Marked:
    ids: dict[str, list[int]]
    training_id: int
    certificate_code: str


@pytest.fixture()
def marked(app, world, make_concern, make_action_point, make_person, make_training, referrals):  # noqa: ANN001, F811
    from curricula.models import Certificate
    from meetings.models import Attendee, MinutesRevision
    from partnership.actions.models import Concern, ConcernNote
    from partnership.extensions import db

    a, c = world.station_a, world.station_c
    concern = make_concern(a, summary="Syringes taken", restricted_details=RESTRICTED_DETAIL)
    other_concern = make_concern(c, summary=OTHER_STATION_CONCERN)
    point = make_action_point(a, concerns=[concern], police_owner_id=world.users["officer"].id)
    other_point = make_action_point(c, title=OTHER_STATION_POINT)
    officer = make_person("officer", a, name="Constable Amani")
    community = make_person("community_rep", world.ngo, name=COMMUNITY_NAME, phone="0700 111 222")
    meeting_id = create_meeting(
        app, [a], security_notes=SECURITY_NOTE, status="held",
        starts=datetime.now(UTC) - timedelta(days=5),
    )  # fmt: skip
    other_meeting_id = create_meeting(app, [c], security_notes=SECURITY_NOTE)
    # A joint meeting of stations A and C: the officer of A sees A's part only.
    joint_id = create_meeting(app, [a, c], title="Joint review A and C")
    other_officer = make_person("officer", c, name=OTHER_STATION_OFFICER)
    (slip_id,) = add_slips(app, referrals.scheme_id, a.id, 1, start=1)
    add_redemption(app, referrals.scheme_id, referrals.point_id, slip_id, CLIENT_CODE)
    training_id = make_training(stations=[a], people=[(officer, 2, 8, 15)])
    with app.app_context():
        db.session.add(
            ConcernNote(concern=db.session.get(Concern, concern.id), text=RESTRICTED_NOTE,
                        restricted=True)  # fmt: skip
        )
        db.session.add(MinutesRevision(meeting_id=meeting_id, number=1, body=MINUTES))
        db.session.add(Attendee(meeting_id=meeting_id, person_id=community.id))
        db.session.add(Attendee(meeting_id=meeting_id, person_id=officer.id, station_id=a.id))
        db.session.add(Attendee(meeting_id=joint_id, person_id=officer.id, station_id=a.id))
        db.session.add(Attendee(meeting_id=joint_id, person_id=other_officer.id, station_id=c.id))
        from partnership.referrals.models import Redemption

        for redemption in db.session.scalars(select(Redemption)):
            redemption.follow_up = REDEMPTION_NOTE
        db.session.commit()
        from curricula.models import Training
        from curricula.services.certificates import issue_certificates

        training = db.session.get(Training, training_id)
        issue_certificates(training)
        module_id = training.modules[0].id
        db.session.commit()
        certificate = db.session.scalar(select(Certificate))
        code = certificate.code if certificate else "NO-CERTIFICATE"
        certificate_id = certificate.id if certificate else 0
        # A DHIS2 push of this programme's month, as an administrator would make it: the dry run
        # and the push's page are crawled with everything else.
        from partnership.accounts.models import User
        from partnership.dashboard.services import INDICATOR_KEYS
        from partnership.dhis2 import services as dhis2

        dhis2.save_mapping({a.id: "OuAlpha0001", c.id: "OuCharl0003"},
                           {k: (f"De{i:09d}", "") for i, k in enumerate(INDICATOR_KEYS)})  # fmt: skip
        admin = db.session.get(User, world.users["admin"].id)
        connection = dhis2.save_connection(None, {
            "server_url": "http://127.0.0.1:9", "auth_kind": "token", "secret": "d2pat_x" * 4,
            "period_type": "monthly"})  # fmt: skip
        today = date.today()
        export = dhis2.build_export(admin, dhis2.Period.month(today.year, today.month))
        push_id = dhis2.create_push(admin, export, connection).id
        db.session.commit()
        db.session.remove()
    ids = {
        "concern_id": [concern.id, other_concern.id],
        "action_point_id": [point.id, other_point.id],
        "meeting_id": [meeting_id, other_meeting_id, joint_id],
        "organisation_id": [a.id, c.id, world.command.id, world.ngo.id],
        "station_id": [a.id, c.id],
        "person_id": [community.id, officer.id, other_officer.id],
        "scheme_id": [referrals.scheme_id],
        "service_point_id": [referrals.point_id],
        "user_id": [world.users["officer"].id],
        "training_id": [training_id],
        "certificate_id": [certificate_id],
        "module_id": [module_id],
        "push_id": [push_id],
    }
    return Marked(ids, training_id, code)


# ---- the crawler -------------------------------------------------------------------------------

# Routes the crawl does not fetch, each with its reason.
NOT_CRAWLED = {
    "static": "files of the application itself",
    "dashboard.report_detail": "a report job of the user's own; the workbook is crawled below",
    "dashboard.report_download": "a report job of the user's own; the workbook is crawled below",
    "jobs.job_detail": "a download of the user's own; read by _background_downloads below",
    "jobs.job_download": "a download of the user's own; read by _background_downloads below",
    "curricula.material_download": "no material in the fixture programme",
    "curricula.adoption_advance": "no adoption record in the fixture programme",
}


def _values(endpoint: str, arg: str, marked: Marked, token: str) -> list:
    ids = marked.ids
    if arg == "fmt":
        return ["csv", "xlsx"]
    if arg == "kind" and endpoint.startswith("accounts."):
        return ["organisations", "people", "users"]
    if arg == "phase":
        return ["pre", "post"]
    if arg == "code":
        return [marked.certificate_code]
    if arg == "token":
        return [token]
    if arg == "point_id":
        return ids["service_point_id"] if endpoint.startswith("referrals.") else ids[
            "action_point_id"]  # fmt: skip
    if arg in ids:
        return ids[arg]
    raise AssertionError(f"the sweep cannot fill <{arg}> of {endpoint}: add it to the fixture")


def crawl_urls(app, marked: Marked, token: str) -> list[str]:  # noqa: ANN001
    """One URL for every GET route and every fixture id its arguments can take."""
    urls: list[str] = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_CRAWLED:
                continue
            combos: list[dict] = [{}]
            for arg in sorted(rule.arguments):
                combos = [
                    {**combo, arg: value}
                    for combo in combos
                    for value in _values(rule.endpoint, arg, marked, token)
                ]
            urls += [url_for(rule.endpoint, **combo) for combo in combos]
    return sorted(set(urls))


def received_text(response) -> str:  # noqa: ANN001
    """Everything a user receives, as text: PDFs extracted, workbooks read back, archives
    opened, calendars and pages as they are."""
    data = response.data
    if response.mimetype == "application/pdf":
        return pdf_text(data)
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                pdf_text(archive.read(name)) if name.endswith(".pdf") else archive.read(name).decode()
                for name in archive.namelist()
            )
    if data[:2] == b"PK":
        headers, rows = read_rows("received.xlsx", data)
        return " ".join([*headers, *(" ".join(row) for row in rows)])
    text = response.get_data(as_text=True)
    # iCalendar folds long lines (RFC 5545): unfold before searching.
    return text.replace("\r\n ", "").replace("\n ", "")


def _api_token(app, user_id: int) -> str:  # noqa: ANN001
    from partnership.accounts.models import User
    from partnership.accounts.services import create_api_token
    from partnership.extensions import db

    with app.app_context():
        secret = create_api_token(db.session.get(User, user_id), "leak sweep", 30)
        db.session.commit()
        db.session.remove()
    return secret


def _feed_token(app, user_id: int) -> str:  # noqa: ANN001
    from meetings.services.feeds import create_feed_token
    from partnership.accounts.models import User
    from partnership.extensions import db

    with app.app_context():
        token = create_feed_token(db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()
    return token


def _workbook(app, client, user_id: int) -> str:  # noqa: ANN001
    """The programme report workbook the role can build (jobs run in-process in tests)."""
    from partnership.dashboard.models import ReportJob
    from partnership.extensions import db

    client.post("/reports", data={})
    with app.app_context():
        job_id = db.session.scalar(
            select(ReportJob.id).where(ReportJob.user_id == user_id).order_by(ReportJob.id.desc())
        )
        db.session.remove()
    if job_id is None:
        return ""
    response = client.get(f"/reports/{job_id}/download")
    assert response.status_code in EXPECTED, response.status_code
    return received_text(response) if response.status_code == 200 else ""


def _background_downloads(app, client) -> str:  # noqa: ANN001
    """Every list download the role may take, written by the queue (in-process in tests) as
    when the list is long: the job's page and its file."""
    exports = [rule.rule for rule in app.url_map.iter_rules()
               if rule.endpoint.endswith("_export") and "<fmt>" in rule.rule
               and not rule.arguments - {"fmt"}]  # fmt: skip
    assert len(exports) >= 6, exports
    texts = []
    app.config["EXPORT_DIRECT_MAX_ROWS"] = -1
    try:
        for path in exports:
            for fmt in ("csv", "xlsx"):
                response = client.get(path.replace("<fmt>", fmt))
                assert response.status_code in (*EXPECTED, 302), (path, response.status_code)
                if response.status_code != 302 or not response.location.startswith("/downloads/"):
                    continue
                page = client.get(response.location)
                texts.append(received_text(page))
                download = client.get(response.location + "/file")
                assert download.status_code == 200, (path, download.status_code)
                texts.append(received_text(download))
    finally:
        app.config["EXPORT_DIRECT_MAX_ROWS"] = 1_000
    return "\n".join(texts)


def _audited_changes(app) -> int:  # noqa: ANN001
    from partnership.audit import AuditEntry
    from partnership.extensions import db

    with app.app_context():
        n = db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action.in_(["create", "update", "delete"]),
                # A calendar program reading the feed records when the address was last used.
                AuditEntry.entity_type != "CalendarFeedToken",
            )
        )
        db.session.remove()
    return n


def _state(app) -> dict:  # noqa: ANN001
    """A fingerprint of the data: rows per table and the sum of version counters. Sessions, the
    sign-in throttle and download audit entries change on reads by design."""
    from partnership.extensions import db

    by_design = {"user_sessions", "login_attempts", "audit_entries", "report_jobs"}
    state: dict = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in by_design:
                continue
            state[table.name] = db.session.scalar(select(func.count()).select_from(table))
            if "version" in table.c:
                state[table.name + ".version"] = db.session.scalar(
                    select(func.coalesce(func.sum(table.c.version), 0))
                )
        db.session.remove()
    state["audit changes"] = _audited_changes(app)
    return state


def sweep(app, login_as, marked: Marked, world, role: str) -> dict[str, str]:  # noqa: ANN001
    client = login_as(role)
    token = _feed_token(app, world.users[role].id)
    api_headers = {"Authorization": f"Bearer {_api_token(app, world.users[role].id)}"}
    seen: dict[str, str] = {}
    before = _state(app)
    for url in crawl_urls(app, marked, token):
        # The API takes a personal token, never the session: a script's requests.
        response = client.get(url, headers=api_headers if url.startswith("/api/v1/") else {})
        assert response.status_code in EXPECTED, (role, url, response.status_code)
        seen[url] = received_text(response) if response.status_code == 200 else ""
        assert _audited_changes(app) == before["audit changes"], f"GET {url} as {role} wrote"
    assert _state(app) == before, f"a GET changed data as {role}"
    seen["report workbook"] = _workbook(app, client, world.users[role].id)
    seen["background downloads"] = _background_downloads(app, client)
    return seen


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_no_restricted_marker_reaches_a_role_that_may_not_read_it(app, login_as, world, marked,
                                                                   role):  # fmt: skip
    seen = sweep(app, login_as, marked, world, role)
    leaks = sorted(
        (marker, url) for url, text in seen.items() for marker in FORBIDDEN[role] if marker in text
    )
    assert not leaks, f"{role} received: {leaks}"
    assert sum(bool(text) for text in seen.values()) >= 20  # real pages were read


def test_the_coordinator_crawl_finds_every_marker(app, login_as, world, marked):
    """Positive control: the sweep reaches every restricted field, so it would see a leak."""
    seen = sweep(app, login_as, marked, world, "coordinator")
    everything = "\n".join(seen.values())
    assert {m for m in ALL_MARKERS if m not in everything} == set()


def test_no_get_changes_data_for_administrators(app, login_as, world, marked):
    """Every GET route, crawled with the fixture's ids, leaves the data as it was."""
    sweep(app, login_as, marked, world, "admin")


def test_the_crawler_fills_every_get_route(app, world, marked):
    urls = crawl_urls(app, marked, "token")
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and rule.endpoint not in NOT_CRAWLED:
                prefix = rule.rule.split("<", 1)[0]
                assert any(u.startswith(prefix) for u in urls), rule.endpoint


# ---- subtraction -------------------------------------------------------------------------------


def _recovered(cells: dict, total) -> set:  # noqa: ANN001
    """The withheld cells an attacker recovers from the shown ones and the shown total."""
    shown = {k: (None if f.withheld else int(f)) for k, f in cells.items()}
    shown["total"] = None if total.withheld else int(total)
    recovered = disclosure.recoverable([(list(cells), "total")], shown)
    return {k for k in recovered if shown.get(k) is None}


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_no_hidden_cell_can_be_recomputed_from_a_shown_total(app, world, make_concern, role):
    """The shape of the finding: raids 6, extortion 2 and the total 8 on the same page. Every
    breakdown shown next to a total to an officer or viewer withholds a second cell."""
    from flask_login import login_user

    from partnership.accounts.models import User
    from partnership.actions.measures import concerns_by_category_month
    from partnership.dashboard.services import DashboardFilters, loop_indicators
    from partnership.extensions import db

    today = date.today()
    for _ in range(6):
        make_concern(world.station_a, category="raids", occurred_on=today)
    for _ in range(2):
        make_concern(world.station_a, category="extortion", occurred_on=today)
    for _ in range(7):
        make_concern(world.station_a, category="confiscation", occurred_on=today)
    with app.test_request_context():
        user = db.session.get(User, world.users[role].id)
        login_user(user)
        month = today.strftime("%Y-%m")
        measures = concerns_by_category_month(user)
        column = {c: counts[month] for c, counts in measures.counts.items()}
        assert str(column[next(c for c in column if c.value == "extortion")]) == "<5"
        assert not _recovered(column, measures.totals[month])
        start = today.replace(day=1)
        loop = loop_indicators(user, DashboardFilters(start=start, end=today))
        categories = dict(loop.concerns_by_category)
        assert not _recovered(categories, loop.concerns_in_period)
        assert not _recovered(loop.concerns_by_month, loop.concerns_in_period)


def test_coordinators_see_every_count(app, world, make_concern):
    from flask_login import login_user

    from partnership.accounts.models import User
    from partnership.actions.measures import concerns_by_category_month
    from partnership.extensions import db

    for _ in range(2):
        make_concern(world.station_a, category="extortion", occurred_on=date.today())
    with app.test_request_context():
        user = db.session.get(User, world.users["coordinator"].id)
        login_user(user)
        month = date.today().strftime("%Y-%m")
        measures = concerns_by_category_month(user)
        assert measures.totals[month] == 2
        assert not any(f.withheld for counts in measures.counts.values() for f in counts.values())


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_no_month_of_referrals_can_be_recomputed_from_the_period_total(
    app,
    world,
    referrals,  # noqa: F811
    role,
):
    """The dashboard's (and the workbook's) slips per month sit next to the period's totals:
    a month of three slips beside a month of twelve and a total of fifteen is withheld with
    its neighbour; the workbook's sheet per station and month, against the same totals."""
    from flask_login import login_user

    from partnership.accounts.models import User
    from partnership.dashboard.reports.sections import referrals_section
    from partnership.dashboard.services import DashboardFilters, referral_indicators
    from partnership.extensions import db

    today = date.today()
    first = today.replace(day=1)
    last_month = first - timedelta(days=1)
    a = world.station_a.id
    add_slips(app, referrals.scheme_id, a, 12, start=1, issued_on=first)
    add_slips(app, referrals.scheme_id, a, 3, start=100, issued_on=last_month)
    with app.test_request_context():
        user = db.session.get(User, world.users[role].id)
        login_user(user)
        filters = DashboardFilters(start=last_month.replace(day=1), end=today)
        shown = referral_indicators(user, filters)
        issued = {k: v[0] for k, v in shown.by_month.items()}
        assert any(f.withheld for f in issued.values())
        assert not _recovered(issued, shown.issued)
        rows = list(referrals_section(user, filters).rows())
        cells = {(r[0], r[1]): r[2] for r in rows}
        assert any(f.withheld for f in cells.values())
        month_totals = {f"{y:04d}-{m:02d}": v for (y, m), v in issued.items()}
        for month, total in month_totals.items():
            in_month = {k: f for k, f in cells.items() if k[1] == month}
            assert not _recovered(in_month, total), month
        assert not _recovered(cells, shown.issued)


def test_station_counts_cannot_be_recomputed_from_place_totals(app):
    """disclosure.protect_stations (the DHIS2 export's protection, usable by the API): no
    withheld station count follows from the programme's, a command's or a country's total."""
    from types import SimpleNamespace as S

    stations = [S(id=1, command_id=10, country="KE"), S(id=2, command_id=10, country="KE"),
                S(id=3, command_id=20, country="KE"), S(id=4, command_id=20, country="TZ"),
                S(id=5, command_id=None, country="TZ")]  # fmt: skip
    cells = {1: 2, 2: 30, 3: 40, 4: 7, 5: 50}
    with app.test_request_context():
        figures = disclosure.protect_stations(cells, stations, suppress=True)
        assert str(figures[1]) == "<5" and figures[2].withheld
        groups = disclosure.place_groups(stations)
        totals = {t: sum(cells[k] for k in m) for m, t in groups}
        shown = {k: f.value for k, f in figures.items()} | totals
        assert not disclosure.recoverable(groups, shown)
        assert disclosure.protect_stations(cells, stations, suppress=False)[1] == 2

"""The DHIS2 export: the payload against the dashboard's figures, suppression as for viewers,
unmapped warnings, the push to a local server that answers like DHIS2, refused roles, forms."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from partnership.extensions import db

# DHIS2 identifiers: 11 letters and digits, a letter first.
OU = {"a": "OuAlpha0001", "b": "OuBravo0002", "c": "OuCharl0003"}
DE = {
    "meetings_held": "DeMeetHeld1",
    "officers_sensitised": "DeOffSens01",
    "officers_trained": "DeOffTrai01",
    "slips_issued": "DeSlipIss01",
    "slips_redeemed": "DeSlipRed01",
    "concerns_raised": "DeConcern01",
}
COC = "CocDefault1"
TOKEN = "d2pat_localTestToken0123456789"


@pytest.fixture()
def concerns(world, make_concern):  # noqa: ANN001
    """Concerns on top of the dashboard's programme: Feb A 5, B 7; Mar A 8, C 2."""
    a, b, c = world.station_a, world.station_b, world.station_c
    for station, month, n in ((a, 2, 5), (b, 2, 7), (a, 3, 8), (c, 3, 2)):
        for day in range(1, n + 1):
            make_concern(station, occurred_on=date(2026, month, day))


def _set_up(app, world, server_url: str = "http://127.0.0.1:9", auth: str = "token",  # noqa: ANN001
            stations=("a", "b", "c"), indicators=tuple(DE)) -> None:  # fmt: skip
    from partnership.dhis2 import services

    with app.test_request_context():
        services.save_connection(
            None,
            {
                "server_url": server_url,
                "auth_kind": auth,
                "username": "reporter" if auth == "basic" else "",
                "secret": TOKEN if auth == "token" else "a-dhis2-password-123",
                "period_type": "monthly",
                "data_set_uid": "DsPartner01",
            },
        )
        ids = {"a": world.station_a.id, "b": world.station_b.id, "c": world.station_c.id}
        services.save_mapping(
            {ids[k]: OU[k] for k in stations},
            {k: (DE[k], COC if k == "slips_issued" else "") for k in indicators},
        )
        db.session.commit()


def _values(payload: dict) -> dict[tuple[str, str], str]:
    return {(v["orgUnit"], v["dataElement"]): v["value"] for v in payload["dataValues"]}


def test_payload_holds_the_dashboards_figures_as_a_viewer_sees_them(
    app, world, programme, concerns, admin_client, viewer_client
):  # noqa: ANN001
    _set_up(app, world)
    response = admin_client.get("/dhis2/dry-run.json?period=202602")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    payload = response.get_json()
    assert payload["dataSet"] == "DsPartner01"
    assert payload["period"] == "202602"
    for value in payload["dataValues"]:
        # Counts only: no person, no client code, nothing but the five DHIS2 fields.
        assert set(value) <= {"dataElement", "period", "orgUnit", "categoryOptionCombo", "value"}
        assert value["period"] == "202602" and value["value"].isdigit()
    values = _values(payload)
    a, b, c = OU["a"], OU["b"], OU["c"]
    # February at station A: 6 slips issued (the dashboard's figure for A and February),
    # 5 concerns, no training; 1 meeting, 2 officers and 2 slips redeemed are small: not sent.
    assert values[(a, DE["slips_issued"])] == "6"
    assert values[(a, DE["concerns_raised"])] == "5"
    assert values[(a, DE["officers_trained"])] == "0"
    for small in ("meetings_held", "officers_sensitised", "slips_redeemed"):
        assert (a, DE[small]) not in values
    assert values[(b, DE["concerns_raised"])] == "7"
    assert values[(c, DE["slips_issued"])] == "0"
    slips = next(v for v in payload["dataValues"] if v["dataElement"] == DE["slips_issued"])
    assert slips["categoryOptionCombo"] == COC
    # The viewer's dashboard for station A in February shows the same 6.
    html = viewer_client.get(
        f"/?start=2026-02-01&end=2026-02-28&station={world.station_a.id}"
    ).data.decode()
    assert '<span class="value">6</span> referral slips issued' in html
    assert '<span class="value">&lt;5</span> slips that reached a service' in html


def test_a_withheld_station_is_not_given_away_by_the_programme_total(
    app, world, programme, concerns, admin_client
):  # noqa: ANN001
    """March: C raised 2 concerns (small, withheld) and A 8. The programme's total (10) is on the
    viewer's dashboard, so A's 8 is withheld too, or 10 - 8 would give C's 2 away."""
    _set_up(app, world)
    values = _values(admin_client.get("/dhis2/dry-run.json?period=202603").get_json())
    assert (OU["c"], DE["concerns_raised"]) not in values
    assert (OU["a"], DE["concerns_raised"]) not in values
    assert values[(OU["b"], DE["concerns_raised"])] == "0"
    html = admin_client.get("/dhis2/dry-run?period=202603").data.decode()
    assert "&lt;5</span> not sent" in html and "—</span> not sent" in html


def test_dry_run_page_matches_the_json_and_warns_of_unmapped(
    app, world, programme, concerns, coordinator_client
):  # noqa: ANN001
    _set_up(app, world, stations=("a", "b"), indicators=("slips_issued", "concerns_raised"))
    html = coordinator_client.get("/dhis2/dry-run?period=202602").data.decode()
    assert "Warnings" in html
    assert "1 station without an organisation unit, not sent:" in html
    assert "Charlie Police Station" in html
    assert "Indicators without a data element, not sent:" in html
    assert "Meetings held at the station" in html
    assert "4 data values for February 2026 (202602)." in html
    payload = coordinator_client.get("/dhis2/dry-run.json?period=202602").get_json()
    assert len(payload["dataValues"]) == 4
    assert OU["c"] not in {v["orgUnit"] for v in payload["dataValues"]}
    # Coordinators check what would be sent; pushing is the administrator's.
    assert "Push to DHIS2" not in html
    assert coordinator_client.post("/dhis2/pushes", data={"period": "202602"}).status_code == 403


def test_dry_run_in_a_fixed_number_of_queries(app, world, programme, admin_client, count_queries,
                                              make_org):  # noqa: ANN001 # fmt: skip
    _set_up(app, world)
    admin_client.get("/dhis2/dry-run?period=202602")
    with count_queries() as few:
        admin_client.get("/dhis2/dry-run?period=202602")
    for n in range(10):
        make_org("police_station", f"Extra Station {n}", command=world.command)
    with count_queries() as more:
        admin_client.get("/dhis2/dry-run?period=202602")
    assert more.count == few.count


# ---- the push, against a local server that answers like DHIS2 ---------------------------------


@dataclass
class FakeDhis2:
    url: str
    requests: list[dict] = field(default_factory=list)
    answer: tuple[int, dict] = (200, {})


def _summary(imported: int, updated: int = 0, ignored: int = 0, conflicts=()) -> dict:  # noqa: ANN001
    """An answer as DHIS2 2.38+ gives it (a WebMessage around the import summary)."""
    status = "WARNING" if conflicts else "SUCCESS"
    return {
        "httpStatus": "Conflict" if conflicts else "OK",
        "httpStatusCode": 409 if conflicts else 200,
        "status": "WARNING" if conflicts else "OK",
        "message": "One more conflicts encountered" if conflicts else "Import was successful.",
        "response": {
            "responseType": "ImportSummary",
            "status": status,
            "importCount": {
                "imported": imported,
                "updated": updated,
                "ignored": ignored,
                "deleted": 0,
            },  # fmt: skip
            "conflicts": list(conflicts),
        },
    }


@pytest.fixture()
def dhis2_server() -> Iterator[FakeDhis2]:
    fake = FakeDhis2(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            fake.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "authorization": self.headers.get("Authorization"),
                    "payload": json.loads(body),
                }
            )
            status, answer = fake.answer
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/dhis"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def test_push_sends_the_dry_run_and_shows_the_import_summary(
    app, world, programme, concerns, admin_client, dhis2_server
):  # noqa: ANN001
    _set_up(app, world, server_url=dhis2_server.url)
    dhis2_server.answer = (200, _summary(imported=12, updated=3, ignored=2))
    expected = admin_client.get("/dhis2/dry-run.json?period=202602").get_json()
    page = admin_client.get("/dhis2/dry-run?period=202602").data.decode()
    assert "Push to DHIS2" in page
    response = admin_client.post("/dhis2/pushes", data={"period": "202602"})
    assert response.status_code == 302
    [sent] = dhis2_server.requests
    assert sent["path"] == "/dhis/api/dataValueSets?importStrategy=CREATE_AND_UPDATE"
    assert sent["content_type"] == "application/json"
    assert sent["authorization"] == f"ApiToken {TOKEN}"
    assert sent["payload"] == expected
    html = admin_client.get(response.location).data.decode()
    assert "DHIS2 took the values." in html
    assert "<dt>Imported</dt><dd>12</dd>" in html
    assert "<dt>Updated</dt><dd>3</dd>" in html
    assert "<dt>Ignored</dt><dd>2</dd>" in html
    assert TOKEN not in html
    listing = admin_client.get("/dhis2/pushes").data.decode()
    assert "12 imported, 3 updated, 2 ignored" in listing


def test_a_conflict_answer_is_shown_and_sending_again_is_safe(
    app, world, programme, concerns, admin_client, dhis2_server
):  # noqa: ANN001
    _set_up(app, world, server_url=dhis2_server.url, auth="basic")
    conflict = {"object": OU["b"], "value": "Organisation unit not found or not accessible",
                "errorCode": "E7610"}  # fmt: skip
    dhis2_server.answer = (409, _summary(imported=10, ignored=7, conflicts=[conflict]))
    response = admin_client.post("/dhis2/pushes", data={"period": "202602"})
    sent = dhis2_server.requests[0]
    expected = "Basic " + base64.b64encode(b"reporter:a-dhis2-password-123").decode()
    assert sent["authorization"] == expected
    html = admin_client.get(response.location).data.decode()
    assert "DHIS2 took the values with 1 conflict" in html
    assert "Organisation unit not found or not accessible" in html
    assert "a-dhis2-password-123" not in html
    # Sending again sends the same values: DHIS2 updates what it has, nothing is doubled.
    dhis2_server.answer = (200, _summary(imported=0, updated=17))
    push_id = int(response.location.rsplit("/", 1)[1])
    again = admin_client.post(f"/dhis2/pushes/{push_id}/again")
    assert again.status_code == 302
    assert dhis2_server.requests[1]["payload"] == sent["payload"]
    assert "<dt>Updated</dt><dd>17</dd>" in admin_client.get(again.location).data.decode()


@pytest.mark.parametrize(
    "answer, message",
    [
        ((401, {"httpStatusCode": 401, "message": "Unauthorized"}), "DHIS2 refused the sign-in"),
        ((500, {"message": "Internal error"}), "without a DHIS2 import summary"),
        ((302, {}), "sent the request to another address"),
    ],
)
def test_failures_are_shown_clearly(
    app, world, programme, concerns, admin_client, dhis2_server, answer, message
):  # noqa: ANN001
    _set_up(app, world, server_url=dhis2_server.url)
    dhis2_server.answer = answer
    response = admin_client.post("/dhis2/pushes", data={"period": "202602"})
    html = admin_client.get(response.location).data.decode()
    assert message in html
    assert "Send again" in html
    assert TOKEN not in html


def test_an_unreachable_server_is_a_failure_not_an_error_page(
    app, world, programme, concerns, admin_client
):  # noqa: ANN001
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _set_up(app, world, server_url=f"http://127.0.0.1:{port}")
    response = admin_client.post("/dhis2/pushes", data={"period": "202602"})
    html = admin_client.get(response.location).data.decode()
    assert "The DHIS2 server could not be reached" in html


def test_nothing_is_pushed_without_a_connection(app, world, programme, admin_client):  # noqa: ANN001
    response = admin_client.post("/dhis2/pushes", data={"period": "202602"}, follow_redirects=True)
    assert "Set the DHIS2 server and its sign-in first." in response.data.decode()
    from partnership.dhis2.models import Dhis2Push

    with app.app_context():
        assert db.session.scalars(select(Dhis2Push)).all() == []


# ---- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["trainer", "officer", "viewer"])
def test_other_roles_are_refused(login_as, world, role):  # noqa: ANN001
    client = login_as(role)
    for url in ("/dhis2/dry-run", "/dhis2/dry-run.json", "/dhis2/mapping", "/dhis2/connection"):
        assert client.get(url).status_code == 403, url
    assert client.post("/dhis2/pushes", data={"period": "202602"}).status_code == 403


def test_coordinator_cannot_change_the_server_or_the_mapping(coordinator_client):  # noqa: ANN001
    assert coordinator_client.get("/dhis2/connection").status_code == 403
    assert coordinator_client.post("/dhis2/mapping", data={}).status_code == 403
    assert coordinator_client.get("/dhis2/dry-run").status_code == 200


# ---- forms -------------------------------------------------------------------------------------


def test_connection_form_checks_and_keeps_the_secret_out_of_sight(app, admin_client):  # noqa: ANN001
    from partnership.audit import AuditEntry
    from partnership.dhis2.models import Dhis2Connection

    bad = admin_client.post(
        "/dhis2/connection",
        data={
            "server_url": "https://admin:pw@dhis2.example.org",
            "auth_kind": "basic",
            "username": "",
            "secret": "",
            "period_type": "monthly",
            "data_set_uid": "1abcdefghij",
        },  # fmt: skip
    )
    assert bad.status_code == 422
    html = bad.data.decode()
    assert "Leave the username and password out of the address" in html
    assert "Give the DHIS2 username." in html
    assert "Give the password or the personal access token." in html
    assert "A DHIS2 identifier has 11 letters and digits and starts with a letter." in html
    with app.app_context():
        assert db.session.scalars(select(Dhis2Connection)).all() == []

    good = admin_client.post(
        "/dhis2/connection",
        data={
            "server_url": "https://dhis2.example.org/",
            "auth_kind": "token",
            "username": "",
            "secret": TOKEN,
            "period_type": "quarterly",
            "data_set_uid": "",
        },  # fmt: skip
    )
    assert good.status_code == 302
    html = admin_client.get("/dhis2/connection").data.decode()
    assert TOKEN not in html
    assert "A secret ending in …6789 is stored" in html
    with app.app_context():
        connection = db.session.scalars(select(Dhis2Connection)).one()
        assert connection.server_url == "https://dhis2.example.org"
        assert TOKEN not in connection.secret_encrypted
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "Dhis2Connection")
        ).all()
        assert entries and all(TOKEN not in json.dumps(e.changes) for e in entries)
    # Saved again with the secret left empty: the stored one stays.
    admin_client.post(
        "/dhis2/connection",
        data={
            "server_url": "https://dhis2.example.org",
            "auth_kind": "token",
            "username": "",
            "secret": "",
            "period_type": "quarterly",
            "data_set_uid": "",
            "version": "1",
        },  # fmt: skip
    )
    with app.app_context():
        from partnership.dhis2 import credentials

        connection = db.session.scalars(select(Dhis2Connection)).one()
        assert credentials.decrypt(connection.secret_encrypted) == TOKEN
    # Quarterly periods: the dry run offers quarters.
    assert "2026Q1" in admin_client.get("/dhis2/dry-run?period=2026Q1").data.decode()


def test_mapping_form_refuses_bad_identifiers_and_saves_nothing(app, world, admin_client):  # noqa: ANN001
    from partnership.dhis2 import services

    a, b = world.station_a.id, world.station_b.id
    response = admin_client.post(
        "/dhis2/mapping",
        data={
            f"ou_{a}": "12345678901",
            f"ou_{b}": "OuBravo0002",
            "de_slips_issued": "short",
            "coc_concerns_raised": "CocDefault1",
            "de_meetings_held": "DeMeetHeld1",
        },  # fmt: skip
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert html.count("A DHIS2 identifier has 11 letters and digits and starts with a letter.") == 2
    assert "Give the data element too, or leave both empty." in html
    assert 'value="OuBravo0002"' in html  # what was typed stays in the form
    with app.app_context():
        assert services.org_units() == {} and services.data_elements() == {}

    duplicate = admin_client.post(
        "/dhis2/mapping", data={f"ou_{a}": "OuBravo0002", f"ou_{b}": "OuBravo0002"}
    )
    assert duplicate.status_code == 422
    assert "Already given to Alpha Police Station" in duplicate.data.decode()

    ok = admin_client.post(
        "/dhis2/mapping",
        data={
            f"ou_{a}": "OuAlpha0001",
            "de_slips_issued": "DeSlipIss01",
            "coc_slips_issued": "CocDefault1",
        },  # fmt: skip
    )
    assert ok.status_code == 302
    with app.app_context():
        assert services.org_units() == {a: "OuAlpha0001"}
        assert services.data_elements() == {"slips_issued": ("DeSlipIss01", "CocDefault1")}
    # An emptied field removes the mapping.
    admin_client.post("/dhis2/mapping", data={f"ou_{a}": ""})
    with app.app_context():
        assert services.org_units() == {}


def test_periods():
    from partnership.dhis2.models import PeriodType
    from partnership.dhis2.services import Period, default_period, recent_periods

    assert Period.parse("202602").end == date(2026, 2, 28)
    assert Period.parse("202412").end == date(2024, 12, 31)
    assert Period.parse("2026Q4").start == date(2026, 10, 1)
    assert Period.parse("2026Q4").end == date(2026, 12, 31)
    for bad in ("202613", "2026Q5", "99999", "", "0001Q1", "2026-02"):
        assert Period.parse(bad) is None, bad
    assert default_period(PeriodType.MONTHLY, date(2026, 1, 15)).code == "202512"
    assert default_period(PeriodType.QUARTERLY, date(2026, 1, 15)).code == "2025Q4"
    assert [p.code for p in recent_periods(PeriodType.QUARTERLY, date(2026, 5, 1), 3)] == [
        "2026Q2", "2026Q1", "2025Q4"]  # fmt: skip


# ---- the mapping from a spreadsheet ------------------------------------------------------------


def _upload(client, text: str):  # noqa: ANN001, ANN202
    from io import BytesIO

    return client.post(
        "/dhis2/mapping/import",
        data={"file": (BytesIO(text.encode()), "mapping.csv")},
        content_type="multipart/form-data",
    )


def test_mapping_template_lists_every_station(app, world, admin_client):  # noqa: ANN001
    _set_up(app, world, stations=("a",), indicators=())
    response = admin_client.get("/dhis2/mapping/template.csv")
    assert response.status_code == 200
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Station ID [station_id],Station reference [station_reference],Station [station],"
        "Organisation unit [org_unit]"
    )
    assert f"{world.station_a.id},,Alpha Police Station,OuAlpha0001" in lines
    assert f"{world.station_c.id},,Charlie Police Station," in lines
    assert admin_client.get("/dhis2/mapping/template.xlsx").status_code == 200


def test_mapping_import_is_all_rows_or_none_with_errors_by_line(app, world, admin_client):  # noqa: ANN001
    from partnership.dhis2 import services
    from partnership.organisations.models import Organisation

    with app.app_context():
        db.session.get(Organisation, world.station_b.id).reference = "KE-MSA-002"
        db.session.commit()
    _set_up(app, world, stations=("c",), indicators=())
    a, c = world.station_a.id, world.station_c.id
    header = "station_id,station_reference,station,org_unit\n"
    bad = _upload(
        admin_client,
        header
        + f"{a},,Alpha,OuAlpha0001\n"  # line 2: fine
        + ",KE-MSA-002,Bravo,9uBravo0002\n"  # line 3: not an identifier
        + ",,Charlie,OuCharl0009\n"  # line 4: no station key
        + f"{a},,Alpha again,OuAlpha0007\n"  # line 5: the same station twice
        + "99999,,Nowhere,OuNowhere01\n",  # line 6: no such station
    )
    assert bad.status_code == 422
    html = bad.data.decode()
    assert "Nothing was imported: 4 lines have problems" in html
    assert "Line 3: “9uBravo0002” is not a DHIS2 identifier" in html
    assert "Line 4: Give the station&#39;s ID or its reference." in html
    assert "Line 5: Alpha Police Station is already on line 2." in html
    assert "Line 6: No active station has the ID 99999." in html
    with app.app_context():
        assert services.org_units() == {c: OU["c"]}

    # A unit kept by a station the file leaves alone cannot be given to another.
    clash = _upload(admin_client, header + f"{a},,Alpha,{OU['c']}\n")
    assert clash.status_code == 422
    assert "Line 2: The organisation unit OuCharl0003 is already the unit of Charlie" in (
        clash.data.decode()
    )

    ok = _upload(admin_client, header + f"{a},,Alpha,OuAlpha0001\n,ke-msa-002,Bravo,OuBravo0002\n")
    assert ok.status_code == 302
    with app.app_context():
        assert services.org_units() == {
            a: "OuAlpha0001", world.station_b.id: "OuBravo0002", c: OU["c"]}  # fmt: skip
    # An empty unit removes the station's mapping.
    _upload(admin_client, header + f"{c},,Charlie,\n")
    with app.app_context():
        assert c not in services.org_units()


def test_mapping_import_refuses_a_file_of_other_columns(admin_client, world):  # noqa: ANN001
    response = _upload(admin_client, "name,phone\nAlpha,123\n")
    assert response.status_code == 422
    assert "These are not the columns of the mapping template." in response.data.decode()


# ---- the queue ---------------------------------------------------------------------------------


def test_the_request_only_queues_the_push_and_the_consumer_sends_it(
    app, world, programme, concerns, admin_client, dhis2_server
):  # noqa: ANN001
    from partnership.jobs import huey

    _set_up(app, world, server_url=dhis2_server.url)
    dhis2_server.answer = (200, _summary(imported=12))
    huey.immediate = False  # a real queue: nothing runs until a consumer takes the task
    try:
        huey.flush()
        response = admin_client.post("/dhis2/pushes", data={"period": "202602"})
        assert response.status_code == 302
        assert dhis2_server.requests == []  # the answer came without waiting for DHIS2
        waiting = admin_client.get(response.location).data.decode()
        assert "Waiting for the background worker…" in waiting
        assert '<meta http-equiv="refresh"' in waiting
        assert huey.pending_count() == 1
        with app.app_context():
            huey.execute(huey.dequeue())  # what the consumer does
    finally:
        huey.flush()
        huey.immediate = True
    assert len(dhis2_server.requests) == 1
    assert "DHIS2 took the values." in admin_client.get(response.location).data.decode()


def test_a_push_no_consumer_took_is_given_up_and_can_be_sent_again(
    app, world, programme, concerns, admin_client, dhis2_server
):  # noqa: ANN001
    from datetime import UTC, datetime, timedelta

    from partnership.dhis2.models import Dhis2Push, PushStatus
    from tests.conftest import _saved

    _set_up(app, world, server_url=dhis2_server.url)
    old = datetime.now(UTC) - timedelta(hours=2)
    push = _saved(app, Dhis2Push(period="202602", payload={"period": "202602", "dataValues": []},
                                 created_at=old))  # fmt: skip
    html = admin_client.get(f"/dhis2/pushes/{push.id}").data.decode()
    assert "No background worker sent the values." in html
    with app.app_context():
        assert db.session.get(Dhis2Push, push.id).status is PushStatus.FAILED
    dhis2_server.answer = (200, _summary(imported=0))
    again = admin_client.post(f"/dhis2/pushes/{push.id}/again")
    assert again.status_code == 302
    assert dhis2_server.requests[0]["payload"] == {"period": "202602", "dataValues": []}


def test_a_push_is_audited_without_its_values(
    app, world, programme, concerns, admin_client, dhis2_server
):  # noqa: ANN001
    from partnership.audit import AuditEntry

    _set_up(app, world, server_url=dhis2_server.url)
    dhis2_server.answer = (200, _summary(imported=12))
    admin_client.post("/dhis2/pushes", data={"period": "202602"})
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "Dhis2Push")
        ).all()
        assert entry.actor == "admin@test.example" and entry.action == "create"
        assert "OuAlpha0001" not in json.dumps(entry.changes)


def test_import_summaries_of_older_and_newer_dhis2_versions_are_read():
    from partnership.dhis2.client import _read

    # Before 2.38 the import summary is the whole answer.
    old = _read(200, json.dumps({
        "responseType": "ImportSummary", "status": "WARNING",
        "importCount": {"imported": 3, "updated": 1, "ignored": 2, "deleted": 0},
        "conflicts": [{"object": "DeSlipIss01", "value": "Data element not found"}] * 150,
    }).encode())  # fmt: skip
    assert (old.summary, old.import_status, old.imported, old.updated, old.ignored) == (
        True, "WARNING", 3, 1, 2)  # fmt: skip
    assert len(old.conflicts) == 100  # kept to a readable number
    new = _read(
        409, json.dumps(_summary(imported=0, ignored=4, conflicts=[{"object": "x"}])).encode()
    )
    assert (new.summary, new.import_status, new.ignored) == (True, "WARNING", 4)
    assert new.conflicts == [{"object": "x", "value": ""}]
    page = _read(200, b"<html>Sign in to DHIS2</html>")
    assert not page.summary and page.problem == "not_dhis2"

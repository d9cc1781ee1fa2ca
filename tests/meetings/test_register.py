"""Attendance register: quick entry, history kept across transfers, import and export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from meetings.models import AttendanceMark, Attendee
from partnership.extensions import db
from partnership.organisations.models import Person
from tests.meetings.helpers import create_meeting

# A two-day workshop in Almaty: 09:00 on 3 June to 17:00 on 4 June local time.
WORKSHOP = {
    "starts": datetime(2031, 6, 3, 4, 0, tzinfo=UTC),
    "hours": 32,
    "timezone": "Asia/Almaty",
}
DAY1, DAY2 = "2031-06-03", "2031-06-04"


def _workshop(app, world) -> int:  # noqa: ANN001
    return create_meeting(app, [world.station_a], title="Joint workshop", kind="joint_workshop",
                          **WORKSHOP)  # fmt: skip


def _marks(app, meeting_id) -> dict:  # noqa: ANN001
    with app.app_context():
        rows = db.session.execute(
            select(Person.name, AttendanceMark.day, AttendanceMark.status)
            .join(Attendee, Attendee.id == AttendanceMark.attendee_id)
            .join(Person, Person.id == Attendee.person_id)
            .where(Attendee.meeting_id == meeting_id)
        )
        return {(name, day.isoformat()): status.value for name, day, status in rows}


def test_tick_from_roster_mark_all_present_per_day(app, world, make_person, coordinator_client):
    officer = make_person("officer", world.station_a, name="Sgt Amani", rank="Sergeant")
    make_person("officer", world.station_c, name="Far Officer")
    meeting_id = _workshop(app, world)
    page = coordinator_client.get(f"/meetings/{meeting_id}/register").text
    assert "Sgt Amani" in page and "Far Officer" not in page
    coordinator_client.post(
        f"/meetings/{meeting_id}/register/add", data={"person_ids": [officer.id]}
    )
    coordinator_client.post(
        f"/meetings/{meeting_id}/register", data={"action": f"all-present-{DAY1}"}
    )
    assert _marks(app, meeting_id) == {("Sgt Amani", DAY1): "present"}
    with app.app_context():
        attendee_id = db.session.scalar(select(Attendee.id))
    coordinator_client.post(
        f"/meetings/{meeting_id}/register", data={f"mark-{attendee_id}-{DAY2}": "late"}
    )
    assert _marks(app, meeting_id) == {("Sgt Amani", DAY1): "present", ("Sgt Amani", DAY2): "late"}


def test_station_at_the_time_survives_a_transfer(app, world, make_person, coordinator_client):
    officer = make_person("officer", world.station_a, name="Cpl Baya", rank="Corporal")
    meeting_id = _workshop(app, world)
    coordinator_client.post(
        f"/meetings/{meeting_id}/register/add", data={"person_ids": [officer.id]}
    )
    from partnership.organisations.services import transfer_officer

    with app.app_context():
        person = db.session.get(Person, officer.id)
        transfer_officer(person, world.station_b.id, date.today())
        db.session.commit()
        attendee = db.session.scalars(select(Attendee)).one()
        assert (attendee.station_id, attendee.rank) == (world.station_a.id, "Corporal")


def test_add_new_person_inline(app, world, coordinator_client):
    meeting_id = _workshop(app, world)
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/register/new-person",
        data={
            "new-kind": "officer",
            "new-name": "Insp Wekesa",
            "new-organisation_id": str(world.station_a.id),
            "new-rank": "Inspector",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        attendee = db.session.scalars(select(Attendee)).one()
        assert attendee.person.name == "Insp Wekesa" and attendee.station_id == world.station_a.id
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/register/new-person",
        data={"new-kind": "officer", "new-name": "No Station"},
    )
    assert response.status_code == 422
    assert "An officer&#39;s station must be a police unit." in response.text


def test_officer_sees_register_without_community_names_viewer_sees_counts(
    app, world, make_org, make_person, login_as
):
    group = make_org("community_group", "Peer network")
    rep = make_person("community_rep", group, name="J.K.")
    officer = make_person("officer", world.station_a, name="Sgt Visible")
    meeting_id = _workshop(app, world)
    coordinator = login_as("coordinator")
    coordinator.post(
        f"/meetings/{meeting_id}/register/add", data={"person_ids": [rep.id, officer.id]}
    )
    coordinator.post(f"/meetings/{meeting_id}/register", data={"action": "all-present"})
    assert "J.K." in coordinator.get(f"/meetings/{meeting_id}").text
    officer_page = login_as("officer").get(f"/meetings/{meeting_id}").text
    assert "Sgt Visible" in officer_page and "J.K." not in officer_page
    assert "Community representative" in officer_page
    export = (
        login_as("officer").get(f"/meetings/{meeting_id}/register.csv").data.decode("utf-8-sig")
    )
    assert "J.K." not in export and "Sgt Visible" in export
    viewer_page = login_as("viewer").get(f"/meetings/{meeting_id}").text
    assert "Sgt Visible" not in viewer_page and "J.K." not in viewer_page
    assert "Total attended" in viewer_page


def test_register_export_content(app, world, make_person, coordinator_client):
    officer = make_person("officer", world.station_a, name="=Sgt Formula", rank="Sergeant")
    meeting_id = _workshop(app, world)
    coordinator_client.post(
        f"/meetings/{meeting_id}/register/add", data={"person_ids": [officer.id]}
    )
    coordinator_client.post(f"/meetings/{meeting_id}/register", data={"action": "all-present"})
    rows = list(csv.reader(io.StringIO(
        coordinator_client.get(f"/meetings/{meeting_id}/register.csv").data.decode("utf-8-sig")
    )))  # fmt: skip
    assert rows[0] == ["Name", "Kind", "Station or organisation", "Rank", "Unit", DAY1, DAY2]
    assert rows[1] == [
        "'=Sgt Formula",
        "officer",
        "Alpha Police Station",
        "Sergeant",
        "",
        "present",
        "present",
    ]
    book = load_workbook(
        io.BytesIO(coordinator_client.get(f"/meetings/{meeting_id}/register.xlsx").data)
    )
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[2]][2:] == [
        "Alpha Police Station",
        "Sergeant",
        "",
        "present",
        "present",
    ]


# ---- import ------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


HEADER = ["Name", "Kind", "Station or organisation", "Rank", "Unit", DAY1, DAY2]


def _upload(client, meeting_id, data: bytes, name: str = "register.csv"):  # noqa: ANN001, ANN202
    return client.post(
        f"/meetings/{meeting_id}/register/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _payload(html: str) -> str:
    marker = 'name="payload" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _attendee_count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(Attendee.id)))


def test_import_good_file_after_review(app, world, make_person, coordinator_client):
    make_person("officer", world.station_a, name="Sgt Known")
    meeting_id = _workshop(app, world)
    data = _csv([HEADER, ["Sgt Known", "officer", "Alpha Police Station", "Sergeant", "", "present", "late"],
                 ["Cst New", "officer", "alpha police station", "Constable", "", "present", ""]])  # fmt: skip
    response = _upload(coordinator_client, meeting_id, data)
    assert response.status_code == 200
    assert "New person: will be added" in response.text
    assert _attendee_count(app) == 0  # nothing written before confirming
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/register/import",
        data={"step": "confirm", "payload": _payload(response.text)},
    )
    assert response.status_code == 302
    assert _marks(app, meeting_id) == {
        ("Sgt Known", DAY1): "present", ("Sgt Known", DAY2): "late", ("Cst New", DAY1): "present",
    }  # fmt: skip


def test_import_with_bad_rows_writes_nothing_and_lists_them(app, world, coordinator_client):
    meeting_id = _workshop(app, world)
    data = _csv([HEADER, ["Good Row", "officer", "Alpha Police Station", "", "", "present", ""],
                 ["", "officer", "Alpha Police Station", "", "", "present", ""],
                 ["Bad Kind", "chief", "Nowhere Station", "", "", "maybe", ""]])  # fmt: skip
    response = _upload(coordinator_client, meeting_id, data)
    assert response.status_code == 422
    text = response.text.replace("&#34;", '"')
    assert "Line 3: the name is empty" in text
    assert "Line 4:" in text and "kind “chief”" in text and "“Nowhere Station”" in text
    assert "“maybe” on 2031-06-03" in text
    assert "Line 2" not in text
    assert _attendee_count(app) == 0


def test_import_wrong_columns_and_fake_xlsx(app, world, coordinator_client):
    meeting_id = _workshop(app, world)
    response = _upload(coordinator_client, meeting_id, _csv([["Full name", "2031-07-01"], ["A", "B"]]))
    assert response.status_code == 422
    assert "The columns do not match the template for this meeting." in response.text
    assert "Missing: Name, Kind." in response.text
    assert "unexpected columns: 2031-07-01" in response.text  # a day the meeting does not have
    response = _upload(coordinator_client, meeting_id, b"%PDF-1.4 not a workbook", "register.xlsx")
    assert response.status_code == 422
    assert "not a valid Excel (.xlsx) workbook" in response.text
    assert _attendee_count(app) == 0


def test_import_ambiguous_match_needs_a_choice(app, world, make_person, coordinator_client):
    first = make_person("officer", world.station_a, name="John Mwangi", rank="Constable")
    make_person("officer", world.station_a, name="John Mwangi", rank="Sergeant")
    meeting_id = _workshop(app, world)
    data = _csv([HEADER, ["John Mwangi", "officer", "Alpha Police Station", "", "", "present", ""]])
    response = _upload(coordinator_client, meeting_id, data)
    assert "Several people match" in response.text
    payload = _payload(response.text)
    url = f"/meetings/{meeting_id}/register/import"
    response = coordinator_client.post(url, data={"step": "confirm", "payload": payload})
    assert response.status_code == 422
    assert "choose which “John Mwangi” this is" in response.text
    assert _attendee_count(app) == 0
    response = coordinator_client.post(
        url, data={"step": "confirm", "payload": payload, "match-2": str(first.id)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Attendee.person_id)).all() == [first.id]


def test_import_template_has_the_expected_columns(app, world, coordinator_client):
    meeting_id = _workshop(app, world)
    response = coordinator_client.get(f"/meetings/{meeting_id}/register-template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER


def test_tampered_payload_is_refused(app, world, coordinator_client):
    meeting_id = _workshop(app, world)
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/register/import", data={"step": "confirm", "payload": "forged"}
    )
    assert response.status_code == 422
    assert _attendee_count(app) == 0

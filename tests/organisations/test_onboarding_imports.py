"""Spreadsheet onboarding: templates, preview, all-or-none, matching by reference, audit."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

ORG_HEADER = "reference,kind,name,command,country,region,city,timezone,target_visit_days\n"
ORGS = (
    ORG_HEADER
    + "CMD-1,police_command,Lamu County Command,,KE,Coast,Lamu,,\n"
    + "ST-1,police_station,Lamu Police Station,CMD-1,KE,Coast,Lamu,,60\n"
    + "ST-2,police_post,Mpeketoni Police Post,Lamu County Command,KE,Coast,Mpeketoni,,\n"
    + "NGO-1,ngo,Lamu Outreach,,KE,Coast,Lamu,,\n"
)


def _upload(client, kind: str, text: str, filename: str = "file.csv", data: bytes | None = None):
    body = data if data is not None else text.encode()
    return client.post(
        "/admin/imports",
        data={"kind": kind, "file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


def _confirm_fields(html: str) -> dict:
    fields = dict(
        re.findall(r'name="(kind|token|fingerprint)" type="hidden" value="([^"]*)"', html)
    )
    assert set(fields) == {"kind", "token", "fingerprint"}, "no confirmation form on the page"
    return fields


def _import(client, kind: str, text: str):
    preview = _upload(client, kind, text)
    assert preview.status_code == 200, preview.data.decode()[:3000]
    return client.post("/admin/imports/confirm", data=_confirm_fields(preview.data.decode()))


def test_templates_have_language_independent_keys_and_a_help_sheet(admin_client):
    csv_text = admin_client.get("/admin/imports/template/people.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == (
        "reference,kind,name,organisation,posted_since,rank,unit,position,phone,email"
    )
    xlsx = admin_client.get("/admin/imports/template/organisations.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert book.sheetnames[1] == "Help"
    first_row = next(book.worksheets[0].iter_rows(values_only=True))
    assert first_row[:4] == ("reference", "kind", "name", "command")
    assert admin_client.get("/admin/imports/template/users.csv").status_code == 200


@pytest.mark.parametrize("role", ["trainer", "officer", "viewer"])
def test_only_ngo_editors_may_import(login_as, role):
    client = login_as(role)
    assert client.get("/admin/imports").status_code == 403
    assert _upload(client, "organisations", ORGS).status_code == 403
    assert client.get("/admin/imports/template/people.csv").status_code == 403


def test_coordinators_import_organisations_but_not_accounts(coordinator_client):
    page = coordinator_client.get("/admin/imports").data.decode()
    assert 'value="organisations"' in page and 'value="users"' not in page
    assert _upload(coordinator_client, "users", "email,name,role,organisation\n").status_code == 403
    assert coordinator_client.get("/admin/imports/template/users.csv").status_code == 403


def test_organisations_preview_writes_nothing_then_confirm_creates_the_hierarchy(
    app, db, world, coordinator_client
):
    from partnership.audit import AuditEntry
    from partnership.organisations.models import Organisation

    with app.app_context():
        before = db.session.scalar(select(func.count(Organisation.id)))
    preview = _upload(coordinator_client, "organisations", ORGS)
    html = preview.data.decode()
    assert preview.status_code == 200, html
    assert re.search(r"<strong>4</strong> to create", html)
    assert "Lamu Police Station" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == before

    done = coordinator_client.post("/admin/imports/confirm", data=_confirm_fields(html))
    assert done.status_code == 302
    with app.app_context():
        by_ref = {o.reference: o for o in db.session.scalars(select(Organisation).where(
            Organisation.reference.is_not(None)))}  # fmt: skip
        assert set(by_ref) == {"CMD-1", "ST-1", "ST-2", "NGO-1"}
        assert by_ref["ST-1"].command_id == by_ref["CMD-1"].id
        assert by_ref["ST-2"].command_id == by_ref["CMD-1"].id
        assert by_ref["ST-1"].target_visit_days == 60
        created = db.session.scalars(
            select(AuditEntry.entity_label).where(
                AuditEntry.entity_type == "Organisation", AuditEntry.action == "create",
                AuditEntry.actor == "coordinator@test.example",
            )
        ).all()  # fmt: skip
        assert sorted(created) == sorted(o.name for o in by_ref.values())
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "import")) == 1  # fmt: skip
    # The confirmation cannot be replayed.
    again = coordinator_client.post("/admin/imports/confirm", data=_confirm_fields(html))
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == before + 4


def test_a_known_reference_updates_and_the_preview_says_so(app, db, world, coordinator_client):
    from partnership.organisations.models import Organisation

    _import(coordinator_client, "organisations", ORGS)
    changed = ORGS.replace("Lamu Outreach,,KE,Coast,Lamu", "Lamu Outreach Trust,,KE,Coast,Lamu")
    preview = _upload(coordinator_client, "organisations", changed).data.decode()
    assert re.search(r"<strong>0</strong> to create", preview)
    assert re.search(r"<strong>1</strong> to update", preview)
    assert re.search(r"<strong>3</strong> unchanged", preview)
    assert coordinator_client.post("/admin/imports/confirm",
                                   data=_confirm_fields(preview)).status_code == 302  # fmt: skip
    with app.app_context():
        names = db.session.scalars(select(Organisation.name).where(
            Organisation.reference == "NGO-1")).all()  # fmt: skip
        assert names == ["Lamu Outreach Trust"]


def test_errors_name_the_files_own_lines_and_nothing_is_written(app, db, world, coordinator_client):
    from partnership.organisations.models import Organisation

    text = (
        ORG_HEADER
        + "\n"  # a blank line 2: the next rows are lines 3 to 6
        + "CMD-9,police_command,Kilifi Command,,KE,Coast,Kilifi,,\n"
        + "ST-9,police_station,Malindi Police Station,,KE,Coast,Malindi,,\n"
        + "CMD-9,ngo,Twice,,KE,Coast,Kilifi,,\n"
        + "ST-10,barracks,Watamu,CMD-9,KE,Coast,Watamu,Mars/Olympus,3\n"
        + ",ngo,No Reference,,KE,,Kilifi,,\n"
    )
    response = _upload(coordinator_client, "organisations", text)
    html = response.data.decode()
    assert response.status_code == 422
    assert "Line 4: a police station or post needs its command" in html
    assert "Line 5: the reference is also on line 3" in html
    assert re.search(r"Line 6: unknown kind.*unknown time zone.*target_visit_days", html)
    assert "Line 7: the reference is missing" in html
    assert "Line 3" not in html
    assert "Import these rows" not in html
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Organisation.id)).where(Organisation.name.like("%Kilifi%"))
            )
            == 0
        )


def test_an_existing_name_without_the_reference_is_refused_not_guessed(world, coordinator_client):
    text = ORG_HEADER + "X-1,police_station,Alpha Police Station,Coast Command,KE,,Mombasa,,\n"
    html = _upload(coordinator_client, "organisations", text).data.decode()
    assert "already exists in this city" in html


PEOPLE_HEADER = "reference,kind,name,organisation,posted_since,rank,unit,position,phone,email\n"


def test_people_officers_get_their_posting_and_a_later_file_records_transfers(
    app, db, world, coordinator_client
):
    from partnership.audit import AuditEntry
    from partnership.organisations.models import Person, Posting

    _import(coordinator_client, "organisations", ORGS)
    first = date.today() - timedelta(days=400)
    text = (
        PEOPLE_HEADER
        + f"PN-1,officer,Joseph Mwangi,ST-1,{first.isoformat()},Corporal,Crime,,,\n"
        + f"PN-2,officer,Ali Hassan,Alpha Police Station,{first.isoformat()},Constable,,,,\n"
        + "S-1,ngo_staff,Amina Otieno,NGO-1,,,,Outreach worker,+254700000000,amina@example.org\n"
        + "CR-1,community_rep,M.K.,,,,,,,\n"
    )
    assert _import(coordinator_client, "people", text).status_code == 302
    with app.app_context():
        officer = db.session.scalar(select(Person).where(Person.reference == "PN-1"))
        assert officer.organisation.reference == "ST-1"
        assert [(p.station.reference, p.start_date, p.end_date) for p in officer.postings] == [
            ("ST-1", first, None)
        ]
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.entity_type == "Person", AuditEntry.action == "create")) == 4  # fmt: skip
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.entity_type == "Posting", AuditEntry.action == "create")) == 2  # fmt: skip

    moved = date.today() - timedelta(days=10)
    transfer = PEOPLE_HEADER + f"PN-1,officer,Joseph Mwangi,ST-2,{moved.isoformat()},Sergeant,,,,\n"
    preview = _upload(coordinator_client, "people", transfer).data.decode()
    assert re.search(r"<strong>1</strong> to update", preview)
    assert "rank, organisation" in preview
    assert coordinator_client.post("/admin/imports/confirm",
                                   data=_confirm_fields(preview)).status_code == 302  # fmt: skip
    with app.app_context():
        officer = db.session.scalar(select(Person).where(Person.reference == "PN-1"))
        postings = db.session.scalars(
            select(Posting).where(Posting.person_id == officer.id).order_by(Posting.start_date)
        ).all()
        assert [(p.station.reference, p.end_date) for p in postings] == [
            ("ST-1", moved),
            ("ST-2", None),
        ]
        assert officer.rank == "Sergeant"
        assert officer.unit == "Crime"  # an empty cell leaves the stored value


def test_people_rows_are_checked_against_their_kind(world, coordinator_client):
    text = (
        PEOPLE_HEADER
        + "PN-1,officer,No Station,,,,,,,\n"
        + "PN-2,officer,At An NGO,Harbour Harm Reduction,2024-01-01,,,,,\n"
        + "CR-1,community_rep,Someone With A Very Long Full Name That Identifies Them,,,,,,+2547,\n"
        + f"PN-3,officer,Future,Alpha Police Station,{(date.today() + timedelta(days=3))},,,,,\n"
        + "PN-4,officer,Nowhere,Atlantis Station,2024-01-01,,,,,\n"
    )
    html = _upload(coordinator_client, "people", text).data.decode()
    assert "Line 2: an officer needs a station" in html
    assert "Line 3: an officer&#39;s station must be a police unit" in html
    assert "Line 4: use a chosen name or initials only" in html
    assert "no contact details" in html
    assert "Line 5: posted_since cannot be in the future" in html
    assert "Line 6: unknown organisation “Atlantis Station”" in html


def test_user_accounts_are_created_without_a_usable_password_and_matched_by_email(
    app, db, world, admin_client
):
    from partnership.accounts.models import User
    from partnership.accounts.services import verify_password

    text = (
        "email,name,role,organisation,timezone\n"
        "New.Coordinator@Example.org,Grace Wanjiru,coordinator,Harbour Harm Reduction,\n"
        "officer@test.example,Renamed Officer,officer,Alpha Police Station,\n"
    )
    preview = _upload(admin_client, "users", text).data.decode()
    assert re.search(r"<strong>1</strong> to create", preview)
    assert re.search(r"<strong>1</strong> to update", preview)
    assert "Forgot your password?" in preview
    assert admin_client.post("/admin/imports/confirm",
                             data=_confirm_fields(preview)).status_code == 302  # fmt: skip
    with app.app_context():
        new = db.session.scalar(select(User).where(User.email == "new.coordinator@example.org"))
        assert new.role.value == "coordinator"
        assert not verify_password(new, "")
        assert not verify_password(new, "!unset")
        assert db.session.get(User, world.users["officer"].id).name == "Renamed Officer"


def test_user_rows_follow_the_account_rules(world, admin_client):
    text = (
        "email,name,role,organisation\n"
        "a@x.example,A,officer,Harbour Harm Reduction\n"
        "b@x.example,B,coordinator,Alpha Police Station\n"
        "not-an-email,C,viewer,Harbour Harm Reduction\n"
        "admin@test.example,Me,viewer,Harbour Harm Reduction\n"
        "d@x.example,D,superuser,Harbour Harm Reduction\n"
    )
    html = _upload(admin_client, "users", text).data.decode()
    assert "Line 2: an officer account belongs to a police station or command" in html
    assert "Line 3: accounts of police units have the officer role" in html
    assert "Line 4: “not-an-email” is not an email address" in html
    assert "Line 5: you cannot change your own role or organisation" in html
    assert "Line 6: unknown role" in html


def test_a_change_since_the_preview_is_shown_again_instead_of_imported(
    app, db, world, coordinator_client
):
    from partnership.organisations.models import Organisation

    _import(coordinator_client, "organisations", ORGS)
    changed = ORGS.replace("Lamu Outreach,", "Lamu Outreach Trust,")
    preview = _upload(coordinator_client, "organisations", changed).data.decode()
    with app.app_context():  # someone renames it on the page meanwhile
        org = db.session.scalar(select(Organisation).where(Organisation.reference == "NGO-1"))
        org.name = "Lamu Outreach Trust"
        db.session.commit()
    response = coordinator_client.post("/admin/imports/confirm", data=_confirm_fields(preview))
    assert response.status_code == 409
    assert "changed since the preview" in response.data.decode()
    assert re.search(r"<strong>0</strong> to update", response.data.decode())


def test_excel_files_report_their_own_rows(world, coordinator_client):
    book = Workbook()
    sheet = book.active
    sheet.append(ORG_HEADER.strip().split(","))
    sheet.append([])
    sheet.append(["ST-7", "police_station", "Orphan Station", "", "KE", "", "Lamu"])
    buffer = io.BytesIO()
    book.save(buffer)
    html = _upload(coordinator_client, "organisations", "", "orgs.xlsx", buffer.getvalue())
    assert "Line 3: a police station or post needs its command" in html.data.decode()


def test_a_thousand_officers_take_a_fixed_number_of_queries(app, world, coordinator_client,
                                                           count_queries):  # fmt: skip
    from partnership.accounts.imports import IMPORT_KINDS
    from partnership.extensions import db as database

    def officers(n: int) -> bytes:
        rows = [f"PN-{i},officer,Officer {i},Alpha Police Station,2024-01-01,Constable,,,,"
                for i in range(n)]  # fmt: skip
        return (PEOPLE_HEADER + "\n".join(rows) + "\n").encode()

    counts = []
    for n in (100, 1000):
        with app.test_request_context(method="POST"), count_queries() as counter:
            outcome = IMPORT_KINDS["people"].run("people.csv", officers(n), None)
            database.session.rollback()
        assert outcome.ok and outcome.count("create") == n
        counts.append(counter.count)
    # Inserts are batched, so ten times the rows costs at most a few more batches.
    assert counts[1] <= counts[0] + 10, counts

"""CSV and Excel exports of organisations and people: content, scope, formula injection."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_organisation_csv_export(coordinator_client, world):
    response = coordinator_client.get("/organisations/export.csv?kind=police_station")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="organisations.csv"'
    rows = read_csv(response.data)
    assert rows[0][:3] == ["ID", "Name", "Kind"]
    names = sorted(r[1] for r in rows[1:])
    assert names == ["Alpha Police Station", "Bravo Police Station", "Charlie Police Station"]
    alpha = next(r for r in rows if r[1] == "Alpha Police Station")
    assert alpha[6] == "Coast Command"
    assert alpha[3] == "Kenya"


def test_people_xlsx_export(coordinator_client, world, make_person):
    make_person("officer", world.station_a, name="Inspector Mary Achieng", rank="Inspector")
    response = coordinator_client.get("/people/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "Name", "Kind")
    assert rows[1][1] == "Inspector Mary Achieng"
    assert rows[1][3] == "Alpha Police Station"
    assert sheet.freeze_panes == "A2"


def test_formula_injection_is_neutralised(coordinator_client, world, make_org):
    make_org("ngo", '=HYPERLINK("http://evil.example","x")')
    make_org("ngo", "+1+2", city="Kilifi")
    make_org("ngo", "@SUM(A1)", city="Malindi")
    make_org("ngo", "-3+cmd", city="Lamu")
    rows = read_csv(coordinator_client.get("/organisations/export.csv?kind=ngo").data)
    names = {r[1] for r in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert {"'+1+2", "'@SUM(A1)", "'-3+cmd"} <= names

    workbook = load_workbook(
        io.BytesIO(coordinator_client.get("/organisations/export.xlsx?kind=ngo").data)
    )
    cells = [c for row in workbook.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # no cell is a formula
    # String cells with Excel's quote prefix: no visible apostrophe, still text when edited.
    risky = [
        c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))
    ]
    assert {c.value for c in risky} >= {'=HYPERLINK("http://evil.example","x")', "+1+2",
                                        "@SUM(A1)", "-3+cmd"}  # fmt: skip
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_officer_export_contains_only_their_station(officer_client, world, make_person):
    make_person("officer", world.station_a, name="Own Station Officer")
    make_person("officer", world.station_c, name="Other Station Officer")
    orgs = read_csv(officer_client.get("/organisations/export.csv").data)
    assert [r[1] for r in orgs[1:]] == ["Alpha Police Station"]
    people = read_csv(officer_client.get("/people/export.csv").data)
    assert [r[1] for r in people[1:]] == ["Own Station Officer"]


def test_export_follows_the_list_filters(coordinator_client, world):
    rows = read_csv(coordinator_client.get("/organisations/export.csv?q=bravo").data)
    assert [r[1] for r in rows[1:]] == ["Bravo Police Station"]


def test_unknown_export_format_is_not_found(coordinator_client, world):
    assert coordinator_client.get("/organisations/export.pdf").status_code == 404

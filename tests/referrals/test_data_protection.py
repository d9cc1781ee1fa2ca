"""Client codes and redemption records never reach officers, trainers or viewers: every
referral page and export is rendered as each role and searched for the fixtures' codes."""

from __future__ import annotations

import pytest

from partnership.spreadsheets import read_rows
from tests.referrals.conftest import CODES

FOLLOW_UP = "Return visit for test results"


def _urls(r, w) -> list[str]:
    s = r.scheme_id
    return [
        "/referrals/",
        f"/referrals/schemes/{s}",
        f"/referrals/schemes/{s}/measures.csv",
        f"/referrals/schemes/{s}/measures.xlsx",
        f"/referrals/schemes/{s}/edit",
        "/referrals/service-points",
        "/referrals/service-points/export.csv",
        f"/referrals/service-points/{r.point_id}/edit",
        "/referrals/slips",
        "/referrals/slips?state=redeemed",
        "/referrals/slips/export.csv",
        "/referrals/slips/export.xlsx",
        "/referrals/slips/new",
        "/referrals/slips/import",
        f"/referrals/redemptions/new?scheme={s}",
        "/referrals/redemptions",
        "/referrals/redemptions/export.csv",
        "/referrals/redemptions/export.xlsx",
        "/referrals/redemptions/import",
        "/referrals/feedback",
        f"/referrals/feedback?station={w.station_a.id}",
        "/admin/audit",
        "/",
    ]


def _text(response) -> str:
    if response.data[:2] == b"PK":
        headers, rows = read_rows("x.xlsx", response.data)
        return " ".join([*headers, *(" ".join(r) for r in rows)])
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_no_client_code_reaches_non_ngo_editors(login_as, world, redeemed, role):
    client = login_as(role)
    seen = 0
    for url in _urls(redeemed, world):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        text = _text(response)
        for code in CODES:
            assert code not in text, (role, url)
        assert FOLLOW_UP not in text, (role, url)
        seen += response.status_code == 200
    assert seen >= 5  # the sweep looked at real pages, not only refusals


def test_ngo_editors_do_see_codes(login_as, world, redeemed):
    client = login_as("coordinator")
    assert CODES[0] in client.get("/referrals/redemptions").get_data(as_text=True)
    assert CODES[1] in _text(client.get("/referrals/redemptions/export.xlsx"))


def test_officer_sees_nothing_of_another_command_station(officer_client, world, redeemed):
    html = officer_client.get(f"/referrals/schemes/{redeemed.scheme_id}").get_data(as_text=True)
    assert "Charlie Police Station" not in html.split("Measures")[1]
    assert (
        officer_client.get(f"/referrals/feedback?station={world.station_c.id}").status_code == 404
    )
    assert "00050" not in officer_client.get("/referrals/slips/export.csv").get_data(as_text=True)


def test_officer_export_has_no_redemption_columns(officer_client, redeemed):
    text = officer_client.get("/referrals/slips/export.csv").get_data(as_text=True)
    assert "Redeemed on" not in text and "Service point" not in text


def test_client_code_search_is_a_post_and_never_read_from_the_address(login_as, world, redeemed):
    client = login_as("coordinator")
    # Searched through the form's body: only that client's visits.
    html = client.post("/referrals/redemptions", data={"code": CODES[0]}).get_data(as_text=True)
    assert CODES[0] in html
    assert CODES[1] not in html
    # A code in the address is ignored (not a filter), so nobody is led to put one there.
    html = client.get(f"/referrals/redemptions?code={CODES[0]}").get_data(as_text=True)
    assert CODES[1] in html
    form = client.get("/referrals/redemptions").get_data(as_text=True)
    assert 'method="post"' in form.split('name="code"')[0].rsplit("<form", 1)[1]


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_client_code_search_is_refused_to_others(login_as, world, redeemed, role):
    response = login_as(role).post("/referrals/redemptions", data={"code": CODES[0]})
    assert response.status_code == 403
    assert CODES[0] not in response.get_data(as_text=True)

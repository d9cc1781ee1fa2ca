"""Measures against values worked out by hand, including an empty month and suppression."""

from __future__ import annotations

from datetime import date

import pytest

from partnership.accounts.models import User
from partnership.disclosure import Figure, figure
from partnership.extensions import db
from partnership.referrals.measures import median_of, rate_text, scheme_measures
from partnership.referrals.models import Route, Scheme, ServiceType
from tests.referrals.conftest import add_redemption, add_slips

TODAY = date(2025, 6, 15)


@pytest.fixture()
def history(app, world, referrals):  # noqa: ANN001, ANN201
    """Station A: three slips in March (two redeemed after 2 and 10 days, same client), none in
    April, one in May (redeemed after 4 days). Station B: one in June, not redeemed. A walk-in."""
    s, p = referrals.scheme_id, referrals.point_id
    a = world.station_a.id
    (m1,) = add_slips(
        app, s, a, 1, start=1, issued_on=date(2025, 3, 3), route=Route.ARREST_DIVERSION
    )
    (m2,) = add_slips(app, s, a, 1, start=2, issued_on=date(2025, 3, 10))
    add_slips(app, s, a, 1, start=3, issued_on=date(2025, 3, 12))
    (may,) = add_slips(app, s, a, 1, start=4, issued_on=date(2025, 5, 2))
    add_slips(
        app, s, world.station_b.id, 1, start=5, issued_on=date(2025, 6, 1), route=Route.CUSTODY
    )
    add_redemption(
        app, s, p, m1, "MAJO1990M", date(2025, 3, 5), (ServiceType.NSP, ServiceType.HIV_TESTING)
    )
    add_redemption(app, s, p, m2, "MAJO1990M", date(2025, 3, 20))
    add_redemption(app, s, p, may, "FAAL1985F", date(2025, 5, 6))
    add_redemption(app, s, p, None, "ZAPE2000X", date(2025, 6, 10))
    return referrals


def _measures(app, world, role, referrals, **kwargs):
    with app.test_request_context():
        user = db.session.get(User, world.users[role].id)
        scheme = db.session.get(Scheme, referrals.scheme_id)
        return scheme_measures(scheme, user, months=4, today=TODAY, **kwargs)


def test_totals_by_hand(app, world, history):
    m = _measures(app, world, "coordinator", history)
    assert (m.total.issued, m.total.redeemed, m.total.walk_ins) == (5, 3, 1)
    assert m.total.median_days == 4  # days 2, 4, 10
    assert (m.clients, m.returning_clients) == (3, 1)
    assert dict(m.services) == {ServiceType.NSP: 4, ServiceType.HIV_TESTING: 1}
    assert {line.key: (line.issued, line.redeemed) for line in m.by_route} == {
        Route.ARREST_DIVERSION: (1, 1),
        Route.SOCIAL_CONTACT: (3, 2),
        Route.CUSTODY: (1, 0),
    }


def test_months_include_the_empty_one(app, world, history):
    m = _measures(app, world, "coordinator", history)
    months = [(line.label, line.issued, line.redeemed, line.median_days) for line in m.by_month]
    assert months == [
        ("2025-03", 3, 2, 6),  # days 2 and 10
        ("2025-04", 0, 0, None),
        ("2025-05", 1, 1, 4),
        ("2025-06", 1, 0, None),
    ]


def test_by_station_and_service_point(app, world, history):
    m = _measures(app, world, "coordinator", history)
    assert [
        (line.label, line.issued, line.redeemed, line.median_days) for line in m.by_station
    ] == [
        ("Alpha Police Station", 4, 3, 4),
        ("Bravo Police Station", 1, 0, None),
    ]
    assert [(line.label, line.redeemed, line.walk_ins) for line in m.by_service_point] == [
        ("Harbour drop-in", 3, 1)
    ]


def test_officer_measures_cover_only_their_station(app, world, history):
    m = _measures(app, world, "officer", history, suppress=False)
    assert (m.total.issued, m.total.redeemed, m.total.walk_ins) == (4, 3, 0)
    assert [line.label for line in m.by_station] == ["Alpha Police Station"]
    shown = _measures(app, world, "officer", history)  # as the officer sees them
    with app.test_request_context():
        assert [str(shown.total.issued), str(shown.total.redeemed)] == ["<5", "<5"]
    assert shown.total.median_days is None  # three visits are not described one by one


def test_suppression_rules(app):
    with app.test_request_context():
        assert str(figure(0, True)) == "0"
        assert [str(figure(n, True)) for n in (1, 4)] == ["<5", "<5"]
        assert str(figure(5, True)) == "5"
        assert str(figure(3, False)) == "3"
        assert rate_text(figure(3, True), figure(10, True)) == "—"
        assert rate_text(figure(5, True), figure(10, True)) == "50%"
        assert rate_text(figure(3, False), figure(4, False)) == "75%"
        assert rate_text(figure(5, True), Figure(None)) == "—"  # a withheld whole
    assert median_of({2: 1, 10: 1}) == 6
    assert median_of({1: 3, 9: 1}) == 1
    assert median_of({}) is None


def test_officer_and_viewer_pages_show_suppressed_counts(app, officer_client, viewer_client,
                                                          coordinator_client, world, history):  # fmt: skip
    url = f"/referrals/schemes/{history.scheme_id}"
    officer = officer_client.get(url).get_data(as_text=True)
    assert "&lt;5</strong> slips issued" in officer  # 4 slips at station A
    assert "&lt;5</strong> slips redeemed" in officer
    viewer = viewer_client.get(url).get_data(as_text=True)
    assert "5</strong> slips issued" in viewer and "&lt;5</strong> slips redeemed" in viewer
    assert "—</strong> redemption rate" in viewer
    coordinator = coordinator_client.get(url).get_data(as_text=True)
    assert (
        "3</strong> slips redeemed" in coordinator and "60%</strong> redemption rate" in coordinator
    )


def test_officer_feedback_counts(app, officer_client, world, referrals):
    s, p = referrals.scheme_id, referrals.point_id
    ids = add_slips(app, s, world.station_a.id, 8, start=1)
    for i, slip_id in enumerate(ids[:6]):
        add_redemption(app, s, p, slip_id, f"MAJO19{80 + i}M")
    add_slips(app, s, world.station_c.id, 30, start=100)  # another command's station
    html = officer_client.get("/referrals/feedback").get_data(as_text=True)
    assert "6 of 8 slips reached services." in html
    assert "Needle and syringe programme: 6" in html
    assert "MAJO19" not in html


def test_a_single_small_row_cannot_be_worked_out_from_the_total(app, world, referrals):
    """Station A issued 12 slips and station C 3: the viewer sees a total of 15, so C's "<5"
    would be 15 − 12; A's count is withheld too (complementary suppression)."""
    s = referrals.scheme_id
    add_slips(app, s, world.station_a.id, 12, start=1, issued_on=date(2025, 6, 1))
    add_slips(app, s, world.station_c.id, 3, start=100, issued_on=date(2025, 6, 2))
    m = _measures(app, world, "viewer", referrals)
    with app.test_request_context():
        issued = {line.label: str(line.issued) for line in m.by_station}
        assert issued == {"Alpha Police Station": "—", "Charlie Police Station": "<5"}
        assert str(m.total.issued) == "15"
        # The figure handed on does not carry the true count: nothing downstream can show it.
        assert all(line.issued.value is None for line in m.by_station)
        coordinator = _measures(app, world, "coordinator", referrals)
        assert [str(line.issued) for line in coordinator.by_station] == ["12", "3"]
    # Two small rows hide each other: nothing more is withheld.
    add_slips(app, s, world.station_b.id, 2, start=200, issued_on=date(2025, 6, 3))
    m = _measures(app, world, "viewer", referrals)
    assert [line.issued.small for line in m.by_station] == [False, True, True]
    assert m.by_station[0].issued == 12


def test_viewer_page_withholds_the_complementary_row(
    viewer_client, coordinator_client, app, world, referrals
):
    s = referrals.scheme_id
    add_slips(app, s, world.station_a.id, 12, start=1, issued_on=date.today())
    add_slips(app, s, world.station_c.id, 3, start=100, issued_on=date.today())
    url = f"/referrals/schemes/{s}/measures.csv"
    viewer = viewer_client.get(url).get_data(as_text=True)
    alpha = next(line for line in viewer.splitlines() if "Alpha Police Station" in line)
    assert ",12," not in alpha and "—" in alpha
    coordinator = coordinator_client.get(url).get_data(as_text=True)
    assert ",12," in next(
        line for line in coordinator.splitlines() if "Alpha Police Station" in line
    )


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_no_breakdown_gives_a_withheld_count_away(app, world, referrals, role):
    """Every breakdown of the measures (station, service point, month, route) is shown next
    to the scheme's totals: an attacker subtracting the shown rows from a shown total recovers
    no withheld row, for slips issued, redeemed and walk-ins alike."""
    from partnership import disclosure

    s, p = referrals.scheme_id, referrals.point_id
    a = add_slips(app, s, world.station_a.id, 12, start=1, issued_on=date(2025, 5, 2))
    add_slips(app, s, world.station_a.id, 3, start=50, issued_on=date(2025, 6, 2),
              route=Route.CUSTODY)  # fmt: skip
    add_slips(app, s, world.station_c.id, 3, start=100, issued_on=date(2025, 6, 3))
    add_slips(app, s, world.station_b.id, 9, start=200, issued_on=date(2025, 4, 3))
    for i, slip_id in enumerate(a[:8]):
        add_redemption(app, s, p, slip_id, f"MAJO19{80 + i}M", date(2025, 5, 10))
    add_redemption(app, s, p, None, "ZAPE2000X", date(2025, 6, 10), station_id=world.station_a.id)
    m = _measures(app, world, role, referrals)
    shown_counts = [  # what each breakdown shows (walk-ins have no station, month or route)
        (m.by_station, ("issued", "redeemed")),
        (m.by_service_point, ("redeemed", "walk_ins")),
        (m.by_month, ("issued", "redeemed")),
        (m.by_route, ("issued", "redeemed")),
    ]
    withheld = [
        getattr(x, a).withheld for lines, attrs in shown_counts for x in lines for a in attrs
    ]
    assert any(withheld)  # the case is exercised
    for lines, attrs in shown_counts:
        for attr in attrs:
            shown = {i: getattr(line, attr).value for i, line in enumerate(lines)}
            shown["total"] = getattr(m.total, attr).value
            recovered = disclosure.recoverable([(list(range(len(lines))), "total")], shown)
            assert not {k for k in recovered if shown[k] is None}, (attr, lines)

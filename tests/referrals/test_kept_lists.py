"""The referral lists at programme scale: the search by slip number matches the beginning of a
number in any case, and the lists kept rendered until a write (partnership.caching) equal the
lists computed afresh, before and right after a write, for each viewer's scope, with nothing of
one session (a CSRF token, a submission key) or a client code kept where it must not be."""

from __future__ import annotations

import pickle
import re
from datetime import date, timedelta

from partnership.caching import cache
from partnership.extensions import db
from partnership.referrals.models import Route, ServicePoint, Slip
from tests.conftest import csrf_token_from, fresh_page_html, page_html
from tests.referrals.conftest import CODES, add_redemption, add_slips


def _kept_fragments(app) -> list[str]:  # noqa: ANN001
    """Every rendered fragment in the cache."""
    with app.app_context():
        store = cache.cache
        found = []
        for key, (_expires, value) in list(store._cache.items()):
            if "figure:html:" in key:
                kept = pickle.loads(value)[1]  # noqa: S301 - our own cache entries
                found.append(kept[0])  # the HTML, beside the request marks it carries
        return found


def _numbers(html: str) -> list[str]:
    return re.findall(r'data-label="Number">([^<]+)</td>', html)


def _add_numbered(app, scheme_id: int, station_id: int, numbers: list[str]) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.add_all(
            Slip(
                scheme_id=scheme_id,
                number=number,
                station_id=station_id,
                issued_on=date.today() - timedelta(days=i + 1),
                route=Route.SOCIAL_CONTACT,
            )
            for i, number in enumerate(numbers)
        )
        db.session.commit()
        db.session.remove()


# ---- the search by number ----------------------------------------------------------------------


def test_search_by_number_finds_numbers_that_begin_with_what_was_typed(
    app, world, referrals, coordinator_client
):
    _add_numbered(app, referrals.scheme_id, world.station_a.id,
                  ["R01-00012", "R01-00013", "R01-00120", "R02-00012", "XR01-00012", "R01_00012"])  # fmt: skip

    def found(typed: str) -> list[str]:
        response = coordinator_client.get("/referrals/slips", query_string={"number": typed})
        assert response.status_code == 200
        return sorted(_numbers(response.get_data(as_text=True)))

    assert found("R01-00012") == ["R01-00012"]
    # In small letters and with spaces, as people type them.
    assert found(" r01-0001 ") == ["R01-00012", "R01-00013"]
    assert found("r01-00") == ["R01-00012", "R01-00013", "R01-00120"]
    # The middle or the end of a number finds nothing, nor does a pattern character.
    assert found("00012") == []
    assert found("R01%") == []
    assert found("R01_") == ["R01_00012"]
    page = coordinator_client.get("/referrals/slips").get_data(as_text=True)
    assert "Finds the numbers that begin with what you type" in page


def test_an_officer_finds_by_number_only_slips_of_their_station(
    app, world, referrals, officer_client
):
    _add_numbered(app, referrals.scheme_id, world.station_a.id, ["A-00001"])
    _add_numbered(app, referrals.scheme_id, world.station_c.id, ["A-00002"])
    html = officer_client.get("/referrals/slips?number=a-0000").get_data(as_text=True)
    assert _numbers(html) == ["A-00001"]


# ---- the slips list kept ---------------------------------------------------------------------


def test_a_kept_slips_list_equals_a_fresh_one_and_shows_a_new_slip_at_once(
    app, world, redeemed, coordinator_client, live_cache
):
    path = "/referrals/slips"
    first = page_html(coordinator_client, path)
    assert page_html(coordinator_client, path) == first == fresh_page_html(app, coordinator_client, path)
    response = coordinator_client.post(
        "/referrals/slips/new",
        data={
            "scheme_id": redeemed.scheme_id,
            "number": "00777",
            "station_id": world.station_b.id,
            "issued_on": date.today().isoformat(),
            "route": "social_contact",
        },  # fmt: skip
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = page_html(coordinator_client, path)
    assert "00777" in after and "00777" not in first
    assert page_html(coordinator_client, path) == fresh_page_html(app, coordinator_client, path)
    # A visit recorded for a slip shows as redeemed on the next load, in place of the link.
    slip_id = _slip_id(app, "00002")
    assert 'slip=00002"' in after
    add_redemption(app, redeemed.scheme_id, redeemed.point_id, slip_id, "KEPT1990F")
    assert 'slip=00002"' not in page_html(coordinator_client, path)


def _slip_id(app, number: str) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(db.select(Slip.id).where(Slip.number == number))


def test_kept_slips_lists_follow_each_viewers_stations_and_show_officers_no_visits(
    app, world, redeemed, make_user, login_as, coordinator_client, officer_client, live_cache
):
    command_officer = make_user("officer", world.command, email="command@test.example")
    from tests.conftest import login

    command_client = app.test_client()
    assert login(command_client, command_officer.email).status_code == 302
    # The coordinator's list is kept first; the officers must not receive it.
    coordinator = page_html(coordinator_client, "/referrals/slips")
    assert {"00001", "00002", "00050"} <= set(_numbers(coordinator))
    assert "Record a visit" in coordinator
    for client in (officer_client, command_client):
        html = page_html(client, "/referrals/slips")
        assert sorted(_numbers(html)) == ["00001", "00002"]  # station A (of the Coast Command)
        assert "Record a visit" not in html and "Redeemed" not in html
        assert not any(code in html for code in CODES)
        assert html == fresh_page_html(app, client, "/referrals/slips")
    # Filters are part of what is kept: another address is another list.
    filtered = page_html(coordinator_client, f"/referrals/slips?station={world.station_c.id}")
    assert _numbers(filtered) == ["00050"]
    redeemed_only = page_html(coordinator_client, "/referrals/slips?state=redeemed")
    assert sorted(_numbers(redeemed_only)) == ["00001", "00050"]
    open_only = page_html(coordinator_client, "/referrals/slips?state=open")
    assert _numbers(open_only) == ["00002"]


def test_no_kept_fragment_holds_a_token_of_a_session(
    app, world, redeemed, coordinator_client, officer_client, live_cache
):
    for path in ("/referrals/slips", "/referrals/", "/referrals/service-points",
                 "/referrals/redemptions", "/referrals/slips?page=2"):  # fmt: skip
        assert coordinator_client.get(path).status_code == 200
    officer_client.get("/referrals/slips")
    fragments = _kept_fragments(app)
    assert len(fragments) >= 6
    for html in fragments:
        assert "csrf_token" not in html and "submission_key" not in html
        assert 'method="post"' not in html.lower()


# ---- the redemptions list kept -----------------------------------------------------------------


def test_a_kept_redemptions_list_equals_a_fresh_one_and_is_never_kept_offline(
    app, world, redeemed, coordinator_client, live_cache
):
    path = "/referrals/redemptions"
    first = coordinator_client.get(path)
    again = coordinator_client.get(path)
    # Client codes are shown: the page is never kept on the device, even when served kept.
    assert first.headers.get("X-Kept-Offline") == again.headers.get("X-Kept-Offline") == "no"
    html = page_html(coordinator_client, path)
    assert all(code in html for code in CODES)
    assert html == fresh_page_html(app, coordinator_client, path)
    # The client-code search carries this session's token and is answered afresh.
    page = coordinator_client.get(path).get_data(as_text=True)
    found = coordinator_client.post(
        path, data={"code": CODES[1].lower(), "csrf_token": csrf_token_from(page)}
    ).get_data(as_text=True)
    assert CODES[1] in found and CODES[0] not in found and CODES[2] not in found
    assert all(code in page_html(coordinator_client, path) for code in CODES)
    # A visit recorded now shows on the next load.
    (slip_id,) = add_slips(app, redeemed.scheme_id, world.station_b.id, 1, start=300)
    add_redemption(app, redeemed.scheme_id, redeemed.point_id, slip_id, "NEWC1977M")
    after = page_html(coordinator_client, path)
    assert "NEWC1977M" in after and "00300" in after
    assert after == fresh_page_html(app, coordinator_client, path)


# ---- the service directory and the schemes kept ----------------------------------------------


def test_checked_today_from_a_kept_service_directory(
    app, world, referrals, coordinator_client, viewer_client, live_cache
):
    with app.app_context():
        point = db.session.get(ServicePoint, referrals.point_id)
        point.last_checked = date.today() - timedelta(days=400)
        db.session.commit()
    path = "/referrals/service-points"
    page = coordinator_client.get(path).get_data(as_text=True)
    assert "needs checking" in page
    page = coordinator_client.get(path).get_data(as_text=True)  # kept
    # The rows' buttons send the page's own form, which carries this session's token.
    form = re.search(r'<form id="point-checked" method="post"[^>]*>(.*?)</form>', page, re.S)
    assert form and "csrf_token" in form.group(1)
    action = re.search(r'form="point-checked" formaction="([^"]+)"', page).group(1)
    assert action == f"/referrals/service-points/{referrals.point_id}/checked"
    response = coordinator_client.post(action, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    after = page_html(coordinator_client, path)
    assert "was marked as checked today" in after and "needs checking" not in after
    assert page_html(coordinator_client, path) == fresh_page_html(app, coordinator_client, path)
    # A viewer sees the directory without the form or its buttons.
    viewer = viewer_client.get(path).get_data(as_text=True)
    assert "Harbour drop-in" in viewer and "point-checked" not in viewer


def test_kept_scheme_lists_follow_each_viewers_schemes(
    app, world, referrals, make_org, coordinator_client, officer_client, live_cache
):
    from partnership.referrals.models import Scheme, SchemeStatus

    with app.app_context():
        other = Scheme(
            name="Inland only scheme",
            status=SchemeStatus.ACTIVE,
            partners=[db.session.get(type(world.station_c), world.station_c.id)],
        )
        db.session.add(other)
        db.session.commit()
        db.session.remove()
    coordinator = page_html(coordinator_client, "/referrals/")
    assert "Coast referral scheme" in coordinator and "Inland only scheme" in coordinator
    officer = page_html(officer_client, "/referrals/")
    assert "Coast referral scheme" in officer and "Inland only scheme" not in officer
    assert officer == fresh_page_html(app, officer_client, "/referrals/")


# ---- the slip form's choices -------------------------------------------------------------------


def test_the_slip_form_lists_the_stations_and_keeps_the_one_chosen(
    app, world, referrals, make_org, coordinator_client, live_cache
):
    tricky = make_org("police_station", 'Delta "Harbour" & <Pier> Post', command=world.command)
    page = coordinator_client.get("/referrals/slips/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="station_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert f'<option value="{tricky.id}">Delta &#34;Harbour&#34; &amp; &lt;Pier&gt; Post</option>' in select
    assert '<option value="" selected>' in select and select.count(" selected") == 1
    # A refused slip shows the form again with the station chosen; nothing else is selected.
    response = coordinator_client.post(
        "/referrals/slips/new",
        data={"scheme_id": referrals.scheme_id, "number": "bad", "station_id": world.station_b.id,
              "issued_on": date.today().isoformat(), "route": "social_contact"},  # fmt: skip
    )
    assert response.status_code == 422
    again = response.get_data(as_text=True)
    select = re.search(r'<select[^>]*name="station_id"[^>]*>(.*?)</select>', again, re.S).group(1)
    assert f'<option value="{world.station_b.id}" selected>' in select
    assert select.count(" selected") == 1
    # A station added meanwhile is offered at once (the kept choices follow the organisations).
    added = make_org("police_station", "Echo Police Station", command=world.command)
    assert f'value="{added.id}"' in coordinator_client.get("/referrals/slips/new").get_data(
        as_text=True
    )


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>[^<]*</option>", select)


def _chosen(html: str, name: str) -> list[str]:
    """The values of the options marked selected in the select ``name``."""
    return [re.search(r'value="([^"]*)"', o).group(1) for o in _options(html, name) if " selected" in o]


def test_a_kept_slip_form_equals_a_fresh_one_for_each_viewer_and_follows_the_schemes(
    app, world, referrals, coordinator_client, officer_client, live_cache
):
    from partnership.organisations.models import Organisation
    from partnership.referrals.models import Scheme, SchemeStatus

    path = "/referrals/slips/new"
    coordinator = page_html(coordinator_client, path)
    assert page_html(coordinator_client, path) == coordinator == fresh_page_html(app, coordinator_client, path)
    assert len(_options(coordinator, "station_id")) == 4  # blank, Alpha, Bravo, Charlie
    assert f'value="{date.today().isoformat()}"' in coordinator
    # The officer is never given the coordinator's kept fields: their own station, chosen.
    officer = page_html(officer_client, path)
    assert _options(officer, "station_id")[1:] == [f'<option value="{world.station_a.id}" selected>Alpha Police Station</option>']
    assert officer == fresh_page_html(app, officer_client, path)
    # A scheme started now is offered on the next load; none is chosen for the user then.
    with app.app_context():
        db.session.add(Scheme(name="Lake referral scheme", status=SchemeStatus.ACTIVE,
                              partners=[db.session.get(Organisation, world.command.id)]))  # fmt: skip
        db.session.commit()
        db.session.remove()
    after = page_html(coordinator_client, path)
    assert "Lake referral scheme" in after and "Lake referral scheme" not in coordinator
    assert _chosen(after, "scheme_id") == [""]
    # The scheme chosen in the address ("record and issue another") is another kept form.
    chosen = page_html(coordinator_client, f"{path}?scheme={referrals.scheme_id}")
    assert _chosen(chosen, "scheme_id") == [str(referrals.scheme_id)]
    assert chosen == fresh_page_html(app, coordinator_client, f"{path}?scheme={referrals.scheme_id}")
    # The kept form posts with the token written for this load; no kept part holds one.
    page = coordinator_client.get(path).get_data(as_text=True)
    response = coordinator_client.post(path, data={
        "scheme_id": referrals.scheme_id, "number": "00901", "station_id": world.station_b.id,
        "issued_on": date.today().isoformat(), "route": "social_contact",
        "csrf_token": csrf_token_from(page)})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    fragments = _kept_fragments(app)
    assert any('name="station_id"' in html for html in fragments)
    for html in fragments:
        assert "csrf_token" not in html and 'method="post"' not in html.lower()
    # A refused slip is shown again with what was typed and the message by the field.
    refused = coordinator_client.post(path, data={
        "scheme_id": referrals.scheme_id, "number": "00901", "station_id": world.station_b.id,
        "issued_on": date.today().isoformat(), "route": "social_contact"})  # fmt: skip
    assert refused.status_code == 422
    again = refused.get_data(as_text=True)
    assert "was already issued in this scheme" in again and 'value="00901"' in again
    assert _chosen(again, "station_id") == [str(world.station_b.id)]


def test_filter_options_are_written_once_and_mark_only_the_chosen_value():
    from collections import namedtuple

    from partnership.forms import select_options

    Row = namedtuple("Row", "id name")
    stations = [Row(1, 'Delta "Harbour" & <Pier>'), Row(2, "Echo"), Row(12, "Foxtrot")]
    assert str(select_options(stations, 12)) == (
        '<option value="1">Delta &#34;Harbour&#34; &amp; &lt;Pier&gt;</option>'
        '<option value="2">Echo</option><option value="12" selected>Foxtrot</option>')  # fmt: skip
    # The next call marks its own choice only (the written options are shared, never changed).
    assert str(select_options(stations, 1)).count(" selected") == 1
    assert " selected" not in str(select_options(stations, None))
    assert " selected" not in str(select_options(stations, "12"))  # a value of another type
    countries = [("KE", "Kenya"), ("UG", "Uganda")]
    assert str(select_options(countries, "UG")) == (
        '<option value="KE">Kenya</option><option value="UG" selected>Uganda</option>')  # fmt: skip


def test_the_slips_lists_filters_follow_a_new_station_and_scheme_at_once(
    app, world, referrals, make_org, coordinator_client, officer_client, live_cache
):
    from partnership.organisations.models import Organisation
    from partnership.referrals.models import Scheme, SchemeStatus

    path = "/referrals/slips"
    before = page_html(coordinator_client, path)
    officer = page_html(officer_client, path)
    assert _options(officer, "station")[1:] == [f'<option value="{world.station_a.id}">Alpha Police Station</option>']
    added = make_org("police_station", "Echo Police Station", command=world.command)
    with app.app_context():
        db.session.add(Scheme(name="Lake referral scheme", status=SchemeStatus.ACTIVE,
                              partners=[db.session.get(Organisation, world.command.id)]))  # fmt: skip
        db.session.commit()
        db.session.remove()
    after = page_html(coordinator_client, path)
    assert "Echo Police Station" in after and "Echo Police Station" not in before
    assert "Lake referral scheme" in after
    assert after == fresh_page_html(app, coordinator_client, path)
    chosen = page_html(coordinator_client, f"{path}?station={added.id}&scheme={referrals.scheme_id}")
    assert _chosen(chosen, "station") == [str(added.id)]
    assert _chosen(chosen, "scheme") == [str(referrals.scheme_id)]
    # The officer's filters hold their own station only, and the scheme of their command.
    officer_after = page_html(officer_client, path)
    assert _options(officer_after, "station") == _options(officer, "station")
    assert "Lake referral scheme" in officer_after and "Lake referral scheme" not in officer
    assert officer_after == fresh_page_html(app, officer_client, path)

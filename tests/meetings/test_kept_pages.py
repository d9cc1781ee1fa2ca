"""Meeting pages kept rendered until a write (partnership.caching.render_kept): a kept page
equals the page rendered afresh, before and right after a write, and each viewer gets their own
scope."""

from __future__ import annotations

import pickle
import re
from datetime import UTC, datetime, timedelta

import pytest

from partnership.caching import cache
from tests.conftest import PASSWORD, csrf_token_from, fresh_page_html, page_html
from tests.meetings.helpers import create_meeting

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


LIST_PAGES = [
    "/meetings/",
    "/meetings/?kind=training",
    "/meetings/calendar",
    "/meetings/calendar?view=week",
]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_kept_list_equals_fresh_before_and_after_a_write(
    app, world, coordinator_client, live_cache, path
):  # noqa: ANN001
    meeting_id = create_meeting(
        app,
        [world.station_a],
        title="Alpha meeting",
        kind="training",
        starts=NOW + timedelta(days=1),
    )
    first = page_html(coordinator_client, path)
    assert "Alpha meeting" in first
    assert page_html(coordinator_client, path) == first  # served kept
    assert first == fresh_page_html(app, coordinator_client, path)
    # A status change through the page's button shows on the next load.
    assert coordinator_client.post(f"/meetings/{meeting_id}/confirm").status_code == 302
    page_html(coordinator_client, path)  # (shows the confirmation message once)
    after = page_html(coordinator_client, path)
    assert after != first and "Confirmed" in after
    assert after == fresh_page_html(app, coordinator_client, path)
    # A new meeting too.
    create_meeting(
        app,
        [world.station_b],
        title="Bravo meeting",
        kind="training",
        starts=NOW + timedelta(days=2),
    )
    assert "Bravo meeting" in page_html(coordinator_client, path)


@pytest.mark.parametrize("path", LIST_PAGES)
def test_kept_list_follows_each_viewers_scope(
    app, world, coordinator_client, officer_client, live_cache, path
):  # noqa: ANN001
    create_meeting(
        app,
        [world.station_a],
        title="Alpha meeting",
        kind="training",
        starts=NOW + timedelta(days=1),
    )
    create_meeting(
        app,
        [world.station_c],
        title="Charlie meeting",
        kind="training",
        starts=NOW + timedelta(days=1),
    )
    coordinator = page_html(coordinator_client, path)
    assert "Alpha meeting" in coordinator and "Charlie meeting" in coordinator
    # Kept for the coordinator first: the officer must not receive it.
    officer = page_html(officer_client, path)
    assert "Alpha meeting" in officer and "Charlie meeting" not in officer
    assert page_html(officer_client, path) == officer == fresh_page_html(app, officer_client, path)


def test_kept_list_is_kept_until_the_next_meeting_ends(app, world, coordinator_client, live_cache):  # noqa: ANN001
    """The list puts the meetings not yet over first: it changes by itself when one ends."""
    from meetings.services import queries
    from partnership.caching import UNTIL, _reading

    create_meeting(
        app, [world.station_a], title="Ending soon", starts=NOW - timedelta(hours=1), hours=3
    )
    create_meeting(app, [world.station_a], title="Later", starts=NOW + timedelta(days=3))
    reads: set[str] = set()
    with app.test_request_context():
        token = _reading.set((reads,))
        try:
            queries.kept_until_next_end()
        finally:
            _reading.reset(token)
    until = [float(name[len(UNTIL) :]) for name in reads if name.startswith(UNTIL)]
    assert until == [(NOW + timedelta(hours=2)).timestamp()]


# ---- the meeting page: the register and what stations carry forward, kept -----------------


def _register_of_many(app, world, make_person, coordinator_client, officers: int) -> int:  # noqa: ANN001
    meeting_id = create_meeting(
        app, [world.station_a, world.station_c], title="Joint workshop", kind="joint_workshop",
        starts=NOW - timedelta(days=1),
    )  # fmt: skip
    people = [
        make_person("officer", world.station_a, name=f"Officer A{i:03d}") for i in range(officers)
    ]
    people.append(make_person("officer", world.station_c, name="Officer C-only"))
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/register/add", data={"person_ids": [p.id for p in people]}
    )
    assert response.status_code == 302
    coordinator_client.post(f"/meetings/{meeting_id}/register", data={"action": "all-present"})
    return meeting_id


def test_a_large_register_is_shown_a_page_at_a_time(app, world, make_person, coordinator_client):  # noqa: ANN001
    from meetings.services.register import REGISTER_PER_PAGE

    meeting_id = _register_of_many(
        app, world, make_person, coordinator_client, REGISTER_PER_PAGE + 9
    )
    total = REGISTER_PER_PAGE + 10
    first = coordinator_client.get(f"/meetings/{meeting_id}").text
    register = first.split('id="register"')[1].split("</section>")[0]
    assert register.count('<tr><td data-label="Name">') == REGISTER_PER_PAGE
    assert f"People 1–{REGISTER_PER_PAGE} of {total}" in register
    # The attendance per day counts everyone, not the page.
    assert f'<td data-label="Total attended">{total}</td>' in register
    assert "register=2#register" in register
    second = coordinator_client.get(f"/meetings/{meeting_id}?register=2").text
    register = second.split('id="register"')[1].split("</section>")[0]
    assert register.count('<tr><td data-label="Name">') == 10
    assert f"People {REGISTER_PER_PAGE + 1}–{total} of {total}" in register
    assert "Officer C-only" in register
    # Past the last page: the last page.
    assert "Officer C-only" in coordinator_client.get(f"/meetings/{meeting_id}?register=99").text


def test_kept_meeting_page_equals_fresh_and_follows_scope(
    app, world, make_person, coordinator_client, officer_client, make_action_point, live_cache
):  # noqa: ANN001
    point = make_action_point(world.station_a, title="Fix the referral desk")
    meeting_id = _register_of_many(app, world, make_person, coordinator_client, 3)
    path = f"/meetings/{meeting_id}"
    page_html(coordinator_client, path)  # (shows the register's confirmation once)
    first = page_html(coordinator_client, path)
    assert "Officer C-only" in first and "Fix the referral desk" in first
    assert (
        page_html(coordinator_client, path)
        == first
        == fresh_page_html(app, coordinator_client, path)
    )
    # The officer of station A: not the other station's officer, whatever was kept before.
    page_html(coordinator_client, path)
    officer = page_html(officer_client, path)
    assert "Officer A000" in officer and "Officer C-only" not in officer
    assert "1 person of other stations is on the register, not shown here." in officer
    assert officer == fresh_page_html(app, officer_client, path)
    # A mark changed shows on the next load (the register), as does a review (the loop).
    attendee_id = int(first.split("mark-")[1].split("-")[0]) if "mark-" in first else None
    assert attendee_id is None  # the page itself has no marking fields
    with app.app_context():
        from sqlalchemy import select

        from meetings.models import Attendee
        from partnership.extensions import db

        attendee_id = db.session.scalar(
            select(Attendee.id).where(Attendee.meeting_id == meeting_id).order_by(Attendee.id)
        )
    day = (NOW - timedelta(days=1)).astimezone(UTC).date().isoformat()
    coordinator_client.post(
        f"/meetings/{meeting_id}/register", data={f"mark-{attendee_id}-{day}": "absent"}
    )
    page_html(coordinator_client, path)
    after = page_html(coordinator_client, path)
    assert '<td data-label="Total attended">4</td>' in first
    assert '<td data-label="Total attended">3</td>' in after
    assert after == fresh_page_html(app, coordinator_client, path)
    # The review button of a carried item posts through the page's own form.
    assert 'form="meeting-buttons"' in after and '<form method="post" id="meeting-buttons"' in after
    review = coordinator_client.post(f"/meetings/{meeting_id}/action-points/{point.id}/review")
    assert review.status_code == 302
    page_html(coordinator_client, path)
    reviewed = page_html(coordinator_client, path)
    assert "reviewed at this meeting" in reviewed and reviewed == fresh_page_html(
        app, coordinator_client, path
    )


def _kept_fragments(app) -> list[str]:  # noqa: ANN001
    """Every rendered fragment in the cache (SimpleCache: key -> (expires, pickled value))."""
    with app.app_context():
        found = []
        for key, (_expires, value) in list(cache.cache._cache.items()):
            if "figure:html:" in key:
                kept = pickle.loads(value)[1]  # noqa: S301 - our own cache entries
                found.append(kept[0])  # the HTML, beside the request marks it carries
            elif "figure:meeting-page:" in key:
                kept = pickle.loads(value)[1]  # noqa: S301
                found.append(kept.html + repr(kept.forms))  # what the forms need, not forms
        return found


def _meeting_with_agenda(app, coordinator_client, stations, **kwargs) -> int:  # noqa: ANN001, ANN003
    meeting_id = create_meeting(app, stations, starts=NOW - timedelta(days=1), **kwargs)
    for title in ("Referral desk hours", "Night patrol contacts"):
        coordinator_client.post(f"/meetings/{meeting_id}/agenda", data={"agenda-title": title})
    coordinator_client.post(
        f"/meetings/{meeting_id}/decisions", data={"decision-text": "Meet monthly"}
    )
    return meeting_id


def test_no_kept_meeting_page_holds_a_form_or_a_token(
    app, world, make_person, coordinator_client, officer_client, viewer_client, live_cache
):  # noqa: ANN001
    meeting_id = _register_of_many(app, world, make_person, coordinator_client, 3)
    for title in ("Referral desk hours", "Night patrol contacts"):
        coordinator_client.post(f"/meetings/{meeting_id}/agenda", data={"agenda-title": title})
    coordinator_client.post(
        f"/meetings/{meeting_id}/decisions", data={"decision-text": "Meet monthly"}
    )
    path = f"/meetings/{meeting_id}"
    for client in (coordinator_client, officer_client, viewer_client):
        client.get(path)
        client.get(f"{path}?register=2")
    fragments = _kept_fragments(app)
    assert len(fragments) >= 6
    for html in fragments:
        assert "csrf_token" not in html and "submission_key" not in html
        assert "<form" not in html.lower()
    # Every button and field of the kept content names one of the forms rendered afresh
    # around it, each with this session's token.
    page = coordinator_client.get(path).get_data(as_text=True)
    forms = dict(re.findall(r'<form method="post" id="([^"]+)"[^>]*>(.*?)</form>', page, re.S))
    assert set(forms) == {
        "meeting-buttons", "agenda-add", "agenda-item-remove", "decision-add", "decision-remove"
    }  # fmt: skip
    assert all('name="csrf_token"' in body for body in forms.values())
    named = set(re.findall(r'\sform="([^"]+)"', page))
    assert named == set(forms)
    assert re.search(r'id="agenda-item-remove"[^>]*data-confirm="Remove this agenda item\?"', page)
    assert re.search(r'id="decision-remove"[^>]*data-confirm="Remove this decision\?"', page)
    # Who may not edit nor review at the meeting gets neither the buttons nor the forms.
    for client in (officer_client, viewer_client):
        html = client.get(path).get_data(as_text=True)
        assert "Referral desk hours" in html and "Meet monthly" in html
        assert 'form="' not in html and 'id="meeting-buttons"' not in html
        assert "Move up" not in html and "Add to agenda" not in html


@pytest.fixture()
def csrf_coordinator(app, world):  # noqa: ANN001, ANN201
    """A coordinator signed in with CSRF protection on: every post needs the page's token."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": world.users["coordinator"].email, "password": PASSWORD,
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 302
    yield client
    app.config["WTF_CSRF_ENABLED"] = False


def _form_action(page: str, form_id: str) -> str:
    return re.search(rf'<form method="post" id="{form_id}" action="([^"]+)"', page).group(1)


def _button_action(page: str, form_id: str, ends: str) -> str:
    return re.search(rf'form="{form_id}" formaction="([^"]*{ends})"', page).group(1)


def test_a_kept_meeting_page_posts_through_its_fresh_forms(
    app, world, csrf_coordinator, live_cache
):  # noqa: ANN001
    client = csrf_coordinator
    meeting_id = create_meeting(app, [world.station_a], title="Token meeting",
                                starts=NOW - timedelta(hours=1))  # fmt: skip
    path = f"/meetings/{meeting_id}"
    client.get(path)
    page = client.get(path).get_data(as_text=True)  # served kept
    token = csrf_token_from(page)
    add = _form_action(page, "agenda-add")
    # Without the token the post is refused, and nothing is written.
    assert client.post(add, data={"agenda-title": "Referral desk hours"}).status_code == 400
    assert "Referral desk hours" not in page_html(client, path)
    # The agenda item typed into the kept fields goes through the page's fresh form.
    assert 'name="agenda-title"' in page and 'form="agenda-add"' in page
    response = client.post(add, data={"csrf_token": token, "agenda-title": "Referral desk hours"})
    assert response.status_code == 302
    page_html(client, path)  # (shows the confirmation once)
    after = page_html(client, path)
    assert "Referral desk hours" in after and "No agenda yet." not in after
    assert after == fresh_page_html(app, client, path)
    # A decision, and a status change by a button of the kept content.
    page = client.get(path).get_data(as_text=True)
    token = csrf_token_from(page)
    decided = client.post(
        _form_action(page, "decision-add"),
        data={"csrf_token": token, "decision-text": "Meet monthly"},
    )
    assert decided.status_code == 302
    confirm = _button_action(page, "meeting-buttons", "/confirm")
    assert client.post(confirm, data={"csrf_token": token}).status_code == 302
    page_html(client, path)
    after = page_html(client, path)
    assert "Meet monthly" in after and "Confirmed" in after
    assert after == fresh_page_html(app, client, path)
    # Removing the agenda item and the decision (the forms that ask first).
    page = client.get(path).get_data(as_text=True)
    token = csrf_token_from(page)
    for form_id, ends in (("agenda-item-remove", "/delete"), ("decision-remove", "/delete")):
        action = _button_action(page, form_id, ends)
        assert client.post(action, data={"csrf_token": token}).status_code == 302
    page_html(client, path)
    after = page_html(client, path)
    assert "Referral desk hours" not in after and "Meet monthly" not in after
    assert after == fresh_page_html(app, client, path)


def test_kept_meeting_page_with_restricted_details_is_never_kept_offline(
    app, world, coordinator_client, officer_client, live_cache
):  # noqa: ANN001
    meeting_id = create_meeting(
        app, [world.station_a], title="Quiet visit", security_notes="Avoid the market road"
    )
    path = f"/meetings/{meeting_id}"
    first, again = coordinator_client.get(path), coordinator_client.get(path)  # the second kept
    assert "Avoid the market road" in again.get_data(as_text=True)
    assert first.headers.get("X-Kept-Offline") == again.headers.get("X-Kept-Offline") == "no"
    # The officer's page shows no security notes, kept or not, and may be kept offline.
    for _ in range(2):
        officer = officer_client.get(path)
        assert "Avoid the market road" not in officer.get_data(as_text=True)
        assert officer.headers.get("X-Kept-Offline") is None


def test_a_kept_meeting_head_still_decides_who_may_see_the_meeting(
    app, world, coordinator_client, officer_client, live_cache
):  # noqa: ANN001
    meeting_id = create_meeting(app, [world.station_c], title="Charlie visit")
    path = f"/meetings/{meeting_id}"
    assert "Charlie visit" in page_html(coordinator_client, path)  # kept for the coordinator
    assert officer_client.get(path).status_code == 404
    assert officer_client.get(path).status_code == 404
    # Station A joins the meeting: the officer of station A sees it on the next load.
    with app.app_context():
        from meetings.models import meeting_stations
        from partnership.extensions import db

        db.session.execute(
            meeting_stations.insert().values(meeting_id=meeting_id, station_id=world.station_a.id)
        )
        db.session.commit()
    officer = page_html(officer_client, path)
    assert "Charlie visit" in officer and world.station_a.name in officer
    assert officer == fresh_page_html(app, officer_client, path)
    assert coordinator_client.get("/meetings/999999").status_code == 404


def test_meeting_page_query_budget_does_not_grow_with_the_register(
    app, world, make_person, coordinator_client, count_queries, live_cache
):  # noqa: ANN001
    small = _register_of_many(app, world, make_person, coordinator_client, 3)
    large = _register_of_many(app, world, make_person, coordinator_client, 40)
    counts = {}
    for meeting_id in (small, large):
        path = f"/meetings/{meeting_id}"
        coordinator_client.get(path)  # (shows the register's confirmation once)
        with app.app_context():
            cache.clear()
        with count_queries() as cold:
            assert coordinator_client.get(path).status_code == 200
        with count_queries() as kept:
            assert coordinator_client.get(path).status_code == 200
        counts[meeting_id] = (cold.count, kept.count)
    # Kept: the session with its user, the meeting's head (its title, version and stations,
    # which decide who may see it) and its content all come from the cache.
    assert counts[small] == counts[large] == (MEETING_PAGE_COLD, 0), counts


# Rendered afresh: the session and the meeting's head; the meeting with its stations and
# facilitators; the register and its marks; the minutes; the carried concerns and points, the
# points agreed and reviewed, and their counts; the agenda, decisions and history and who made
# the changes.
MEETING_PAGE_COLD = 17


def test_kept_station_feed_equals_fresh_before_and_after_a_write(
    app, world, coordinator_client, officer_client, live_cache
):  # noqa: ANN001
    meeting_id = create_meeting(
        app, [world.station_a], title="Alpha meeting", starts=NOW + timedelta(days=1)
    )
    path = f"/meetings/stations/{world.station_a.id}.ics"
    first = coordinator_client.get(path).get_data(as_text=True)
    assert "Alpha meeting" in first and "STATUS:TENTATIVE" in first
    assert coordinator_client.get(path).get_data(as_text=True) == first
    with app.app_context():
        cache.clear()
    assert coordinator_client.get(path).get_data(as_text=True) == first
    assert coordinator_client.post(f"/meetings/{meeting_id}/confirm").status_code == 302
    after = coordinator_client.get(path).get_data(as_text=True)
    assert "STATUS:CONFIRMED" in after and "SEQUENCE:1" in after
    with app.app_context():
        cache.clear()
    assert coordinator_client.get(path).get_data(as_text=True) == after
    # An officer of another command gets no feed of the station, kept or not.
    assert officer_client.get(f"/meetings/stations/{world.station_c.id}.ics").status_code == 404
    assert officer_client.get(path).get_data(as_text=True) == after


def test_attendance_is_marked_a_page_at_a_time(app, world, make_person, coordinator_client):  # noqa: ANN001
    from meetings.services.register import REGISTER_PER_PAGE

    meeting_id = _register_of_many(
        app, world, make_person, coordinator_client, REGISTER_PER_PAGE + 9
    )
    url = f"/meetings/{meeting_id}/register"
    first = coordinator_client.get(url).text
    assert first.count('<select id="mark-') == REGISTER_PER_PAGE
    assert f"People 1–{REGISTER_PER_PAGE} of {REGISTER_PER_PAGE + 10}" in first
    second = coordinator_client.get(f"{url}?page=2").text
    assert second.count('<select id="mark-') == 10 and "Officer C-only" in second
    # Saving page 2 changes what page 2 showed, and comes back to page 2.
    field = second.split('<select id="')[1].split('"')[0]
    response = coordinator_client.post(f"{url}?page=2", data={field: "late"})
    assert response.status_code == 302 and response.headers["Location"].endswith("page=2")
    page = coordinator_client.get(f"{url}?page=2").text
    assert 'value="late" selected' in page
    assert coordinator_client.get(url).text.count('value="present" selected') == REGISTER_PER_PAGE

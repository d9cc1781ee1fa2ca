"""Cached figures stay exactly right: each cached page equals the figures computed afresh, a
write shows on the next load, a rolled-back write changes nothing, and each viewer gets figures
for their own scope with small counts suppressed as before."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from partnership.caching import GENERATION_PREFIX, cache, cached
from tests.conftest import fresh_page_html, page_html
from tests.referrals.conftest import add_slips, referrals  # noqa: F401


def _period() -> str:
    """The dashboard's last 60 days, read when asked (a run that passes midnight moves it)."""
    today = date.today()
    return f"start={(today - timedelta(days=60)).isoformat()}&end={today.isoformat()}"


def _slips_issued(html: str) -> str:
    match = re.search(r'<span class="value">([^<]+)</span> referral slips issued', html)
    assert match, "the dashboard shows no slip count"
    return match.group(1)


def _plain_slip_count(app, station_ids=None) -> int:  # noqa: ANN001
    from partnership.extensions import db
    from partnership.referrals.models import Slip

    start = date.today() - timedelta(days=60)
    with app.app_context():
        stmt = select(func.count(Slip.id)).where(Slip.issued_on.between(start, date.today()))
        if station_ids is not None:
            stmt = stmt.where(Slip.station_id.in_(station_ids))
        return db.session.scalar(stmt)


def test_a_new_slip_appears_on_the_next_dashboard_load(
    app,
    world,
    referrals,  # noqa: F811
    coordinator_client,
    live_cache,
):  # noqa: ANN001
    add_slips(app, referrals.scheme_id, world.station_a.id, 7)
    first = coordinator_client.get(f"/?{_period()}").get_data(as_text=True)
    assert _slips_issued(first) == "7" == str(_plain_slip_count(app))
    # Issued through the form, as an officer or coordinator would.
    response = coordinator_client.post(
        "/referrals/slips/new",
        data={
            "scheme_id": referrals.scheme_id,
            "number": "00900",
            "station_id": world.station_b.id,
            "issued_on": date.today().isoformat(),
            "route": "social_contact",
        },  # fmt: skip
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = page_html(coordinator_client, f"/?{_period()}")
    assert _slips_issued(after) == "8" == str(_plain_slip_count(app))
    # (The first load also showed the form's confirmation.)
    assert page_html(coordinator_client, f"/?{_period()}") == fresh_page_html(
        app, coordinator_client, f"/?{_period()}"
    )


def test_cached_figures_follow_each_viewers_scope_and_suppression(  # noqa: ANN001
    app,
    live_cache,
    world,
    referrals,  # noqa: F811
    coordinator_client,
    officer_client,
    viewer_client,  # noqa: F811
):
    add_slips(app, referrals.scheme_id, world.station_a.id, 3, start=1)
    add_slips(app, referrals.scheme_id, world.station_c.id, 9, start=100)
    # The coordinator's figures are cached first; the others must not receive them.
    assert _slips_issued(coordinator_client.get(f"/?{_period()}").get_data(as_text=True)) == "12"
    officer = officer_client.get(f"/?{_period()}").get_data(as_text=True)
    assert _slips_issued(officer) == "&lt;5"  # 3 at the officer's station, suppressed
    viewer = viewer_client.get(f"/?{_period()}").get_data(as_text=True)
    assert _slips_issued(viewer) == "12"
    # Cached pages equal pages computed afresh.
    assert page_html(officer_client, f"/?{_period()}") == fresh_page_html(app, officer_client, f"/?{_period()}")
    story = f"/stations/{world.station_a.id}?{_period()}"
    cached_story = page_html(coordinator_client, story)
    assert cached_story == fresh_page_html(app, coordinator_client, story)


def _generation(table: str) -> str | None:
    return cache.get(GENERATION_PREFIX + table)


def test_only_committed_changes_start_a_new_generation(app, world, live_cache) -> None:  # noqa: ANN001
    from partnership.caching import generations
    from partnership.extensions import db
    from partnership.organisations.models import Organisation, OrganisationKind

    with app.test_request_context():
        before = generations(["organisations"])["organisations"]
        db.session.add(Organisation(kind=OrganisationKind.NGO, name="Rolled back", country="KE"))
        db.session.flush()
        db.session.rollback()
        assert _generation("organisations") == before
        db.session.add(Organisation(kind=OrganisationKind.NGO, name="Kept", country="KE"))
        db.session.commit()
        assert _generation("organisations") != before


def test_signing_in_keeps_every_cached_figure(  # noqa: ANN001
    app, world, referrals, login_as, coordinator_client, count_queries, live_cache  # noqa: F811
):
    add_slips(app, referrals.scheme_id, world.station_a.id, 7)
    coordinator_client.get(f"/?{_period()}")  # computed, and kept
    with count_queries() as cached_load:
        assert coordinator_client.get(f"/?{_period()}").status_code == 200
    for role in ("viewer", "officer", "trainer"):  # three sign-ins, each a committed write
        login_as(role).get("/")
    with count_queries() as after_sign_ins:
        page = coordinator_client.get(f"/?{_period()}").get_data(as_text=True)
    # The sign-ins wrote user_sessions: the coordinator's own session row is read again (see
    # accounts.services.sessions), every figure is still kept.
    def figures(counter):  # noqa: ANN001, ANN202
        return [s for s in counter.statements if "FROM user_sessions" not in s]

    assert figures(after_sign_ins) == figures(cached_load), after_sign_ins.statements
    assert _slips_issued(page) == "7"


def test_a_write_recomputes_only_the_figures_read_from_its_tables(app, world, live_cache):  # noqa: ANN001
    from meetings.models import Meeting
    from partnership.extensions import db
    from partnership.referrals.models import Slip

    runs = {"slips": 0, "meetings": 0}

    def count(model, name):  # noqa: ANN001, ANN202
        def compute() -> int:
            runs[name] += 1
            return db.session.scalar(select(func.count(model.id)))

        return compute

    def load() -> tuple[int, int]:
        with app.test_request_context():
            app.preprocess_request()
            return (
                cached("slips", count(Slip, "slips")),
                cached("meetings", count(Meeting, "meetings")),
            )

    load()
    load()
    assert runs == {"slips": 1, "meetings": 1}
    with app.app_context():  # a write to slips (here by a statement of its own, no ORM object)
        db.session.execute(Slip.__table__.delete().where(Slip.id == -1))
        db.session.execute(
            Slip.__table__.update().where(Slip.id == -1).values(number="x")
        )
        db.session.commit()
    assert load() == (0, 0)
    assert runs == {"slips": 2, "meetings": 1}


def test_a_figure_read_before_a_write_was_committed_is_not_kept(app, world, live_cache):  # noqa: ANN001
    """The request began before the write: its reads may not include it, so the figure it
    computed is shown but not kept for the next request."""
    from partnership.database import write_transaction
    from partnership.organisations.models import Organisation

    runs = []

    def compute() -> int:
        runs.append(1)
        from partnership.extensions import db

        return db.session.scalar(select(func.count(Organisation.id)))

    with app.test_request_context():
        app.preprocess_request()  # the request begins
        with write_transaction() as conn:  # another connection writes and commits meanwhile
            conn.execute(Organisation.__table__.update().where(Organisation.id == -1).values())
        cached("organisations", compute)
    with app.test_request_context():
        app.preprocess_request()
        cached("organisations", compute)
        cached("organisations", compute)
    assert len(runs) == 2  # computed again once, then kept


def test_a_figure_over_uncommitted_writes_is_not_kept(app, world, live_cache):  # noqa: ANN001
    from partnership.extensions import db
    from partnership.organisations.models import Organisation, OrganisationKind

    def compute() -> int:
        return db.session.scalar(select(func.count(Organisation.id)))

    with app.test_request_context():
        app.preprocess_request()
        before = cached("organisations", compute)
        db.session.add(Organisation(kind=OrganisationKind.NGO, name="Not yet", country="KE"))
        db.session.flush()
        assert cached("organisations", compute) == before + 1  # the new organisation counted
        db.session.rollback()
    with app.test_request_context():
        app.preprocess_request()
        assert cached("organisations", compute) == before  # ... but never kept


def test_a_figure_around_a_cached_one_depends_on_its_tables(  # noqa: ANN001
    app, world, referrals, live_cache  # noqa: F811
):
    from partnership.extensions import db
    from partnership.referrals.models import Slip

    def inner() -> int:
        return db.session.scalar(select(func.count(Slip.id)))

    def load() -> int:
        with app.test_request_context():
            app.preprocess_request()
            return cached("outer", lambda: cached("inner", inner) + 1)

    with app.test_request_context():
        app.preprocess_request()
        cached("inner", inner)  # the inner figure is kept first: the outer runs no SQL itself
    assert load() == 1
    add_slips(app, referrals.scheme_id, world.station_a.id, 2)
    assert load() == 3


def test_a_new_slip_recomputes_the_referral_figures_and_keeps_the_others(  # noqa: ANN001
    app, world, referrals, coordinator_client, monkeypatch, live_cache  # noqa: F811
):
    from partnership.dashboard import services

    coordinator_client.get(f"/?{_period()}")  # every part computed and kept
    add_slips(app, referrals.scheme_id, world.station_a.id, 3)
    computed = []
    for name in (
        "meeting_indicators",
        "visit_indicators",
        "reach_indicators",
        "referral_indicators",
        "loop_indicators",
        "training_indicators",
        "station_and_officer_counts",
    ):
        original = getattr(services, name)

        def counted(*args, _original=original, _name=name, **kwargs):  # noqa: ANN002, ANN003, ANN202
            computed.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, counted)
    page = coordinator_client.get(f"/?{_period()}").get_data(as_text=True)
    assert computed == ["referral_indicators"]
    assert _slips_issued(page) == "3" == str(_plain_slip_count(app))


def test_a_figure_is_kept_until_the_moment_it_changes_by_itself(app, world, live_cache):  # noqa: ANN001
    """A figure that changes with time (the next meeting, once it starts) is kept until then
    at most, and so is a figure computed around it."""
    from datetime import UTC, datetime

    from partnership.caching import valid_until

    runs: list[str] = []

    def compute(name: str, moment: datetime | None):  # noqa: ANN202
        def run() -> str:
            runs.append(name)
            valid_until(moment)
            return name

        return run

    later = datetime.now(UTC) + timedelta(hours=1)
    passed = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(2):
        with app.test_request_context():
            app.preprocess_request()
            cached("later", compute("later", later))
            cached("passed", compute("passed", passed))
            cached("around", lambda: cached("inner", compute("inner", passed)) + "!")
    assert runs.count("later") == 1  # kept: its moment has not come
    assert runs.count("passed") == 2  # its moment came: computed on every load
    assert runs.count("inner") == 2  # and the figure around it is not kept past it either


def _kept_and_fresh(app, client, path: str) -> tuple[str, str]:  # noqa: ANN001
    kept = page_html(client, path)
    return kept, fresh_page_html(app, client, path)


def test_kept_figure_pages_show_a_write_on_the_next_load(  # noqa: ANN001, PLR0913
    app,
    world,
    referrals,  # noqa: F811
    coordinator_client,
    viewer_client,
    make_action_point,
    make_concern,
    live_cache,
):
    """Every page kept rendered (measures, knowledge gain, coverage, stations due, a scheme's
    measures, the station page) is, right after a write, exactly the page computed afresh."""
    from datetime import UTC, datetime

    from tests.meetings.helpers import create_meeting

    a = world.station_a
    add_slips(app, referrals.scheme_id, a.id, 6)
    make_action_point(a, title="Return the kits")
    paths = [
        "/measures",
        "/curricula/knowledge",
        "/curricula/coverage",
        "/meetings/due",
        f"/referrals/schemes/{referrals.scheme_id}",
        f"/stations/{a.id}?{_period()}",
        f"/?{_period()}",
    ]
    before = {}
    for client in (coordinator_client, viewer_client):
        for path in paths:
            kept, fresh = _kept_and_fresh(app, client, path)
            assert kept == fresh, path
            before[(client, path)] = page_html(client, path)  # now served from the cache
    # Writes: slips, an action point, a concern and a held visit at Alpha.
    add_slips(app, referrals.scheme_id, a.id, 3, start=500)
    make_action_point(a, title="Brief the night shift")
    make_concern(a, summary="Kits taken at the market")
    create_meeting(app, [a], status="held", starts=datetime.now(UTC) - timedelta(days=2))
    for client in (coordinator_client, viewer_client):
        for path in paths:
            after = page_html(client, path)
            assert after == fresh_page_html(app, client, path), path
            changed = "knowledge" not in path and "coverage" not in path
            if client is coordinator_client and changed:  # (a viewer reads "<5" both times)
                assert after != before[(client, path)], path  # the write shows at once


def test_a_kept_station_page_moves_a_meeting_to_the_past_as_it_ends(  # noqa: ANN001
    app, world, coordinator_client, live_cache
):
    import time
    from datetime import UTC, datetime

    from tests.meetings.helpers import create_meeting

    a = world.station_a
    starts = datetime.now(UTC) - timedelta(hours=1)
    create_meeting(app, [a], title="Ends now", status="confirmed", starts=starts)
    from meetings.models import Meeting
    from partnership.extensions import db

    ends = datetime.now(UTC) + timedelta(seconds=6)
    with app.app_context():  # the meeting ends a few seconds from now
        meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Ends now"))
        meeting.ends_at = ends
        db.session.commit()
    path = f"/stations/{a.id}"
    first = page_html(coordinator_client, path)
    assert first == page_html(coordinator_client, path)  # kept
    assert "none planned" not in first  # the meeting is still the next one
    time.sleep(max((ends - datetime.now(UTC)).total_seconds(), 0) + 0.5)
    after = page_html(coordinator_client, path)
    assert "none planned" in after
    assert after == fresh_page_html(app, coordinator_client, path)


def test_a_kept_fragment_marks_its_page_not_kept_offline_when_served_from_the_cache(
    app, live_cache
) -> None:  # noqa: ANN001
    """A fragment that shows restricted details marks its page so the service worker never
    keeps it on the device: the mark comes with the fragment when it is served kept, too."""
    from flask import g

    from partnership.caching import cached_html
    from partnership.offline import not_kept_offline

    renders = []

    def restricted() -> str:
        renders.append(1)
        return f"<p>{not_kept_offline()}security notes</p>"

    for _ in range(2):
        with app.test_request_context("/meetings/1"):
            g._figures_since = 1e12  # every generation read is older than this request
            assert str(cached_html("restricted", restricted, "k")) == "<p>security notes</p>"
            assert g.get("not_kept_offline") is True
        with app.test_request_context("/meetings/2"):
            g._figures_since = 1e12
            cached_html("plain", lambda: "<p>agenda</p>", "k")
            assert not g.get("not_kept_offline")
    assert len(renders) == 1  # the second page was served from the cache, marked all the same


def _load_slip_count(app, runs):  # noqa: ANN001, ANN202
    from partnership.extensions import db
    from partnership.referrals.models import Slip

    def compute() -> int:
        runs.append(1)
        return db.session.scalar(select(func.count(Slip.id)))

    with app.test_request_context():
        app.preprocess_request()
        return cached("slips-worker-memo", compute)


def test_a_write_by_another_worker_is_seen_although_this_worker_keeps_the_generations(  # noqa: ANN001
    app, world, referrals, live_cache  # noqa: F811
):
    """Each worker keeps the generations it has read while no write happened anywhere; the
    only news of another worker's write is the shared cache: its new tokens, ``ANY_WRITE``
    last. Such a write, seen in the cache alone, makes this worker compute the figure again."""
    from partnership.caching import ANY_WRITE
    from partnership.caching.generations import _new_token

    runs: list[int] = []
    assert _load_slip_count(app, runs) == 0
    assert _load_slip_count(app, runs) == 0
    assert len(runs) == 1  # kept: the second load read the tokens from this worker's memo
    add_slips(app, referrals.scheme_id, world.station_a.id, 2)  # through the ORM, committed
    assert _load_slip_count(app, runs) == 2
    assert len(runs) == 2
    # Another process's write: only the cache changes, as it would from another worker.
    with app.app_context():
        token = _new_token()
        cache.set_many({GENERATION_PREFIX + "slips": token, GENERATION_PREFIX + ANY_WRITE: token})
    assert _load_slip_count(app, runs) == 2
    assert len(runs) == 3
    # A generation that leaves the cache without a write (pruned, cleared) recomputes, at worst.
    with app.app_context():
        cache.delete(GENERATION_PREFIX + "slips")
    assert _load_slip_count(app, runs) == 2


def test_a_write_replaces_the_any_write_generation_after_its_tables(app, live_cache, monkeypatch):  # noqa: ANN001
    """Readers trust their worker's memo while ``ANY_WRITE`` is unchanged: a write must have
    replaced its tables' tokens before it replaces that one."""
    from partnership.caching import ANY_WRITE, tables_changed

    written: list[list[str]] = []
    real = cache.set_many

    def recording(mapping, timeout=None):  # noqa: ANN001, ANN202
        written.append(list(mapping))
        return real(mapping, timeout=timeout)

    monkeypatch.setattr(cache, "set_many", recording)
    with app.app_context():
        tables_changed({"slips", "meetings", ANY_WRITE})
    assert written == [[GENERATION_PREFIX + "meetings", GENERATION_PREFIX + "slips", GENERATION_PREFIX + ANY_WRITE]]


def test_a_kept_page_reads_one_generation_entry(  # noqa: ANN001
    app, world, referrals, coordinator_client, live_cache, monkeypatch  # noqa: F811
):
    """A kept page asks the cache for its content and for ``ANY_WRITE`` alone: the tables'
    tokens come from this worker's memo until the next write."""
    add_slips(app, referrals.scheme_id, world.station_a.id, 3)
    path = "/referrals/slips"
    first = page_html(coordinator_client, path)
    page_html(coordinator_client, path)
    keys: list[str] = []
    real_get, real_get_many = cache.get, cache.get_many
    monkeypatch.setattr(cache, "get", lambda key: keys.append(key) or real_get(key))
    monkeypatch.setattr(cache, "get_many", lambda *k: keys.extend(k) or real_get_many(*k))
    assert page_html(coordinator_client, path) == first
    generations_read = [k for k in keys if k.startswith(GENERATION_PREFIX)]
    assert generations_read == [GENERATION_PREFIX + "+"], keys
    assert first == fresh_page_html(app, coordinator_client, path)


def test_a_new_release_keeps_its_own_figures_and_sees_the_old_releases_writes(  # noqa: ANN001
    app, world, live_cache, monkeypatch
):
    """After a deploy nothing kept by the previous release is served (a template may have
    changed under the same name), while a write made by a worker still running the previous
    release replaces what the new one keeps."""
    from partnership.caching import figures, tables_changed

    fingerprint = figures.release
    runs: list[str] = []

    def load(release: str) -> str:
        monkeypatch.setattr(figures, "release", lambda: release)
        with app.test_request_context():
            app.preprocess_request()
            return cached("by-release", lambda: runs.append(release) or release)

    assert load("old") == "old"
    assert load("old") == "old" and runs == ["old"]  # kept within one release
    assert load("new") == "new" and runs == ["old", "new"]  # not the old release's copy
    assert load("new") == "new" and runs == ["old", "new"]
    with app.test_request_context():
        monkeypatch.setattr(figures, "release", lambda: "old")
        tables_changed({"organisations"})  # a write by the old release's worker
    assert load("new") == "new" and runs == ["old", "new", "new"]
    assert fingerprint.__wrapped__() == fingerprint()  # the same files give the same key

"""Search across everything: what each role finds from the header's box, and what it never finds.

Runs on SQLite (FTS5) and, with TEST_DATABASE_URL, on PostgreSQL (tsvector): the same tests."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select

from partnership.extensions import db
from tests.conftest import page_html
from tests.curricula.conftest import make_module  # noqa: F401
from tests.meetings.helpers import create_meeting
from tests.referrals.conftest import CODES, add_redemption, add_slips, referrals  # noqa: F401


def found(client, q: str, **args) -> str:  # noqa: ANN001
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def test_the_header_has_the_search_box(coordinator_client) -> None:  # noqa: ANN001
    html = coordinator_client.get("/organisations").get_data(as_text=True)
    assert 'role="search" method="get" action="/search"' in html
    assert "Find a name, number or C-12" in html


def test_every_kind_is_found_by_name_number_or_reference(  # noqa: PLR0913
    app, world, coordinator_client, make_person, make_concern, make_action_point, make_module,  # noqa: ANN001, F811
    referrals,  # noqa: ANN001, F811
) -> None:
    make_person("officer", world.station_a, name="Wanjiru Otieno", rank="Sergeant")
    concern = make_concern(world.station_a, summary="Zebrafish outreach stopped at the port")
    point = make_action_point(world.station_a, title="Zebrafish hotspot patrol agreement")
    create_meeting(app, [world.station_a], title="Zebrafish sensitisation")
    make_module(code="ZF-101", title="Zebrafish basics")
    add_slips(app, referrals.scheme_id, world.station_a.id, 1, start=4242)

    html = found(coordinator_client, "zebrafish")
    for group in ("Concerns", "Action points", "Meetings", "Training modules"):
        assert f">{group} <span" in html
    assert f"C-{concern.id} · Zebrafish outreach" in html
    assert f"AP-{point.id} · Zebrafish hotspot" in html
    assert "ZF-101 v1 · Zebrafish basics" in html

    # Beginnings of words, any case, in any order.
    assert "Wanjiru Otieno" in found(coordinator_client, "otie WANJ")
    assert "Alpha Police Station" in found(coordinator_client, "alpha")
    assert "Harbour Harm Reduction" in found(coordinator_client, "harbour harm")
    # References as the app shows them, with or without the hyphen.
    html = found(coordinator_client, f"C-{concern.id}")
    assert f'href="/concerns/{concern.id}"' in html
    assert f'href="/action-points/{point.id}"' not in html
    assert f'href="/action-points/{point.id}"' in found(coordinator_client, f"ap{point.id}")
    assert "Slip 04242" in found(coordinator_client, "04242")
    assert "ZF-101" in found(coordinator_client, "zf-101")


def test_an_officer_finds_only_their_own_stations_records(
    app, world, officer_client, make_person, make_concern, make_action_point,  # noqa: ANN001
) -> None:
    make_person("officer", world.station_a, name="Quagga Own")
    make_person("officer", world.station_c, name="Quagga Other")
    make_person("ngo_staff", world.ngo, name="Quagga Staff")
    own = make_concern(world.station_a, summary="Quagga raid near the drop-in")
    other = make_concern(world.station_c, summary="Quagga raid elsewhere")
    other_point = make_action_point(world.station_b, title="Quagga patrol")
    create_meeting(app, [world.station_c], title="Quagga meeting far away")

    html = found(officer_client, "quagga")
    assert "Quagga Own" in html
    assert "Quagga Other" not in html and "Quagga Staff" not in html
    assert f"C-{own.id}" in html and f"C-{other.id}" not in html
    assert f"AP-{other_point.id}" not in html
    assert "Quagga meeting far away" not in html
    # Not by reference either.
    assert f"/concerns/{other.id}" not in found(officer_client, f"C-{other.id}")
    assert "Charlie Police Station" not in found(officer_client, "charlie")


MARKER = "xylophonic"


def test_words_of_restricted_fields_find_nothing_for_roles_that_may_not_read_them(
    app, world, login_as, make_person, make_concern, referrals,  # noqa: ANN001, F811
) -> None:
    """The leak test: a marker in a concern's restricted details, a meeting's security notes or
    a community representative's name and contacts; client codes are never indexed at all."""
    concern = make_concern(world.station_a, summary="Harassment at the van",
                           restricted_details=f"Named client {MARKER}detail")  # fmt: skip
    create_meeting(app, [world.station_a], title="Van meeting", security_notes=f"{MARKER}note")
    make_person("community_rep", world.ngo, name=f"{MARKER.title()}rep", phone="+254700123987",
                reference="CR-777")  # fmt: skip
    slip_id = add_slips(app, referrals.scheme_id, world.station_a.id, 1, start=31)[0]
    add_redemption(app, referrals.scheme_id, referrals.point_id, slip_id, CODES[0])

    coordinator = login_as("coordinator")
    assert f"C-{concern.id}" in found(coordinator, f"{MARKER}detail")
    assert "Van meeting" in found(coordinator, f"{MARKER}note")
    assert f"{MARKER.title()}rep" in found(coordinator, MARKER)
    assert f"{MARKER.title()}rep" in found(coordinator, "CR-777")

    # Trainers see community names and security notes, never restricted details.
    trainer = login_as("trainer")
    assert "Nothing found" in found(trainer, f"{MARKER}detail")
    assert "Van meeting" in found(trainer, f"{MARKER}note")
    for role in ("officer", "viewer"):
        client = login_as(role)
        for q in (MARKER, f"{MARKER}detail", f"{MARKER}note", f"{MARKER}rep", "CR-777",
                  "700123987"):  # fmt: skip
            html = found(client, q)
            assert "Nothing found" in html, (role, q)
            assert MARKER not in html.lower().replace(q.lower(), "")
    # Client codes: found by nobody, and not in the index at all.
    for role in ("admin", "coordinator", "officer"):
        assert "Nothing found" in found(login_as(role), CODES[0])
    with app.app_context():
        from partnership.search.models import SearchEntry

        bodies = " ".join(db.session.scalars(select(SearchEntry.body)))
        assert CODES[0].lower() not in bodies


def test_viewers_find_no_concerns_or_slips_and_people_lists_show_no_community_names(
    app, world, viewer_client, make_concern, make_person, referrals,  # noqa: ANN001, F811
) -> None:
    make_concern(world.station_a, summary="Okapi confiscation")
    add_slips(app, referrals.scheme_id, world.station_a.id, 1, start=777)
    make_person("officer", world.station_a, name="Okapi Officer")
    assert "Nothing found" not in found(viewer_client, "okapi")  # the officer, a work contact
    html = found(viewer_client, "okapi")
    assert "Concerns" not in html and "Okapi confiscation" not in html
    assert "Nothing found" in found(viewer_client, "00777")


def test_a_kind_the_user_may_not_open_is_not_found(viewer_client, world) -> None:  # noqa: ANN001
    assert viewer_client.get("/search?q=a&kind=concerns").status_code == 404
    assert viewer_client.get("/search?q=a&kind=nonsense").status_code == 404


def test_one_kind_is_paginated(app, world, coordinator_client, make_person) -> None:  # noqa: ANN001
    for n in range(30):
        make_person("officer", world.station_a, name=f"Impala {n:02d}")
    html = found(coordinator_client, "impala")
    assert "See all 30 results" in html
    page1 = found(coordinator_client, "impala", kind="people")
    page2 = found(coordinator_client, "impala", kind="people", page=2)
    names = {f"Impala {n:02d}" for n in range(30)}
    shown = {n for n in names if n in page1} | {n for n in names if n in page2}
    assert shown == names
    assert not {n for n in names if n in page1} & {n for n in names if n in page2}
    assert "Page 2 of 2" in page2


def test_the_index_follows_edits_and_deletes(app, world, coordinator_client, make_concern) -> None:  # noqa: ANN001
    from partnership.actions.models import Concern

    concern = make_concern(world.station_a, summary="Gerenuk raid")
    assert f"C-{concern.id}" in found(coordinator_client, "gerenuk")
    with app.app_context():
        row = db.session.get(Concern, concern.id)
        row.summary = "Dikdik raid"
        db.session.commit()
    assert "Nothing found" in found(coordinator_client, "gerenuk")
    assert f"C-{concern.id}" in found(coordinator_client, "dikdik")
    with app.app_context():
        db.session.delete(db.session.get(Concern, concern.id))
        db.session.commit()
    assert "Nothing found" in found(coordinator_client, "dikdik")
    assert "Nothing found" in found(coordinator_client, f"C-{concern.id}")


def test_rows_inserted_in_bulk_are_indexed(app, world, coordinator_client) -> None:  # noqa: ANN001
    from partnership import audit
    from partnership.mixins import utcnow
    from partnership.organisations.models import Person, PersonKind

    now = utcnow()
    values = {"kind": PersonKind.NGO_STAFF, "name": "Bulk Bongo", "reference": "BULK-1",
              "organisation_id": world.ngo.id, "created_at": now, "updated_at": now, "version": 1}  # fmt: skip
    with app.app_context():
        db.session.connection().execute(insert(Person.__table__), [values])
        person_id = db.session.scalar(select(Person.id).where(Person.reference == "BULK-1"))
        audit.record_bulk_creates(Person, [(person_id, "Bulk Bongo", values)])
        db.session.commit()
    assert "Bulk Bongo" in found(coordinator_client, "bongo")
    assert "Bulk Bongo" in found(coordinator_client, "bulk-1")


def test_reindex_rebuilds_the_same_index(app, world, make_concern) -> None:  # noqa: ANN001
    from partnership.search.models import SearchEntry

    make_concern(world.station_a, summary="Eland", restricted_details="secret")

    def entries() -> set:
        with app.app_context():
            rows = db.session.execute(
                select(SearchEntry.kind, SearchEntry.object_id, SearchEntry.audience,
                       SearchEntry.reference, SearchEntry.body)
            ).all()  # fmt: skip
            return set(rows)

    before = entries()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert "Search index rebuilt" in result.output, result.output
    assert entries() == before


@pytest.mark.parametrize(
    "q", ['"', "*", "a AND OR NOT", "c:*", "x'); DROP TABLE people; --", "NEAR(a b)", "—", "ё"]
)
def test_odd_input_is_searched_as_words(coordinator_client, world, q) -> None:  # noqa: ANN001
    response = coordinator_client.get("/search", query_string={"q": q})
    assert response.status_code == 200


def test_empty_search_explains_itself(coordinator_client) -> None:  # noqa: ANN001
    html = found(coordinator_client, "")
    assert "C-12 for a concern" in html


def test_russian_names_are_found_without_case_or_accents(world, coordinator_client, make_person) -> None:  # noqa: ANN001
    make_person("officer", world.station_a, name="Ёлкин Пётр")
    assert "Ёлкин Пётр" in found(coordinator_client, "елкин")
    assert "Ёлкин Пётр" in found(coordinator_client, "ПЕТР")


def test_search_reads_a_fixed_number_of_queries(  # noqa: PLR0913
    app, world, coordinator_client, count_queries, make_person, make_concern, make_action_point,  # noqa: ANN001
) -> None:
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            make_person("officer", world.station_a, name=f"Oryx {i}")
            make_concern(world.station_a, summary=f"Oryx raid {i}")
            make_action_point(world.station_b, title=f"Oryx patrol {i}")
            create_meeting(app, [world.station_a, world.station_b], title=f"Oryx meeting {i}")

    add(2, 0)
    with count_queries() as few:
        found(coordinator_client, "oryx")
    add(10, 2)
    with count_queries() as many:
        html = found(coordinator_client, "oryx")
    assert "See all 12 results" in html
    assert many.count == few.count, many.statements
    assert many.count <= 16, many.statements


def test_search_page_at_phone_width_has_no_table(coordinator_client, world) -> None:  # noqa: ANN001
    html = found(coordinator_client, "alpha")
    assert "<table" not in html
    assert 'class="search-hits"' in html


def test_results_are_translated(world, login_as, app) -> None:  # noqa: ANN001
    from partnership.accounts.models import User

    with app.app_context():
        user = db.session.get(User, world.users["coordinator"].id)
        user.locale = "sw"
        db.session.commit()
    html = found(login_as("coordinator"), "alpha")
    assert "Stations" not in html
    assert date.today().year  # the page rendered in Swahili without error


def test_a_common_word_counts_up_to_a_cap_on_the_overview(
    app, world, coordinator_client, officer_client, make_person, monkeypatch
) -> None:  # noqa: ANN001
    from partnership.search import services

    monkeypatch.setattr(services, "COUNT_CAP", 7)
    for n in range(7):
        make_person("officer", world.station_a, name=f"Quagga {n:02d}")
    make_person("officer", world.station_c, name="Quagga Far")
    html = found(coordinator_client, "quagga")
    assert ">7+</span>" in html and "See all results (more than 7)" in html
    page = found(coordinator_client, "quagga", kind="people", page=1)
    assert "Quagga 00" in page
    # Scoped before it is counted: the officer's station holds exactly seven of them.
    mine = found(officer_client, "quagga")
    assert ">7</span>" in mine and "7+" not in mine and "See all 7 results" in mine
    assert "Quagga Far" not in mine


def test_kept_results_equal_fresh_ones_and_show_a_write_on_the_next_load(  # noqa: PLR0913
    app, world, coordinator_client, officer_client, viewer_client, make_person, make_concern,  # noqa: ANN001
    live_cache,  # noqa: ANN001
) -> None:
    """Results are kept rendered per role and organisation until a write: what one role found is
    never served to another, and a record written shows on the next search."""
    from partnership.caching import cache

    make_person("officer", world.station_a, name="Kudu Own")
    make_person("officer", world.station_c, name="Kudu Far")
    concern = make_concern(world.station_c, summary="Kudu raid",
                           restricted_details=f"{MARKER}kudu")  # fmt: skip
    paths = ["/search?q=kudu", "/search?q=kudu&kind=people", f"/search?q={MARKER}kudu",
             f"/search?q=C-{concern.id}"]  # fmt: skip
    clients = (coordinator_client, officer_client, viewer_client)
    kept = {}
    for client in clients:  # the coordinator's results are kept first, then the others ask
        for path in paths:
            kept[(client, path)] = page_html(client, path)
    for client in clients:
        for path in paths:
            assert page_html(client, path) == kept[(client, path)]  # served from the cache
            with app.app_context():
                cache.clear()
            assert page_html(client, path) == kept[(client, path)], path  # equal to a fresh one
    assert "Kudu Far" in kept[(coordinator_client, paths[0])]
    assert f"C-{concern.id}" in kept[(coordinator_client, paths[2])]
    officer = " ".join(kept[(officer_client, p)] for p in paths)
    assert "Kudu Own" in officer
    assert "Kudu Far" not in officer and f"/concerns/{concern.id}" not in officer
    assert "Nothing found" in kept[(viewer_client, paths[2])]
    # A write: the next load finds the new record, for every role that may see it.
    make_person("officer", world.station_a, name="Kudu New")
    for client in (coordinator_client, officer_client):
        assert "Kudu New" in page_html(client, paths[0])
        assert "Kudu New" in page_html(client, paths[1])


@pytest.mark.parametrize("few_matches", [1000, 0], ids=["from the matches", "in list order"])
def test_the_overview_shows_what_a_plain_query_of_each_list_finds(  # noqa: PLR0913
    app, world, login_as, make_person, make_concern, make_action_point, referrals,  # noqa: ANN001, F811
    monkeypatch, few_matches,  # noqa: ANN001
) -> None:
    """The fast path (the first ids chosen in the list's order before anything is joined, the
    count capped) against a plain query of each kind's list over every match: the same records
    in the same order, the same count, for a role with every station and for an officer; with
    the records read from a few matches by primary key, and with many matches looked up while
    the list is read in its own order."""
    from flask_login import login_user
    from sqlalchemy import func

    from partnership.accounts.models import User
    from partnership.permissions import search_audiences
    from partnership.search import services
    from partnership.search.index import matching_ids

    monkeypatch.setattr(services, "FEW_MATCHES", few_matches)

    for n in range(9):
        station = world.station_a if n % 3 else world.station_c
        make_person("officer", station, name=f"Nyala {9 - n:02d}")
        make_concern(station, summary=f"Nyala raid {n}")
        make_action_point(station, title=f"Nyala patrol {n}")
        create_meeting(app, [station], title=f"Nyala meeting {n}")
    add_slips(app, referrals.scheme_id, world.station_a.id, 4, start=9100)
    add_slips(app, referrals.scheme_id, world.station_c.id, 4, start=9200)
    for role in ("coordinator", "officer"):
        with app.test_request_context("/search"):
            user = db.session.get(User, world.users[role].id)
            login_user(user)
            for q in ("nyala", "0091", "alpha"):
                groups = {g.key: g for g in services.search_groups(user, q)}
                for kind in services.kinds_for(user):
                    ids = matching_ids(db.engine.dialect.name, kind.index_kind, q,
                                       search_audiences(user))  # fmt: skip
                    plain = kind.query(user).where(kind.id_column.in_(ids))
                    expected = [kind.hit(user, o) for o in db.session.scalars(plain.limit(5))]
                    total = db.session.scalar(
                        select(func.count()).select_from(plain.order_by(None).subquery())
                    )
                    group = groups.get(kind.key)
                    assert (group.hits if group else []) == expected, (role, q, kind.key)
                    assert (group.total if group else 0) == min(total, services.COUNT_CAP)
            db.session.rollback()


@pytest.mark.parametrize("few_matches", [1000, 0], ids=["from the matches", "in list order"])
def test_each_page_of_one_kind_is_the_page_a_plain_query_gives(  # noqa: PLR0913
    app, world, make_person, make_concern, monkeypatch, few_matches,  # noqa: ANN001
) -> None:
    """A kind's own pages, read from the matches or in the list's order, hold the records of
    the same page of a plain query of the list over every match, in the same order, with the
    same count; an officer's only their own stations' (the count too)."""
    from flask_login import login_user

    from partnership.accounts.models import User
    from partnership.permissions import search_audiences
    from partnership.search import services
    from partnership.search.index import matching_ids

    monkeypatch.setattr(services, "FEW_MATCHES", few_matches)
    monkeypatch.setitem(app.config, "PER_PAGE", 5)
    for n in range(23):
        station = world.station_a if n % 4 else world.station_c
        make_person("officer", station, name=f"Eland {(n * 7) % 23:02d}")
        make_concern(station, summary=f"Eland raid {n}")
    for role in ("coordinator", "officer"):
        for key in ("people", "concerns"):
            for page in (1, 2, 3):
                path = f"/search?q=eland&kind={key}&page={page}"
                with app.test_request_context(path):
                    user = db.session.get(User, world.users[role].id)
                    login_user(user)
                    kind = services.kind_for(user, key)
                    ids = matching_ids(db.engine.dialect.name, kind.index_kind, "eland",
                                       search_audiences(user))  # fmt: skip
                    plain = list(db.session.scalars(kind.query(user).where(kind.id_column.in_(ids))))
                    fast = services.search_kind(user, "eland", key)
                    assert fast.hits == [kind.hit(user, o) for o in plain[(page - 1) * 5 : page * 5]], (
                        role, key, page)  # fmt: skip
                    assert fast.page.total == len(plain)
                    db.session.rollback()

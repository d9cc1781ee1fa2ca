"""The organisations, people, accounts and audit lists at programme scale: people are ordered by
a stored sort key (the reader's alphabetical order, read from an index), searched through the
search index, and each list is kept rendered until a write; a kept list is exactly the list
rendered afresh, for each viewer's scope, before and right after a write."""

from __future__ import annotations

import importlib.util
import re
from datetime import date
from pathlib import Path

from markupsafe import escape
from sqlalchemy import select, update

from partnership.collation import name_key, sort_key
from partnership.extensions import db
from partnership.organisations.models import Person, PersonKind
from tests.conftest import fresh_page_html, page_html

NAMES = [
    "Ёлкин Пётр", "Елена Ким", "Йовчев Иван", "Иванов Илья", "Айгерим Сапарова", "Жанна Омарова",
    "émile Zola", "Emile Achieng", "emma otieno", "Emma Otieno", "Zawadi Mwangi", "Mwanaisha Juma",
    "Ñandú Pérez", "Nandu Perez", "Ōtieno Wafula", "O'Brien Kamau",
]  # fmt: skip


def _listed(html: str, names: list[str]) -> list[str]:
    positions = {n: html.index(f">{escape(n)}</a>") for n in names}
    return sorted(names, key=positions.__getitem__)


# ---- order -------------------------------------------------------------------------------------


def test_people_are_listed_in_the_readers_order_of_russian_swahili_and_accented_names(
    app, world, make_person, coordinator_client
):  # noqa: ANN001
    for name in NAMES:
        make_person("officer", world.station_a, name=name)
    html = coordinator_client.get(f"/people?organisation={world.station_a.id}").data.decode()
    expected = sorted(NAMES, key=name_key)
    assert _listed(html, NAMES) == expected
    # Ё among Е, Й after И, accents and case ignored before the exact text breaks ties.
    assert (
        expected.index("Елена Ким") < expected.index("Ёлкин Пётр") < expected.index("Жанна Омарова")
    )
    assert expected.index("Иванов Илья") < expected.index("Йовчев Иван")
    assert expected.index("Emile Achieng") < expected.index("émile Zola")


def test_the_stored_key_orders_as_the_collation_on_this_database(app, world, make_person):  # noqa: ANN001
    for name in NAMES:
        make_person("officer", world.station_a, name=name)
    with app.app_context():
        stored = db.session.scalars(
            select(Person.name).where(Person.name.in_(NAMES)).order_by(Person.sort_key, Person.id)
        ).all()
    assert stored == sorted(NAMES, key=name_key)


def test_a_renamed_person_moves_to_their_new_place(app, world, make_person, coordinator_client):  # noqa: ANN001
    first = make_person("ngo_staff", world.ngo, name="Aaron Baraka", position="Outreach")
    make_person("ngo_staff", world.ngo, name="Mary Njeri", position="Outreach")
    response = coordinator_client.post(
        f"/people/{first.id}/edit",
        data={"kind": "ngo_staff", "name": "Zuhura Baraka", "organisation_id": str(world.ngo.id),
              "position": "Outreach", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 302, response.data
    html = coordinator_client.get("/people?kind=ngo_staff").data.decode()
    assert _listed(html, ["Zuhura Baraka", "Mary Njeri"]) == ["Mary Njeri", "Zuhura Baraka"]
    with app.app_context():
        assert db.session.get(Person, first.id).sort_key == sort_key("Zuhura Baraka")


def test_people_inserted_without_the_orm_get_their_sort_key(app, world):  # noqa: ANN001
    """Imports and the bench builder insert people with plain INSERTs: the column's default
    computes the key from the name."""
    from partnership.database import bulk_insert

    with app.app_context():
        bulk_insert(Person.__table__, [
            {"kind": PersonKind.NGO_STAFF, "name": name, "organisation_id": world.ngo.id}
            for name in ("Ёлкин Пётр", "Zawadi Mwangi")
        ])  # fmt: skip
        db.session.commit()
        keys = dict(db.session.execute(select(Person.name, Person.sort_key)).all())
    assert keys == {
        "Ёлкин Пётр": sort_key("Ёлкин Пётр"),
        "Zawadi Mwangi": sort_key("Zawadi Mwangi"),
    }


def test_the_migration_fills_the_key_of_every_stored_name(app, world, make_person):  # noqa: ANN001
    for name in NAMES:
        make_person("officer", world.station_a, name=name)
    path = next(Path("migrations/versions").glob("*_people_sort_key.py"))
    spec = importlib.util.spec_from_file_location("people_sort_key", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        db.session.execute(update(Person).values(sort_key=""))
        migration._fill_sort_keys(db.session.connection())
        db.session.commit()
        keys = db.session.execute(select(Person.name, Person.sort_key)).all()
    assert all(key == sort_key(name) for name, key in keys)


# ---- search ------------------------------------------------------------------------------------


def test_people_search_finds_words_by_their_beginning_in_any_field(
    world, make_person, coordinator_client
):  # noqa: ANN001
    make_person("officer", world.station_a, name="Ёлкин Пётр", rank="Inspector")
    make_person("ngo_staff", world.ngo, name="Said Abdalla", position="Outreach worker")
    assert "Ёлкин Пётр" in coordinator_client.get("/people?q=елкин").data.decode()
    assert "Ёлкин Пётр" in coordinator_client.get("/people?q=insp").data.decode()
    html = coordinator_client.get("/people?q=outreach+abd").data.decode()
    assert "Said Abdalla" in html and "Ёлкин Пётр" not in html
    html = coordinator_client.get("/people?q=--").data.decode()
    assert "Said Abdalla" not in html and "Ёлкин Пётр" not in html


def test_a_community_representatives_name_is_searched_only_by_who_may_read_it(
    world, make_org, make_person, coordinator_client, viewer_client
):  # noqa: ANN001
    group = make_org("community_group", "Community Group")
    make_person("community_rep", group, name="Wanjiku Q.")
    assert "Wanjiku Q." in coordinator_client.get("/people?q=wanjiku").data.decode()
    html = viewer_client.get("/people?q=wanjiku").data.decode()
    assert "No people match these filters." in html
    assert "Wanjiku" not in html.replace('value="wanjiku"', "")


# ---- kept rendered -----------------------------------------------------------------------------


def test_kept_lists_equal_fresh_ones_before_and_right_after_a_write(  # noqa: PLR0913
    app, world, make_person, coordinator_client, officer_client, viewer_client, live_cache
):  # noqa: ANN001
    make_person("officer", world.station_a, name="Here Officer")
    make_person("officer", world.station_b, name="Neighbour Officer")
    paths = ["/people", "/people?q=officer", f"/people?organisation={world.station_b.id}",
             "/organisations", "/organisations?q=alpha", "/organisations?kind=police_station"]  # fmt: skip
    clients = {
        "coordinator": coordinator_client,
        "officer": officer_client,
        "viewer": viewer_client,
    }
    before = {}
    for role, client in clients.items():
        for path in paths:
            kept = page_html(client, path)
            assert kept == fresh_page_html(app, client, path), (role, path)
            page_html(client, path)  # now kept
            before[role, path] = page_html(client, path)
    # The officer's kept pages hold their own station only, whoever loaded the lists first.
    assert "Here Officer" in before["officer", "/people"]
    assert "Neighbour Officer" not in before["officer", "/people"]
    assert "Bravo Police Station" not in before["officer", "/organisations"]
    assert "Neighbour Officer" in before["coordinator", "/people"]

    make_person("officer", world.station_a, name="Alpha Newcomer Officer")
    coordinator_client.post(
        f"/organisations/{world.station_a.id}/deactivate", follow_redirects=True
    )
    for role, client in clients.items():
        for path in paths:
            after = page_html(client, path)
            assert after == fresh_page_html(app, client, path), (role, path)
    assert "Alpha Newcomer Officer" in page_html(coordinator_client, "/people")
    assert "Alpha Newcomer Officer" in page_html(officer_client, "/people")
    assert "Alpha Police Station" not in page_html(coordinator_client, "/organisations?q=alpha")


def test_the_kept_accounts_list_shows_a_new_sign_in(app, world, admin_client, login_as, live_cache):  # noqa: ANN001
    first = page_html(admin_client, "/admin/users")
    assert page_html(admin_client, "/admin/users") == first  # kept
    assert "never" in first  # the trainer has not signed in yet
    login_as("trainer")
    after = page_html(admin_client, "/admin/users")
    assert after != first
    assert after == fresh_page_html(app, admin_client, "/admin/users")


def test_the_kept_audit_log_shows_the_next_write(app, world, admin_client, make_person, live_cache):  # noqa: ANN001
    first = page_html(admin_client, "/admin/audit")
    assert "Kept Log Person" not in first
    make_person("ngo_staff", world.ngo, name="Kept Log Person")
    after = page_html(admin_client, "/admin/audit")
    assert "Kept Log Person" in after
    assert after == fresh_page_html(app, admin_client, "/admin/audit")
    # The record types of the filter, read from the index: each once, in order.
    types = re.findall(
        r"<option>([A-Za-z]+)</option>", after.split('id="entity"')[1].split("</select>")[0]
    )
    assert types == sorted(set(types)) and "Person" in types and "User" in types


def test_kept_lists_still_refuse_the_roles_that_may_not_see_them(
    login_as, world, admin_client, live_cache
):  # noqa: ANN001
    for path in ("/admin/users", "/admin/audit"):
        assert admin_client.get(path).status_code == 200  # kept for the administrator
        for role in ("coordinator", "officer", "viewer", "trainer"):
            response = login_as(role).get(path)
            assert response.status_code == 403, (role, path)
            assert "admin@test.example" not in response.get_data(as_text=True)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def test_a_kept_person_page_equals_a_fresh_one_and_keeps_no_ones_form_token(  # noqa: PLR0913
    app, world, make_person, coordinator_client, login_as, officer_client, live_cache
):  # noqa: ANN001
    officer = make_person("officer", world.station_b, name="Moving Officer", rank="Sergeant")
    path = f"/people/{officer.id}"
    first = coordinator_client.get(path).get_data(as_text=True)
    assert "Bravo Police Station" in first and "Sergeant" in first
    other = login_as("coordinator").get(path).get_data(as_text=True)  # served kept
    assert _csrf(other) != _csrf(first)  # each session's own token on the Deactivate button
    assert page_html(coordinator_client, path) == fresh_page_html(app, coordinator_client, path)
    # The officer of Alpha may not see an officer of Bravo, kept page or not.
    assert officer_client.get(path).status_code == 404
    response = coordinator_client.post(
        f"{path}/transfer",
        data={"station_id": str(world.station_a.id), "transfer_date": date.today().isoformat(),
              "note": "Rotation"},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code == 200
    after = page_html(coordinator_client, path)
    assert "Rotation" in after
    assert after == fresh_page_html(app, coordinator_client, path)
    html = officer_client.get(path).get_data(as_text=True)  # now posted at Alpha
    assert "Moving Officer" in html and "Deactivate" not in html


def test_person_page_query_budget_does_not_grow_with_postings(
    app, world, make_person, coordinator_client, count_queries
):  # noqa: ANN001
    from partnership.organisations.models import Posting

    officer = make_person("officer", world.station_a, name="Long Serving Officer")
    path = f"/people/{officer.id}"
    coordinator_client.get(path)
    with count_queries() as small:
        assert coordinator_client.get(path).status_code == 200
    with app.app_context():
        for year in range(2000, 2020):
            db.session.add(Posting(person_id=officer.id, station_id=world.station_b.id,
                                   start_date=date(year, 1, 1), end_date=date(year, 12, 31)))  # fmt: skip
        db.session.commit()
    with count_queries() as large:
        assert coordinator_client.get(path).status_code == 200
    assert large.count == small.count <= 6, large.statements

"""People: officers with posting history and transfers, NGO staff, community representatives."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from partnership.extensions import db
from partnership.organisations.models import Person, Posting


def postings_of(app, person_id):  # noqa: ANN001, ANN201
    with app.app_context():
        return [
            (p.station_id, p.start_date, p.end_date)
            for p in db.session.scalars(
                select(Posting).where(Posting.person_id == person_id).order_by(Posting.start_date)
            )
        ]


def test_create_officer_opens_a_posting(coordinator_client, world, app):
    response = coordinator_client.post(
        "/people/new",
        data={
            "kind": "officer",
            "name": "Constable Juma Ali",
            "rank": "Constable",
            "organisation_id": str(world.station_a.id),
            "posted_since": "2025-03-01",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.name == "Constable Juma Ali"))
        assert person.organisation_id == world.station_a.id
    assert postings_of(app, person.id) == [(world.station_a.id, date(2025, 3, 1), None)]


def test_officer_needs_a_police_station_and_a_posting_date(coordinator_client, world, app):
    response = coordinator_client.post(
        "/people/new",
        data={
            "kind": "officer",
            "name": "No Station",
            "organisation_id": str(world.ngo.id),
            "posted_since": "2025-03-01",
        },  # fmt: skip
    )
    assert response.status_code == 422
    assert b"must be a police unit" in response.data
    response = coordinator_client.post(
        "/people/new",
        data={"kind": "officer", "name": "No Date", "organisation_id": str(world.station_a.id)},
    )
    assert response.status_code == 422
    assert b"date the officer was posted" in response.data
    with app.app_context():
        assert (
            db.session.scalar(select(Person).where(Person.name.in_(["No Station", "No Date"])))
            is None
        )


def test_community_representative_keeps_no_contact_details(
    coordinator_client, world, app, make_org
):
    group = make_org("community_group", "Network of People Who Use Drugs")
    response = coordinator_client.post(
        "/people/new",
        data={
            "kind": "community_rep",
            "name": "M.K.",
            "organisation_id": str(group.id),
            "phone": "+254700000000",
            "email": "mk@example.org",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        rep = db.session.scalar(select(Person).where(Person.name == "M.K."))
        assert rep.phone == "" and rep.email == ""


def test_community_representative_name_is_short(coordinator_client, world):
    response = coordinator_client.post(
        "/people/new",
        data={
            "kind": "community_rep",
            "name": "A Very Long Full Name That Identifies Somebody Clearly",
        },
    )
    assert response.status_code == 422
    assert b"chosen name or initials" in response.data


def test_transfer_keeps_the_history(coordinator_client, world, app, make_person):
    officer = make_person("officer", world.station_a, posted_since=date(2024, 1, 10))
    response = coordinator_client.post(
        f"/people/{officer.id}/transfer",
        data={
            "station_id": str(world.station_b.id),
            "transfer_date": "2025-06-01",
            "note": "Routine",
        },
    )
    assert response.status_code == 302
    assert postings_of(app, officer.id) == [
        (world.station_a.id, date(2024, 1, 10), date(2025, 6, 1)),
        (world.station_b.id, date(2025, 6, 1), None),
    ]
    with app.app_context():
        assert db.session.get(Person, officer.id).organisation_id == world.station_b.id
    html = coordinator_client.get(f"/people/{officer.id}").data.decode()
    assert "Alpha Police Station" in html and "Bravo Police Station" in html


def test_transfer_dated_before_the_previous_posting_is_refused(
    coordinator_client, world, app, make_person
):
    officer = make_person("officer", world.station_a, posted_since=date(2025, 1, 10))
    response = coordinator_client.post(
        f"/people/{officer.id}/transfer",
        data={"station_id": str(world.station_b.id), "transfer_date": "2024-12-31"},
    )
    assert response.status_code == 422
    assert b"after the start of the current posting (10 Jan 2025)" in response.data
    assert postings_of(app, officer.id) == [(world.station_a.id, date(2025, 1, 10), None)]


def test_transfer_in_the_future_or_to_the_same_station_is_refused(
    coordinator_client, world, make_person
):
    officer = make_person("officer", world.station_a)
    future = (date.today() + timedelta(days=3)).isoformat()
    response = coordinator_client.post(
        f"/people/{officer.id}/transfer",
        data={"station_id": str(world.station_b.id), "transfer_date": future},
    )
    assert response.status_code == 422 and b"future" in response.data
    response = coordinator_client.post(
        f"/people/{officer.id}/transfer",
        data={"station_id": str(world.station_a.id), "transfer_date": date.today().isoformat()},
    )
    assert response.status_code == 422 and b"already posted" in response.data


def test_editing_an_officer_cannot_move_them_silently(coordinator_client, world, make_person):
    officer = make_person("officer", world.station_a, name="Sergeant Stable")
    response = coordinator_client.post(
        f"/people/{officer.id}/edit",
        data={
            "kind": "officer",
            "name": "Sergeant Stable",
            "organisation_id": str(world.station_b.id),
            "version": "1",
        },  # fmt: skip
    )
    assert response.status_code == 422
    assert "Record a transfer" in response.data.decode()


def test_officer_sees_only_officers_of_their_station(officer_client, world, make_person, make_org):
    make_person("officer", world.station_a, name="Here Officer")
    make_person("officer", world.station_b, name="Neighbour Officer")
    make_person("ngo_staff", world.ngo, name="Outreach Worker Name", position="Outreach worker")
    group = make_org("community_group", "Community Group")
    make_person("community_rep", group, name="Z.Q.")
    html = officer_client.get("/people").data.decode()
    assert "Here Officer" in html
    assert "Neighbour Officer" not in html
    assert "Outreach Worker Name" not in html
    assert "Z.Q." not in html


def test_people_search_and_kind_filter(coordinator_client, world, make_person):
    make_person("officer", world.station_a, name="Inspector Mary Achieng", rank="Inspector")
    make_person("ngo_staff", world.ngo, name="Said Abdalla", position="Outreach worker")
    html = coordinator_client.get("/people?q=achieng").data.decode()
    assert "Inspector Mary Achieng" in html and "Said Abdalla" not in html
    html = coordinator_client.get("/people?kind=ngo_staff").data.decode()
    assert "Said Abdalla" in html and "Inspector Mary Achieng" not in html
    html = coordinator_client.get("/people?q=outreach").data.decode()
    assert "Said Abdalla" in html


def test_the_people_list_counts_exactly_the_people_it_lists(
    app, world, make_person, login_as, monkeypatch
):
    """The list's count (read from the people's ids alone) equals counting the people the list
    shows, for every filter, as a coordinator, a viewer and an officer (their station's
    officers only), and stops at the pages that may be opened."""
    import re

    from flask_login import login_user

    from partnership.accounts.models import User
    from partnership.organisations.services import PersonFilters, person_query

    for n in range(32):
        make_person(["officer", "ngo_staff", "officer"][n % 3],
                    [world.station_a, world.station_b, world.ngo, world.station_c][n % 4],
                    name=f"Counted Person {n}", active=n % 5 != 0)  # fmt: skip
    cases = [
        ({}, PersonFilters()),
        ({"inactive": "1"}, PersonFilters(include_inactive=True)),
        ({"kind": "officer"}, PersonFilters(kind="officer")),
        ({"organisation": world.station_a.id}, PersonFilters(organisation_id=world.station_a.id)),
        ({"command": world.command.id}, PersonFilters(command_id=world.command.id)),
        ({"q": "Counted", "inactive": "1"}, PersonFilters(q="Counted", include_inactive=True)),
    ]
    monkeypatch.setitem(app.config, "PER_PAGE", 5)
    for role in ("coordinator", "viewer", "officer"):
        client = login_as(role)
        for args, filters in cases:
            with app.test_request_context():
                user = db.session.get(User, world.users[role].id)
                login_user(user)
                expected = len(db.session.scalars(person_query(user, filters)).unique().all())
            page = client.get("/people", query_string=args).get_data(as_text=True)
            counted = re.search(r'<p class="count">([^<]*)</p>', page).group(1)
            assert counted == (f"{expected} records" if expected != 1 else "1 record"), (
                role, args
            )  # fmt: skip
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 2)
    page = login_as("coordinator").get("/people?inactive=1").get_data(as_text=True)
    assert "More than 10 records" in page

"""List pages issue the same number of queries for 5 rows and for 200 rows."""

from __future__ import annotations

import pytest

from partnership.extensions import db
from partnership.organisations.models import (
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
    Posting,
)


def add_rows(app, world, n: int, start: int = 0) -> None:  # noqa: ANN001
    from datetime import date

    with app.app_context():
        for i in range(start, start + n):
            station = Organisation(kind=OrganisationKind.POLICE_STATION, name=f"Budget Station {i}",
                                   country="KE", city="Mombasa", command_id=world.command.id)  # fmt: skip
            db.session.add(station)
            officer = Person(
                kind=PersonKind.OFFICER, name=f"Budget Officer {i}", organisation=station
            )
            db.session.add(officer)
            db.session.add(Posting(person=officer, station=station, start_date=date(2024, 1, 1)))
        db.session.commit()


@pytest.mark.parametrize(
    "path",
    ["/organisations", "/people", "/organisations/export.csv", "/people/export.xlsx",
     "/admin/users", "/admin/audit", "/people?q=budget+officer", "/people?kind=officer&country=KE",
     "/people?page=2", "/organisations?q=budget&kind=police_station", "/admin/audit?entity=Person",
     "/admin/users?q=example"],
)  # fmt: skip
def test_query_count_does_not_grow_with_the_data(app, world, admin_client, count_queries, path):
    add_rows(app, world, 5)
    admin_client.get(path)  # warm-up: the session row is touched at most once a minute
    with count_queries() as small:
        assert admin_client.get(path).status_code == 200
    add_rows(app, world, 195, start=5)
    with count_queries() as large:
        assert admin_client.get(path).status_code == 200
    assert large.count == small.count, (small.statements, large.statements)
    assert small.count <= 8


def test_officer_list_budget(app, world, officer_client, count_queries):
    add_rows(app, world, 5)
    officer_client.get("/people")
    with count_queries() as small:
        officer_client.get("/people")
    add_rows(app, world, 100, start=5)
    with count_queries() as large:
        officer_client.get("/people")
    assert large.count == small.count

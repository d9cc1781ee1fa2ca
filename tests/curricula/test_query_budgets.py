"""Curricula pages issue the same number of queries for small and large data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from partnership.extensions import db


def add_programme(app, world, n: int, start: int = 0) -> int:  # noqa: ANN001
    """``n`` modules, stations with an officer each, and ``n`` trainings with those officers
    (attendance and scores), plus one shared training that grows with ``n``."""
    from curricula.models import (
        Adoption,
        AdoptionStatus,
        AttendanceDay,
        AttendanceStatus,
        Audience,
        Certificate,
        Module,
        Participant,
        Training,
    )
    from partnership.organisations.models import (
        Organisation,
        OrganisationKind,
        Person,
        PersonKind,
        Posting,
    )

    with app.app_context():
        academy = Organisation(kind=OrganisationKind.TRAINING_CENTRE, name=f"Academy {start}",
                               country="KE", city="Nairobi")  # fmt: skip
        shared = db.session.scalar(db.select(Training).where(Training.title == "Shared"))
        day = date.today() - timedelta(days=20)
        if shared is None:
            shared = Training(title="Shared", starts_on=day, ends_on=day + timedelta(days=1),
                              day_count=2, max_score=20, pass_mark=10)  # fmt: skip
            db.session.add(shared)
        db.session.add(academy)
        for i in range(start, start + n):
            module = Module(code=f"QB-{i}", title=f"Module {i}", audience=Audience.OPERATIONAL,
                            duration_hours=2, max_score=20)  # fmt: skip
            station = Organisation(kind=OrganisationKind.POLICE_STATION, name=f"QB Station {i}",
                                   country="KE", city="Mombasa", command_id=world.command.id)  # fmt: skip
            officer = Person(kind=PersonKind.OFFICER, name=f"QB Officer {i}", organisation=station)
            db.session.add_all([module, station, officer])
            db.session.add(Posting(person=officer, station=station, start_date=date(2024, 1, 1)))
            db.session.add(Adoption(centre=academy, module_code=module.code,
                                    status=AdoptionStatus.PILOTED, proposed_on=day))  # fmt: skip
            training = Training(title=f"QB Training {i}", starts_on=day, ends_on=day,
                                day_count=1, max_score=20, pass_mark=10)  # fmt: skip
            training.modules = [module]
            training.stations = [station]
            shared.modules.append(module)
            db.session.add(training)
            for t in (training, shared):
                participant = Participant(training=t, person=officer, station=station,
                                          pre_score=i % 20, post_score=(i + 5) % 21)  # fmt: skip
                for d in t.days:
                    participant.days.append(AttendanceDay(day=d, status=AttendanceStatus.PRESENT))
                db.session.add(participant)
            db.session.add(Certificate(training=shared, person=officer, code=f"QB{i:010d}"))
        db.session.commit()
        return shared.id


# Queries per page (including the session and user look-ups of the signed-in request).
BUDGETS = {
    "/curricula/modules": 3,
    "/curricula/modules/export.csv": 2,
    "/curricula/adoption": 4,
    "/curricula/trainings": 8,
    "/curricula/trainings/{shared}": 8,
    "/curricula/trainings/{shared}/register": 6,
    "/curricula/trainings/{shared}/scores": 6,
    "/curricula/trainings/{shared}/template.xlsx": 6,
    "/curricula/knowledge?by=module": 4,
    "/curricula/knowledge?by=station": 4,
    "/curricula/knowledge?by=audience": 3,
    "/curricula/knowledge?by=period": 3,
    "/curricula/knowledge?by=training": 4,
    "/curricula/coverage": 8,
}


@pytest.mark.parametrize("path", sorted(BUDGETS))
def test_query_count_does_not_grow_with_the_data(app, world, coordinator_client, count_queries,
                                                 path):  # fmt: skip
    shared = add_programme(app, world, 5)
    url = path.format(shared=shared)
    coordinator_client.get(url)  # warm-up: the session row is touched at most once a minute
    with count_queries() as small:
        assert coordinator_client.get(url).status_code == 200
    add_programme(app, world, 60, start=5)
    with count_queries() as large:
        assert coordinator_client.get(url).status_code == 200
    assert large.count == small.count, (small.statements, large.statements)
    assert small.count == BUDGETS[path], small.statements


@pytest.mark.parametrize("path", ["/curricula/trainings", "/curricula/knowledge?by=station",
                                  "/curricula/coverage"])  # fmt: skip
def test_officer_pages_budget(app, world, officer_client, count_queries, path):
    add_programme(app, world, 5)
    officer_client.get(path)
    with count_queries() as small:
        officer_client.get(path)
    add_programme(app, world, 40, start=5)
    with count_queries() as large:
        officer_client.get(path)
    assert large.count == small.count

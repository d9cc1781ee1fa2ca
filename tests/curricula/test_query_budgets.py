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
        Audience,
        Certificate,
        Module,
        Participant,
        Training,
    )
    from meetings.models import AttendanceMark, AttendanceStatus, Attendee, Meeting
    from partnership.organisations.models import (
        Organisation,
        OrganisationKind,
        Person,
        PersonKind,
        Posting,
    )
    from tests.curricula.helpers import build_training

    with app.app_context():
        academy = Organisation(kind=OrganisationKind.TRAINING_CENTRE, name=f"Academy {start}",
                               country="KE", city="Nairobi")  # fmt: skip
        db.session.add(academy)
        day = date.today() - timedelta(days=20)
        shared = db.session.scalar(
            db.select(Training).join(Meeting).where(Meeting.title == "Shared")
        )
        if shared is None:
            shared = build_training([world.station_a], [], days=2, starts_on=day, title="Shared",
                                    max_score=20, pass_mark=10)  # fmt: skip
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
            db.session.flush()
            scores = (officer.id, 2, i % 20, (i + 5) % 21)
            build_training([station], [scores], modules=[module], days=1, starts_on=day,
                           title=f"QB Training {i}", max_score=20, pass_mark=10)  # fmt: skip
            shared.modules.append(module)
            attendee = Attendee(meeting_id=shared.meeting_id, person_id=officer.id,
                                station_id=station.id)  # fmt: skip
            for d in shared.days:
                attendee.marks.append(AttendanceMark(day=d, status=AttendanceStatus.PRESENT))
            db.session.add(attendee)
            db.session.flush()
            db.session.add(Participant(training=shared, attendee_id=attendee.id,
                                       pre_score=i % 20, post_score=(i + 5) % 21))  # fmt: skip
            db.session.add(Certificate(training=shared, person=officer, code=f"QB{i:010d}"))
        db.session.commit()
        return shared.id


# Queries per page (including the session and user look-ups of the signed-in request). The
# knowledge and coverage pages carry the dashboard's place filters (stations and commands to
# choose from, and the countries the programme works in) and the total of the whole view, as
# the dashboard's tile shows it.
BUDGETS = {
    "/curricula/modules": 3,
    "/curricula/modules/export.csv": 2,
    # (And its title looked up for the page around its kept content.)
    "/curricula/modules/{module}": 7,
    "/curricula/adoption": 4,
    "/curricula/trainings": 9,
    # (And the title of the training looked up for the page around its kept content.)
    "/curricula/trainings/{shared}": 10,
    "/curricula/trainings/{shared}/scores": 7,
    "/curricula/trainings/{shared}/template.xlsx": 7,
    "/curricula/knowledge?by=module": 8,
    "/curricula/knowledge?by=station": 8,
    "/curricula/knowledge?by=audience": 7,
    "/curricula/knowledge?by=period": 7,
    "/curricula/knowledge?by=training": 8,
    "/curricula/coverage": 10,
}


@pytest.mark.parametrize("path", sorted(BUDGETS))
def test_query_count_does_not_grow_with_the_data(app, world, coordinator_client, count_queries,
                                                 path):  # fmt: skip
    from curricula.models import Module
    from partnership.caching import cache

    shared = add_programme(app, world, 5)
    with app.app_context():
        module = db.session.scalar(db.select(Module.id).where(Module.code == "QB-0"))
    url = path.format(shared=shared, module=module)

    def get_computed() -> None:  # the page's own queries, not the statistics' cached copy
        with app.app_context():
            cache.clear()
        response = coordinator_client.get(url)
        assert response.status_code == 200
        response.get_data()

    coordinator_client.get(url)  # warm-up: the session row is touched at most once a minute
    with count_queries() as small:
        get_computed()
    add_programme(app, world, 60, start=5)
    with count_queries() as large:
        get_computed()
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


# Queries of a page served from what is kept (partnership.caching): none, since the worker keeps
# the session and the user too, and nothing of the page: its title is kept with it.
KEPT_BUDGETS = {
    "/curricula/trainings": 0,
    "/curricula/trainings/{shared}": 0,
    "/curricula/modules": 0,
    "/curricula/modules/{module}": 0,
    "/curricula/adoption": 0,
    "/curricula/knowledge": 0,
    "/curricula/coverage": 0,
}


@pytest.mark.parametrize("path", sorted(KEPT_BUDGETS))
def test_kept_pages_query_only_the_session(app, world, coordinator_client, count_queries,
                                           live_cache, path):  # fmt: skip
    from curricula.models import Module

    shared = add_programme(app, world, 5)
    with app.app_context():
        module = db.session.scalar(db.select(Module.id).where(Module.code == "QB-0"))
    url = path.format(shared=shared, module=module)
    assert coordinator_client.get(url).status_code == 200  # computed and kept
    with count_queries() as kept:
        response = coordinator_client.get(url)
        assert response.status_code == 200
    assert kept.count == KEPT_BUDGETS[path], kept.statements

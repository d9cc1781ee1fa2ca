"""The API's lists run a fixed number of queries whatever the size of the page."""

from __future__ import annotations

from datetime import date

from tests.api.helpers import call, new_token
from tests.meetings.helpers import create_meeting

PATHS = ["/api/v1/stations", "/api/v1/people", "/api/v1/meetings", "/api/v1/concerns",
         "/api/v1/action-points", "/api/v1/trainings", "/api/v1/referral-schemes"]  # fmt: skip


def _add(app, world, n: int, make_person, make_concern, make_action_point, make_training) -> None:  # noqa: ANN001, PLR0913
    for i in range(n):
        officer = make_person("officer", world.station_a, name=f"Officer {n}-{i}")
        make_concern(world.station_a)
        make_action_point(world.station_a)
        create_meeting(app, [world.station_a, world.station_b], title=f"Meeting {n}-{i}")
        make_training([world.station_a], [(officer, 2, 8, 15)], starts_on=date(2026, 3, 1 + i))


def test_every_list_runs_the_same_queries_for_one_record_or_many(  # noqa: PLR0913
    app,
    world,
    login_as,
    count_queries,
    make_person,
    make_concern,
    make_action_point,  # noqa: ANN001
    make_training,
) -> None:
    token = new_token(login_as("coordinator"))
    _add(app, world, 1, make_person, make_concern, make_action_point, make_training)
    call(app, token, PATHS[0])  # the token's first use is recorded once
    few = {}
    for path in PATHS:
        with count_queries() as counter:
            assert call(app, token, path).status_code == 200
        few[path] = len(counter.statements)
    _add(app, world, 6, make_person, make_concern, make_action_point, make_training)
    for path in PATHS:
        with count_queries() as counter:
            body = call(app, token, path).json
        assert body["total"] >= 2 or path.endswith(("stations", "referral-schemes")), path
        assert len(counter.statements) == few[path], (path, counter.statements)

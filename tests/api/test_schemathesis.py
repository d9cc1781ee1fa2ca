"""Every endpoint of the API against its OpenAPI description, with Schemathesis: requests
generated from the description (valid ones, and invalid ones), sent to the app in-process (WSGI)
with a personal token, and each answer checked: no server error, a documented status, a content
type and body matching the response schema, invalid input refused, valid input accepted.

(Schemathesis' pytest plugin, ``from_fixture``, does not run under pytest 9, so each operation's
strategy is driven by Hypothesis here.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

EXAMPLES = 10


def _token(app, world, role: str) -> str:  # noqa: ANN001
    from partnership.accounts.models import User
    from partnership.accounts.services import create_api_token
    from partnership.extensions import db

    with app.app_context():
        user = db.session.get(User, world.users[role].id)
        secret = create_api_token(user, "schemathesis", 30)
        db.session.commit()
        db.session.remove()
    return secret


@pytest.fixture()
def records(app, world, referrals, make_concern, make_action_point, make_person):  # noqa: ANN001
    from tests.meetings.helpers import create_meeting
    from tests.referrals.conftest import add_slips

    make_concern(world.station_a)
    make_action_point(world.station_a)
    make_person("officer", world.station_a)
    create_meeting(app, [world.station_a])
    add_slips(app, referrals.scheme_id, world.station_a.id, 6)
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # generated requests come fast
    yield
    app.config["API_RATE_LIMIT"] = "120 per minute"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", ["coordinator", "officer"])
def test_every_endpoint_answers_as_its_description_says(app, world, records, role, mode) -> None:  # noqa: ANN001
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {_token(app, world, role)}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13  # 10 reads, 3 writes
    for operation in operations:
        _answers_as_described(operation, mode, headers)()


def _answers_as_described(operation, mode, headers: dict):  # noqa: ANN001, ANN202
    # A write's valid request may still be refused by a rule of the service (a slip number
    # taken, a date before the scheme started): 422 with the field, as the form does.
    excluded = [positive_data_acceptance] if operation.method.upper() == "POST" else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case) -> None:  # noqa: ANN001
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    return check

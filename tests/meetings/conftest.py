"""Meeting factories for the meetings tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture()
def make_meeting(app) -> Callable:  # noqa: ANN001
    """Create a meeting through the service (as the web does) and hand back its id."""
    from tests.meetings.helpers import create_meeting

    def make(stations, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return create_meeting(app, stations, **kwargs)

    return make


@pytest.fixture()
def soon() -> datetime:
    return (datetime.now(UTC) + timedelta(days=7)).replace(
        hour=7, minute=0, second=0, microsecond=0
    )

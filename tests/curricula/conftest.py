"""Factories of the curricula tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import _saved


@pytest.fixture()
def make_module(app) -> Callable:  # noqa: ANN001
    from curricula.models import Audience, Module

    def make(code: str = "HR-101", title: str = "HIV and harm reduction basics", **extra):  # noqa: ANN003, ANN202
        module = Module(
            code=code,
            title=title,
            version_number=extra.pop("version_number", 1),
            audience=Audience(extra.pop("audience", "operational")),
            duration_hours=extra.pop("duration_hours", 4),
            max_score=extra.pop("max_score", 20),
            pass_mark=extra.pop("pass_mark", 12),
            **extra,
        )
        return _saved(app, module)

    return make


@pytest.fixture()
def make_training(app, make_module) -> Callable:  # noqa: ANN001
    """A training of ``days`` days at ``stations``, with ``people`` on the register.

    ``people`` is a list of (person, attended_days, pre, post); attended days are marked
    present, the others absent."""
    from datetime import date, timedelta

    from curricula.models import (
        AttendanceDay,
        AttendanceStatus,
        Module,
        Participant,
        Training,
    )
    from partnership.extensions import db
    from partnership.organisations.models import Organisation

    def make(stations=(), people=(), days: int = 2, modules=None, **extra):  # noqa: ANN001, ANN003, ANN202
        start = extra.pop("starts_on", date.today() - timedelta(days=30))
        with app.app_context():
            module_ids = [m.id for m in (modules or [make_module(code=f"T-{start}-{days}")])]
            training = Training(
                title=extra.pop("title", "Harm reduction for operational officers"),
                starts_on=start,
                ends_on=start + timedelta(days=days - 1),
                day_count=days,
                max_score=extra.pop("max_score", 20),
                pass_mark=extra.pop("pass_mark", 12),
                **extra,
            )
            training.modules = [db.session.get(Module, i) for i in module_ids]
            training.stations = [db.session.get(Organisation, s.id) for s in stations]
            db.session.add(training)
            for person, attended, pre, post in people:
                participant = Participant(
                    training=training, person_id=person.id, station_id=person.organisation_id,
                    pre_score=pre, post_score=post,
                )  # fmt: skip
                for n, day in enumerate(training.days):
                    status = AttendanceStatus.PRESENT if n < attended else AttendanceStatus.ABSENT
                    participant.days.append(AttendanceDay(day=day, status=status))
                db.session.add(participant)
            db.session.commit()
            training_id = training.id
            db.session.remove()
        return training_id

    return make

"""Factories of the curricula tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from tests.conftest import _saved

_codes = itertools.count(1)


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
    """A held training meeting of ``days`` days at ``stations`` with ``people`` on the register:
    a list of (person, attended days, pre, post); see tests/curricula/helpers.py."""
    from datetime import date, timedelta

    from curricula.models import Module
    from partnership.extensions import db
    from tests.curricula.helpers import build_training

    def make(stations=(), people=(), days: int = 2, modules=None, **extra):  # noqa: ANN001, ANN003, ANN202
        start = extra.pop("starts_on", date.today() - timedelta(days=30))
        module_list = modules or [make_module(code=f"T-{next(_codes)}")]
        with app.app_context():
            training = build_training(
                stations, [(p.id, a, pre, post) for p, a, pre, post in people],
                modules=[db.session.get(Module, m.id) for m in module_list],
                days=days, starts_on=start, **extra,
            )  # fmt: skip
            db.session.commit()
            training_id = training.id
            db.session.remove()
        return training_id

    return make

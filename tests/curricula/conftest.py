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

"""Display rounding: half up, on the decimal value people read."""

from __future__ import annotations

import pytest

from partnership.numbers import percent, round_half_up


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(42.5, 0, 43), (43.5, 0, 44), (2.675, 2, 2.68), (-1.5, 0, -2), (0.0005, 3, 0.001), (7, 0, 7)],
)
def test_round_half_up(value, digits, expected):  # noqa: ANN001
    assert round_half_up(value, digits) == expected


@pytest.mark.parametrize(
    ("share", "expected"), [(0.425, 43), (17 / 40, 43), (0.285, 29), (0.625, 63), (1.0, 100)]
)
def test_percent_rounds_the_share_half_up(share, expected):  # noqa: ANN001
    assert percent(share) == expected


def test_the_round_filter_of_templates_rounds_half_up(app):  # noqa: ANN001
    with app.app_context():
        assert app.jinja_env.from_string(
            "{{ 42.5|round|int }} {{ 0.625|percent|int }}"
        ).render() == ("43 63")

"""Bar charts drawn as inline SVG on the server: no script, no internet, readable on a phone.

Every chart comes with its numbers as a table (see templates/dashboard/_chart.html), so screen
readers and people who prefer numbers get the same information.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal

from partnership.disclosure import Figure


@dataclass
class Series:
    name: str
    values: Sequence[Figure | int | float | None]  # Figures come already suppressed
    css: str  # a class from app.css that colours the bars and the key


@dataclass
class BarChart:
    """Drawn WIDTH units wide whatever the number of months, about the width of a 360 px phone's
    content, so that labels of 12.5 units (static/css/app.css) read at 12 px or more there."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    height: int = 120
    width: int = 300
    gap: int = 4
    label_space: int = 18  # below the axis, for the month labels
    char_width: float = 7.5  # of a label character at the chart's font size, a generous guess

    @property
    def top(self) -> float:
        values = [_height(v) for s in self.series for v in s.values]
        return max(values + [1])

    @property
    def group_width(self) -> float:
        return (self.width - self.gap) / max(len(self.categories), 1)

    @property
    def bar_width(self) -> float:
        return (self.group_width - self.gap) / max(len(self.series), 1)

    def bars(self) -> list[dict]:
        out = []
        for c, category in enumerate(self.categories):
            for s, series in enumerate(self.series):
                value = series.values[c]
                h = round(self.height * _height(value) / self.top, 1)
                out.append(
                    {
                        "x": round(self.gap + c * self.group_width + s * self.bar_width, 1),
                        "y": self.height - h,
                        "height": h,
                        "width": round(max(self.bar_width - 1, 1), 1),
                        "css": series.css,
                        "withheld": _withheld(value),
                        "text": shown_text(value),
                        "label": f"{series.name}, {category}: {shown_text(value)}",
                    }
                )
        return out

    def ticks(self) -> list[dict]:
        """Category labels under the bars: as many as fit side by side without touching."""
        longest = max((len(label) for label in self.categories), default=1)
        step = max(1, math.ceil((longest * self.char_width + 8) / self.group_width))
        return [
            {"x": round(self.gap + c * self.group_width, 1), "label": label}
            for c, label in enumerate(self.categories)
            if c % step == 0
            and self.gap + c * self.group_width + longest * self.char_width <= self.width + self.gap
        ]


def _withheld(value: Figure | float | None) -> bool:
    return isinstance(value, Figure) and value.withheld


def _height(value: Figure | float | None) -> float:
    """A withheld figure is drawn (hatched) at the threshold's height, never as zero."""
    if isinstance(value, Figure):
        return value.bar_value
    return value or 0


def shown_text(value: Figure | float | None) -> str:
    if isinstance(value, Figure):
        return value.text
    return format_decimal(value or 0)

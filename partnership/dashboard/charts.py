"""Bar charts drawn as inline SVG on the server: no script, no internet, readable on a phone.

Every chart comes with its numbers as a table (see templates/dashboard/_chart.html), so screen
readers and people who prefer numbers get the same information.
"""

from __future__ import annotations

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
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    height: int = 120
    bar_width: int = 9
    gap: int = 6

    @property
    def top(self) -> float:
        values = [_height(v) for s in self.series for v in s.values]
        return max(values + [1])

    @property
    def group_width(self) -> int:
        return self.bar_width * len(self.series) + self.gap

    @property
    def width(self) -> int:
        return max(len(self.categories), 1) * self.group_width + self.gap

    def bars(self) -> list[dict]:
        out = []
        for c, category in enumerate(self.categories):
            for s, series in enumerate(self.series):
                value = series.values[c]
                h = round(self.height * _height(value) / self.top, 1)
                out.append(
                    {
                        "x": self.gap + c * self.group_width + s * self.bar_width,
                        "y": self.height - h,
                        "height": h,
                        "width": self.bar_width - 1,
                        "css": series.css,
                        "withheld": _withheld(value),
                        "text": shown_text(value),
                        "label": f"{series.name}, {category}: {shown_text(value)}",
                    }
                )
        return out

    def ticks(self) -> list[dict]:
        """Category labels under the bars; on long ranges only every other one."""
        step = 1 if len(self.categories) <= 12 else 2
        return [
            {"x": self.gap + c * self.group_width, "label": label}
            for c, label in enumerate(self.categories)
            if c % step == 0
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

"""Rounding for display: half up, as people and spreadsheets round (42.5 % shows as 43 %).

Python's ``round`` and Jinja's ``round`` filter round half to even and work on the binary
value (``round(2.675, 2)`` gives 2.67), so a share printed on a page could differ by one from
the same share in the workbook. Rounding the shortest decimal form of the number avoids both.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

_METHODS = {"common": ROUND_HALF_UP, "ceil": ROUND_CEILING, "floor": ROUND_FLOOR}


def round_half_up(value: float | int | None, precision: int = 0, method: str = "common") -> float:
    """``value`` rounded to ``precision`` decimals, halves away from zero; a drop-in for Jinja's
    ``round`` filter (same arguments, also "ceil" and "floor")."""
    if value is None:
        return value  # type: ignore[return-value]
    quantum = Decimal(1).scaleb(-precision)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=_METHODS[method]))


def percent(share: float | None, digits: int = 0) -> float | None:
    """A share (0.425) as a percentage rounded half up (43.0): rounding the share itself to
    ``digits + 2`` decimals keeps 0.285 at 29 although 0.285 × 100 is 28.499… in binary."""
    if share is None:
        return None
    return round_half_up(round_half_up(share, digits + 2) * 100, digits)

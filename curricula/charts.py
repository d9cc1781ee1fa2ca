"""Server-rendered SVG charts (no scripts, work offline): the coordinates are computed here and
drawn by templates/curricula/_charts.html; every chart has its numbers as a table too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from partnership.numbers import round_half_up

WIDTH, HEIGHT, PAD = 320, 240, 36


@dataclass
class Point:
    x: float
    y: float
    pre: float
    post: float


def scatter(participants, max_score: float) -> dict | None:  # noqa: ANN001
    """Post-test against pre-test per participant; points above the diagonal gained."""
    pairs = [
        (p.pre_score, p.post_score)
        for p in participants
        if p.pre_score is not None and p.post_score is not None
    ]
    if not pairs or not max_score:
        return None
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def sx(v: float) -> float:
        return round(PAD + v / max_score * span_x, 1)

    def sy(v: float) -> float:
        return round(HEIGHT - PAD - v / max_score * span_y, 1)

    ticks = sorted({0, round(max_score / 2, 1), max_score})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "points": [Point(sx(a), sy(b), a, b) for a, b in pairs],
        "diagonal": (sx(0), sy(0), sx(max_score), sy(max_score)),
        "xticks": [(sx(t), t) for t in ticks],
        "yticks": [(sy(t), t) for t in ticks],
        "max": max_score,
    }


def bars(groups, withheld: Sequence[bool] = ()) -> dict | None:  # noqa: ANN001
    """Mean pre-test and post-test per group, as percent of the maximum. A group whose pairs
    are withheld from the reader (``withheld``, decided by partnership.disclosure) keeps its
    place with a "not shown" label: no bar describes its few participants."""
    flags = list(withheld) or [False] * len(groups)
    rows = [(label, s, hide) for (label, s), hide in zip(groups, flags, strict=True) if s.n]
    if not rows:
        return None
    bar_h, gap = 14, 10  # bars as tall as their 13-unit labels
    height = PAD + len(rows) * (2 * bar_h + gap) + 10
    span = WIDTH - 2 * PAD - 40
    items = []
    for i, (label, s, hide) in enumerate(rows):
        y = PAD + i * (2 * bar_h + gap)
        if hide:
            items.append({"label": label, "y": y, "bar_h": bar_h, "withheld": True})
            continue
        pre_pct = s.mean_pre / s.scale_max * 100
        post_pct = s.mean_post / s.scale_max * 100
        items.append({
            "label": label, "y": y, "bar_h": bar_h,
            "pre_w": round(max(pre_pct, 0) / 100 * span, 1),
            "post_w": round(max(post_pct, 0) / 100 * span, 1),
            "pre": int(round_half_up(pre_pct)), "post": int(round_half_up(post_pct)),
        })  # fmt: skip
    return {"width": WIDTH, "height": height, "pad": PAD, "rows": items, "span": span}

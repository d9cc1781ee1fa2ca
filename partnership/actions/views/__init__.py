"""The actions blueprint (concerns, action points, follow-ups, the officer's review, measures and
the station brief); its views live in one module per aggregate."""

from __future__ import annotations

import re

from flask import Blueprint, url_for
from markupsafe import Markup, escape

bp = Blueprint("actions", __name__)


LOOP_REF = re.compile(r"\b(C|AP)-(\d{1,9})\b")


@bp.app_template_filter("loop_refs")
def loop_refs(text: str) -> Markup:
    """Minutes text with references to concerns (C-12) and action points (AP-34) as links;
    the page that opens still applies the reader's access rules."""
    escaped = str(escape(text or ""))

    def link(match: re.Match) -> str:
        kind, number = match.group(1), int(match.group(2))
        url = (
            url_for("actions.concern_detail", concern_id=number)
            if kind == "C"
            else url_for("actions.action_point_detail", point_id=number)
        )
        return f'<a href="{url}">{match.group(0)}</a>'

    # Safe: the text was escaped above; only our own links (digits and url_for) are inserted.
    return Markup(LOOP_REF.sub(link, escaped))  # noqa: S704


from partnership.actions.views import action_points, concerns, follow_ups, review  # noqa: E402, F401

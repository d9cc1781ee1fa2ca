"""The few events that travel up the layers (blinker signals).

A lower layer announces what happened; a higher layer that must react connects a receiver
(``meetings`` and ``curricula`` connect theirs when their blueprint is registered). This module
imports nothing of ours, so any layer may send.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

concern_logged = _signals.signal(
    "concern-logged",
    doc="""A concern was logged (sender: the concern; ``user``: who logged it). Meetings puts it
    on the agenda of a meeting already coming up at its station.""",
)

meeting_rescheduled = _signals.signal(
    "meeting-rescheduled",
    doc="""A meeting was scheduled, moved, lengthened or postponed (sender: the meeting).
    Curricula keeps the dates of the training set up on it in step.""",
)

meeting_page_links = _signals.signal(
    "meeting-page-links",
    doc="""A meeting's page is being shown (sender: the meeting; ``user``: the reader;
    ``page``: "detail", or "register" for its register). A receiver returns a list of
    ``(label, url)`` links for the page, for example curricula's link to the training set up on
    a training meeting, and from the register to entering the training's scores.""",
)

concern_page_links = _signals.signal(
    "concern-page-links",
    doc="""A concern's page is being shown (sender: the concern; ``user``: the reader). A
    receiver returns a list of ``(label, url)`` links, for example meetings' links to the
    meetings whose agenda carries the concern.""",
)

status_changed = _signals.signal(
    "status-changed",
    doc="""A record's status changed through ``lifecycle.change_status`` (sender: the record;
    ``user``: who changed it; ``old`` and ``new``: the statuses; ``reason``). Notifications
    tell the people concerned (an action point verified or reopened, a concern resolved).""",
)

action_point_assigned = _signals.signal(
    "action-point-assigned",
    doc="""An action point was created or edited (sender: the point; ``user``: who saved it;
    ``previous``: the owner ids it had before, empty for a new point). Notifications tell an
    owner newly named on it.""",
)

action_point_acknowledged = _signals.signal(
    "action-point-acknowledged",
    doc="""An officer acknowledged an action point (sender: the point; ``user``: the officer).""",
)

# Sent with the user when all their sessions end (a password change or reset, or an administrator
# ending them): whatever else stands for a sign-in of that user must end too.
sessions_ended = _signals.signal("sessions-ended")

records_bulk_created = _signals.signal(
    "records-bulk-created",
    doc="""Rows were inserted in bulk with one statement, past the ORM's flush (sender: the
    model; ``records``: (id, label, column values) of each). The search index adds them.""",
)

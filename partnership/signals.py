"""The few events that travel up the layers: a lower layer announces, a higher one reacts."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the user when all their sessions end (a password change or reset, or an administrator
# ending them): whatever else stands for a sign-in of that user must end too.
sessions_ended = _signals.signal("sessions-ended")

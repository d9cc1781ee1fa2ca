"""Meetings with police stations: scheduling, calendar, attendance, agenda, minutes."""

from partnership.signals import sessions_ended


@sessions_ended.connect
def _end_calendar_feed(user, **_extra) -> None:  # noqa: ANN001
    """A personal feed's secret address stands for a sign-in: it ends with the user's sessions
    (password changed or reset, sessions ended by an administrator)."""
    from meetings.services.feeds import revoke_feed_token

    revoke_feed_token(user)

"""Meetings with police stations: scheduling, calendar, attendance, agenda, minutes."""

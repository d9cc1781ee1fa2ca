"""Outgoing mail through the configured SMTP server (MAIL_* settings)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app


def send_messages(messages: Iterable[EmailMessage]) -> int:
    """Send ``messages`` through one SMTP connection; the number sent."""
    config = current_app.config
    sent = 0
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        for message in messages:
            smtp.send_message(message)
            sent += 1
    return sent

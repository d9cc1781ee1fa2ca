"""Where a page may send the user next: only to our own pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes to the home page."""
    if not target:
        return url_for("dashboard.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.home")
    if "\\" in target:
        return url_for("dashboard.home")
    return target


def back_link() -> str | None:
    """The page the form was on, when it is one of ours: where to look at the record now."""
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host + "/"):
        target = referrer[len(host) :]
        return target if safe_next(target) == target else None
    return None

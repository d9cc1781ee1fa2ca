"""Sending a data value set to a DHIS2 server, and reading its import summary.

Plain urllib: one POST of JSON to ``/api/dataValueSets``. Redirects are not followed, so the
credentials are never sent on to another address (a server that moved is reported, with the
address it points to). Nothing here logs the request's headers or the secret.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

MAX_CONFLICTS = 100
TIMEOUT_SECONDS = 60


@dataclass
class Answer:
    """What the server said: an import summary (counts and conflicts), or why there is none."""

    http_status: int | None
    summary: bool = False
    import_status: str = ""
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    problem: str = ""  # a key of ``PROBLEMS`` in views (words for people), when no summary
    detail: str = ""  # the server's own words or the network's error, shown as they are


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, PLR0913
        return None  # the 3xx answer comes back as an HTTPError, and is reported


def authorization(auth_kind: str, username: str, secret: str) -> str:
    """The Authorization header: HTTP Basic, or DHIS2's personal access token scheme."""
    if auth_kind == "basic":
        pair = f"{username}:{secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return f"ApiToken {secret}"


def send_data_values(server_url: str, authorization_header: str, payload: dict) -> Answer:
    url = server_url.rstrip("/") + "/api/dataValueSets?importStrategy=CREATE_AND_UPDATE"
    request = urllib.request.Request(  # noqa: S310 - the administrator's https/http address
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": authorization_header,
        },
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return _read(response.status, response.read())
    except urllib.error.HTTPError as error:
        body = error.read() if error.fp is not None else b""
        if 300 <= error.code < 400:
            return Answer(error.code, problem="redirect", detail=error.headers.get("Location", ""))
        if error.code in (401, 403):
            return Answer(error.code, problem="sign_in", detail=_text(body))
        return _read(error.code, body)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Answer(None, problem="unreachable", detail=str(reason)[:300])


def _text(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:300]
    return str(data.get("message") or "")[:300] if isinstance(data, dict) else ""


def _read(status: int, body: bytes) -> Answer:
    """An import summary, from DHIS2 2.38 and later (wrapped in ``response``) or earlier
    versions (the summary itself); anything else is an answer without one."""
    try:
        data = json.loads(body)
    except ValueError:
        return Answer(status, problem="not_dhis2", detail=body.decode("utf-8", "replace")[:300])
    if not isinstance(data, dict):
        return Answer(status, problem="not_dhis2")
    summary: Any = data.get("response") if isinstance(data.get("response"), dict) else data
    counts = summary.get("importCount")
    if not isinstance(counts, dict):
        return Answer(status, problem="no_summary", detail=str(data.get("message") or "")[:300])
    conflicts = []
    for conflict in (summary.get("conflicts") or [])[:MAX_CONFLICTS]:
        if isinstance(conflict, dict):
            conflicts.append(
                {
                    "object": str(conflict.get("object") or "")[:200],
                    "value": str(conflict.get("value") or "")[:500],
                }
            )
    return Answer(
        status,
        summary=True,
        import_status=str(summary.get("status") or data.get("status") or "")[:20],
        imported=_count(counts.get("imported")),
        updated=_count(counts.get("updated")),
        ignored=_count(counts.get("ignored")),
        deleted=_count(counts.get("deleted")),
        conflicts=conflicts,
    )


def _count(value: object) -> int:
    try:
        return max(0, min(int(value), 2**31 - 1))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0

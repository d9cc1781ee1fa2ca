"""Secrets in addresses never reach the access log.

A personal calendar feed is opened by calendar programs that cannot sign in, so its secret is in
its address (``/meetings/feed/<token>.ics``). The development server (werkzeug) and gunicorn
write every address to their access logs; this filter replaces the secret before a line is
written, whatever the log format.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SECRET_IN_PATH = re.compile(r"(/meetings/feed/)[^/?\s\"]+?(\.ics)")
REDACTED = r"\1[redacted]\2"
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(REDACTED, text)


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):  # gunicorn: the access-log atoms
            record.args = {key: _clean(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):  # werkzeug: the request line among the args
            record.args = tuple(_clean(value) for value in record.args)
        return True


def install() -> None:
    """Add the filter once to each access logger (they are process-wide)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())

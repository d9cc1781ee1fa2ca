"""The queue consumer's entry module: ``huey_consumer partnership.worker.huey``.

Tasks are defined next to the work they do (``dashboard/tasks.py``); importing them here
registers them with the consumer. The core ``jobs`` module stays below the domains.
"""

from __future__ import annotations

import partnership.accounts.tasks  # noqa: F401
import partnership.dashboard.tasks  # noqa: F401
import partnership.dhis2.tasks  # noqa: F401
import partnership.notifications.tasks  # noqa: F401
from partnership.jobs import huey

__all__ = ["huey"]

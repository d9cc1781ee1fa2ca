from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import UTCDateTime, enum_column, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobError(enum.StrEnum):
    """Why a job failed, stored in ``ReportJob.error``; the page words it."""

    WORKER_STOPPED = "worker-stopped"  # its consumer died (killed, out of memory) too often
    NO_WORKER = "no-worker"  # no consumer started it in time
    ERROR = "error"  # the build itself raised


class JobKind(enum.StrEnum):
    REPORT = "report"  # the programme workbook (dashboard)
    EXPORT = "export"  # a long list's CSV or Excel download


class Job(db.Model):
    """A file built in the background (the programme report, a long list's download); the file
    is kept under instance/reports/ or instance/exports/. The table keeps the name it had when
    only reports were built in the background.

    A consumer building it touches ``heartbeat_at`` every few seconds; a running job whose
    heartbeat is older than the lease has lost its consumer and is started again (up to
    ``JOB_MAX_ATTEMPTS`` times) when a consumer runs, or given up after ``JOB_GIVE_UP_MINUTES``.
    """

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=JobKind.REPORT, server_default="report")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 10), default=JobStatus.QUEUED)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def percent(self) -> int:
        if self.status is JobStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def last_sign_of_life(self) -> datetime:
        return self.heartbeat_at or self.created_at

    def stalled(self, now: datetime, lease: timedelta) -> bool:
        """Not finished and nothing heard of it for longer than the lease."""
        return not self.finished and now - self.last_sign_of_life() > lease


# The name the dashboard's code and tests know it by.
ReportJob = Job

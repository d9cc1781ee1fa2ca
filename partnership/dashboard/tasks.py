"""Background tasks of the dashboard: the programme report is a job of the core queue
(``partnership.jobs.runner``), which claims it, keeps its heartbeat and recovers it when its
consumer dies; this module registers what such a job builds."""

from __future__ import annotations

from partnership.jobs.models import JobKind
from partnership.jobs.runner import (
    RETRIES,
    RETRY_DELAY_SECONDS,
    give_up_if_abandoned,
    recover_stalled_jobs,
    register_builder,
    run_job_task,
)

__all__ = [
    "RETRIES",
    "RETRY_DELAY_SECONDS",
    "build_report_task",
    "give_up_if_abandoned",
    "recover_stalled_jobs",
]

# The report's task is the queue's one task; the name stays for callers and tests.
build_report_task = run_job_task


def _build_report(job, on_total, progress):  # noqa: ANN001, ANN202
    # Looked up at each build, so a consumer (or a test) may replace ``reports.build_report``.
    from partnership.dashboard import reports

    return reports.build_report(job, on_total, progress)


register_builder(JobKind.REPORT, _build_report)

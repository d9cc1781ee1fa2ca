"""Background tasks of the dashboard: building programme reports."""

from __future__ import annotations

from sqlalchemy import update

from partnership.jobs import huey, job_app


@huey.task()
def build_report_task(job_id: int) -> None:
    from partnership.dashboard.models import JobStatus, ReportJob
    from partnership.dashboard.reports import build_report
    from partnership.database import reading, write_transaction
    from partnership.extensions import db
    from partnership.mixins import utcnow

    def set_fields(**values) -> None:  # noqa: ANN003
        # Progress goes through a short write of its own; the long read below holds no lock.
        with write_transaction() as conn:
            conn.execute(update(ReportJob).where(ReportJob.id == job_id).values(**values))

    app = job_app()
    with app.app_context():
        set_fields(status=JobStatus.RUNNING)
        try:
            with reading():
                job = db.session.get(ReportJob, job_id)
                path = build_report(
                    job,
                    on_total=lambda total: set_fields(rows_total=total),
                    progress=lambda done: set_fields(rows_done=done),
                )
                db.session.rollback()
        except Exception as exc:  # noqa: BLE001 - the job page shows that it failed
            db.session.rollback()
            app.logger.exception("report %s failed", job_id)
            set_fields(status=JobStatus.FAILED, error=type(exc).__name__, finished_at=utcnow())
            return
        set_fields(status=JobStatus.DONE, filename=path.name, finished_at=utcnow())

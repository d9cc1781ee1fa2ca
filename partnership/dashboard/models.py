"""The programme report's job is a background job of the core queue (``partnership.jobs``)."""

from partnership.jobs.models import Job, JobError, JobKind, JobStatus, ReportJob

__all__ = ["Job", "JobError", "JobKind", "JobStatus", "ReportJob"]

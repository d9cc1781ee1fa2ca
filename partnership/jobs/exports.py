"""Downloads of long lists, built by the queue consumer instead of a web worker.

Every list download goes through ``list_export``: a list of at most ``EXPORT_DIRECT_MAX_ROWS``
rows (one count query tells) is sent at once, streamed; a longer one becomes a background job
and the user is sent to its page, which shows the progress and then the download link. A
200,000-row list took 20 s or more in a web worker, close to gunicorn's timeout, with every
other request of that worker waiting.

The job rebuilds the list exactly as the list page does: the domain's registered function reads
its filters from the query string the list was downloaded with (the job runs it inside a
request context made of the same query string) and scopes the rows to the job's user, so the
file holds what the list shows to that user and nothing more. Rows are written to the file as
they are read (CSV line by line, Excel in xlsxwriter's constant-memory mode), so the job's
memory does not grow with the list. Files are removed ``EXPORT_KEEP_HOURS`` after they were
built; they may hold client codes, for the roles that may read them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, insert, select

from partnership import permissions
from partnership.database import write_transaction
from partnership.extensions import db
from partnership.i18n import (
    DEFAULT_LANGUAGE,
    format_locale_for,
    normalise_language,
    request_language,
)
from partnership.jobs.models import Job, JobKind, JobStatus
from partnership.jobs.runner import register_builder, register_chore, run_job_task, set_job
from partnership.mixins import utcnow
from partnership.spreadsheets import Table, csv_chunks, send_table, write_xlsx

FORMATS = ("csv", "xlsx")
PROGRESS_EVERY = 2000  # rows between two progress writes


@dataclass
class ExportSource:
    """What a list download holds: the query of its rows (counted to choose between sending
    at once and a background job, and for the progress), and the table of header and rows,
    streamed from that query when it is written."""

    query: Select
    table: Callable[[], Table]


@dataclass
class ListExport:
    name: str
    filename: str  # the download's name, without the extension
    list_endpoint: str  # the list page the download belongs to
    title: Any  # the list's name, for the job's page (a lazy string)
    make: Callable[[Any], ExportSource]  # the list's rows for a user, filters from request.args


_EXPORTS: dict[str, ListExport] = {}


def register_export(export: ListExport) -> None:
    _EXPORTS[export.name] = export


def export_named(name: str) -> ListExport | None:
    return _EXPORTS.get(name)


def count_rows(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def list_export(name: str, fmt: str) -> Response:
    """The download of list ``name`` as ``fmt``, with the filters of the query string: sent at
    once when short, otherwise queued as a background job whose page the user is sent to."""
    if fmt not in FORMATS:
        abort(404)
    export = _EXPORTS[name]
    source = export.make(current_user)
    total = count_rows(source.query)
    config = current_app.config
    if fmt == "xlsx" and total > config["XLSX_MAX_ROWS"]:
        flash(
            _(
                "An Excel file holds at most %(limit)s rows; this list has %(total)s. "
                "Narrow the filters, or download the CSV file, which holds every row.",
                limit=format_decimal(config["XLSX_MAX_ROWS"]),
                total=format_decimal(total),
            ),
            "warning",
        )
        return redirect(url_for(export.list_endpoint, **request.args))
    if total <= config["EXPORT_DIRECT_MAX_ROWS"]:
        return send_table(source.table(), export.filename, fmt, stream=True)
    params = {
        "export": name,
        "fmt": fmt,
        "args": request.args.to_dict(flat=False),
        "lang": request_language(),
        # The file is for this role and this download's access rule: a user whose role changed
        # since may not take it (it could hold columns the new role may not read).
        **permissions.download_stamp(current_user),
        "endpoint": request.endpoint,
    }
    # A GET reads in a transaction without the write lock: the job row is written in a short
    # transaction of its own (as a download's audit entry is), committed before a worker can
    # pick the task up.
    with write_transaction() as conn:
        job_id = conn.execute(
            insert(Job).values(
                kind=JobKind.EXPORT, user_id=current_user.id, rows_total=total, params=params
            )
        ).inserted_primary_key[0]
    run_job_task(job_id)
    return redirect(url_for("jobs.job_detail", job_id=job_id))


def export_folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _counted(rows: Iterable[Any], progress: Callable[[int], None]) -> Iterator[Any]:
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if done % PROGRESS_EVERY == 0:
            progress(done)
    progress(done)


def build_export(
    job: Job, on_total: Callable[[int], None], progress: Callable[[int], None]
) -> Path:
    """Write the list's file as its user would download it, in the language of the page the
    download was asked from."""
    params = job.params
    export = _EXPORTS[params["export"]]
    fmt = params["fmt"]
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    language = normalise_language(params.get("lang")) or DEFAULT_LANGUAGE
    path = export_folder() / f"export-{job.id}.{fmt}"
    partial = path.with_name(path.name + ".part")
    query_string = [(k, v) for k, values in params.get("args", {}).items() for v in values]
    app = current_app._get_current_object()
    with (
        app.test_request_context("/", query_string=query_string),
        force_locale(format_locale_for(language)),
    ):
        source = export.make(job.user)
        on_total(count_rows(source.query))
        table = source.table()
        table = Table(table.headers, _counted(table.rows, progress), table.sheet_name)
        if fmt == "csv":
            with partial.open("wb") as out:
                for chunk in csv_chunks(table, rows_per_chunk=1000):
                    out.write(chunk)
        else:
            write_xlsx([table], str(partial))
    os.replace(partial, path)  # a file is either whole or absent
    return path


register_builder(JobKind.EXPORT, build_export)


def download_name(job: Job) -> str:
    export = _EXPORTS.get(job.params.get("export", ""))
    stem = export.filename if export else "export"
    return f"{stem}-{job.created_at:%Y-%m-%d}.{job.params.get('fmt', 'csv')}"


def remove_old_exports() -> int:
    """Remove the files of downloads built longer ago than EXPORT_KEEP_HOURS: they may hold
    client codes and should not pile up. Their page then says so. Returns how many."""
    before = utcnow() - timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])
    old = db.session.execute(
        select(Job.id, Job.filename).where(
            Job.kind == JobKind.EXPORT,
            Job.status == JobStatus.DONE,
            Job.filename != "",
            Job.finished_at < before,
        )
    ).all()
    db.session.rollback()
    folder = export_folder()
    for job_id, filename in old:
        (folder / filename).unlink(missing_ok=True)
        set_job(job_id, Job.status == JobStatus.DONE, filename="")
    return len(old)


register_chore(remove_old_exports)

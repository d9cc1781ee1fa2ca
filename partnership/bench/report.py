"""Time the programme workbook at programme scale against raw xlsxwriter on the same rows.

    python -m partnership.bench.report                       # the bench's own database
    python -m partnership.bench.report --start 2020-01-01    # a longer period: more rows
    DATABASE_URL=postgresql://user@host/bench python -m partnership.bench.report

Run after ``make bench`` has built its programme (``instance-bench/`` or ``DATABASE_URL``). Two
writers run one after the other, each in a process of its own so that its peak memory is its
own, both reading the same rows from the database as the coordinator's report would:

- the programme report job as the queue consumer builds it (summary sheet with charts, one
  formatted sheet per area, totals), through ``dashboard.reports.build_report``;
- raw xlsxwriter in constant-memory mode writing the same sections' rows with ``write_row``,
  one plain sheet per section, nothing else.

It prints the rows written, the wall and CPU time and the peak resident memory of each (and how
much it grew while writing), and the ratios from this one run. The issue's targets: the report
within 1.2x the time of the raw writer (CPU time: what a loaded machine does not inflate), and
the job's memory under 80 MB. Nothing here is part of ``make test``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from queue import Empty
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
TIME_RATIO_TARGET = 1.2
PEAK_MB_TARGET = 80.0


def _app():  # noqa: ANN202
    os.environ.setdefault("INSTANCE_PATH", str(ROOT / "instance-bench"))
    from partnership import create_app

    return create_app()


def _job(params: dict, folder: str):  # noqa: ANN202
    from sqlalchemy import select

    from partnership.accounts.models import User
    from partnership.extensions import db

    user = db.session.scalar(select(User).where(User.email == "coordinator@demo.example"))
    # The job row itself is not needed to build the file; its id names the file.
    return SimpleNamespace(id=f"bench-{os.getpid()}", user=user, params=params, folder=folder)


def _report(params: dict, folder: str, queue) -> None:  # noqa: ANN001
    app = _app()
    with app.app_context():
        from partnership.dashboard import reports

        app.instance_path = folder  # the workbook goes to the temporary folder
        job = _job(params, folder)
        written = [0]
        began, cpu, rss = time.perf_counter(), time.process_time(), _rss_mb()
        path = reports.build_report(job, lambda total: None, lambda n: written.__setitem__(0, n))
        queue.put(_measure("programme report", began, cpu, rss, written[0], Path(path)))


def _raw(params: dict, folder: str, queue) -> None:  # noqa: ANN001
    import xlsxwriter
    from flask_babel import force_locale

    app = _app()
    with app.app_context(), app.test_request_context(), force_locale("en"):
        from partnership.dashboard.reports.sections import report_sections
        from partnership.dashboard.services import DashboardFilters

        job = _job(params, folder)
        began, cpu, rss = time.perf_counter(), time.process_time(), _rss_mb()
        path = Path(folder) / "raw.xlsx"
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        rows = 0
        for section in report_sections(job.user, DashboardFilters.from_params(params)):
            section.count()  # the report counts each sheet first, for its progress bar
            sheet = workbook.add_worksheet(section.name[:31])
            sheet.write_row(0, 0, section.headers)
            for r, values in enumerate(section.rows(), start=1):
                sheet.write_row(r, 0, [_plain(v) for v in values])
                rows += 1
        workbook.close()
        queue.put(_measure("raw xlsxwriter", began, cpu, rss, rows, path))


def _plain(value):  # noqa: ANN001, ANN202
    """A value xlsxwriter writes as it is: a count shown as the reader may see it (a
    ``Figure``) as its number or its text, a translated label as text."""
    from datetime import datetime

    from partnership.disclosure import Figure

    if isinstance(value, Figure):
        return value.text if value.value is None else value.value
    if value is None or isinstance(value, str | int | float | date | datetime):
        return value
    return str(value)


def _rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _measure(name: str, began: float, cpu: float, rss: float, rows: int, path: Path) -> dict:  # noqa: PLR0913
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "name": name,
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - cpu,
        "rows": rows,
        "bytes": path.stat().st_size,
        # Peak resident memory of this process, app and all (Linux reports KiB), and how much
        # it grew over what the process held when the writing began (the app, its imports).
        "peak_mb": peak,
        "grew_mb": peak - rss,
    }


def _run(target, params: dict, folder: str) -> dict:  # noqa: ANN001
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(params, folder, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(f"{target.__name__[1:]} failed: see above") from None
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", default="2000-01-01", help="period start (all history)")
    parser.add_argument("--end", default=date.today().isoformat())
    args = parser.parse_args(argv)
    params = {"start": args.start, "end": args.end, "lang": "en"}
    app = _app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # the database make bench built, at this release's schema
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        results = [_run(_raw, params, folder), _run(_report, params, folder)]
    for r in results:
        print(
            f"{r['name']:<17} {r['rows']:>9,} rows {r['seconds']:8.1f} s  CPU {r['cpu']:7.1f} s  "
            f"peak {r['peak_mb']:6.1f} MB (grew {r['grew_mb']:5.1f} MB)  {r['bytes'] / 1e6:6.1f} MB file"
        )
    raw, report = results
    time_ratio = report["seconds"] / raw["seconds"]
    cpu_ratio = report["cpu"] / raw["cpu"]
    print(f"report / raw: time {time_ratio:.2f}, CPU {cpu_ratio:.2f} (target {TIME_RATIO_TARGET})")
    print(
        f"report job's memory grew {report['grew_mb']:.1f} MB over the process's "
        f"{report['peak_mb'] - report['grew_mb']:.1f} MB (target under {PEAK_MB_TARGET:.0f} MB)"
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    passed = cpu_ratio <= TIME_RATIO_TARGET and report["grew_mb"] < PEAK_MB_TARGET
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

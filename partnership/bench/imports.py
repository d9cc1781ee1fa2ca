"""Time the imports at programme scale, through the pages a user posts to.

    python -m partnership.bench.imports                     # 300 stations, 8,000 officers,
                                                            # slip books of 10,000 and 20,000 rows
    python -m partnership.bench.imports --slips 2000 --officers 0
    DATABASE_URL=postgresql://user@host/bench_imports python -m partnership.bench.imports

A fresh database (a temporary SQLite file, or the PostgreSQL database DATABASE_URL names, which
is emptied first: never point it at real data) gets the demo programme; then the organisations
of a national programme are imported as an administrator would (preview, then confirm), 8,000
officers the same way, slip books of the given sizes and a redemption register as a
coordinator. Each step prints its
time, the CPU time of this process (the app, and the database on SQLite: what a loaded machine
does not inflate), rows per second and SQL statements per row. Nothing here is part of ``make test``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import event, func, select, text

from partnership.bench.build import BENCH_PASSWORD


class Counter:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args) -> None:  # noqa: ANN001, ANN002
        if not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA|SAVEPOINT|RELEASE)", statement, re.I):
            self.statements += 1


def _csv(headers: list[str], rows: list[list[str]]) -> bytes:
    lines = [",".join(headers), *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def _app(instance: str):  # noqa: ANN202
    from partnership import create_app
    from partnership.config import TestConfig

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance}/imports.sqlite3"
    os.environ["INSTANCE_PATH"] = instance
    config = type(
        "BenchImportConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": None,
         "TESTING": False, "IMPORT_MAX_ROWS": 1_000_000, "IMPORT_MAX_BYTES": 50 * 1024 * 1024},
    )  # fmt: skip
    app = create_app(config)
    from flask_migrate import upgrade

    from partnership import demo
    from partnership.extensions import db

    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        demo.seed()
        db.session.commit()
    return app


def _client(app, email: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _timed(counter: Counter, label: str, rows: int, call):  # noqa: ANN001, ANN202
    before = counter.statements
    start = time.perf_counter()
    cpu_start = time.process_time()
    response = call()
    seconds = time.perf_counter() - start
    # This process's CPU time (the app and, on SQLite, the database too): on a loaded machine
    # the wall time measures the other processes as much as the import.
    cpu = time.process_time() - cpu_start
    statements = counter.statements - before
    print(
        f"{label:<38} {rows:>7,} rows {seconds:>7.2f} s (CPU {cpu:6.2f} s) "
        f"{rows / seconds:>9,.0f} rows/s "
        f"{statements:>7,} SQL ({statements / max(rows, 1):.2f}/row)  HTTP {response.status_code}"
    )
    if response.status_code >= 400:
        body = response.get_data(as_text=True)
        found = re.findall(r"<li>(Line[^<]*)</li>", body)[:5]
        print("   ", found or body[:500])
    return response


def _onboarding(app, counter: Counter, kind: str, body: bytes, rows: int) -> None:  # noqa: ANN001
    client = _client(app, "admin@demo.example")
    preview = _timed(
        counter, f"onboarding {kind}: preview", rows,
        lambda: client.post("/admin/imports", data={
            "kind": kind, "file": (io.BytesIO(body), f"{kind}.csv")},
            content_type="multipart/form-data"),
    )  # fmt: skip
    html = preview.get_data(as_text=True)
    fields = dict(re.findall(r'name="(token|fingerprint)"[^>]*value="([^"]*)"', html))
    if not fields:
        fields = {k: v for v, k in re.findall(r'value="([^"]*)"[^>]*name="(token|fingerprint)"',
                                               html)}  # fmt: skip
    _timed(
        counter,
        f"onboarding {kind}: confirm",
        rows,
        lambda: client.post("/admin/imports/confirm", data={"kind": kind, **fields}),
    )


def run(args: argparse.Namespace) -> None:
    from partnership.extensions import db
    from partnership.organisations.models import Organisation, OrganisationKind
    from partnership.referrals.models import Scheme, SchemeStatus, ServicePoint

    with tempfile.TemporaryDirectory() as instance:
        app = _app(instance)
        with app.app_context():
            counter = Counter(db.engine)
            print(f"database: {db.engine.url.get_backend_name()}; load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
        orgs = [[f"BCMD-{c:02d}", "police_command", f"Bench Command {c}", "", "KE", "Bench",
                 f"Bench City {c}", "", "", "", "", "", ""] for c in range(args.commands)]  # fmt: skip
        orgs += [
            [f"BSTN-{s:03d}", "police_station", f"Bench Station {s}", f"BCMD-{s % args.commands:02d}",
             "KE", "Bench", f"Bench City {s % args.commands}", "", "90", "", "", "", ""]
            for s in range(args.stations)
        ]  # fmt: skip
        org_headers = ["reference", "kind", "name", "command", "country", "region", "city",
                       "timezone", "target_visit_days", "address", "phone", "email", "notes"]  # fmt: skip
        _onboarding(app, counter, "organisations", _csv(org_headers, orgs), len(orgs))
        if args.officers:
            posted = (date.today() - timedelta(days=400)).isoformat()
            people = [
                [f"BOFF-{n:05d}", "officer", f"Officer {n}", "Constable", "",
                 f"BSTN-{n % args.stations:03d}", posted]
                for n in range(args.officers)
            ]  # fmt: skip
            people_headers = ["reference", "kind", "name", "rank", "unit", "organisation",
                              "posted_since"]  # fmt: skip
            _onboarding(app, counter, "people", _csv(people_headers, people), len(people))
        with app.app_context():
            commands = list(db.session.scalars(select(Organisation).where(
                Organisation.kind == OrganisationKind.POLICE_COMMAND,
                Organisation.reference.like("BCMD-%"))))  # fmt: skip
            scheme = Scheme(name="Bench scheme", status=SchemeStatus.ACTIVE,
                            start_date=date(2020, 1, 1), slip_number_format="B#######",
                            services="nsp", partners=commands)  # fmt: skip
            db.session.add(scheme)
            db.session.commit()
            scheme_id = scheme.id
            officers = args.officers and db.session.scalar(select(func.count()).select_from(
                text("people")))  # fmt: skip
        client = _client(app, "coordinator@demo.example")
        issued = (date.today() - timedelta(days=30)).isoformat()
        start = 0
        for size in args.slips:
            rows = [
                [f"B{n:07d}", f"Bench Station {n % args.stations}", issued, "social_contact",
                 f"Officer {n % args.officers}" if officers and n % 3 == 0 else ""]
                for n in range(start, start + size)
            ]  # fmt: skip
            start += size
            body = _csv(["number", "station", "date", "route", "officer"], rows)
            _timed(
                counter, "slips", size,
                lambda body=body: client.post("/referrals/slips/import", data={
                    "scheme_id": scheme_id, "file": (io.BytesIO(body), "slips.csv")},
                    content_type="multipart/form-data"),
            )  # fmt: skip
        if args.redemptions:
            with app.app_context():
                point = db.session.scalars(select(ServicePoint).order_by(ServicePoint.id)).first()
                scheme = db.session.get(Scheme, scheme_id)
                scheme.partners.append(db.session.get(Organisation, point.organisation_id))
                db.session.commit()
                point_name = point.name
            visited = (date.today() - timedelta(days=10)).isoformat()
            rows = [
                [f"B{n:07d}", visited, point_name, "no", "", "nsp", "reached"]
                for n in range(min(args.redemptions, start))
            ]  # fmt: skip
            body = _csv(["slip", "date", "service point", "consent", "client code", "services",
                         "outcome"], rows)  # fmt: skip
            _timed(
                counter, "redemptions", len(rows),
                lambda: client.post("/referrals/redemptions/import", data={
                    "scheme_id": scheme_id, "file": (io.BytesIO(body), "visits.csv")},
                    content_type="multipart/form-data"),
            )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=10)
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--officers", type=int, default=8000)
    parser.add_argument(
        "--slips", type=lambda s: [int(x) for x in s.split(",") if x], default=[10_000, 20_000],
        help="sizes of the slip books imported one after the other (comma-separated)",
    )  # fmt: skip
    parser.add_argument("--redemptions", type=int, default=10_000,
                        help="rows of the redemption register imported after the slips")  # fmt: skip
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

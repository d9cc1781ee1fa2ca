"""The year and month of a date column, as the dashboards and measures group by them, are those
of the date itself on SQLite (read from its ISO text) and on PostgreSQL (EXTRACT)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, literal, select

from partnership.database import date_month, date_year


def test_year_and_month_of_a_date_column(app, db) -> None:  # noqa: ANN001
    from partnership.referrals.models import Slip

    days = [date(2026, 1, 1), date(2026, 12, 31), date(1999, 9, 30), date(2025, 10, 2)]
    with app.app_context():
        for day in days:
            value = literal(day, Date)
            assert db.session.execute(select(date_year(value), date_month(value))).one() == (
                day.year,
                day.month,
            )
        # As grouped over a table's column (the slips of the dashboards and measures).
        stmt = select(date_year(Slip.issued_on), date_month(Slip.issued_on), Slip.issued_on)
        for year, month, issued_on in db.session.execute(stmt.limit(50)):
            assert (year, month) == (issued_on.year, issued_on.month)

"""A bad import file is reported next to the field (422), never an error 500, and nothing is
written."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.referrals.models import Slip
from tests.test_import_limits import GOOD, declared, rewrite_sheet


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("book.xlsx", b"PK\x03\x04 broken", "not a valid Excel"),
        (
            "book.xlsx",
            rewrite_sheet(GOOD, lambda b: b"<worksheet><sheetData><row"),
            "not a valid Excel",
        ),
        ("book.xlsx", rewrite_sheet(GOOD, declared("A1:E1000000")), "more than 20,000 rows"),
        ("book.csv", b"number,station,date,route,officer\n0\x001,a,b,c,d\n", "NUL characters"),
    ],
)
def test_import_page_reports_a_bad_file_next_to_the_field(
    app, coordinator_client, world, referrals, name, data, message
):
    response = coordinator_client.post(
        "/referrals/slips/import",
        data={"scheme_id": referrals.scheme_id, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Slip.id))) == 0

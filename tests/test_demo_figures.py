"""The demo programme's figures hold up: what a visitor checks first on a fresh `make run`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from partnership.extensions import db
from tests.conftest import login


def test_demo_verified_point_and_gain_by_audience(app):  # noqa: ANN001
    assert "Demo data created." in app.test_cli_runner().invoke(args=["seed-demo"]).output
    from partnership.actions.models import ActionPoint, ActionStatus

    with app.app_context():
        (point,) = db.session.scalars(
            select(ActionPoint).where(ActionPoint.status == ActionStatus.VERIFIED)
        ).all()
        # A verified point says when and by whom, and its days to verification agree.
        assert point.verified_at is not None and point.verified_by_id is not None
        verified = point.verified_at.replace(tzinfo=point.verified_at.tzinfo or UTC)
        assert verified < datetime.now(UTC) - timedelta(days=1)
        assert (point.verified_at.date() - point.created_at.date()).days == (
            point.days_to_verification
        )
        point_id = point.id

    client = app.test_client()
    login(client, "coordinator@demo.example", "partnership-demo")
    page = client.get(f"/action-points/{point_id}").get_data(as_text=True)
    facts = re.sub(r"\s+", " ", page.split("<dt>Verification</dt>")[1].split("</dd>")[0])
    assert facts.startswith("<dd>Adequate · ") and facts.count("·") == 2, facts  # date, who
    # Operational officers: 6 in the Kisauni and Nyali training (two modules, counted once)
    # and 2 in Almaty: 8 people with both scores, not 14.
    html = client.get("/curricula/knowledge?by=audience").get_data(as_text=True)
    row = html.split("Operational officers</th>")[1].split("</tr>")[0]
    assert re.search(r'data-label="Pairs">8<', row), row

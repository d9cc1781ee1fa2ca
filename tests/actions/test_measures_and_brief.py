"""Measures per station and side (SQL aggregates, small counts suppressed) and the brief."""

from __future__ import annotations

from datetime import date, timedelta

from partnership.actions.models import ActionPoint
from tests.pdf_text import pdf_text


def _due(days: int) -> date:
    return date.today() + timedelta(days=days)


def test_measures_per_station_and_side(app, db, world, make_action_point, coordinator_client):
    officer, coordinator = world.users["officer"].id, world.users["coordinator"].id
    for _ in range(6):
        make_action_point(world.station_a, police_owner_id=officer, due_on=_due(-2))
    make_action_point(world.station_a, ngo_owner_id=coordinator, status="done",
                      done_on=_due(-1), due_on=_due(0))  # fmt: skip
    for days in (2, 4, 10):
        make_action_point(world.station_a, ngo_owner_id=coordinator, status="verified",
                          days_to_verification=days, done_on=_due(-5), due_on=_due(-10))  # fmt: skip
    with app.test_request_context():
        from flask_login import login_user

        from partnership.accounts.models import User
        from partnership.actions.measures import action_point_measures

        login_user(db.session.get(User, world.users["coordinator"].id))
        rows = {
            (r.station, r.side.value): r
            for r in action_point_measures(db.session.get(User, coordinator))
        }
    police = rows[("Alpha Police Station", "police")]
    assert (police.open, police.overdue, police.done) == (6, 6, 0)
    ngo = rows[("Alpha Police Station", "ngo")]
    assert (ngo.open, ngo.overdue, ngo.done_on_time, ngo.done) == (0, 0, 1, 4)
    assert ngo.median_days_to_verification == 4
    page = coordinator_client.get("/measures").data.decode()
    assert (
        "Alpha Police Station" in page
        and "<5" not in page.replace("&lt;5", "<5").split("Concerns by")[0]
    )


def test_median_of_an_even_number_is_the_mean_of_the_middle_two(app, db, world, make_action_point):
    for days in (1, 3, 5, 100):
        make_action_point(world.station_b, ngo_owner_id=world.users["coordinator"].id,
                          status="verified", days_to_verification=days)  # fmt: skip
    from partnership.accounts.models import User
    from partnership.actions.measures import action_point_measures

    with app.app_context():
        rows = action_point_measures(db.session.get(User, world.users["coordinator"].id))
        medians = {(r.station_id, r.side.value): r.median_days_to_verification for r in rows}
        assert medians == {(world.station_b.id, "ngo"): 4.0}


def test_small_counts_are_suppressed_for_officers_and_viewers(
    world, make_action_point, make_concern, login_as
):
    make_action_point(world.station_a, police_owner_id=world.users["officer"].id)
    make_concern(world.station_a, category="extortion")
    for role, suppressed in (("officer", True), ("viewer", True), ("coordinator", False)):
        page = login_as(role).get("/measures").data.decode()
        points_body, concerns_body = (b.split("</tbody>")[0] for b in page.split("<tbody>")[1:3])
        assert ("&lt;5" in points_body) is suppressed, role
        assert ("&lt;5" in concerns_body) is suppressed, role
        assert (">1<" in concerns_body) is not suppressed, role


def test_concerns_by_category_per_month_counts_in_sql(
    app, db, world, make_concern, coordinator_client
):
    for _ in range(7):
        make_concern(world.station_a, category="raids", occurred_on=date.today())
    page = coordinator_client.get("/measures").data.decode()
    row = page.split("Raids at hotspots")[1].split("</tr>")[0]
    assert ">7<" in row


def test_station_brief_and_pdf(app, db, world, make_concern, make_action_point, coordinator_client):
    concern = make_concern(world.station_a, category="raids", restricted_details="Name of client X")
    make_action_point(world.station_a, title="Overdue briefing", due_on=_due(-3),
                      police_owner_id=world.users["officer"].id)  # fmt: skip
    since = (date.today() - timedelta(days=7)).isoformat()
    page = coordinator_client.get(
        f"/stations/{world.station_a.id}/brief?since={since}"
    ).data.decode()
    assert "Raids at hotspots" in page
    assert "Overdue briefing" in page
    assert "New concern</span>" in page or f"#{concern.id} Raids" in page
    assert "Name of client X" not in page
    pdf = coordinator_client.get(f"/stations/{world.station_a.id}/brief.pdf?since={since}")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    # The extracted text is what a reader sees: the brief is there, the restricted detail not.
    assert "Raids at hotspots" in text and "Overdue briefing" in text
    assert "Name of client X" not in text


def test_brief_action_points_by_status_are_suppressed_for_officers(
    world, make_action_point, login_as
):
    """Three open points owned by the police side and seven in progress: the officer's brief
    (page and PDF) shows "<5" where the coordinator's shows 3; 7 is shown to both."""
    officer = world.users["officer"].id
    for _ in range(3):
        make_action_point(world.station_a, police_owner_id=officer)
    for _ in range(7):
        make_action_point(world.station_a, police_owner_id=officer, status="in_progress")
    url = f"/stations/{world.station_a.id}/brief"

    def status_rows(client) -> tuple[str, str]:  # noqa: ANN001
        page = client.get(url).data.decode()
        table = page.split('id="b-points"')[1].split("</table>")[0]
        rows = {r.split("</td>")[0].rsplit(">", 1)[-1]: r for r in table.split("<tr>")[2:]}
        pdf = pdf_text(client.get(url + ".pdf").data)
        return rows, pdf

    rows, pdf = status_rows(login_as("officer"))
    assert 'data-label="Police">&lt;5<' in rows["Open"]
    assert 'data-label="Police">7<' in rows["In progress"]
    assert "Open: <5 / 0 / 0" in pdf and "In progress: 7 / 0 / 0" in pdf
    rows, pdf = status_rows(login_as("coordinator"))
    assert 'data-label="Police">3<' in rows["Open"]
    assert "Open: 3 / 0 / 0" in pdf


def test_brief_of_a_command_is_not_found(world, coordinator_client):
    assert coordinator_client.get(f"/stations/{world.command.id}/brief").status_code == 404


def test_brief_what_changed_respects_the_date(
    app, db, world, make_action_point, coordinator_client
):
    point = make_action_point(world.station_a, title="Old point")
    with app.app_context():
        obj = db.session.get(ActionPoint, point.id)
        from datetime import UTC, datetime

        obj.created_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
    since = (date.today() - timedelta(days=7)).isoformat()
    page = coordinator_client.get(
        f"/stations/{world.station_a.id}/brief?since={since}"
    ).data.decode()
    changed = page.split('id="b-changes"')[1]
    assert "Old point" not in changed
    assert "Nothing changed." in changed


def _pdf_text(data: bytes) -> str:
    """The text drawn on the pages of an fpdf2 PDF written with a core font (literal strings)."""
    import re
    import zlib

    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            chunks.append(stream.decode("latin-1"))
    return " ".join(re.findall(r"\((.*?)\) ?Tj", "\n".join(chunks)))


def test_brief_pdf_has_no_empty_what_changed_heading(
    app, db, world, make_action_point, coordinator_client, monkeypatch
):
    import partnership.actions.pdf as brief_pdf

    monkeypatch.setattr(brief_pdf, "FONT_DIRS", ())  # core font: the text is readable in the file
    point = make_action_point(world.station_a, title="Old point")
    with app.app_context():
        from datetime import UTC, datetime

        db.session.get(ActionPoint, point.id).created_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
    since = (date.today() - timedelta(days=7)).isoformat()
    url = f"/stations/{world.station_a.id}/brief.pdf?since={since}"
    text = _pdf_text(coordinator_client.get(url).data)
    assert "Station brief" in text and "Open concerns by category" in text
    day = date.fromisoformat(since)
    assert f"Nothing changed since {day.day} {day:%b} {day.year}." in text  # day first
    assert "What changed" not in text

    make_action_point(world.station_a, title="Fresh point")
    text = _pdf_text(coordinator_client.get(url).data)
    assert "What changed" in text and "Fresh point" in text


def test_a_kept_brief_equals_a_fresh_one_and_follows_each_viewer(  # noqa: PLR0913
    app, world, make_concern, make_action_point, login_as, make_user, live_cache
):
    """The brief is kept rendered until a write (partnership.caching): kept first for the
    coordinator, it is computed again for the officer (suppressed counts), shows a concern
    logged meanwhile on the next load, and an officer of another station is still refused."""
    import re

    from partnership.caching import cache

    def page(client) -> str:  # noqa: ANN001
        html = client.get(url).get_data(as_text=True)
        return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", html)

    def fresh(client) -> str:  # noqa: ANN001
        with app.app_context():
            cache.clear()
        return page(client)

    officer = world.users["officer"].id
    for _ in range(3):
        make_action_point(world.station_a, police_owner_id=officer)
    url = f"/stations/{world.station_a.id}/brief"
    coordinator, officer_client = login_as("coordinator"), login_as("officer")
    kept = page(coordinator)
    assert 'data-label="Police">3<' in kept and page(coordinator) == kept == fresh(coordinator)
    officer_page = page(officer_client)
    assert 'data-label="Police">&lt;5<' in officer_page
    assert officer_page == fresh(officer_client)
    make_concern(world.station_a, category="extortion")
    after = page(coordinator)
    assert "Extortion" in after and "Extortion" not in kept
    assert after == fresh(coordinator)
    other = make_user("officer", world.station_c, email="charlie@test.example")
    from tests.conftest import login

    charlie = app.test_client()
    assert login(charlie, other.email).status_code == 302
    assert charlie.get(url).status_code == 404

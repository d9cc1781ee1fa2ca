"""Trainings: set-up from module versions, register, score grid validation, import, eligibility
and certificates, verification page, knowledge gain pages, officer scope and coverage."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from curricula.models import Certificate, Module, Training
from partnership.extensions import db
from tests.meetings.test_officer_reach import assert_summary_matches as assert_reach_matches


def _participants(app, training_id):  # noqa: ANN001, ANN202
    """The roster in name order: (attendee id, person id, pre, post)."""
    from curricula.services.trainings import roster

    with app.app_context():
        training = db.session.get(Training, training_id)
        return [(p.attendee_id, p.person_id, p.pre_score, p.post_score) for p in roster(training)]


# ---- set-up and versions -----------------------------------------------------------------------


def test_training_from_two_modules_keeps_their_versions(app, world, trainer_client, make_module):
    first = make_module(code="HR-101", max_score=20, pass_mark=12)
    second = make_module(code="HR-102", title="Referral to services")
    response = trainer_client.post(
        "/curricula/trainings/new",
        data={
            "title": "Kisauni two-day training",
            "start_date": "2026-03-02",
            "start_time": "09:00",
            "end_date": "2026-03-03",
            "end_time": "16:00",
            "timezone": "Africa/Nairobi",
            "module_ids": [first.id, second.id],
            "station_ids": [world.station_a.id],
        },  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        training = db.session.scalar(select(Training))
        assert {m.id for m in training.modules} == {first.id, second.id}
        assert training.day_count == 2 and training.max_score == 20 and training.pass_mark == 12
        # The training is a meeting of kind training, on the calendar like any other.
        assert training.meeting.kind.value == "training"
        assert training.meeting.days == [date(2026, 3, 2), date(2026, 3, 3)]
        assert response.location == f"/meetings/{training.meeting_id}/register"
        training_id = training.id
    # A new version of a delivered module leaves the training on the old one, and the used
    # version can no longer be edited.
    trainer_client.post(f"/curricula/modules/{first.id}/versions")
    with app.app_context():
        assert {m.version_number for m in db.session.get(Training, training_id).modules} == {1}
    edit = trainer_client.post(
        f"/curricula/modules/{first.id}/edit",
        data={
            "code": "HR-101",
            "title": "Changed",
            "audience": "operational",
            "duration_hours": "2",
            "max_score": "20",
            "version": "1",
        },  # fmt: skip
    )
    assert edit.status_code == 422
    assert "create a new version" in edit.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Module, first.id).title != "Changed"


def test_training_needs_a_module_and_ordered_dates(app, world, trainer_client, make_module):
    module = make_module()
    base = {"title": "X", "start_date": "2026-03-02", "start_time": "09:00",
            "end_time": "16:00", "timezone": "Africa/Nairobi",
            "station_ids": [world.station_a.id]}  # fmt: skip
    no_module = trainer_client.post("/curricula/trainings/new", data=base)
    assert no_module.status_code == 422
    assert "Choose at least one module." in no_module.get_data(as_text=True)
    backwards = trainer_client.post(
        "/curricula/trainings/new", data=dict(base, end_date="2026-03-01", module_ids=[module.id])
    )
    assert backwards.status_code == 422
    assert "The meeting must end after it starts." in backwards.get_data(as_text=True)
    from meetings.models import Meeting

    with app.app_context():
        assert db.session.scalar(select(func.count(Training.id))) == 0
        assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_register_of_the_meeting_feeds_the_training(app, world, trainer_client, make_person,
                                                     make_training):  # fmt: skip
    officer = make_person("officer", world.station_a, name="Constable Baya")
    training_id = make_training(stations=[world.station_a])
    with app.app_context():
        training = db.session.get(Training, training_id)
        meeting_id, days = training.meeting_id, training.days
    # Attendance is recorded on the meeting's register (the meetings domain's pages).
    assert trainer_client.post(f"/meetings/{meeting_id}/register/add",
                               data={"person_ids": [officer.id]}).status_code == 302  # fmt: skip
    ((attendee_id, person_id, pre, post),) = _participants(app, training_id)
    assert (person_id, pre, post) == (officer.id, None, None)
    trainer_client.post(
        f"/meetings/{meeting_id}/register",
        data={
            f"mark-{attendee_id}-{days[0]}": "present",
            f"mark-{attendee_id}-{days[1]}": "absent",
            "action": "save",
        },  # fmt: skip
    )
    page = trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert "Constable Baya" in page
    missed = days[1]
    assert f"did not attend every day (missing {missed.day} {missed:%b} {missed.year})" in page
    # Moving the meeting by a day in the meetings domain moves the training's dates too (the
    # meetings domain announces it; curricula listens).
    from meetings.models import Meeting, MeetingStatus
    from meetings.services.lifecycle import postpone_meeting
    from partnership.accounts.models import User

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.status = MeetingStatus.CONFIRMED  # held in the helper; only a coming one moves
        coordinator = db.session.get(User, world.users["coordinator"].id)
        postpone_meeting(
            meeting,
            coordinator,
            meeting.starts_at + timedelta(days=1),
            meeting.ends_at + timedelta(days=1),
            "Venue flooded",
        )
        db.session.commit()
        assert db.session.get(Training, training_id).starts_on == days[0] + timedelta(days=1)


# ---- score grid --------------------------------------------------------------------------------


def _grid_training(make_person, make_training, world, n=3):  # noqa: ANN001, ANN202
    people = [make_person("officer", world.station_a, name=f"Officer {i}") for i in range(n)]
    return make_training(stations=[world.station_a], people=[(p, 2, None, None) for p in people])


def test_score_grid_saves_valid_scores(app, world, trainer_client, make_person, make_training):
    training_id = _grid_training(make_person, make_training, world)
    rows = _participants(app, training_id)
    data = {}
    for (pid, *_rest), (pre, post) in zip(rows, [("8", "15"), ("10,5", "18"), ("", "12")],
                                           strict=True):  # fmt: skip
        data[f"pre-{pid}"], data[f"post-{pid}"] = pre, post
    response = trainer_client.post(f"/curricula/trainings/{training_id}/scores", data=data)
    assert response.status_code == 302
    assert [(r[2], r[3]) for r in _participants(app, training_id)] == [
        (8, 15),
        (10.5, 18),
        (None, 12),
    ]


def test_score_grid_saves_nothing_while_a_cell_is_invalid(app, world, trainer_client,
                                                         make_person, make_training):  # fmt: skip
    training_id = _grid_training(make_person, make_training, world)
    rows = _participants(app, training_id)
    data = {f"pre-{rows[0][0]}": "8", f"post-{rows[0][0]}": "21",
            f"pre-{rows[1][0]}": "abc", f"post-{rows[1][0]}": "-1",
            f"pre-{rows[2][0]}": "5", f"post-{rows[2][0]}": "12.345"}  # fmt: skip
    response = trainer_client.post(f"/curricula/trainings/{training_id}/scores", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "4 cells are not valid; nothing was saved." in html
    assert "Enter a score from 0 to 20." in html and "“abc” is not a number." in html
    assert "Use at most two decimals." in html
    assert f'id="err-post-{rows[0][0]}"' in html and f'id="err-pre-{rows[0][0]}"' not in html
    # The typed values stay in the grid so the trainer corrects only the bad cells.
    assert 'value="21"' in html and 'value="abc"' in html
    assert [(r[2], r[3]) for r in _participants(app, training_id)] == [(None, None)] * 3


def test_pasted_column_with_decimal_commas_and_blank_cells(app, world, trainer_client,
                                                          make_person, make_training):  # fmt: skip
    # What the grid's paste handler sends after a column is pasted from a spreadsheet.
    training_id = _grid_training(make_person, make_training, world)
    rows = _participants(app, training_id)
    pasted = "12,5\r\n \r\n7".splitlines()
    data = {f"pre-{pid}": value for (pid, *_r), value in zip(rows, pasted, strict=True)}
    assert (
        trainer_client.post(f"/curricula/trainings/{training_id}/scores", data=data).status_code
        == 302
    )
    assert [r[2] for r in _participants(app, training_id)] == [12.5, None, 7]


def test_score_grid_page_is_keyboard_ready(app, world, trainer_client, make_person, make_training):
    training_id = _grid_training(make_person, make_training, world, n=1)
    html = trainer_client.get(f"/curricula/trainings/{training_id}/scores").get_data(as_text=True)
    assert "js/score-grid.js" in html and 'data-max="20"' in html
    assert 'inputmode="decimal"' in html and 'aria-label="Officer 0, pre-test"' in html


# ---- import ------------------------------------------------------------------------------------


def _xlsx(rows):  # noqa: ANN001, ANN202
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(client, training_id, name, body):  # noqa: ANN001, ANN202
    return client.post(
        f"/curricula/trainings/{training_id}/import",
        data={"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def test_import_template_then_good_file(app, world, trainer_client, make_person, make_training):
    on_register = make_person("officer", world.station_a, name="Officer On Register")
    newcomer = make_person("officer", world.station_b, name="Officer Newcomer")
    training_id = make_training(
        stations=[world.station_a], people=[(on_register, 0, None, None)],
        starts_on=date(2026, 3, 2),
    )  # fmt: skip
    template = trainer_client.get(f"/curricula/trainings/{training_id}/template.csv")
    header = template.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    # Each column carries a key that does not depend on the interface language.
    assert header == ("Person ID [person_id],Name [name],Station [station],"
                      "Day 1 (2026-03-02) [day-2026-03-02],Day 2 (2026-03-03) [day-2026-03-03],"
                      "Pre-test score [pre_score],Post-test score [post_score]")  # fmt: skip
    body = _xlsx([
        header.split(","),
        [on_register.id, "Officer On Register", "", "present", "late", 9, 16],
        [newcomer.id, "Officer Newcomer", "", "P", "absent", "7,5", ""],
    ])  # fmt: skip
    response = _import(trainer_client, training_id, "register.xlsx", body)
    assert response.status_code == 302
    rows = {r[1]: r for r in _participants(app, training_id)}
    assert rows[on_register.id][2:] == (9, 16)
    assert rows[newcomer.id][2:] == (7.5, None)
    with app.app_context():
        from meetings.models import Attendee

        newcomer_row = db.session.scalar(select(Attendee).where(Attendee.person_id == newcomer.id))
        assert [m.status.value for m in newcomer_row.marks] == ["present", "absent"]
        assert newcomer_row.station_id == world.station_b.id
    assert_reach_matches(app)  # the officers reached summary counted the imported marks


def test_import_with_bad_rows_writes_nothing(app, world, trainer_client, make_person,
                                             make_training):  # fmt: skip
    officer = make_person("officer", world.station_a)
    training_id = make_training(people=[(officer, 0, None, None)], days=1,
                                starts_on=date(2026, 3, 2))  # fmt: skip
    csv_body = (
        "Person ID,Name,Station,Day 1 (2026-03-02),Pre-test score,Post-test score\n"
        f"{officer.id},A,,present,5,30\n"
        "99999,Ghost,,present,5,6\n"
        f"{officer.id},A again,,maybe,5,6\n"
    ).encode()
    response = _import(trainer_client, training_id, "register.csv", csv_body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "Line 2: Post-test score: Enter a score from 0 to 20." in html
    assert "Line 3: Unknown person ID “99999”." in html
    assert f"Line 4: Person ID {officer.id} appears twice." in html
    assert _participants(app, training_id)[0][2:] == (None, None)
    assert_reach_matches(app)


def test_import_of_the_wrong_template_is_refused(app, world, trainer_client, make_person,
                                                 make_training):  # fmt: skip
    officer = make_person("officer", world.station_a)
    training_id = make_training(people=[(officer, 0, None, None)], days=1,
                                starts_on=date(2026, 3, 2))  # fmt: skip
    body = f"Person ID,Name,Day 1 (2026-04-01),Score\n{officer.id},A,present,5\n".encode()
    response = _import(trainer_client, training_id, "other.csv", body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The columns do not match this training" in html
    assert "Missing: Day 1 (2026-03-02), Pre-test score, Post-test score." in html
    assert "Days not in this training: 2026-04-01." in html
    not_a_sheet = _import(trainer_client, training_id, "scores.pdf", b"%PDF")
    assert "Upload a .csv or .xlsx file." in not_a_sheet.get_data(as_text=True)


def test_template_in_another_language_imports(app, world, trainer_client, make_person,
                                              make_training):  # fmt: skip
    """A template downloaded in Russian imports whatever the uploader's language: columns are
    matched by their keys; errors name the file's own lines, blank lines included."""
    officer = make_person("officer", world.station_a)
    training_id = make_training(people=[(officer, 0, None, None)], days=1,
                                starts_on=date(2026, 3, 2))  # fmt: skip
    csv_body = (
        "ID участника [person_id],Имя [name],Участок [station],День 1 (2026-03-02) [day-2026-03-02],"
        "Пре-тест [pre_score],Пост-тест [post_score]\n"
        "\n"
        f"{officer.id},А,,present,5,31\n"
    ).encode()
    refused = _import(trainer_client, training_id, "register.csv", csv_body)
    assert refused.status_code == 422
    assert "Line 3: Post-test score: Enter a score from 0 to 20." in refused.get_data(as_text=True)
    response = _import(
        trainer_client, training_id, "register.csv", csv_body.replace(b",31", b",11")
    )
    assert response.status_code == 302
    assert _participants(app, training_id)[0][2:] == (5, 11)


# ---- eligibility, certificates, verification ---------------------------------------------------


def _certificate_world(make_person, make_training, world, pass_mark=12):  # noqa: ANN001, ANN202
    full = make_person("officer", world.station_a, name="Full Attendance")
    missed = make_person("officer", world.station_a, name="Missed A Day")
    failed = make_person("officer", world.station_a, name="Failed Post Test")
    untested = make_person("officer", world.station_a, name="No Post Test")
    training_id = make_training(
        stations=[world.station_a], pass_mark=pass_mark,
        people=[(full, 2, 8, 15), (missed, 1, 8, 18), (failed, 2, 8, 10), (untested, 2, 8, None)],
    )  # fmt: skip
    return training_id, full, missed, failed, untested


def test_certificates_only_for_full_completion(app, world, trainer_client, make_person,
                                               make_training):  # fmt: skip
    training_id, full, *_others = _certificate_world(make_person, make_training, world)
    page = trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert "did not attend every day" in page and "post-test below the pass mark" in page
    assert "no post-test score" in page
    assert (
        trainer_client.post(f"/curricula/trainings/{training_id}/certificates").status_code == 302
    )
    with app.app_context():
        certificates = db.session.scalars(select(Certificate)).all()
        assert [c.person_id for c in certificates] == [full.id]
        certificate_id = certificates[0].id
    # Issuing again adds nothing.
    trainer_client.post(f"/curricula/trainings/{training_id}/certificates")
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
    pdf = trainer_client.get(f"/curricula/certificates/{certificate_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    bundle = trainer_client.get(f"/curricula/trainings/{training_id}/certificates.zip")
    names = zipfile.ZipFile(io.BytesIO(bundle.data)).namelist()
    assert len(names) == 1 and names[0].endswith(".pdf")


def test_without_a_pass_mark_attendance_is_enough(app, world, trainer_client, make_person,
                                                  make_training):  # fmt: skip
    training_id, full, missed, failed, untested = _certificate_world(
        make_person, make_training, world, pass_mark=None
    )
    trainer_client.post(f"/curricula/trainings/{training_id}/certificates")
    with app.app_context():
        holders = set(db.session.scalars(select(Certificate.person_id)))
    assert holders == {full.id, failed.id, untested.id}


def test_verification_page_valid_revoked_and_unknown(app, world, client, trainer_client,
                                                     make_person, make_training):  # fmt: skip
    training_id, full, *_ = _certificate_world(make_person, make_training, world)
    trainer_client.post(f"/curricula/trainings/{training_id}/certificates")
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        code, certificate_id = certificate.code, certificate.id
    valid = client.get(f"/curricula/verify/{code}")  # anonymous: the page is public
    html = valid.get_data(as_text=True)
    assert valid.status_code == 200 and "This certificate is valid." in html
    assert "Full Attendance" in html and "Harm reduction for operational officers" in html
    # Only name, training, dates and validity: no station, score or other participant.
    assert "Alpha Police Station" not in html and "15" not in html.split("Dates")[1][:80]
    assert "Missed A Day" not in html
    typed = client.get(f"/curricula/verify?code={code.lower().replace('-', ' ')}")
    assert "This certificate is valid." in typed.get_data(as_text=True)
    refused = trainer_client.post(f"/curricula/certificates/{certificate_id}/revoke", data={})
    assert refused.status_code == 422
    trainer_client.post(
        f"/curricula/certificates/{certificate_id}/revoke", data={"reason": "Issued in error"}
    )
    revoked = client.get(f"/curricula/verify/{code}").get_data(as_text=True)
    assert "has been revoked and is not valid" in revoked and "Issued in error" not in revoked
    assert trainer_client.get(f"/curricula/certificates/{certificate_id}.pdf").status_code == 302
    unknown = client.get("/curricula/verify/ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 404
    assert "No certificate has this code." in unknown.get_data(as_text=True)


# ---- knowledge gain and who sees what ----------------------------------------------------------


def _two_station_training(make_person, make_training, world):  # noqa: ANN001, ANN202
    own = [make_person("officer", world.station_a, name=f"Alpha {i}") for i in range(5)]
    far = [make_person("officer", world.station_c, name=f"Charlie {i}") for i in range(2)]
    people = [(p, 2, 8 + i, 14 + i) for i, p in enumerate(own)] + [(p, 2, 2, 4) for p in far]
    return make_training(stations=[world.station_a, world.station_c], people=people)


def test_training_page_shows_the_summary_and_chart(app, world, trainer_client, make_person,
                                                   make_training):  # fmt: skip
    training_id = _two_station_training(make_person, make_training, world)
    html = trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert "Participants with both scores" in html and "<svg" in html
    assert html.count('class="point"') == 7
    assert "Charlie 0" in html and "Alpha 4" in html


def test_officer_sees_only_own_stations_participants_and_results(app, world, login_as,
                                                                 make_person, make_training):  # fmt: skip
    training_id = _two_station_training(make_person, make_training, world)
    html = login_as("officer").get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert "Alpha 0" in html and "Charlie 0" not in html
    assert "Alpha Police Station" in html and "Charlie Police Station" not in html
    # Mean pre-test over station A's five officers only (8..12 → 10), not all seven.
    assert "10 / 20" in html
    knowledge = login_as("officer").get("/curricula/knowledge?by=station").get_data(as_text=True)
    assert "Alpha Police Station" in knowledge and "Charlie Police Station" not in knowledge
    coverage = login_as("officer").get("/curricula/coverage").get_data(as_text=True)
    assert "Alpha Police Station" in coverage and "Charlie Police Station" not in coverage


def test_viewer_sees_aggregates_only(app, world, login_as, make_person, make_training):
    training_id = _two_station_training(make_person, make_training, world)
    viewer = login_as("viewer")
    html = viewer.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert "Alpha 0" not in html and "Charlie 0" not in html and 'class="point"' not in html
    assert "Participants with both scores" in html
    by_station = viewer.get("/curricula/knowledge?by=station").get_data(as_text=True)
    # Charlie station has two pairs: suppressed as "<5" for viewers.
    assert "&lt;5" in by_station and "fewer than 5 pairs: not shown" in by_station


def test_knowledge_by_each_grouping(app, world, coordinator_client, make_person, make_training):
    _two_station_training(make_person, make_training, world)
    for by, expected in (("module", "v1"), ("station", "Alpha Police Station"),
                         ("audience", "Operational officers"), ("period", "quarter"),
                         ("training", "Harm reduction for operational officers")):  # fmt: skip
        html = coordinator_client.get(f"/curricula/knowledge?by={by}").get_data(as_text=True)
        assert expected in html, by
        assert "<table" in html and "<svg" in html


# ---- coverage after a transfer -----------------------------------------------------------------


@pytest.mark.parametrize("kept", [False, True], ids=["computed", "cached"])
def test_coverage_follows_a_trained_officer_who_is_transferred(app, world, coordinator_client,
                                                               make_person, make_training, request,
                                                               kept):  # fmt: skip
    """With the figures cache working too: the counts kept are those of a plain query, and a
    transfer shows on the next load."""
    if kept:
        request.getfixturevalue("live_cache")
    long_ago = date.today() - timedelta(days=400)
    trained = make_person("officer", world.station_a, name="Trained Mover", posted_since=long_ago)
    make_person("officer", world.station_a, name="Untrained Stayer", posted_since=long_ago)
    make_person("officer", world.station_b, name="Untrained B", posted_since=long_ago)
    make_training(stations=[world.station_a], people=[(trained, 2, 5, 15)],
                  starts_on=date.today() - timedelta(days=300))  # fmt: skip

    def row(station):  # noqa: ANN001, ANN202
        html = coordinator_client.get("/curricula/coverage").get_data(as_text=True)
        return html.split(f">{station.name}</a>")[1].split("</tr>")[0]

    before = row(world.station_a)
    assert "50%" in before and "needed" not in before
    transfer = coordinator_client.post(
        f"/people/{trained.id}/transfer",
        data={
            "station_id": world.station_b.id,
            "transfer_date": (date.today() - timedelta(days=10)).isoformat(),
        },  # fmt: skip
    )
    assert transfer.status_code == 302
    after_a, after_b = row(world.station_a), row(world.station_b)
    # Station A lost its trained officer: share 0% now against 50% before → re-sensitisation.
    assert "0%" in after_a and "needed: share fell after transfers" in after_a
    # Station B gained a trained officer who was trained elsewhere.
    assert "50%" in after_b and "needed" not in after_b
    cells = [c.split(">", 1)[1] for c in after_b.split("<td")[1:]]
    assert cells[0].startswith("2") and cells[1].startswith("1")  # officers now, trained
    assert cells[3].startswith("1")  # trained elsewhere, moved in
    with app.test_request_context():
        from curricula.services.coverage import _coverage_counts, coverage_for
        from partnership.organisations.models import Organisation

        stations = [db.session.get(Organisation, s.id) for s in (world.station_a, world.station_b)]
        since = date.today() - timedelta(days=180)
        kept_rows = coverage_for(stations, since)
        plain = _coverage_counts(sorted(s.id for s in stations), since)
        for row in kept_rows:
            assert (row.officers, row.trained, row.trained_elsewhere, row.officers_then,
                    row.trained_then, row.transfers) == plain[row.station.id]  # fmt: skip


# ---- question by question ----------------------------------------------------------------------


def test_answers_compute_scores_and_question_difficulty(app, world, trainer_client, make_person,
                                                       make_module, make_training):  # fmt: skip
    from curricula.models import Question

    module = make_module(code="HR-Q", max_score=3, pass_mark=2)
    with app.app_context():
        for n, (key, points) in enumerate([("A", 1), ("c", 2)], start=1):
            db.session.add(Question(module_id=module.id, position=n, text=f"Question {n}",
                                    answer_key=key, points=points))  # fmt: skip
        db.session.commit()
    people = [make_person("officer", world.station_a, name=f"Q Officer {i}") for i in range(2)]
    training_id = make_training(modules=[module], people=[(p, 2, None, None) for p in people],
                                max_score=3, pass_mark=2)  # fmt: skip
    with app.app_context():
        db.session.get(Training, training_id).question_module_id = module.id
        db.session.commit()
        qids = [q.id for q in db.session.scalars(select(Question).order_by(Question.position))]
    (p1, *_a), (p2, *_b) = _participants(app, training_id)
    pre = {f"a-{p1}-{qids[0]}": "a", f"a-{p1}-{qids[1]}": "B",  # 1 point
           f"a-{p2}-{qids[0]}": "B", f"a-{p2}-{qids[1]}": "B"}  # 0 points  # fmt: skip
    post = {f"a-{p1}-{qids[0]}": "A", f"a-{p1}-{qids[1]}": "C ",  # 3 points
            f"a-{p2}-{qids[0]}": "A"}  # 1 point; question 2 not answered  # fmt: skip
    assert (
        trainer_client.post(f"/curricula/trainings/{training_id}/answers/pre", data=pre).status_code
        == 302
    )
    trainer_client.post(f"/curricula/trainings/{training_id}/answers/post", data=post)
    assert [(r[2], r[3]) for r in _participants(app, training_id)] == [(1, 3), (0, 1)]
    html = trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    section = html.split("Questions: share answering correctly")[1]
    # Question 1: 1 of 2 right before, 2 of 2 after; question 2: 0 of 2 before, 1 of 1 after.
    assert "<td>Question 1</td><td>50%</td><td>100%</td>" in section.replace("\n", "")
    assert "<td>Question 2</td><td>0%</td><td>100%</td>" in section.replace("\n", "")
    form = trainer_client.get(f"/curricula/trainings/{training_id}/answers/post")
    assert 'value="C"' in form.get_data(as_text=True)
    assert (
        trainer_client.get(f"/curricula/trainings/{training_id}/answers/during").status_code == 404
    )


def test_station_story_shows_training_coverage_and_gain(app, world, coordinator_client,
                                                        make_person, make_training):  # fmt: skip
    _two_station_training(make_person, make_training, world)
    html = coordinator_client.get(f"/stations/{world.station_a.id}").get_data(
        as_text=True
    )
    assert "Training of this station&#39;s officers" in html or "Training of this station" in html
    # Five officers posted at Alpha, all completed: 100%; scores 8..12 → 14..18 of 20.
    assert "100%" in html and "50% → 80%" in html


def test_two_trainers_saving_the_grid_lose_nothing(
    app, world, login_as, make_person, make_training
):
    """Both open the empty grid. The first enters row 1; the second enters row 2 and also
    types into row 1's pre-test: row 2 is kept, row 1's clash is refused with a message."""
    import re

    training_id = _grid_training(make_person, make_training, world, n=2)
    (a, *_), (b, *_) = _participants(app, training_id)
    url = f"/curricula/trainings/{training_id}/scores"
    first, second = login_as("trainer"), login_as("coordinator")
    page = second.get(url).get_data(as_text=True)
    shown = dict(re.findall(r'name="(was-[a-z]+-\d+)" value="([^"]*)"', page))
    assert shown == {
        f"was-pre-{a}": "",
        f"was-post-{a}": "",
        f"was-pre-{b}": "",
        f"was-post-{b}": "",
    }

    saved = first.post(url, data={f"pre-{a}": "8", f"post-{a}": "15", f"pre-{b}": "", f"post-{b}": "",
                                  **{f"was-{c}-{i}": "" for c in ("pre", "post") for i in (a, b)}})  # fmt: skip
    assert saved.status_code == 302

    # The second trainer's stale grid: row 1 post untouched (kept), row 1 pre clashes.
    clash = second.post(url, data={f"pre-{a}": "9", f"post-{a}": "", f"pre-{b}": "11", f"post-{b}": "17",
                                   **shown})  # fmt: skip
    assert clash.status_code == 409
    assert "Someone else saved 8 here meanwhile" in clash.get_data(as_text=True)
    assert [(r[2], r[3]) for r in _participants(app, training_id)] == [(8, 15), (None, None)]

    # The page now shows the stored post-test of row 1 and keeps this trainer's entries;
    # saving it as shown (the trainer confirms 9) keeps the first trainer's post-test score.
    page = clash.get_data(as_text=True)
    shown = dict(re.findall(r'name="(was-[a-z]+-\d+)" value="([^"]*)"', page))
    assert shown[f"was-pre-{a}"] == "8" and shown[f"was-post-{a}"] == "15"
    cells = dict(re.findall(r'name="((?:pre|post)-\d+)" id="[^"]+"\s+value="([^"]*)"', page))
    assert cells == {f"pre-{a}": "9", f"post-{a}": "15", f"pre-{b}": "11", f"post-{b}": "17"}
    again = second.post(url, data={**cells, **shown})
    assert again.status_code == 302
    assert [(r[2], r[3]) for r in _participants(app, training_id)] == [(9, 15), (11, 17)]


def test_certificates_zip_records_its_download_in_a_write_transaction(
    app, world, trainer_client, make_person, make_training
):
    """A GET reads without the write lock; its audit entry is written in a short transaction
    that takes the lock when it begins (BEGIN IMMEDIATE on SQLite), so a download at the same
    moment as a save does not fail with "database is locked"."""
    from sqlalchemy import event

    from partnership.audit import AuditEntry

    training_id, *_people = _certificate_world(make_person, make_training, world)
    trainer_client.post(f"/curricula/trainings/{training_id}/certificates")
    statements: list[str] = []

    def before(conn, cursor, statement, *args):  # noqa: ANN001, ANN002, ANN202
        statements.append(statement.strip().upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = trainer_client.get(f"/curricula/trainings/{training_id}/certificates.zip")
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert response.status_code == 200
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "certificates_downloaded")
        ).one()
        assert entry.entity_id == training_id and entry.changes == {"count": 1}
    if engine.dialect.name == "sqlite":
        insert_at = next(i for i, s in enumerate(statements) if "INTO AUDIT_ENTRIES" in s)
        begins = [s for s in statements[:insert_at] if s.startswith("BEGIN")]
        assert begins[-1] == "BEGIN IMMEDIATE"


def test_a_proposed_training_trains_no_one_yet(app, world, coordinator_client, make_person,
                                               make_training):  # fmt: skip
    """Attendance can be marked ahead on a proposed training; nobody is trained until it is held."""
    officer = make_person("officer", world.station_a, name="Only Officer")
    training_id = make_training(stations=[world.station_a], people=[(officer, 2, None, None)],
                                status="proposed")  # fmt: skip

    def row():  # noqa: ANN202
        html = coordinator_client.get("/curricula/coverage").get_data(as_text=True)
        row = html.split(f">{world.station_a.name}</a>")[1].split("</tr>")[0]
        return [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]

    assert row()[:3] == ["1", "0", "0%"]  # officers now, trained, share
    home = coordinator_client.get("/").get_data(as_text=True)
    assert "0%</span> of officers posted now completed a training" in home
    with app.app_context():
        from meetings.models import MeetingStatus

        db.session.get(Training, training_id).meeting.status = MeetingStatus.HELD
        db.session.commit()
    assert row()[:3] == ["1", "1", "100%"]


def test_a_share_never_gives_a_withheld_count_away(app, world, login_as, make_person,
                                                    make_training):  # fmt: skip
    """Twenty officers posted at Alpha, three of them trained: "15 %" next to "20 officers"
    would give the officer's and viewer's "<5" away, so the share is withheld with the count
    on the coverage page, the station story and the dashboard. NGO editors see both."""
    long_ago = date.today() - timedelta(days=400)
    officers = [
        make_person("officer", world.station_a, name=f"Posted {i}", posted_since=long_ago)
        for i in range(20)
    ]
    make_training(stations=[world.station_a], people=[(p, 2, 5, 15) for p in officers[:3]])
    station = world.station_a

    def seen(client) -> tuple[str, str, str]:  # noqa: ANN001
        coverage = client.get("/curricula/coverage").get_data(as_text=True)
        row = coverage.split(f">{station.name}</a>")[1].split("</tr>")[0]
        story = client.get(f"/stations/{station.id}").get_data(as_text=True)
        tile = story.split("of officers posted now completed a training")[0][-200:]
        home = client.get(f"/?station={station.id}").get_data(as_text=True)
        dashboard = home.split("of officers posted now completed a training")[0][-200:]
        return row, tile, dashboard

    for role in ("officer", "viewer"):
        row, tile, dashboard = seen(login_as(role))
        assert "&lt;5" in row and "15%" not in row and "—" in row, role
        assert "15%" not in tile and "—" in tile, role
        assert "15%" not in dashboard and "—" in dashboard, role
    row, tile, dashboard = seen(login_as("coordinator"))
    assert "15%" in row and "15%" in tile and "15%" in dashboard


def test_the_chart_does_not_describe_a_group_the_table_withholds(app, world, login_as,
                                                                 make_person, make_training):  # fmt: skip
    """Charlie's two pairs (10 % → 20 %) are "not shown" in the viewer's table; the chart
    above it used to draw their bars and print their means."""
    _two_station_training(make_person, make_training, world)

    def chart(client) -> str:  # noqa: ANN001
        html = client.get("/curricula/knowledge?by=station").get_data(as_text=True)
        return html.split('class="chart-svg"')[1].split("</svg>")[0]

    viewer = chart(login_as("viewer"))
    assert "10%</text>" not in viewer and "20%</text>" not in viewer
    assert "fewer than 5 pairs: not shown" in viewer
    assert "50%</text>" in viewer  # Alpha's five pairs are shown
    coordinator = chart(login_as("coordinator"))
    assert "10%</text>" in coordinator and "20%</text>" in coordinator


def test_left_out_counts_are_withheld_from_officers_as_in_the_api(app, world, login_as,
                                                                   make_person, make_training):  # fmt: skip
    # Six pairs and two officers without a post-test: "2" left out is a small count.
    paired = [make_person("officer", world.station_a, name=f"Paired {i}") for i in range(6)]
    no_post = [make_person("officer", world.station_a, name=f"No Post {i}") for i in range(2)]
    people = [(p, 2, 8 + i, 14 + i) for i, p in enumerate(paired)]
    people += [(p, 2, 9, None) for p in no_post]
    training_id = make_training(stations=[world.station_a], people=people)
    make_training(stations=[world.station_a], title="Three officers only",
                  people=[(p, 2, 9, 15) for p in paired[:3]])  # fmt: skip

    def left_out_cell(html: str) -> str:
        return html.split(">Left out</th><td>", 1)[1].split("</td>", 1)[0]

    coordinator = login_as("coordinator")
    html = coordinator.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert left_out_cell(html) == "2 (no post-test: 2)"
    listing = coordinator.get("/curricula/trainings").get_data(as_text=True)
    assert ">3</td>" in listing.replace('data-label="Participants">', ">")

    officer = login_as("officer")
    html = officer.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert left_out_cell(html) == "&lt;5 (no post-test: &lt;5)"
    # The pairs are withheld too, or 8 participants less 6 pairs would give the 2 away.
    assert "Participants with both scores</th><td>—</td>" in html
    listing = officer.get("/curricula/trainings").get_data(as_text=True)
    assert ">3</td>" not in listing.replace('data-label="Participants">', ">")
    assert 'data-label="Participants">&lt;5</td>' in listing

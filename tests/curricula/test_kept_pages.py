"""Training pages kept rendered until a write (partnership.caching.render_kept): a kept page
equals the page rendered afresh, before and right after a write; officers still see only their
own stations' participants, viewers only aggregates."""

from __future__ import annotations

import pytest

from tests.conftest import fresh_page_html, page_html
from tests.curricula.test_trainings import _participants, _two_station_training


@pytest.mark.parametrize("listing", [False, True], ids=["training", "trainings"])
def test_kept_training_pages_equal_fresh_before_and_after_scores_are_saved(
    app, world, trainer_client, make_person, make_training, live_cache, listing
):  # noqa: ANN001
    training_id = _two_station_training(make_person, make_training, world)
    path = "/curricula/trainings" if listing else f"/curricula/trainings/{training_id}"
    first = page_html(trainer_client, path)
    assert page_html(trainer_client, path) == first == fresh_page_html(app, trainer_client, path)
    rows = _participants(app, training_id)
    data = {}
    for pid, *_rest in rows:
        data[f"pre-{pid}"], data[f"post-{pid}"] = "1", "20"
    assert (
        trainer_client.post(f"/curricula/trainings/{training_id}/scores", data=data).status_code
        == 302
    )
    page_html(trainer_client, path)  # (shows the confirmation once)
    after = page_html(trainer_client, path)
    assert after == fresh_page_html(app, trainer_client, path)
    if not listing:
        assert after != first and "20 / 20" in after


def test_kept_training_page_follows_each_viewers_scope(
    app, world, login_as, make_person, make_training, live_cache
):  # noqa: ANN001
    training_id = _two_station_training(make_person, make_training, world)
    path = f"/curricula/trainings/{training_id}"
    coordinator = page_html(login_as("coordinator"), path)
    assert "Charlie 0" in coordinator and "Alpha 0" in coordinator
    # Kept for the coordinator first: the officer and the viewer must not receive it.
    officer = page_html(login_as("officer"), path)
    assert "Alpha 0" in officer and "Charlie 0" not in officer and "10 / 20" in officer
    viewer = page_html(login_as("viewer"), path)
    assert "Alpha 0" not in viewer and "Charlie 0" not in viewer and 'class="point"' not in viewer
    assert officer == fresh_page_html(app, login_as("officer"), path)
    # A training of other stations only stays out of the officer's reach, kept or not.
    other = make_training(
        stations=[world.station_c], people=[(make_person("officer", world.station_c), 2, 5, 9)]
    )
    assert login_as("coordinator").get(f"/curricula/trainings/{other}").status_code == 200
    assert login_as("officer").get(f"/curricula/trainings/{other}").status_code == 404


def test_issue_certificates_posts_through_the_pages_own_form(
    app, world, coordinator_client, make_person, make_training, live_cache
):  # noqa: ANN001
    training_id = _two_station_training(make_person, make_training, world)
    html = coordinator_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert 'form="certificates-form"' in html
    form = html.split('id="certificates-form"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in form
    response = coordinator_client.post(f"/curricula/trainings/{training_id}/certificates")
    assert response.status_code == 302
    issued = page_html(coordinator_client, f"/curricula/trainings/{training_id}")
    assert "certificates-form" in issued and "<code>" in issued  # the certificates listed
    assert page_html(coordinator_client, f"/curricula/trainings/{training_id}") == fresh_page_html(
        app, coordinator_client, f"/curricula/trainings/{training_id}"
    )


@pytest.mark.parametrize("path", ["/curricula/modules", "/curricula/adoption"])
def test_kept_catalogue_pages_equal_fresh_after_a_new_module(
    app, world, coordinator_client, make_module, make_org, live_cache, path
):  # noqa: ANN001
    make_org("training_centre", "Kenya Police Training College")
    make_module(code="K-1")
    first = page_html(coordinator_client, path)
    assert "K-1" in first and first == fresh_page_html(app, coordinator_client, path)
    make_module(code="K-2")
    after = page_html(coordinator_client, path)
    assert "K-2" in after and after == fresh_page_html(app, coordinator_client, path)


def _kept_fragments(app) -> list[str]:  # noqa: ANN001
    """Every value in the cache, as text (the kept fragments among them)."""
    import pickle

    from partnership.caching import cache

    with app.app_context():
        store = cache.cache._cache  # SimpleCache: key -> (expires, pickled value)
        return [repr(pickle.loads(value)) for _expires, value in store.values()]  # noqa: S301


def _assert_nothing_of_a_session_kept(app) -> None:  # noqa: ANN001
    for value in _kept_fragments(app):
        assert 'name="csrf_token"' not in value and "submission_key" not in value
        assert 'method="post"' not in value.lower()


def test_kept_module_page_equals_fresh_before_and_after_writes_through_its_forms(
    app, world, trainer_client, make_module, live_cache
):  # noqa: ANN001
    from io import BytesIO

    module = make_module(code="K-9", title="Referral basics")
    path = f"/curricula/modules/{module.id}"
    first = page_html(trainer_client, path)
    assert "Referral basics" in first and "No materials uploaded yet." in first
    assert page_html(trainer_client, path) == first == fresh_page_html(app, trainer_client, path)
    _assert_nothing_of_a_session_kept(app)
    # Its buttons post through the page's own forms, which carry this session's token.
    html = trainer_client.get(path).get_data(as_text=True)
    for form_id in ("module-post-form", "module-delete-form"):
        form = html.split(f'id="{form_id}"')[1].split("</form>")[0]
        assert 'name="csrf_token"' in form and 'name="submission_key"' in form
    assert 'id="module-delete-form" data-confirm="Delete this file?"' in html
    assert f'form="module-post-form" formaction="/curricula/modules/{module.id}/versions"' in html

    # A material uploaded and a question added through the forms: on the very next load.
    upload = trainer_client.post(
        f"{path}/materials/new",
        data={"file": (BytesIO(b"%PDF-1.4 k"), "slides.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    question = trainer_client.post(
        f"{path}/questions/new",
        data={"text": "Where can an officer refer?", "answer_key": "A", "points": "2"},
    )
    assert question.status_code == 302
    page_html(trainer_client, path)  # (shows the confirmation once)
    after = page_html(trainer_client, path)
    assert "slides.pdf" in after and "Where can an officer refer?" in after
    assert after == fresh_page_html(app, trainer_client, path)
    assert 'form="module-delete-form" formaction="' in after
    _assert_nothing_of_a_session_kept(app)

    # The material deleted through its button's form: gone on the next load, kept or not.
    delete_url = after.split('form="module-delete-form" formaction="')[1].split('"')[0]
    assert trainer_client.post(delete_url).status_code == 302
    page_html(trainer_client, path)
    gone = page_html(trainer_client, path)
    assert "slides.pdf" not in gone and gone == fresh_page_html(app, trainer_client, path)

    # A new version through its button: the first version's page links to it.
    assert trainer_client.post(f"{path}/versions").status_code == 302
    page_html(trainer_client, path)
    versions = page_html(trainer_client, path)
    assert "version 2" in versions and versions == fresh_page_html(app, trainer_client, path)


def test_kept_module_page_follows_each_role(app, world, login_as, make_module, live_cache):  # noqa: ANN001
    from io import BytesIO

    module = make_module(code="K-8")
    path = f"/curricula/modules/{module.id}"
    trainer = login_as("trainer")
    trainer.post(
        f"{path}/materials/new",
        data={"file": (BytesIO(b"notes"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert "notes.txt" in page_html(trainer, path)
    # Kept for the trainer first: an officer and a viewer get neither the files nor the buttons.
    for role in ("officer", "viewer"):
        html = login_as(role).get(path).get_data(as_text=True)
        assert "K-8" in html and "notes.txt" not in html
        assert "module-post-form" not in html and "module-delete-form" not in html
    assert login_as("trainer").get("/curricula/modules/999999").status_code == 404


def _plain_pooled(app):  # noqa: ANN001, ANN202
    """Every officer's scores on a training's register, read plainly and summed in Python."""
    from curricula.models import Participant, Training
    from curricula.stats import ScoreRecord, summarise
    from meetings.models import Attendee, Meeting, MeetingStatus
    from partnership.extensions import db
    from partnership.organisations.models import Person, PersonKind

    with app.app_context():
        records = []
        for training in db.session.scalars(db.select(Training)):
            meeting = db.session.get(Meeting, training.meeting_id)
            if meeting.status == MeetingStatus.CANCELLED:
                continue
            for attendee in db.session.scalars(
                db.select(Attendee).where(Attendee.meeting_id == training.meeting_id)
            ):
                if db.session.get(Person, attendee.person_id).kind != PersonKind.OFFICER:
                    continue
                scores = db.session.scalar(
                    db.select(Participant).where(Participant.attendee_id == attendee.id)
                )
                records.append(
                    ScoreRecord(
                        scores.pre_score if scores else None,
                        scores.post_score if scores else None,
                        float(training.max_score),
                    )
                )
        return summarise(records)


@pytest.mark.parametrize("role", ["coordinator", "viewer"])
def test_kept_knowledge_page_equals_fresh_and_a_plain_sum_after_scores_are_saved(
    app, world, login_as, make_person, make_training, live_cache, role
):  # noqa: ANN001
    from curricula.services.knowledge import pooled_summary

    training_id = _two_station_training(make_person, make_training, world)
    make_training(  # a second test with another maximum: pooled as percentages
        stations=[world.station_b],
        people=[(make_person("officer", world.station_b, name=f"Bravo {i}"), 2, 3 + i, 9)
                for i in range(5)],
        max_score=10,
    )  # fmt: skip
    client, path = login_as(role), "/curricula/knowledge"
    first = page_html(client, path)
    assert first == page_html(client, path) == fresh_page_html(app, client, path)
    plain = _plain_pooled(app)
    with app.test_request_context():
        fast = pooled_summary(None, {})
    assert (fast.n, fast.left_out) == (plain.n, plain.left_out) == (12, {})
    assert fast.mean_pre == pytest.approx(plain.mean_pre)
    assert fast.mean_gain == pytest.approx(plain.mean_gain)
    assert "12 officers with both scores" in first

    # Two of the first training's officers lose their post-test through the score form.
    rows = _participants(app, training_id)
    data = {}
    for i, (pid, _person, pre, post) in enumerate(rows):
        data[f"pre-{pid}"] = str(pre)
        data[f"post-{pid}"] = "" if i < 2 else str(post)
    scores = login_as("trainer").post(f"/curricula/trainings/{training_id}/scores", data=data)
    assert scores.status_code == 302
    after = page_html(client, path)
    assert after == fresh_page_html(app, client, path) and after != first
    plain = _plain_pooled(app)
    with app.test_request_context():
        fast = pooled_summary(None, {})
    assert (fast.n, fast.left_out) == (plain.n, plain.left_out) == (10, {"no_post": 2})
    assert fast.mean_post == pytest.approx(plain.mean_post)
    assert fast.mean_gain == pytest.approx(plain.mean_gain)
    assert "10 officers with both scores" in after


def test_knowledge_figures_shared_by_roles_keep_each_readers_scope_and_small_counts(
    app, world, login_as, make_person, make_training, live_cache
):  # noqa: ANN001
    _two_station_training(make_person, make_training, world)  # 5 at station A, 2 at station C
    path = "/curricula/knowledge?by=station"
    # Computed for the coordinator first (every station, nothing withheld) ...
    coordinator = page_html(login_as("coordinator"), path)
    assert "Alpha Police Station" in coordinator and "Charlie Police Station" in coordinator
    # ... the viewer shares those figures but not the small group of two ...
    viewer = page_html(login_as("viewer"), path)
    assert viewer == fresh_page_html(app, login_as("viewer"), path)

    def row(html: str) -> str:
        return html.split('">Charlie Police Station</th>')[1].split("</tr>")[0]

    assert "fewer than 5 pairs: not shown" in row(viewer) and ">2</td>" not in row(viewer)
    assert "not shown" not in row(coordinator) and ">2</td>" in row(coordinator)
    # ... and the officer gets figures of their own stations only.
    page_html(login_as("coordinator"), path)
    officer = page_html(login_as("officer"), path)
    assert "Alpha Police Station" in officer and "Charlie Police Station" not in officer
    assert officer == fresh_page_html(app, login_as("officer"), path)

"""Modules: creation, validation, versions, materials (types, sizes, who may download) and the
question bank; adoption by training centres."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from curricula.models import Adoption, AdoptionStatus, Module, ModuleMaterial
from partnership.extensions import db

MODULE = {
    "code": "HR-201",
    "title": "Policing and harm reduction for command staff",
    "audience": "senior_command",
    "duration_hours": "3.5",
    "objectives": "Explain needle and syringe programmes",
    "outline": "1. Why harm reduction",
    "source": "Programme toolkit",
    "max_score": "20",
    "pass_mark": "14",
}


def test_trainer_creates_a_module(app, world, trainer_client):
    response = trainer_client.post("/curricula/modules/new", data=MODULE)
    assert response.status_code == 302
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.code == "HR-201"))
        assert module.version_number == 1 and module.duration_hours == 3.5
        assert module.pass_mark == 14
    page = trainer_client.get(response.location).get_data(as_text=True)
    assert "Policing and harm reduction for command staff" in page
    assert "pass mark 14" in page


def test_pass_mark_above_maximum_is_refused(app, world, trainer_client):
    response = trainer_client.post("/curricula/modules/new", data=dict(MODULE, pass_mark="25"))
    assert response.status_code == 422
    assert "The pass mark cannot be above the maximum score." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Module.id))) == 0


def test_duplicate_code_is_refused(world, trainer_client, make_module):
    make_module(code="HR-201")
    response = trainer_client.post("/curricula/modules/new", data=MODULE)
    assert response.status_code == 422
    assert "create a new version" in response.get_data(as_text=True)


def test_new_version_copies_and_keeps_the_old_one(app, world, trainer_client, make_module):
    old = make_module(code="HR-101", title="Basics")
    response = trainer_client.post(f"/curricula/modules/{old.id}/versions")
    assert response.status_code == 302
    with app.app_context():
        versions = db.session.scalars(
            select(Module).where(Module.code == "HR-101").order_by(Module.version_number)
        ).all()
        assert [v.version_number for v in versions] == [1, 2]
        new_id = versions[1].id
    trainer_client.post(
        f"/curricula/modules/{new_id}/edit",
        data=dict(MODULE, code="HR-101", title="Basics, revised", version="1"),
    )
    with app.app_context():
        assert db.session.get(Module, old.id).title == "Basics"
        assert db.session.get(Module, new_id).title == "Basics, revised"
    listing = trainer_client.get("/curricula/modules").get_data(as_text=True)
    assert "Basics, revised" in listing and ">Basics<" not in listing
    everything = trainer_client.get("/curricula/modules?all=1").get_data(as_text=True)
    assert ">Basics<" in everything


def _upload(client, module_id, name, content):  # noqa: ANN001, ANN202
    return client.post(
        f"/curricula/modules/{module_id}/materials/new",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_material_upload_is_stored_outside_the_web_root(app, world, trainer_client, make_module):
    module = make_module()
    response = _upload(trainer_client, module.id, "slides.pdf", b"%PDF-1.4 test")
    assert response.status_code == 302
    with app.app_context():
        material = db.session.scalar(select(ModuleMaterial))
        path = Path(app.instance_path) / "materials" / material.stored_name
        assert path.read_bytes() == b"%PDF-1.4 test"
        assert "static" not in str(path)
        material_id = material.id
    download = trainer_client.get(f"/curricula/modules/{module.id}/materials/{material_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("Права человека.pdf", "Права человека.pdf"),
        ("Haki za binadamu (toleo 2).pdf", "Haki za binadamu (toleo 2).pdf"),
        ("../../Лекция<1>.PDF", "Лекция_1.pdf"),
    ],
)
def test_material_names_keep_their_letters_safely(
    app, world, trainer_client, make_module, uploaded, shown
):
    module = make_module()
    assert _upload(trainer_client, module.id, uploaded, b"%PDF-1.4 test").status_code == 302
    with app.app_context():
        material = db.session.scalar(select(ModuleMaterial))
        assert material.filename == shown
        material_id = material.id
    assert shown in trainer_client.get(f"/curricula/modules/{module.id}").get_data(as_text=True)
    download = trainer_client.get(f"/curricula/modules/{module.id}/materials/{material_id}")
    disposition = download.headers["Content-Disposition"]
    if shown.isascii():
        assert shown in disposition
    else:  # RFC 5987: browsers save it under the same letters
        assert "filename*=UTF-8''" + quote(shown) in disposition


def test_material_refusals(app, world, trainer_client, make_module):
    module = make_module()
    bad_type = _upload(trainer_client, module.id, "run.exe", b"MZ")
    assert bad_type.status_code == 422
    assert "Upload a PDF" in bad_type.get_data(as_text=True)
    disguised = _upload(trainer_client, module.id, "slides.pdf", b"MZ not a pdf")
    assert "does not match its type" in disguised.get_data(as_text=True)
    app.config["MATERIAL_MAX_BYTES"] = 10
    try:
        too_big = _upload(trainer_client, module.id, "notes.txt", b"x" * 11)
    finally:
        app.config["MATERIAL_MAX_BYTES"] = 8 * 1024 * 1024
    assert too_big.status_code == 422 and "larger than" in too_big.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ModuleMaterial.id))) == 0


def test_materials_are_served_only_to_ngo_roles(app, world, trainer_client, login_as, make_module):
    module = make_module()
    _upload(trainer_client, module.id, "notes.txt", b"session notes")
    with app.app_context():
        material_id = db.session.scalar(select(ModuleMaterial.id))
    url = f"/curricula/modules/{module.id}/materials/{material_id}"
    for role in ("officer", "viewer"):
        client = login_as(role)
        assert client.get(url).status_code == 403
        assert "notes.txt" not in client.get(f"/curricula/modules/{module.id}").get_data(
            as_text=True
        )
    assert login_as("coordinator").get(url).status_code == 200


def test_question_bank(app, world, trainer_client, make_module):
    module = make_module()
    response = trainer_client.post(
        f"/curricula/modules/{module.id}/questions/new",
        data={
            "text": "Where can an officer refer?",
            "options": "A. DIC\nB. Cell",
            "answer_key": "A",
            "points": "2",
        },  # fmt: skip
    )
    assert response.status_code == 302
    page = trainer_client.get(f"/curricula/modules/{module.id}").get_data(as_text=True)
    assert "Where can an officer refer?" in page and "2 points" in page
    empty = trainer_client.post(f"/curricula/modules/{module.id}/questions/new", data={})
    assert empty.status_code == 422


def test_adoption_moves_forward_with_dates_and_evidence(app, world, make_org, trainer_client,
                                                        make_module):  # fmt: skip
    academy = make_org("training_centre", "Kenya Police Training College")
    make_module(code="HR-101")
    today = date.today()
    response = trainer_client.post(
        "/curricula/adoption/new",
        data={
            "centre_id": academy.id,
            "module_code": "HR-101",
            "on": (today - timedelta(days=60)).isoformat(),
            "evidence": "Letter",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        adoption_id = db.session.scalar(select(Adoption.id))
    url = f"/curricula/adoption/{adoption_id}"
    no_evidence = trainer_client.post(url, data={"status": "piloted", "on": today.isoformat()})
    assert no_evidence.status_code == 422
    ok = trainer_client.post(
        url, data={"status": "adopted", "on": today.isoformat(), "evidence": "Decree 12"}
    )
    assert ok.status_code == 302
    backwards = trainer_client.post(
        url, data={"status": "piloted", "on": today.isoformat(), "evidence": "Pilot"}
    )
    assert backwards.status_code == 422
    assert "moves forward only" in backwards.get_data(as_text=True)
    with app.app_context():
        adoption = db.session.get(Adoption, adoption_id)
        assert adoption.status is AdoptionStatus.ADOPTED and adoption.adopted_on == today
        assert "Decree 12" in adoption.evidence
    matrix = trainer_client.get("/curricula/adoption").get_data(as_text=True)
    assert "Kenya Police Training College" in matrix and "Adopted" in matrix


def test_adoption_needs_a_training_centre(world, trainer_client, make_module):
    make_module(code="HR-101")
    response = trainer_client.post(
        "/curricula/adoption/new",
        data={
            "centre_id": world.station_a.id,
            "module_code": "HR-101",
            "on": date.today().isoformat(),
        },  # fmt: skip
    )
    assert response.status_code == 422

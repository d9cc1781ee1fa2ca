"""A small curricula programme for access tests: a module with a material, an adoption, and two
trainings (one at station A, one at station C) each with a participant who completed it and
holds a certificate."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

from werkzeug.datastructures import FileStorage

from partnership.extensions import db


def curricula_records(app, world) -> SimpleNamespace:  # noqa: ANN001
    from curricula.models import (
        Adoption,
        AdoptionStatus,
        Audience,
        Certificate,
        Module,
        Question,
    )
    from curricula.services.modules import add_material
    from partnership.accounts.models import User
    from partnership.organisations.models import Organisation, OrganisationKind, Person, PersonKind
    from tests.curricula.helpers import build_training

    with app.test_request_context():
        trainer = db.session.get(User, world.users["trainer"].id)
        module = Module(code="ACC-1", version_number=1, title="Access module",
                        audience=Audience.OPERATIONAL, duration_hours=2, max_score=10,
                        pass_mark=5)  # fmt: skip
        module.questions.append(
            Question(position=1, text="Where can an officer refer?", answer_key="A", points=10)
        )
        db.session.add(module)
        db.session.flush()
        material = add_material(
            module, FileStorage(io.BytesIO(b"%PDF-1.4 access"), "access.pdf"), trainer
        )
        academy = Organisation(kind=OrganisationKind.TRAINING_CENTRE, name="Access Academy",
                               country="KE", city="Nairobi")  # fmt: skip
        db.session.add(academy)
        db.session.flush()
        adoption = Adoption(centre_id=academy.id, module_code="ACC-1",
                            status=AdoptionStatus.PROPOSED, proposed_on=date.today())  # fmt: skip
        db.session.add(adoption)
        db.session.flush()
        out = {"module_id": module.id, "material_id": material.id, "adoption_id": adoption.id}
        day = date.today() - timedelta(days=10)
        for key, station_id, name in (
            ("own", world.station_a.id, "Access Trainee Alpha"),
            ("other", world.station_c.id, "Access Trainee Charlie"),
        ):
            person = Person(kind=PersonKind.OFFICER, name=name, organisation_id=station_id)
            db.session.add(person)
            db.session.flush()
            training = build_training(
                [station_id], [(person.id, 1, 3, 8)], modules=[module], days=1, starts_on=day,
                title=f"Access training {key}", max_score=10, pass_mark=5,
                question_module_id=module.id,
            )  # fmt: skip
            certificate = Certificate(training=training, person=person,
                                      code=f"ACCS-{key[:4].upper():X<4}-TEST")  # fmt: skip
            db.session.add(certificate)
            db.session.flush()
            out[f"{key}_training_id"] = training.id
            out[f"{key}_meeting_id"] = training.meeting_id
            out[f"{key}_certificate_id"] = certificate.id
            out[f"{key}_code"] = certificate.code
        from datetime import UTC, datetime

        from meetings.models import Meeting, MeetingKind
        from meetings.services.scheduling import new_uid

        starts = datetime.now(UTC) + timedelta(days=20)
        unset = Meeting(uid=new_uid(), kind=MeetingKind.TRAINING, title="Training to set up",
                        starts_at=starts, ends_at=starts + timedelta(hours=6),
                        timezone="Africa/Nairobi")  # fmt: skip
        unset.stations = [db.session.get(Organisation, world.station_a.id)]
        db.session.add(unset)
        db.session.flush()
        out["unset_meeting_id"] = unset.id
        db.session.commit()
        db.session.remove()
    return SimpleNamespace(**out)

"""Certificates: issuing to eligible participants, PDF, bulk zip, verification, revocation."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path

from flask import abort
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from curricula.models import Certificate, Training
from curricula.services.results import eligibility
from curricula.services.trainings import roster
from meetings.models import Attendee
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.permissions import station_scope

# No 0/O, 1/I/L: codes are read off paper and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
FONTS = Path(__file__).resolve().parent.parent / "fonts"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else code.strip().upper()


def issue_certificates(training: Training) -> list[Certificate]:
    """A certificate for each eligible participant who has none yet."""
    have = {c.person_id for c in training.certificates}
    issued = []
    for participant in roster(training):
        ok, _reason = eligibility(training, participant)
        if ok and participant.person_id not in have:
            certificate = Certificate(
                training=training, person_id=participant.person_id, code=new_code()
            )
            db.session.add(certificate)
            issued.append(certificate)
    db.session.flush()
    return issued


def certificates_of(training: Training, user) -> list[Certificate]:  # noqa: ANN001
    stmt = (
        select(Certificate)
        .options(joinedload(Certificate.person))
        .where(Certificate.training_id == training.id)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.join(
            Attendee,
            (Attendee.meeting_id == training.meeting_id)
            & (Attendee.person_id == Certificate.person_id),
        ).where(Attendee.station_id.in_(scope))
    return list(db.session.scalars(stmt.order_by(Certificate.id)))


def get_certificate_or_404(certificate_id: int, user) -> Certificate:  # noqa: ANN001
    certificate = db.session.get(
        Certificate,
        certificate_id,
        options=[
            joinedload(Certificate.person),
            joinedload(Certificate.training).selectinload(Training.modules),
            joinedload(Certificate.training).joinedload(Training.meeting),
        ],
    )
    if certificate is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None:
        station = db.session.scalar(
            select(Attendee.station_id).where(
                Attendee.meeting_id == certificate.training.meeting_id,
                Attendee.person_id == certificate.person_id,
            )
        )
        if station not in scope:
            abort(404)
    return certificate


def find_by_code(code: str) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .options(
            joinedload(Certificate.person),
            joinedload(Certificate.training).joinedload(Training.meeting),
        )
        .where(Certificate.code == normalise_code(code))
    )


def revoke_certificate(certificate: Certificate, user, reason: str) -> None:  # noqa: ANN001
    if certificate.revoked_at is not None:
        raise FieldError("reason", _("This certificate is already revoked."))
    if not reason.strip():
        raise FieldError("reason", _("Give the reason for revoking."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = user.id
    certificate.revoked_reason = reason.strip()
    db.session.flush()


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    from fpdf import FPDF

    training = certificate.training
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_("Certificate of completion"))
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(30, 80, 130)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(32)
    pdf.set_font("DejaVu", "B", 28)
    pdf.cell(0, 14, _("Certificate of completion"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 14)
    pdf.ln(6)
    pdf.cell(0, 9, _("This certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 24)
    pdf.cell(0, 14, certificate.person.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(0, 9, _("completed the training"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, training.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 8, _dates(training), align="C", new_x="LMARGIN", new_y="NEXT")
    modules = "; ".join(m.label for m in training.modules)
    pdf.multi_cell(0, 7, _("Modules: %(m)s", m=modules), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(170)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 7, _("Verification code: %(code)s", code=certificate.code), align="C",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, _("Check it at %(url)s", url=verify_url), align="C")
    return bytes(pdf.output())


def _dates(training: Training) -> str:
    if training.starts_on == training.ends_on:
        return format_date(training.starts_on, "long")
    return f"{format_date(training.starts_on, 'long')} – {format_date(training.ends_on, 'long')}"


def certificates_zip(certificates: list[Certificate], url_for_code) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            if not certificate.is_valid:
                continue
            name = f"certificate-{certificate.code}.pdf"
            archive.writestr(name, certificate_pdf(certificate, url_for_code(certificate.code)))
    return buffer.getvalue()

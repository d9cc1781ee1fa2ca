"""Adoption of modules by police training centres and academies."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from curricula.models import ADOPTION_ORDER, Adoption, AdoptionStatus
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import Lifecycle, change_status
from partnership.organisations.models import Organisation, OrganisationKind


def training_centres() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.TRAINING_CENTRE)
            .order_by(Organisation.country, Organisation.name)
        )
    )


def adoption_matrix() -> tuple[list[Organisation], list[str], dict[tuple[int, str], Adoption]]:
    """Centres (rows), module codes (columns) and each cell's adoption, in two queries."""
    adoptions = list(
        db.session.scalars(select(Adoption).order_by(Adoption.module_code, Adoption.centre_id))
    )
    from curricula.services.modules import module_codes

    codes = sorted(set(module_codes()) | {a.module_code for a in adoptions})
    cells = {(a.centre_id, a.module_code): a for a in adoptions}
    return training_centres(), codes, cells


def get_adoption_or_404(adoption_id: int) -> Adoption:
    adoption = db.session.get(Adoption, adoption_id, options=[joinedload(Adoption.centre)])
    if adoption is None:
        abort(404)
    return adoption


def _check_centre(centre_id: int | None) -> Organisation:
    centre = db.session.get(Organisation, centre_id) if centre_id else None
    if centre is None or centre.kind is not OrganisationKind.TRAINING_CENTRE:
        raise FieldError("centre_id", _("Choose a police training centre or academy."))
    return centre


def propose_adoption(centre_id: int | None, module_code: str, on: date, evidence: str) -> Adoption:
    _check_centre(centre_id)
    from curricula.services.modules import module_codes

    if module_code not in module_codes():
        raise FieldError("module_code", _("Choose a module."))
    exists = db.session.scalar(
        select(Adoption.id).where(
            Adoption.centre_id == centre_id, Adoption.module_code == module_code
        )
    )
    if exists:
        raise FieldError(
            "module_code", _("This centre already has a record for this module; update it.")
        )
    adoption = Adoption(
        centre_id=centre_id, module_code=module_code, status=AdoptionStatus.PROPOSED,
        proposed_on=on, evidence=evidence.strip(),
    )  # fmt: skip
    db.session.add(adoption)
    db.session.flush()
    return adoption


# Adoption moves forward only; steps may be skipped, never taken back.
ADOPTION_LIFECYCLE = Lifecycle(
    {s: frozenset(t for t in AdoptionStatus if t.rank > s.rank) for s in AdoptionStatus},
    refusal=lambda current, _target: _(
        "Adoption moves forward only: choose a step after “%(s)s”.", s=current.label
    ),
)


def advance_adoption(
    adoption: Adoption,
    status: AdoptionStatus,
    on: date,
    evidence: str,
    user=None,  # noqa: ANN001
) -> None:
    """Move an adoption forward, dated and evidenced; who did it goes to the audit log."""
    ADOPTION_LIFECYCLE.check(adoption.status, status)
    previous = adoption.date_of(adoption.status)
    if previous is not None and on < previous:
        raise FieldError(
            "on", _("The date cannot be before the previous step (%(d)s).", d=format_date(previous))
        )
    if on > date.today():
        raise FieldError("on", _("The date cannot be in the future."))
    if not evidence.strip():
        raise FieldError("evidence", _("Describe the evidence for this step."))
    setattr(adoption, f"{status.value}_on", on)
    note = f"{on.isoformat()} {status.value}: {evidence.strip()}"
    adoption.evidence = f"{adoption.evidence}\n{note}".strip()
    change_status(ADOPTION_LIFECYCLE, adoption, status, user, evidence)


def adoption_steps(adoption: Adoption) -> list[tuple[AdoptionStatus, date | None]]:
    return [(s, adoption.date_of(s)) for s in ADOPTION_ORDER]

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation, Person, PersonKind
from partnership.permissions import station_scope

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def home():
    scope = station_scope(current_user)
    stations = select(func.count(Organisation.id)).where(
        Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True)
    )
    officers = select(func.count(Person.id)).where(
        Person.kind == PersonKind.OFFICER, Person.active.is_(True)
    )
    if scope is not None:
        stations = stations.where(Organisation.id.in_(scope))
        officers = officers.where(Person.organisation_id.in_(scope))
    return render_template(
        "dashboard/home.html",
        station_count=db.session.scalar(stations),
        officer_count=db.session.scalar(officers),
    )

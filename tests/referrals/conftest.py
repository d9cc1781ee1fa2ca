"""A referral scheme on top of the shared world: the Coast Command (stations A and B) and
station C of the other command take part; a needle and syringe programme redeems slips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.referrals.models import (
    Outcome,
    Redemption,
    RedemptionService,
    Route,
    Scheme,
    SchemeStatus,
    ServicePoint,
    ServiceType,
    Slip,
)

# Client codes that must never reach officers, trainers or viewers.
CODES = ("MAJO1990M", "FAAL1985F", "ZAPE2000X")


@dataclass
class Referrals:
    scheme_id: int
    service_id: int
    point_id: int


@pytest.fixture()
def referrals(app, world, make_org) -> Referrals:  # noqa: ANN001
    service = make_org("service", "Harbour NSP Trust")
    with app.app_context():
        point = ServicePoint(
            organisation_id=service.id,
            name="Harbour drop-in",
            address="Harbour Road 1",
            opening_hours="Mon–Fri 8–17",
            services="nsp,hiv_testing,naloxone",
            last_checked=date.today(),
        )
        scheme = Scheme(
            name="Coast referral scheme",
            status=SchemeStatus.ACTIVE,
            start_date=date(2020, 1, 1),
            slip_number_format="#####",
            services="nsp,hiv_testing",
            partners=[
                db.session.get(Organisation, world.command.id),
                db.session.get(Organisation, world.station_c.id),
                db.session.get(Organisation, service.id),
            ],
        )
        db.session.add_all([point, scheme])
        db.session.commit()
        result = Referrals(scheme.id, service.id, point.id)
        db.session.remove()
    return result


def add_slips(app, scheme_id: int, station_id: int, count: int, start: int = 1,
              issued_on: date | None = None, route: Route = Route.SOCIAL_CONTACT) -> list[int]:  # fmt: skip
    with app.app_context():
        slips = [
            Slip(
                scheme_id=scheme_id,
                number=f"{n:05d}",
                station_id=station_id,
                issued_on=issued_on or date.today() - timedelta(days=10),
                route=route,
            )
            for n in range(start, start + count)
        ]
        db.session.add_all(slips)
        db.session.commit()
        ids = [s.id for s in slips]
        db.session.remove()
    return ids


def add_redemption(app, scheme_id: int, point_id: int, slip_id: int | None, code: str,  # noqa: PLR0913
                   redeemed_on: date | None = None, services=(ServiceType.NSP,),
                   station_id: int | None = None) -> int:  # fmt: skip
    with app.app_context():
        slip = db.session.get(Slip, slip_id) if slip_id else None
        r = Redemption(
            scheme_id=scheme_id,
            slip=slip,
            station_id=slip.station_id if slip else station_id,
            walk_in=slip is None,
            redeemed_on=redeemed_on or date.today() - timedelta(days=2),
            service_point_id=point_id,
            client_code=code,
            consent=bool(code),
            outcome=Outcome.REACHED,
            follow_up="Return visit for test results",
            provided=[RedemptionService(service=s) for s in services],
        )
        db.session.add(r)
        db.session.commit()
        rid = r.id
        db.session.remove()
    return rid


@pytest.fixture()
def redeemed(app, world, referrals) -> Referrals:  # noqa: ANN001
    """Slips at stations A and C, one redeemed each with a client code, plus a walk-in."""
    (a1, _a2) = add_slips(app, referrals.scheme_id, world.station_a.id, 2, start=1)
    (c1,) = add_slips(app, referrals.scheme_id, world.station_c.id, 1, start=50)
    add_redemption(app, referrals.scheme_id, referrals.point_id, a1, CODES[0])
    add_redemption(app, referrals.scheme_id, referrals.point_id, c1, CODES[1])
    add_redemption(app, referrals.scheme_id, referrals.point_id, None, CODES[2])
    return referrals

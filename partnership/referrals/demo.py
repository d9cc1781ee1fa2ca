"""Demo referral schemes: an active Mombasa scheme with a year of slips and visits, and a
planned pilot in Almaty. Client codes are invented and follow the scheme's rule."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from partnership.extensions import db
from partnership.organisations.models import Organisation, OrganisationKind, Person, PersonKind
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

MOTHERS = ["MA", "FA", "ZA", "AM", "HA", "RE", "ES", "GR", "JO", "SA", "MW", "NJ"]
OWN = ["AL", "JO", "PE", "KE", "BR", "OM", "HU", "DA", "TI", "MO", "SU", "AB"]


def _org(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def seed_referrals(today: date | None = None) -> None:
    today = today or date.today()
    rng = random.Random(2024)  # noqa: S311 - demo data, not security
    command = _org("Mombasa County Police Command")
    if command is None:
        return
    nsp = _org("Kisauni Drop-in Centre (needle and syringe programme)")
    mat = _org("Coast General Hospital MAT Clinic")
    hiv = _org("Likoni Comprehensive Care Centre (HIV testing and ART)")
    reach_out = _org("Reach Out Centre Trust")
    points = {
        "nsp": ServicePoint(
            organisation=nsp, name="Kisauni Drop-in Centre", address="Kisauni Road, Mombasa",
            opening_hours="Mon–Sat 8:00–17:00", services="nsp,naloxone,hiv_testing",
            last_checked=today - timedelta(days=30),
        ),
        "ost": ServicePoint(
            organisation=mat, name="Coast General MAT Clinic", address="Moi Avenue, Mombasa",
            opening_hours="Daily 7:00–13:00", services="ost,hepatitis_tb_testing",
            last_checked=today - timedelta(days=75),
        ),
        "hiv": ServicePoint(
            organisation=hiv, name="Likoni Comprehensive Care Centre", address="Likoni, Mombasa",
            opening_hours="Mon–Fri 8:00–16:30", services="hiv_testing,art",
            last_checked=today - timedelta(days=260),  # overdue for a check: shown as stale
        ),
        "legal": ServicePoint(
            organisation=reach_out, name="Reach Out legal aid desk", address="Old Town, Mombasa",
            opening_hours="Tue and Thu 9:00–15:00", services="legal_aid,other",
            last_checked=today - timedelta(days=20),
        ),
    }  # fmt: skip
    db.session.add_all(points.values())
    stations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.command_id == command.id)
            .order_by(Organisation.name)
        )
    )
    start = today - timedelta(days=365)
    scheme = Scheme(
        name="Mombasa police referral scheme",
        status=SchemeStatus.ACTIVE,
        start_date=start,
        agreement_date=start - timedelta(days=30),
        agreement_document="MoU Mombasa County Police Command – Coast Harm Reduction, ref. MCPC/HR/2",
        protocol=(
            "Officers who meet a person who uses drugs may, instead of arresting them for "
            "possession of small quantities, give a numbered referral slip to one of the listed "
            "services. The service records the visit with the client's code only."
        ),
        services="nsp,ost,hiv_testing,art,hepatitis_tb_testing,naloxone,legal_aid",
        slip_number_format="MSA-#####",
        partners=[command, nsp, mat, hiv, reach_out],
    )
    db.session.add(scheme)
    officers = {
        p.organisation_id: p
        for p in db.session.scalars(select(Person).where(Person.kind == PersonKind.OFFICER))
    }
    weights = {
        s.id: (6 if "Kisauni" in s.name else 2 if "Likoni" in s.name else 1) for s in stations
    }
    codes = [
        f"{rng.choice(MOTHERS)}{rng.choice(OWN)}{rng.randint(1970, 2004)}{rng.choice('MMMF')}"
        for _ in range(160)
    ]
    route_choices = [Route.ARREST_DIVERSION] * 4 + [Route.SOCIAL_CONTACT] * 3 + [
        Route.COMMUNITY_REQUEST, Route.CUSTODY, Route.OTHER,
    ]  # fmt: skip
    point_for = {
        ServiceType.NSP: points["nsp"], ServiceType.OST: points["ost"],
        ServiceType.HIV_TESTING: points["hiv"], ServiceType.LEGAL_AID: points["legal"],
    }  # fmt: skip
    for n in range(1, 321):
        station = rng.choices(stations, weights=[weights[s.id] for s in stations])[0]
        issued = start + timedelta(days=int(rng.triangular(0, 364, 300)))
        slip = Slip(
            scheme=scheme, number=f"MSA-{n:05d}", station_id=station.id,
            officer_id=officers[station.id].id if station.id in officers and rng.random() < 0.7 else None,
            issued_on=issued, route=rng.choice(route_choices),
        )  # fmt: skip
        db.session.add(slip)
        if rng.random() < 0.58:
            redeemed = issued + timedelta(days=min(int(rng.expovariate(1 / 4)), 40))
            if redeemed > today:
                continue
            main = rng.choice(list(point_for))
            extra = rng.choice([[], [ServiceType.HIV_TESTING], [ServiceType.NALOXONE]])
            consent = rng.random() < 0.9
            db.session.add(
                Redemption(
                    scheme=scheme, slip=slip, station_id=station.id, redeemed_on=redeemed,
                    service_point=point_for[main], consent=consent,
                    client_code=rng.choice(codes) if consent else "",
                    outcome=rng.choice([Outcome.REACHED] * 8 + [Outcome.REFERRED_ON, Outcome.DECLINED]),
                    provided=[RedemptionService(service=s) for s in dict.fromkeys([main, *extra])],
                )
            )  # fmt: skip
    for _ in range(14):  # walk-ins who said the police sent them
        db.session.add(
            Redemption(
                scheme=scheme, walk_in=True, redeemed_on=today - timedelta(days=rng.randint(1, 300)),
                service_point=points["nsp"], consent=True, client_code=rng.choice(codes),
                outcome=Outcome.REACHED, provided=[RedemptionService(service=ServiceType.NSP)],
            )
        )  # fmt: skip

    almaty = _org("Almaty City Police Department")
    almaty_ngo = _org("Almaty Harm Reduction Alliance")
    if almaty is not None and almaty_ngo is not None:
        db.session.add(
            Scheme(
                name="Almaty referral pilot",
                status=SchemeStatus.PLANNED,
                protocol="Pilot in two district stations; slips in Russian and Kazakh.",
                services="nsp,ost,hiv_testing,legal_aid",
                slip_number_format="ALA-####",
                partners=[
                    almaty,
                    almaty_ngo,
                    *db.session.scalars(
                        select(Organisation).where(
                            Organisation.command_id == almaty.id,
                            Organisation.kind == OrganisationKind.POLICE_STATION,
                        )
                    ),
                ],
            )
        )
    db.session.flush()

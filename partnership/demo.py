"""The demo programme that ``flask seed-demo`` and ``make run`` load into an empty database.

A Kenyan coastal county (a county police command, its stations and posts, partner NGOs, services
and a community group) and a regional network meeting police in four capitals of Eastern Europe
and Central Asia. Everyone here is invented.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from partnership.accounts.models import User
from partnership.accounts.services import hash_password
from partnership.extensions import db
from partnership.organisations.models import (
    Organisation,
    Person,
    PersonKind,
    Posting,
)
from partnership.organisations.models import (
    OrganisationKind as K,
)
from partnership.roles import Role

DEMO_PASSWORD = "partnership-demo"  # noqa: S105 - the documented demo password
DEMO_ACCOUNTS = {
    "admin@demo.example": (Role.ADMIN, "Amina Said", "Coast Harm Reduction Consortium"),
    "coordinator@demo.example": (Role.COORDINATOR, "Grace Wanjiru", "Reach Out Centre Trust"),
    "trainer@demo.example": (
        Role.TRAINER,
        "Hassan Mwinyi",
        "Muslim Education and Welfare Association",
    ),
    "officer@demo.example": (Role.OFFICER, "Inspector Peter Otieno", "Kisauni Police Station"),
    "viewer@demo.example": (Role.VIEWER, "Lena Vos", "Coast Harm Reduction Consortium"),
}

KENYA_STATIONS = [
    # name, city, target visit interval (days)
    ("Central Police Station", "Mombasa", 90),
    ("Makupa Police Station", "Mombasa", 90),
    ("Nyali Police Station", "Mombasa", 90),
    ("Kisauni Police Station", "Mombasa", 60),
    ("Likoni Police Station", "Mombasa", 90),
    ("Changamwe Police Station", "Mombasa", 120),
    ("Port Police Station", "Mombasa", 120),
    ("Bamburi Police Station", "Mombasa", 90),
    ("Shanzu Police Station", "Mombasa", 120),
    ("Mtongwe Police Post", "Mombasa", 180),
    ("Frere Town Police Post", "Mombasa", 180),
    ("Jomvu Police Station", "Mombasa", 120),
]

REGIONAL = [
    # country, city, zone, command, stations, NGO, training centre
    ("BY", "Minsk", "Europe/Minsk", "Minsk City Police Department",
     ["Frunzensky District Police Station", "Leninsky District Police Station"],
     "Positive Movement Minsk", "Police Academy of the Ministry of Internal Affairs (Minsk)"),
    ("KZ", "Almaty", "Asia/Almaty", "Almaty City Police Department",
     ["Almalinsky District Police Station", "Auezovsky District Police Station"],
     "Almaty Harm Reduction Alliance", "Almaty Academy of the Ministry of Internal Affairs"),
    ("GE", "Tbilisi", "Asia/Tbilisi", "Tbilisi Main Police Division",
     ["Vake-Saburtalo Police Division", "Gldani-Nadzaladevi Police Division"],
     "New Vector Tbilisi", "Police Academy of the Ministry of Internal Affairs of Georgia"),
    ("TJ", "Dushanbe", "Asia/Dushanbe", "Dushanbe City Police Directorate",
     ["Sino District Police Station", "Firdavsi District Police Station"],
     "Harm Reduction Network Dushanbe", "Police Academy of the Ministry of Internal Affairs (Dushanbe)"),
]  # fmt: skip

OFFICER_NAMES = [
    ("Chief Inspector", "Joseph Kariuki"), ("Inspector", "Mary Achieng"),
    ("Sergeant", "Ali Hamisi"), ("Corporal", "Fatuma Bakari"), ("Constable", "John Mwangi"),
    ("Constable", "Esther Njeri"), ("Sergeant", "Omar Rashid"), ("Constable", "Daniel Kiprop"),
    ("Inspector", "Zainabu Mohamed"), ("Constable", "Brian Ouma"), ("Corporal", "Halima Juma"),
    ("Constable", "Kevin Mutua"),
]  # fmt: skip

REGIONAL_OFFICERS = {
    "BY": [("Major", "Andrei Kovalenko"), ("Captain", "Olga Marchenko")],
    "KZ": [("Major", "Yerlan Abenov"), ("Captain", "Aigerim Suleimenova")],
    "GE": [("Major", "Giorgi Beridze"), ("Captain", "Nino Kapanadze")],
    "TJ": [("Major", "Farrukh Rahimov"), ("Captain", "Madina Nazarova")],
}


def seed() -> bool:
    """Create the demo programme; return False without changes when data already exists."""
    if db.session.scalar(select(func.count(Organisation.id))):
        return False
    today = date.today()

    def org(kind: K, name: str, country: str, city: str, **extra) -> Organisation:  # noqa: ANN003
        o = Organisation(kind=kind, name=name, country=country, city=city, **extra)
        db.session.add(o)
        return o

    coast = {"region": "Mombasa County", "timezone": "Africa/Nairobi"}
    consortium = org(K.NGO, "Coast Harm Reduction Consortium", "KE", "Mombasa", **coast)
    reach_out = org(K.NGO, "Reach Out Centre Trust", "KE", "Mombasa", **coast)
    mewa = org(K.NGO, "Muslim Education and Welfare Association", "KE", "Mombasa", **coast)
    omari = org(K.NGO, "Omari Project", "KE", "Malindi", region="Kilifi County",
                timezone="Africa/Nairobi")  # fmt: skip
    command = org(K.POLICE_COMMAND, "Mombasa County Police Command", "KE", "Mombasa", **coast)
    org(K.TRAINING_CENTRE, "Kenya Police Training College", "KE", "Kiganjo",
        region="Nyeri County", timezone="Africa/Nairobi")  # fmt: skip
    org(
        K.SERVICE, "Kisauni Drop-in Centre (needle and syringe programme)", "KE", "Mombasa", **coast
    )
    org(K.SERVICE, "Coast General Hospital MAT Clinic", "KE", "Mombasa", **coast)
    org(K.SERVICE, "Likoni Comprehensive Care Centre (HIV testing and ART)", "KE", "Mombasa",
        **coast)  # fmt: skip
    org(K.GOVERNMENT, "Mombasa County Department of Health", "KE", "Mombasa", **coast)
    community = org(K.COMMUNITY_GROUP, "Mombasa Network of People Who Use Drugs", "KE",
                    "Mombasa", **coast)  # fmt: skip
    stations = [
        org(K.POLICE_POST if "Post" in name else K.POLICE_STATION, name, "KE", city,
            command=command, target_visit_days=interval, **coast)
        for name, city, interval in KENYA_STATIONS
    ]  # fmt: skip
    db.session.flush()

    # Officers: two per station, with postings; a few transferred in from another station.
    for i, station in enumerate(stations):
        for j in range(2):
            rank, name = OFFICER_NAMES[(2 * i + j) % len(OFFICER_NAMES)]
            if i >= len(OFFICER_NAMES) // 2:
                name = f"{name.split()[0]} {['Wekesa', 'Chebet', 'Ndege', 'Baya', 'Kazungu', 'Mumbua'][(i + j) % 6]}"
            person = Person(kind=PersonKind.OFFICER, name=name, rank=rank, unit="General duty",
                            organisation=station)  # fmt: skip
            db.session.add(person)
            start = today - timedelta(days=400 + 37 * i + 11 * j)
            if j == 1 and i > 0:
                previous = stations[i - 1]
                moved = today - timedelta(days=120 + 5 * i)
                db.session.add(Posting(person=person, station=previous, start_date=start,
                                       end_date=moved))  # fmt: skip
                db.session.add(Posting(person=person, station=station, start_date=moved))
            else:
                db.session.add(Posting(person=person, station=station, start_date=start))

    for name, position, ngo in (
        ("Grace Wanjiru", "Programme coordinator", reach_out),
        ("Hassan Mwinyi", "Trainer", mewa),
        ("Said Abdalla", "Outreach worker", reach_out),
        ("Rehema Kahindi", "Outreach worker", mewa),
        ("Tom Baraka", "Peer educator", omari),
        ("Amina Said", "Programme manager", consortium),
    ):
        db.session.add(Person(kind=PersonKind.NGO_STAFF, name=name, position=position,
                              organisation=ngo))  # fmt: skip
    for initials in ("M.K.", "Jabali", "S.A."):
        db.session.add(Person(kind=PersonKind.COMMUNITY_REP, name=initials, organisation=community))

    for country, city, zone, command_name, station_names, ngo_name, academy in REGIONAL:
        extra = {"region": city, "timezone": zone}
        regional_command = org(K.POLICE_COMMAND, command_name, country, city, **extra)
        org(K.NGO, ngo_name, country, city, **extra)
        org(K.TRAINING_CENTRE, academy, country, city, **extra)
        regional_stations = [
            org(K.POLICE_STATION, s, country, city, command=regional_command,
                target_visit_days=180, **extra)
            for s in station_names
        ]  # fmt: skip
        for (rank, name), station in zip(
            REGIONAL_OFFICERS[country], regional_stations, strict=False
        ):
            person = Person(kind=PersonKind.OFFICER, name=name, rank=rank,
                            unit="Drug control unit", organisation=station)  # fmt: skip
            db.session.add(person)
            db.session.add(Posting(person=person, station=station,
                                   start_date=today - timedelta(days=700)))  # fmt: skip
    db.session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    for email, (role, name, org_name) in DEMO_ACCOUNTS.items():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        db.session.add(User(email=email, name=name, role=role, organisation=organisation,
                            password_hash=password_hash, timezone="Africa/Nairobi"))  # fmt: skip
    db.session.flush()
    from meetings.demo import seed_meetings

    seed_meetings()

    from partnership.referrals.demo import seed_referrals

    seed_referrals()

    from partnership.actions.demo import seed_actions

    seed_actions()
    from meetings.demo import tie_loop_to_meetings

    tie_loop_to_meetings()
    from partnership.notifications.demo import seed_notifications

    seed_notifications()
    from curricula.demo import seed_curricula

    seed_curricula()
    return True

"""Demo concerns, action points and follow-ups: the problem-solving loop at Kisauni and a few
other Mombasa stations, with something overdue, something done awaiting verification and
something verified, so every page of the loop has content."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.actions.models import (
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernCategory,
    ConcernStatus,
    ConsentScope,
    FollowUp,
    Priority,
    Side,
)
from partnership.extensions import db
from partnership.organisations.models import Organisation


def seed_actions() -> None:
    today = date.today()

    def org(name: str) -> Organisation | None:
        return db.session.scalar(select(Organisation).where(Organisation.name == name))

    def user(email: str) -> User | None:
        return db.session.scalar(select(User).where(User.email == email))

    kisauni, likoni, makupa = (
        org("Kisauni Police Station"),
        org("Likoni Police Station"),
        org("Makupa Police Station"),
    )
    ngo = org("Reach Out Centre Trust")
    officer, coordinator = user("officer@demo.example"), user("coordinator@demo.example")
    if not (kisauni and likoni and makupa and officer and coordinator):
        return

    def concern(station, category, days_ago, place, summary, details, people, status=None):  # noqa: ANN001, ANN202
        occurred = today - timedelta(days=days_ago)
        c = Concern(category=category, station_id=station.id, occurred_on=occurred,
                    occurred_month=occurred.strftime("%Y-%m"), place=place,
                    raised_by_id=ngo.id if ngo else None, people_affected=people,
                    summary=summary, restricted_details=details,
                    consent_scope=ConsentScope.ANONYMOUS_ADVOCACY,
                    status=status or ConcernStatus.OPEN, created_by_id=coordinator.id)  # fmt: skip
        db.session.add(c)
        return c

    syringes = concern(kisauni, ConcernCategory.CONFISCATION, 20, "Mlaleo hotspot",
                       "Officers on night patrol took clean syringes from NSP clients.",
                       "Two clients (initials A.O. and H.M.) lost their kits on the 3rd.", 6,
                       ConcernStatus.BEING_ADDRESSED)  # fmt: skip
    concern(kisauni, ConcernCategory.HARASSMENT_OF_OUTREACH, 6, "Bombolulu junction",
            "Peer educators were told to leave the junction during outreach hours.",
            "Peer educator J.K. was threatened with arrest.", 2)  # fmt: skip
    concern(likoni, ConcernCategory.CLIENTS_NEAR_SERVICES, 12, "Likoni drop-in centre gate",
            "Arrests of clients within sight of the drop-in centre.",
            "Client codes recorded by the DIC: 4 people.", 4)  # fmt: skip
    concern(makupa, ConcernCategory.REFERRAL_PATHWAY, 40, "Makupa OST clinic",
            "Referral slips are not accepted at the methadone clinic reception.", "", 0)  # fmt: skip
    db.session.flush()

    def point(station, title, due_in, status, police=None, ngo_owner=None, concerns=(), **extra):  # noqa: ANN001, ANN003, ANN202
        p = ActionPoint(title=title, station_id=station.id, due_on=today + timedelta(days=due_in),
                        status=status, police_owner_id=police.id if police else None,
                        ngo_owner_id=ngo_owner.id if ngo_owner else None,
                        priority=extra.pop("priority", Priority.NORMAL),
                        created_by_id=coordinator.id, **extra)  # fmt: skip
        p.concerns = list(concerns)
        db.session.add(p)
        return p

    brief = point(kisauni, "Brief night patrols that NSP kits are legal to carry", -18,
                  ActionStatus.IN_PROGRESS, police=officer, concerns=[syringes],
                  priority=Priority.HIGH)  # fmt: skip
    point(kisauni, "Share NSP client card design with the OCS", 5, ActionStatus.DONE,
          ngo_owner=coordinator, action_taken="Card design handed over at the station.",
          done_on=today - timedelta(days=1), done_side=Side.NGO, done_by_id=coordinator.id)  # fmt: skip
    point(kisauni, "Nominate a liaison officer for outreach teams", 9, ActionStatus.OPEN,
          police=officer, ngo_owner=coordinator)  # fmt: skip
    # Agreed 51 days ago, done 33 days ago, verified 30 days ago: 21 days from agreement to
    # verification, with who verified it and when, as verify_action_point records them.
    verified_at = datetime.combine(today - timedelta(days=30), time(10, 0), UTC)
    point(makupa, "Agree referral slip format with the OST clinic", -30, ActionStatus.VERIFIED,
          ngo_owner=coordinator, action_taken="New slip printed and accepted.",
          done_on=today - timedelta(days=33), done_side=Side.NGO, verified_adequate=True,
          verified_at=verified_at, verified_by_id=coordinator.id,
          created_at=verified_at - timedelta(days=21), days_to_verification=21)  # fmt: skip
    db.session.flush()
    db.session.add(FollowUp(action_point=brief, user_id=officer.id, on_date=today - timedelta(days=4),
                            note="Briefed two of four shifts.", from_status=ActionStatus.OPEN,
                            to_status=ActionStatus.IN_PROGRESS))  # fmt: skip
    db.session.flush()

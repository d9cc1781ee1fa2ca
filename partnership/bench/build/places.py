"""The places and people of the bench programme."""

from __future__ import annotations

from datetime import timedelta

from partnership.bench.build.rows import insert_rows
from partnership.bench.build.state import COMMAND_OFFICER_EMAIL, STATION_OFFICER_EMAIL, Programme


def build_places(prog: Programme) -> None:
    """Commands with their stations and services, officers with their postings, and the two police
    accounts of the benched pages."""
    from partnership.accounts.models import User
    from partnership.organisations.models import (
        Organisation,
        OrganisationKind,
        Person,
        PersonKind,
        Posting,
    )
    from partnership.roles import Role

    sizes, rng, today, ids, echo, coordinator, stamp, versioned = (
        prog.sizes,
        prog.rng,
        prog.today,
        prog.ids,
        prog.echo,
        prog.coordinator,
        prog.stamp,
        prog.versioned,
    )
    # Commands, stations, services.
    echo(f"Organisations: {sizes.commands} commands, {sizes.stations} stations...")
    organisations: list[dict] = []
    commands: list[int] = []
    stations_of: dict[int, list[int]] = {}
    services_of: dict[int, list[int]] = {}
    per_command = max(1, sizes.stations // sizes.commands)
    for c in range(sizes.commands):
        command_id = ids.take(Organisation)
        commands.append(command_id)
        region = f"Region {c + 1:02d}"
        organisations.append({
            "id": command_id, "kind": OrganisationKind.POLICE_COMMAND, "name":
            f"{region} Police Command", "country": "KE", "region": region, "city": f"Town {c + 1}",
            "command_id": None, "target_visit_days": None, **versioned,
        })  # fmt: skip
        stations_of[command_id] = []
        count = per_command if c < sizes.commands - 1 else sizes.stations - per_command * c
        for s in range(count):
            station_id = ids.take(Organisation)
            stations_of[command_id].append(station_id)
            organisations.append({
                "id": station_id,
                "kind": OrganisationKind.POLICE_POST if s % 7 == 6 else OrganisationKind.POLICE_STATION,
                "name": f"{region} Station {s + 1:02d}", "country": "KE", "region": region,
                "city": f"Town {c + 1}", "command_id": command_id,
                "target_visit_days": rng.choice([60, 90, 90, 120, 180]), **versioned,
            })  # fmt: skip
        services_of[command_id] = []
        for kind_name in ("Drop-in centre", "Health centre"):
            service_id = ids.take(Organisation)
            services_of[command_id].append(service_id)
            organisations.append({
                "id": service_id, "kind": OrganisationKind.SERVICE,
                "name": f"{region} {kind_name}", "country": "KE", "region": region,
                "city": f"Town {c + 1}", "command_id": None, "target_visit_days": None,
                **versioned,
            })  # fmt: skip
    insert_rows(Organisation, organisations)
    all_stations = [s for c in commands for s in stations_of[c]]
    # One station of the first command carries most of the history ("the busiest station").
    busiest = stations_of[commands[0]][0]
    weights = [8 if s == busiest else 1 for s in all_stations]

    echo(f"People: {sizes.officers} officers with postings...")
    people: list[dict] = []
    postings: list[dict] = []
    officers_at: dict[int, list[int]] = {s: [] for s in all_stations}
    command_of = {s: c for c in commands for s in stations_of[c]}
    ranks = ["Constable"] * 6 + ["Corporal", "Sergeant", "Sergeant", "Inspector", "Chief Inspector"]
    for n in range(sizes.officers):
        person_id = ids.take(Person)
        station = all_stations[n % len(all_stations)]
        officers_at[station].append(person_id)
        people.append({
            "id": person_id, "kind": PersonKind.OFFICER, "name": f"Officer {n + 1:05d}",
            "organisation_id": station, "rank": rng.choice(ranks), "unit": "General duty",
            **versioned,
        })  # fmt: skip
        start = today - timedelta(days=rng.randint(30, 2000))
        if rng.random() < 0.2:
            previous = rng.choice(stations_of[command_of[station]])
            moved = start
            start = moved - timedelta(days=rng.randint(200, 900))
            postings.append({"id": ids.take(Posting), "person_id": person_id,
                             "station_id": previous, "start_date": start, "end_date": moved,
                             **stamp})  # fmt: skip
            start = moved
        postings.append({"id": ids.take(Posting), "person_id": person_id, "station_id": station,
                         "start_date": start, "end_date": None, **stamp})  # fmt: skip
    insert_rows(Person, people)
    insert_rows(Posting, postings)

    password_hash = coordinator.password_hash
    users = []
    police_users: dict[int, int] = {}
    for email, name, organisation in (
        (COMMAND_OFFICER_EMAIL, "Commander Region 01", commands[0]),
        (STATION_OFFICER_EMAIL, "Inspector Region 01 Station 01", busiest),
    ):
        user_id = ids.take(User)
        police_users[organisation] = user_id
        users.append({"id": user_id, "email": email, "name": name, "role": Role.OFFICER,
                      "organisation_id": organisation, "password_hash": password_hash,
                      "timezone": "Africa/Nairobi", "active": True, **versioned})  # fmt: skip
    insert_rows(User, users)
    prog.commands = commands
    prog.stations_of = stations_of
    prog.services_of = services_of
    prog.all_stations = all_stations
    prog.busiest = busiest
    prog.weights = weights
    prog.officers_at = officers_at
    prog.command_of = command_of
    prog.police_users = police_users

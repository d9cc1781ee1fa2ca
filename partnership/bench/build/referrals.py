"""The bench programme's referrals: schemes, service points, slips, redemptions."""

from __future__ import annotations

from datetime import timedelta

from partnership.bench.build.rows import CHUNK, client_code, insert_rows
from partnership.bench.build.state import Programme


def build_referrals(prog: Programme) -> None:
    """A scheme per command, its service points, and slips with their redemptions."""
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
        scheme_partners,
    )

    (
        sizes,
        rng,
        today,
        ids,
        echo,
        commands,
        services_of,
        all_stations,
        weights,
        officers_at,
        command_of,
        versioned,
    ) = (
        prog.sizes,
        prog.rng,
        prog.today,
        prog.ids,
        prog.echo,
        prog.commands,
        prog.services_of,
        prog.all_stations,
        prog.weights,
        prog.officers_at,
        prog.command_of,
        prog.versioned,
    )
    echo(f"Referrals: {len(commands)} schemes, {sizes.slips} slips...")
    schemes, points, partners = [], [], []
    scheme_of: dict[int, int] = {}
    points_of: dict[int, list[int]] = {}
    start = today - timedelta(days=3 * 365)
    for c, command_id in enumerate(commands):
        scheme_id = ids.take(Scheme)
        scheme_of[command_id] = scheme_id
        schemes.append({
            "id": scheme_id, "name": f"Region {c + 1:02d} referral scheme",
            "status": SchemeStatus.ACTIVE, "start_date": start, "agreement_date": start,
            "services": "nsp,ost,hiv_testing,art,naloxone,legal_aid",
            "slip_number_format": "R##-######", "client_code_rule": "mother2-own2-year-sex",
            "protocol": "Officers give a numbered slip instead of arresting for possession.",
            **versioned,
        })  # fmt: skip
        for org_id in (command_id, *services_of[command_id]):
            partners.append({"scheme_id": scheme_id, "organisation_id": org_id})
        points_of[scheme_id] = []
        for service_id, services in zip(
            services_of[command_id], ("nsp,naloxone", "ost,hiv_testing,art"), strict=True
        ):
            point_id = ids.take(ServicePoint)
            points_of[scheme_id].append(point_id)
            points.append({"id": point_id, "organisation_id": service_id,
                           "name": f"Service point {point_id}", "services": services,
                           "status": "active", "last_checked": today - timedelta(days=30),
                           **versioned})  # fmt: skip
    insert_rows(Scheme, schemes)
    insert_rows(scheme_partners, partners)
    insert_rows(ServicePoint, points)

    routes = [Route.ARREST_DIVERSION] * 4 + [Route.SOCIAL_CONTACT] * 3 + [
        Route.COMMUNITY_REQUEST, Route.CUSTODY, Route.OTHER]  # fmt: skip
    outcomes = [Outcome.REACHED] * 8 + [Outcome.REFERRED_ON, Outcome.DECLINED]
    numbers: dict[int, int] = {}
    span = (today - start).days

    def slips_and_redemptions():  # noqa: ANN202
        for _ in range(sizes.slips):
            station = rng.choices(all_stations, weights=weights)[0]
            scheme_id = scheme_of[command_of[station]]
            numbers[scheme_id] = numbers.get(scheme_id, 0) + 1
            issued = start + timedelta(days=int(rng.triangular(0, span, span)))
            slip_id = ids.take(Slip)
            officers = officers_at[station]
            yield "slip", {
                "id": slip_id, "scheme_id": scheme_id, "station_id": station,
                "number": f"R{commands.index(command_of[station]) + 1:02d}-{numbers[scheme_id]:06d}",
                "officer_id": rng.choice(officers) if officers and rng.random() < 0.7 else None,
                "issued_on": issued, "route": rng.choice(routes), **versioned,
            }  # fmt: skip
            if rng.random() < sizes.redeemed_share:
                redeemed = min(issued + timedelta(days=int(rng.expovariate(1 / 4))), today)
                consent = rng.random() < 0.9
                redemption_id = ids.take(Redemption)
                yield "redemption", {
                    "id": redemption_id, "scheme_id": scheme_id, "slip_id": slip_id,
                    "station_id": station, "walk_in": False, "redeemed_on": redeemed,
                    "service_point_id": rng.choice(points_of[scheme_id]),
                    "client_code": client_code(rng) if consent else "", "consent": consent,
                    "outcome": rng.choice(outcomes), "follow_up": "", **versioned,
                }  # fmt: skip
                main = rng.choice([ServiceType.NSP, ServiceType.OST, ServiceType.HIV_TESTING])
                yield "service", {"redemption_id": redemption_id, "service": main}
                if rng.random() < 0.3:
                    yield "service", {"redemption_id": redemption_id,
                                      "service": ServiceType.NALOXONE}  # fmt: skip

    buffers: dict[str, list[dict]] = {"slip": [], "redemption": [], "service": []}
    tables = {"slip": Slip, "redemption": Redemption, "service": RedemptionService}
    for kind, row in slips_and_redemptions():
        buffers[kind].append(row)
        if len(buffers["slip"]) >= CHUNK:
            for name in ("slip", "redemption", "service"):
                insert_rows(tables[name], buffers[name])
                buffers[name] = []
    for name in ("slip", "redemption", "service"):
        insert_rows(tables[name], buffers[name])

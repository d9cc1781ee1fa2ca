"""An officer issues two slips; a coordinator redeems one at a needle and syringe programme;
the officer sees one of two reached and no client code; the coordinator's scheme page shows the
redemption rate and the chart."""

from __future__ import annotations

from datetime import date

import pytest

from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.referrals.models import Scheme, SchemeStatus, ServicePoint
from tests.browser.conftest import serious_accessibility_violations, sign_in


@pytest.fixture()
def scheme(app, world, make_org):  # noqa: ANN001, ANN201
    nsp = make_org("service", "Harbour Needle and Syringe Programme")
    with app.app_context():
        point = ServicePoint(organisation_id=nsp.id, name="Harbour NSP drop-in",
                             address="Harbour Road", opening_hours="Mon–Fri 8–17",
                             services="nsp,naloxone", last_checked=date.today())  # fmt: skip
        s = Scheme(
            name="Coast referral scheme",
            status=SchemeStatus.ACTIVE,
            slip_number_format="CST-###",
            partners=[db.session.get(Organisation, world.command.id),
                      db.session.get(Organisation, nsp.id)],
        )  # fmt: skip
        db.session.add_all([point, s])
        db.session.commit()
        scheme_id = s.id
        db.session.remove()
    return scheme_id


def test_slip_to_service_and_back_to_the_officer(page, browser, live_server, world, scheme):
    sign_in(page, "officer@test.example")
    for number, route in (("CST-001", "Arrest diversion"), ("CST-002", "Social contact")):
        page.goto("/referrals/slips/new")
        page.get_by_label("Slip number").fill(number)
        page.get_by_label("Route").select_option(label=route)
        page.get_by_role("button", name="Record slip", exact=True).click()
        page.get_by_text(f"Slip {number} was recorded.").wait_for()
    assert serious_accessibility_violations(page) == []

    coordinator = browser.new_context(base_url=live_server, bypass_csp=True).new_page()
    sign_in(coordinator, "coordinator@test.example")
    coordinator.goto(f"/referrals/redemptions/new?scheme={scheme}")
    coordinator.get_by_label("Slip number").fill("CST-002")
    coordinator.get_by_label("Service point").select_option(
        label="Harbour NSP drop-in (Harbour Needle and Syringe Programme)"
    )
    coordinator.get_by_label("The client consented").check()
    coordinator.get_by_label("Client code").fill("majo1990m")
    coordinator.get_by_label("Needle and syringe programme").check()
    coordinator.get_by_label("Outcome").select_option(label="Reached the service")
    coordinator.get_by_role("button", name="Record visit").click()
    coordinator.get_by_text("The visit was recorded.").wait_for()
    assert serious_accessibility_violations(coordinator) == []

    page.goto("/referrals/feedback")
    assert page.get_by_text("<5 of <5 slips reached services.").is_visible()
    assert "MAJO1990M" not in page.content()
    page.goto(f"/referrals/schemes/{scheme}")
    assert "MAJO1990M" not in page.content()
    assert serious_accessibility_violations(page) == []

    coordinator.goto(f"/referrals/schemes/{scheme}")
    rate = coordinator.locator(".stats li", has_text="redemption rate")
    assert "50%" in rate.inner_text()
    assert coordinator.locator("figure.chart svg rect.bar.redeemed").count() == 12
    assert serious_accessibility_violations(coordinator) == []
    coordinator.context.close()


@pytest.mark.parametrize("path", ["/referrals/", "/referrals/schemes/{scheme}", "/referrals/slips",
                                  "/referrals/service-points", "/referrals/redemptions/new?scheme={scheme}"])  # fmt: skip
def test_referral_pages_fit_a_phone_and_are_accessible(phone_page, world, scheme, path):
    sign_in(phone_page, "coordinator@test.example")
    phone_page.goto(path.format(scheme=scheme))
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_accessibility_violations(phone_page) == []

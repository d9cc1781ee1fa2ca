"""An administrator connects DHIS2, maps stations and indicators, checks the dry run and pushes
it to a local server that answers like DHIS2."""

from __future__ import annotations

from tests.browser.conftest import sign_in
from tests.dashboard.conftest import programme  # noqa: F401
from tests.dhis2.test_dhis2 import TOKEN, _summary, concerns, dhis2_server  # noqa: F401
from tests.referrals.conftest import referrals  # noqa: F401


def test_admin_maps_checks_the_dry_run_and_pushes(page, world, programme, concerns, dhis2_server):  # noqa: ANN001, F811
    dhis2_server.answer = (200, _summary(imported=9, updated=0, ignored=2))
    sign_in(page, "admin@test.example")
    page.goto("/")
    page.get_by_role("link", name="DHIS2", exact=True).click()
    page.get_by_text("No DHIS2 server with a readable sign-in is set").wait_for()

    page.get_by_role("link", name="Server and sign-in").click()
    page.get_by_label("DHIS2 server address").fill(dhis2_server.url)
    page.get_by_label("Sign in with").select_option("token")
    page.get_by_label("Password or personal access token").fill(TOKEN)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The DHIS2 connection was saved.").wait_for()
    assert TOKEN not in page.content()

    page.get_by_role("link", name="Mapping").click()
    page.get_by_label("Data element: Referral slips issued at the station").fill("DeSlipIss01")
    page.get_by_label("Data element: Concerns raised at the station").fill("DeConcern01")
    page.get_by_label("Organisation unit: Alpha Police Station").fill("OuAlpha0001")
    page.get_by_label("Organisation unit: Bravo Police Station").fill("1uBravo0002")
    page.get_by_role("button", name="Save the mapping").click()
    page.get_by_text("A DHIS2 identifier has 11 letters and digits").wait_for()
    page.get_by_label("Organisation unit: Bravo Police Station").fill("OuBravo0002")
    page.get_by_role("button", name="Save the mapping").click()
    page.get_by_text("The mapping was saved: 2 stations and 2 indicators mapped.").wait_for()

    page.goto("/dhis2/dry-run?period=202602")
    page.get_by_text("4 data values for February 2026 (202602).").wait_for()
    assert "Charlie Police Station" in page.locator(".warnings").inner_text()
    alpha = page.locator("tr", has_text="Alpha Police Station")
    assert "OuAlpha0001" in alpha.inner_text() and "6" in alpha.inner_text()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Push to DHIS2").click()
    page.get_by_text("DHIS2 took the values.").wait_for()
    assert page.locator("dl.facts").inner_text().split() == [
        "Import", "status", "SUCCESS", "Imported", "9", "Updated", "0", "Ignored", "2",
        "Deleted", "0"]  # fmt: skip
    [sent] = dhis2_server.requests
    assert len(sent["payload"]["dataValues"]) == 4
    assert sent["authorization"] == f"ApiToken {TOKEN}"


def test_dhis2_pages_work_on_a_phone_and_pass_the_accessibility_check(
    phone_page,
    app,
    world,
    programme,  # noqa: F811
    concerns,  # noqa: F811
):  # noqa: ANN001
    from tests.browser.conftest import first_screen_problems, serious_accessibility_violations
    from tests.dhis2.test_dhis2 import _set_up

    _set_up(app, world)
    page = phone_page
    sign_in(page, "admin@test.example")
    for url in ("/dhis2/dry-run?period=202602", "/dhis2/mapping", "/dhis2/connection"):
        page.goto(url)
        assert first_screen_problems(page, "h1") == [], url
        assert serious_accessibility_violations(page) == [], url

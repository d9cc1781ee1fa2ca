"""A trainer sets up a training from two modules, records attendance and scores through the
grid (keyboard and a pasted column), sees the knowledge gain and downloads certificates; the
participant who missed a day gets none. Curricula pages pass the accessibility check and fit a
phone screen."""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta

import pytest

from tests.browser.conftest import serious_accessibility_violations, sign_in

PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData('text', text);
  document.activeElement.dispatchEvent(
    new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def _modules(app):  # noqa: ANN001, ANN202
    from curricula.models import Audience, Module
    from partnership.extensions import db

    with app.app_context():
        db.session.add_all([
            Module(code="HR-101", title="Harm reduction basics", audience=Audience.OPERATIONAL,
                   duration_hours=4, max_score=20, pass_mark=12),
            Module(code="HR-102", title="Referral to services", audience=Audience.OPERATIONAL,
                   duration_hours=3, max_score=20, pass_mark=12),
        ])  # fmt: skip
        db.session.commit()


def test_trainer_runs_a_training_end_to_end(page, app, world, make_person):
    _modules(app)
    for name in ("Amina Officer", "Baraka Officer", "Chebet Officer"):
        make_person("officer", world.station_a, name=name)
    first = date.today() - timedelta(days=7)
    sign_in(page, "trainer@test.example")

    page.goto("/curricula/trainings/new")
    page.get_by_label("Title").fill("Alpha two-day training")
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Last day", exact=True).fill((first + timedelta(days=1)).isoformat())
    page.get_by_label("End time (last day)").fill("16:00")
    page.get_by_label("Time zone").select_option("Africa/Nairobi")
    page.get_by_label("Modules delivered").select_option(
        label=["HR-101 v1 · Harm reduction basics", "HR-102 v1 · Referral to services"]
    )
    page.get_by_label("Stations taking part").select_option(label="Alpha Police Station")
    page.get_by_role("button", name="Set up training").click()
    page.get_by_text("was set up").wait_for()

    # The training is a meeting: its register is the meetings domain's register page.
    names = ("Amina Officer", "Baraka Officer", "Chebet Officer")
    for name in names:
        page.get_by_label(re.compile(f"^{name}")).check()
    page.get_by_role("button", name="Add the ticked people").click()
    page.get_by_text("3 added to the register.").wait_for()
    for name in names:
        days = page.get_by_label(re.compile(f"^{name} on "))
        days.nth(0).select_option("present")
        days.nth(1).select_option("absent" if name == "Chebet Officer" else "present")
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("The register is saved").wait_for()

    page.goto("/curricula/trainings")
    page.get_by_role("link", name="Alpha two-day training").click()
    page.get_by_role("link", name="Enter scores").click()
    page.locator("form[data-grid-ready]").wait_for()  # the grid's script is running
    page.get_by_label("Amina Officer, pre-test").focus()
    page.evaluate(PASTE, "8\n10\n6\n")  # a column copied from a spreadsheet
    assert page.get_by_label("Baraka Officer, pre-test").input_value() == "10"
    assert page.get_by_label("Chebet Officer, pre-test").input_value() == "6"
    post = page.get_by_label("Amina Officer, post-test")
    post.click()
    post.fill("15")
    page.keyboard.press("Enter")  # Enter moves down the column
    page.keyboard.type("25")
    assert page.get_by_label("Baraka Officer, post-test").get_attribute("aria-invalid") == "true"
    page.keyboard.press("Enter")
    page.keyboard.type("12")
    page.get_by_role("button", name="Save scores").click()
    assert page.locator("#grid-errors").is_visible()  # nothing sent while a cell is wrong
    assert "/scores" in page.url
    page.get_by_label("Baraka Officer, post-test").fill("17")
    page.get_by_role("button", name="Save scores").click()
    page.get_by_text("Scores saved").wait_for()

    assert page.get_by_role("row", name="Participants with both scores 3").is_visible()
    assert page.get_by_role("row", name="Mean pre-test 8 / 20").is_visible()
    assert page.get_by_role("row", name="Mean post-test 14.7 / 20").is_visible()
    assert page.locator("svg.chart-svg circle").count() == 3
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="Issue certificates").click()
    page.get_by_text("2 certificates issued.").wait_for()
    certificates = page.locator("#certificates ~ ul")
    assert "Amina Officer" in certificates.inner_text()
    assert "Chebet Officer" not in certificates.inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all (zip)").click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        assert len(archive.namelist()) == 2


CURRICULA_PAGES = [
    "/curricula/",
    "/curricula/modules",
    "/curricula/modules/{module}",
    "/curricula/modules/new",
    "/curricula/adoption",
    "/curricula/adoption/{adoption}",
    "/curricula/trainings",
    "/curricula/trainings/new",
    "/curricula/trainings/{training}",
    "/curricula/trainings/setup/{unset}",
    "/curricula/trainings/{training}/scores",
    "/curricula/trainings/{training}/answers/pre",
    "/curricula/trainings/{training}/import",
    "/curricula/knowledge?by=station",
    "/curricula/coverage",
]


def _urls(app, world):  # noqa: ANN001, ANN202
    from tests.curricula.records import curricula_records

    records = curricula_records(app, world)
    return records, {
        "module": records.module_id,
        "adoption": records.adoption_id,
        "training": records.own_training_id,
        "unset": records.unset_meeting_id,
    }


@pytest.mark.parametrize("path", CURRICULA_PAGES)
def test_curricula_pages_are_accessible(page, app, world, path):
    _records, ids = _urls(app, world)
    sign_in(page, "coordinator@test.example")
    page.goto(path.format(**ids))
    assert serious_accessibility_violations(page) == []


def test_public_verification_page_is_accessible_without_signing_in(page, app, world):
    records, _ids = _urls(app, world)
    page.goto(f"/curricula/verify/{records.own_code}")
    assert page.get_by_text("This certificate is valid.").is_visible()
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize(
    "path",
    ["/curricula/trainings/{training}", "/curricula/trainings/{training}/scores",
     "/curricula/knowledge?by=module",
     "/curricula/coverage", "/curricula/adoption"],
)  # fmt: skip
def test_curricula_pages_fit_a_phone_screen(phone_page, app, world, path):
    _records, ids = _urls(app, world)
    sign_in(phone_page, "coordinator@test.example")
    phone_page.goto(path.format(**ids))
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_module_page_buttons_post_through_its_own_forms(page, app, world):
    """The module page is kept rendered; its buttons post through forms rendered afresh, and
    deleting a material still asks first."""
    from curricula.models import Module
    from partnership.extensions import db

    _modules(app)
    with app.app_context():
        module_id = db.session.scalar(db.select(Module.id).where(Module.code == "HR-101"))
    sign_in(page, "trainer@test.example")
    page.goto(f"/curricula/modules/{module_id}/materials/new")
    page.set_input_files("input[type=file]", files=[
        {"name": "slides.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 slides"}
    ])  # fmt: skip
    page.locator("main form button[type=submit]").click()
    page.get_by_text("slides.pdf was uploaded.").wait_for()

    delete = page.locator('button[form="module-delete-form"]')
    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    page.wait_for_timeout(300)
    assert page.get_by_role("link", name="slides.pdf").is_visible()  # not deleted: declined
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        delete.click()
    page.get_by_text("slides.pdf was deleted.").wait_for()
    assert page.get_by_text("No materials uploaded yet.").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Create a new version").click()
    page.get_by_text("Version 2 was created").wait_for()
    assert re.search(r"/curricula/modules/\d+/edit$", page.url)

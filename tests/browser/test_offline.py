"""Working with the network dropping, with the service worker (static/js/sw.js) as in use: a
page opened before opens again offline; concerns logged offline wait on the device, listed at
the top of the page where each can be discarded; once the network is back they are sent in the
order they were made and each is stored exactly once."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from tests.browser.conftest import serious_accessibility_violations, sign_in

WORKBOX = Path(__file__).resolve().parents[2] / "static" / "vendor" / "workbox" / "workbox-sw.js"
NOTICE = "Not sent yet: kept on this device."


@pytest.fixture()
def worker_page(browser, live_server):  # noqa: ANN001, ANN201
    if not WORKBOX.is_file():
        pytest.skip("Workbox is not built into static/vendor/ (run `make offline`)")
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _controlled(page) -> None:  # noqa: ANN001
    """Wait until the service worker controls the page."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")


KEPT_PAGES = """async () => {
  const cache = await caches.open('pages');
  return (await cache.keys()).map(r => new URL(r.url).pathname + new URL(r.url).search);
}"""


def _kept(page, *paths: str) -> None:  # noqa: ANN001
    """Wait until the worker has kept ``paths`` on the device: it stores a page in the
    background after showing it, so a page just opened may not be kept yet when the network
    drops (on a loaded machine as on a slow phone)."""
    page.wait_for_function(
        f"async (paths) => {{ const kept = await ({KEPT_PAGES})(); return paths.every(p => kept.includes(p)); }}",
        arg=list(paths),
        timeout=30_000,
    )


# A slow phone: the device's database answers a second and a half late.
SLOW_STORAGE = """(() => {
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function () {
    const request = open.apply(this, arguments);
    let handler = null;
    request.addEventListener('success', (event) => {
      setTimeout(() => handler && handler.call(request, event), 1500);
    });
    Object.defineProperty(request, 'onsuccess', {
      set(fn) { handler = fn; },
      get() { return handler; },
    });
    return request;
  };
})();"""


def _summaries(app) -> list[str]:  # noqa: ANN001
    from partnership.actions.models import Concern
    from partnership.extensions import db

    with app.app_context():
        return db.session.scalars(select(Concern.summary).order_by(Concern.id)).all()


def _log_concern(page, summary: str) -> None:  # noqa: ANN001
    page.get_by_label("Category").select_option(label="Raids at hotspots")
    page.get_by_label("Summary").fill(summary)
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text(NOTICE).wait_for()


def test_concerns_logged_offline_are_sent_once_in_order_when_the_network_is_back(
    worker_page, app, world
):  # noqa: ANN001
    page = worker_page
    sign_in(page, "coordinator@test.example")
    _controlled(page)
    form = f"/concerns/new?station={world.station_a.id}"
    page.goto(form)  # opened once online: kept for offline use
    _kept(page, form)

    page.context.set_offline(True)
    _log_concern(page, "First: raid at the Mlaleo hotspot.")
    outbox = page.locator("#outbox")
    outbox.get_by_role("link", name="Log a concern").wait_for()
    assert outbox.locator("li").count() == 1

    # The same page opens again without a network, from the device; a second and a third
    # concern wait behind the first.
    page.goto(form)
    assert page.get_by_role("heading", name="Log a concern").is_visible()
    assert outbox.locator("li").count() == 1
    _log_concern(page, "Second: kits taken at the same hotspot.")
    page.goto(form)
    _log_concern(page, "Third: typed by mistake.")
    page.wait_for_function(
        "() => document.querySelectorAll('#outbox li').length === 3", timeout=30_000
    )
    assert outbox.get_by_text("Waiting to be sent").is_visible()
    assert serious_accessibility_violations(page) == []
    # What the user does not want sent is discarded from the list.
    outbox.locator("li").nth(2).get_by_role("button", name="Discard").click()
    page.wait_for_function("() => document.querySelectorAll('#outbox li').length === 2")
    assert _summaries(app) == []

    page.context.set_offline(False)
    deadline = time.monotonic() + 30
    while len(_summaries(app)) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.wait_for_load_state()
    page.wait_for_function("() => !document.querySelector('#outbox li')", timeout=30_000)
    assert _summaries(app) == [
        "First: raid at the Mlaleo hotspot.",
        "Second: kits taken at the same hotspot.",
    ]
    # Opening a page again sends nothing more.
    page.goto("/concerns")
    page.reload()
    assert len(_summaries(app)) == 2


def test_a_form_said_to_be_kept_is_still_kept_when_the_page_is_left_at_once(
    worker_page, world
):  # noqa: ANN001
    """On a slow phone the notice "kept on this device" comes only once the form is in the
    outbox: leaving the page as soon as it shows (as a user does) must not lose the form."""
    page = worker_page
    page.add_init_script(SLOW_STORAGE)
    sign_in(page, "coordinator@test.example")
    page.goto(f"/concerns/new?station={world.station_a.id}")
    # Sending fails (the network drops just then) and keeps failing.
    page.route(
        "**/concerns/new*",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    _log_concern(page, "Kept: the page was left at once.")
    page.goto("/concerns")
    outbox = page.locator("#outbox")
    outbox.get_by_role("link", name="Log a concern").wait_for()
    assert outbox.locator("li").count() == 1


def test_signing_out_leaves_nothing_on_the_device(worker_page, world):  # noqa: ANN001
    page = worker_page
    sign_in(page, "coordinator@test.example")
    _controlled(page)
    form = f"/concerns/new?station={world.station_a.id}"
    page.goto(form)
    page.context.set_offline(True)
    _log_concern(page, "Restricted: waiting on the device.")
    page.route("**/concerns/new*", lambda route: route.abort())  # it keeps waiting
    page.context.set_offline(False)
    page.locator("#outbox li").wait_for()
    page.get_by_text("Menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    left = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const kept = Object.keys(localStorage).filter(k => k.startsWith('kept-form:'));
          const waiting = await new Promise(resolve => {
            const open = indexedDB.open('partnership-outbox', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('forms', {keyPath: 'id', autoIncrement: true});
            open.onsuccess = () => {
              const all = open.result.transaction('forms').objectStore('forms').getAll();
              all.onsuccess = () => resolve(all.result.length);
            };
          });
          const pages = names.includes('pages') ? (await (await caches.open('pages')).keys()).length : 0;
          return {pages, kept: kept.length, waiting};
        }"""
    )
    assert left == {"pages": 0, "kept": 0, "waiting": 0}


def test_typing_a_new_concern_while_the_first_waits_loses_neither(worker_page, app, world):  # noqa: ANN001
    page = worker_page
    sign_in(page, "coordinator@test.example")
    _controlled(page)
    page.goto(f"/concerns/new?station={world.station_a.id}")
    page.context.set_offline(True)
    _log_concern(page, "Waiting: the first concern.")
    # Still offline, the same form is typed over for a second concern, not yet sent.
    page.get_by_label("Summary").fill("Typed meanwhile: the second concern.")
    page.context.set_offline(False)
    deadline = time.monotonic() + 30
    while not _summaries(app) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert _summaries(app) == ["Waiting: the first concern."]
    page.wait_for_function("() => !document.querySelector('#outbox li')", timeout=30_000)
    # The page stayed with what was being typed, and sending it makes a second record.
    assert page.get_by_label("Summary").input_value() == "Typed meanwhile: the second concern."
    with page.expect_navigation():
        page.get_by_role("button", name="Log the concern").click()
    # Both confirmations: the one sent in the background is shown on the next page.
    assert page.get_by_text("The concern was logged.").count() == 2
    assert _summaries(app) == [
        "Waiting: the first concern.",
        "Typed meanwhile: the second concern.",
    ]


def test_a_trainer_fills_a_register_and_a_score_grid_on_a_phone_while_the_network_drops(
    worker_page, app, make_person
):  # noqa: ANN001
    """The field day of issue 14: at the station, on a phone, the register and the score grid are
    filled with no network; both wait on the device and are stored once when it comes back."""
    from curricula.models import Training
    from meetings.models import Attendee, Meeting
    from partnership.extensions import db

    assert "Demo data created." in app.test_cli_runner().invoke(args=["seed-demo"]).output
    with app.app_context():
        training = db.session.scalars(select(Training).order_by(Training.id)).first()
        meeting = db.session.get(Meeting, training.meeting_id)
        station = meeting.stations[0]
        training_id, meeting_id = training.id, meeting.id
        station_id, station_name = station.id, station.name
        pre, post = str(training.max_score // 4), str(training.max_score // 2)
    for n in range(3):
        make_person("officer", SimpleNamespace(id=station_id), name=f"Field Officer {n}")

    page = worker_page
    sign_in(page, "trainer@demo.example", "partnership-demo")
    _controlled(page)
    register, scores = f"/meetings/{meeting_id}/register", f"/curricula/trainings/{training_id}/scores"
    page.goto(scores)  # both pages opened once with the network: kept for offline use
    page.goto(register)
    _kept(page, scores, register)

    page.context.set_offline(True)
    page.goto(register)
    group = page.locator("[data-tick-group]", has_text=station_name).first
    boxes = group.locator('input[name="person_ids"]')
    group.get_by_label(f"Tick all {boxes.count()} of {station_name}").check()
    page.get_by_role("button", name="Add the ticked people").click()
    page.get_by_text(NOTICE).wait_for()

    page.goto(scores)
    first = page.locator("table.score-grid tbody tr").first
    name = first.locator("th").inner_text().strip()
    page.get_by_label(f"{name}, pre-test", exact=True).fill(pre)
    page.get_by_label(f"{name}, post-test", exact=True).fill(post)
    page.get_by_role("button", name="Save scores").click()
    page.get_by_text(NOTICE).wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('#outbox li').length === 2", timeout=30_000
    )

    def stored() -> tuple[list[str], list[tuple]]:
        from curricula.models import Participant

        with app.app_context():
            db.session.expire_all()
            added = [
                a.person.name
                for a in db.session.scalars(
                    select(Attendee).where(Attendee.meeting_id == meeting_id)
                )
                if a.person.name.startswith("Field Officer")
            ]
            marks = [
                (p.pre_score, p.post_score)
                for p in db.session.scalars(
                    select(Participant).where(Participant.training_id == training_id)
                )
                if p.attendee.person.name == name
            ]
            return sorted(added), marks

    assert stored()[0] == []  # nothing reached the server while offline

    page.context.set_offline(False)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        added, marks = stored()
        if len(added) == 3 and marks and marks[0] == (float(pre), float(post)):
            break
        page.wait_for_timeout(250)
    page.wait_for_function("() => !document.querySelector('#outbox li')", timeout=30_000)
    added, marks = stored()
    assert added == ["Field Officer 0", "Field Officer 1", "Field Officer 2"]  # each once
    assert marks == [(float(pre), float(post))]
    page.reload()
    assert stored()[0] == added  # opening a page again sends nothing more


def test_pages_showing_restricted_details_are_never_kept_on_the_device(
    worker_page, make_concern, world
):  # noqa: ANN001
    page = worker_page
    concern = make_concern(world.station_a, restricted_details="Client B.K., Mlaleo hotspot")
    sign_in(page, "coordinator@test.example")
    _controlled(page)
    form = f"/concerns/new?station={world.station_a.id}"
    detail = f"/concerns/{concern.id}"
    page.goto(form)
    page.goto(detail)
    assert page.get_by_text("Client B.K., Mlaleo hotspot").is_visible()
    page.goto("/concerns")  # a third page: once it is kept, the detail page's answer was handled
    _kept(page, "/concerns")
    kept = page.evaluate(KEPT_PAGES)
    assert form in kept
    assert detail not in kept
    page.context.set_offline(True)
    page.goto(form)  # the form still opens offline
    assert page.get_by_role("heading", name="Log a concern").is_visible()
    # Nothing kept: the browser's own offline error, not the restricted details.
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(detail)

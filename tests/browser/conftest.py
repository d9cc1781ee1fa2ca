"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium.

When Chromium is missing the tests are skipped with a loud message, except under CI=true where
a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _browser_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not _browser_available():
        message = f"Chromium not found at {CHROMIUM}: browser tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        print(f"\n\n!!! {message}; skipping them. Run `make test` as root to install it. !!!\n")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:  # noqa: ANN001
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def page(browser, live_server):  # noqa: ANN001, ANN201
    # bypass_csp lets the accessibility checker be injected; the app's own pages never need it.
    # The offline worker is left out here (every request goes to the server, as the tests
    # expect); tests/browser/test_offline.py runs with it.
    context = browser.new_context(base_url=live_server, bypass_csp=True, service_workers="block")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def phone_page(browser, live_server):  # noqa: ANN001, ANN201
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 360, "height": 740},
        bypass_csp=True,
        service_workers="block",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


PHONE = {"width": 360, "height": 740}


def sign_in(page, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def switch_user(page, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    """Another person at the keyboard. The session is ended on the server first, as signing out
    does, and then the cookies are cleared: every answer of the app, a page's style sheet or
    script too, refreshes the session cookie, so one still on its way from the page before
    could bring the old cookie back; the sign-in would then find the old user still signed in
    and go on as them."""
    page.request.post("/logout")
    page.context.clear_cookies()
    sign_in(page, email, password)


def serious_accessibility_violations(page) -> list[dict]:  # noqa: ANN001
    """Serious and critical axe-core violations on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def first_screen_problems(page, *selectors: str) -> list[str]:  # noqa: ANN001
    """What keeps the current page from working on the first screen of a phone: sideways
    scrolling, or one of ``selectors`` (the heading, the page's content or main action) missing
    or starting below the first screen."""
    problems = []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px")
    height = page.viewport_size["height"]
    for selector in selectors:
        found = page.locator(f"{selector} >> visible=true").first
        if not found.count():
            problems.append(f"{selector}: not on the page")
            continue
        box = found.bounding_box()
        if box is None or box["height"] == 0:
            problems.append(f"{selector}: not shown")
        elif box["y"] + min(box["height"], 24) > height:
            problems.append(f"{selector}: starts at {box['y']:.0f}px, below the first screen")
    return problems


def smallest_chart_label(page) -> float | None:  # noqa: ANN001
    """The smallest text of any SVG chart on the page as rendered, in CSS px (the font size
    times the chart's scale), or None when the page has no chart text."""
    return page.evaluate(
        """() => {
          const sizes = [...document.querySelectorAll('svg text')]
            .filter(t => t.getBBox().width > 0)
            .map(t => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
          return sizes.length ? Math.min(...sizes) : null;
        }"""
    )

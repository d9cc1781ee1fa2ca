"""The API's documentation page in a real browser: Swagger UI renders from the app's own files
under its Content-Security-Policy, with no request to another host."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_swagger_ui_renders_offline(browser, live_server) -> None:  # noqa: ANN001
    if not (ROOT / "static/vendor/swagger-ui/swagger-ui-bundle.js").exists():
        pytest.skip("make offline has not copied Swagger UI from npm")
    context = browser.new_context(service_workers="block")  # the app's CSP applies
    context.set_default_timeout(15_000)
    page = context.new_page()
    hosts, problems = set(), []
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Partnership manager API" in page.inner_text(".swagger-ui .info .title")
    page.get_by_text("/api/v1/indicators", exact=True).first.wait_for()
    assert page.locator("#api-docs-missing").is_hidden()
    assert hosts == {live_server.split("/")[2]}, hosts
    assert not [p for p in problems if "Content Security Policy" in p], problems
    context.close()

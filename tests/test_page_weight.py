"""Pages stay light on a slow phone network: at the demo programme's size the first load of each
main page (its HTML with every stylesheet and script it names) is under 150 KB, and nothing is
fetched from any other host."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

LIMIT = 150 * 1024
DEMO_PASSWORD = "partnership-demo"
MAIN_PAGES = {
    "coordinator": [
        "/",
        "/meetings/",
        "/meetings/calendar",
        "/concerns",
        "/concerns/new",
        "/action-points",
        "/measures",
        "/curricula/",
        "/curricula/trainings",
        "/referrals/",
        "/organisations",
        "/people",
    ],
    "officer": ["/", "/my-review", "/meetings/", "/concerns"],
    "viewer": ["/", "/measures", "/curricula/knowledge"],
}
ASSET = re.compile(r"""<(?:link[^>]*\bhref|script[^>]*\bsrc)="([^"]+)\"""")


@pytest.fixture()
def demo(app):  # noqa: ANN001, ANN201
    assert "Demo data created." in app.test_cli_runner().invoke(args=["seed-demo"]).output
    return app


@pytest.mark.parametrize("role", sorted(MAIN_PAGES))
def test_main_pages_weigh_less_than_150_kb(demo, role):
    client = demo.test_client()
    assert login(client, f"{role}@demo.example", DEMO_PASSWORD).status_code == 302
    weights = {}
    for path in MAIN_PAGES[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        total = len(response.get_data())
        for url in ASSET.findall(html):
            assert url.startswith("/"), f"{path} loads {url} from another host"
            if url.endswith((".css", ".js")):
                total += len(client.get(url).get_data())
        weights[path] = total
    heavy = {path: f"{size / 1024:.0f} KB" for path, size in weights.items() if size >= LIMIT}
    assert heavy == {}

"""The API's interactive documentation is served by the app itself: Swagger UI from the files
`make offline` copies out of npm, under the app's Content-Security-Policy, asking no other host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_page_loads_only_this_servers_files(client) -> None:  # noqa: ANN001
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html  # no inline script: the policy would block it
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert 'data-spec-url="/api/openapi.json"' in html
    assert "validatorUrl: null" in (ROOT / "static/js/api-docs.js").read_text()


def test_the_vendored_swagger_ui_is_served(client) -> None:  # noqa: ANN001
    if not (ROOT / "static/vendor/swagger-ui/swagger-ui-bundle.js").exists():
        pytest.skip("make offline has not copied Swagger UI from npm")
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert client.get(f"/static/vendor/swagger-ui/{name}").status_code == 200

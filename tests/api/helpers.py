"""A script's side of the API: a personal token and requests that carry it."""

from __future__ import annotations

from tests.test_api import new_token  # noqa: F401 - made on the "API tokens" page


def call(app, token: str, path: str, method: str = "GET", **kwargs):  # noqa: ANN001, ANN003, ANN201
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return app.test_client().open(path, method=method, headers=headers, **kwargs)

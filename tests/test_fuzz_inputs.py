"""Property-based fuzzing of every form and every list filter: whatever is sent, the answer is a
page, a redirect, a 4xx or a form error — never an error 500.

The demo programme is loaded, an administrator signs in, and the pages are crawled once to learn
each form's fields (names, options) and each list's filters. Hypothesis then POSTs to every
endpoint of ``app.url_map`` that accepts POST, with values drawn from the field's own options
and from edge cases (numbers past 2^31 and 2^63, NUL bytes, 9999-12-31, huge years, long text),
and GETs every list with fuzzed query parameters. It runs on the suite's database: SQLite, and
PostgreSQL in CI. Bounded and deterministic: a fixed number of examples, derandomized.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from partnership.extensions import db

# Edge values that broke pages before: out-of-range integers for ids, filters, pages and
# versions; NUL bytes; dates the date arithmetic cannot carry; malformed text.
EDGES = [
    "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999", "-1", "0",
    "9999-12-31", "0001-01-01", "99999-01-01", "1899-12-31", "2026-02-30", "25:61", "1e309",
    "NaN", "\x00", "a\x00b", "", " ", "x" * 3000, "<b>x</b>", "'; --", "None", "[]",
]  # fmt: skip

# Endpoints that end or change the fuzzing administrator's own session.
SKIP_POST = {"auth.logout", "auth.login", "auth.password_change", "static"}

TABLE_OF_ARGUMENT = {
    "adoption_id": "module_adoptions", "certificate_id": "certificates", "concern_id": "concerns",
    "decision_id": "meeting_decisions", "item_id": "agenda_items", "job_id": "report_jobs",
    "material_id": "module_materials", "meeting_id": "meetings", "module_id": "modules",
    "organisation_id": "organisations", "person_id": "people", "point_id": "action_points",
    "scheme_id": "schemes", "station_id": "organisations", "training_id": "trainings",
    "user_id": "users",
}  # fmt: skip
OTHER_ARGUMENTS = {"fmt": "csv", "phase": "pre", "code": "X", "filename": "x.pdf", "token": "x"}


class FormParser(HTMLParser):
    """The forms of a page: action, method, and each field with the values it offers."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method")
                               or "get").lower(), "fields": {}})  # fmt: skip
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag in ("input", "textarea") and name and a.get("type") not in ("submit", "file"):
            fields.setdefault(name, set()).add(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, set())
        elif tag == "option" and self._select:
            fields[self._select].add(a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _first_ids() -> dict[str, int]:
    ids = {}
    with db.engine.connect() as conn:
        for argument, table in TABLE_OF_ARGUMENT.items():
            ids[argument] = conn.execute(text(f"SELECT min(id) FROM {table}")).scalar() or 1  # noqa: S608
    return ids


def _url(rule, ids: dict[str, int]) -> str:  # noqa: ANN001
    values = {a: ids.get(a, OTHER_ARGUMENTS.get(a, 1)) for a in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture()
def crawled(app, client):  # noqa: ANN001, ANN201
    """The demo programme, an administrator's client, and what each page's forms contain."""
    from partnership.demo import seed

    with app.app_context():
        seed()
        db.session.commit()
        ids = _first_ids()
    sign_in(client)
    posts: dict[str, dict[str, set[str]]] = {}
    filters: dict[str, dict[str, set[str]]] = {}
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_POST:
            continue
        if any(a not in TABLE_OF_ARGUMENT for a in rule.arguments):
            continue
        pages.append((rule, _url(rule, ids)))
    for rule, url in pages:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            target = urlsplit(form["action"]).path or url
            bucket = posts if form["method"] == "post" else filters
            fields = bucket.setdefault(target, {})
            for name, values in form["fields"].items():
                fields.setdefault(name, set()).update(values)
        if not rule.arguments:
            filters.setdefault(url, {})
    endpoints = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in SKIP_POST:
            continue
        url = _url(rule, ids)
        fields = posts.get(url, {})
        fields.pop("csrf_token", None)  # the suite's configuration checks no CSRF token
        endpoints.append((url, {**{"version": {"1"}}, **fields}))
    lists = [(url, {"page": {"1", "2"}, **fields}) for url, fields in filters.items()]
    return sorted(endpoints), sorted(lists)


def sign_in(client) -> None:  # noqa: ANN001
    response = client.post(
        "/login", data={"email": "admin@demo.example", "password": "partnership-demo"}
    )
    assert response.status_code == 302


def values_for(options: set[str]):  # noqa: ANN201
    choices = sorted(o for o in options if o) or ["x"]
    return st.one_of(
        st.sampled_from(choices),
        st.sampled_from(EDGES),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.text(max_size=20),
    )


def _fill(data, fields: dict[str, set[str]]) -> dict[str, str]:  # noqa: ANN001
    return {name: data.draw(values_for(options), label=name) for name, options in fields.items()}


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is printed
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],  # fmt: skip
    )


# Examples per endpoint and per list: every one is reached, about a minute in all.
PER_FORM = int(os.environ.get("FUZZ_PER_FORM", "3"))
PER_LIST = int(os.environ.get("FUZZ_PER_LIST", "4"))


def _check(response, method: str, url: str, data: dict) -> None:  # noqa: ANN001
    assert response.status_code < 500, f"{method} {url} {data!r} -> {response.status_code}"


def test_no_form_and_no_list_filter_answers_with_a_server_error(app, client, crawled):
    endpoints, lists = crawled
    assert len(endpoints) >= 60  # every POST endpoint of the app, not a handful
    assert len(lists) >= 20

    for url, fields in endpoints:
        fuzz_post(client, url, fields)()
    for url, fields in lists:
        fuzz_get(client, url, fields)()


def fuzz_post(client, url: str, fields: dict[str, set[str]]):  # noqa: ANN001, ANN201
    @fuzz_settings(PER_FORM)
    @given(st.data())
    def post_anything(data) -> None:  # noqa: ANN001
        form = _fill(data, fields)
        response = client.post(url, data=form)
        _check(response, "POST", url, form)
        if response.status_code == 302 and "/login" in response.location:
            sign_in(client)  # a fuzzed edit signed the administrator out; go on

    return post_anything


def fuzz_get(client, url: str, fields: dict[str, set[str]]):  # noqa: ANN001, ANN201
    @fuzz_settings(PER_LIST)
    @given(st.data())
    def get_anything(data) -> None:  # noqa: ANN001
        params = _fill(data, fields)
        response = client.get(url, query_string=params)
        _check(response, "GET", url, params)

    return get_anything


@pytest.mark.parametrize(
    "path",
    ["/meetings/2147483648", "/action-points/3000000000", "/people/9223372036854775808",
     "/organisations/0", "/reports/99999999999999999999999"],
)  # fmt: skip
def test_ids_beyond_the_databases_range_are_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin\x00@x.example", "x"), ("a@x.example", "pass\x00word"), ("9" * 5000, "")],
)
def test_sign_in_refuses_nul_and_junk_in_words(client, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code in (200, 400, 422)


def test_meeting_with_an_unknown_kind_is_a_form_error(admin_client):
    response = admin_client.post("/meetings/new", data={"kind": "party", "title": "x"})
    assert response.status_code in (200, 422)
    assert "Choose a kind from the list." in response.get_data(as_text=True)


def test_query_helpers_ignore_out_of_range_numbers(app):
    from partnership.pagination import arg_int

    for raw, expected in [("7", 7), ("2147483647", 2**31 - 1), ("2147483648", None),
                          ("-3", None), ("x", None), ("", None)]:  # fmt: skip
        with app.test_request_context(f"/?station={raw}"):
            assert arg_int("station") == expected


def test_nul_in_a_query_string_is_a_bad_request(admin_client):
    assert admin_client.get("/meetings?q=a%00b").status_code == 400

"""Fixtures: the app on a migrated test database, a clean database per test, clients per role,
factories and a query counter.

The database is SQLite in a temporary folder, or PostgreSQL when TEST_DATABASE_URL is set
(.ci/postgres-tests). Tables are emptied after every test, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from partnership import create_app
from partnership.config import TestConfig
from partnership.extensions import db as _db

PASSWORD = "a-long-test-password-42"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from partnership import ROOT
    from partnership.i18n import compile_stale_catalogues

    compile_stale_catalogues(str(ROOT / "translations"))
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite3'}"
    os.environ["INSTANCE_PATH"] = str(instance)
    application = create_app(
        type(
            "SuiteConfig",
            (TestConfig,),
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", "SERVER_NAME": None},
        )
    )
    from partnership.jobs import huey

    huey.immediate = True  # background jobs run in-process, at once
    with application.app_context():
        from flask_migrate import upgrade

        if url.startswith("postgresql"):
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield application


def page_html(client: FlaskClient, path: str) -> str:
    """A page (it must answer 200) without its hidden form fields: CSRF tokens and submission
    keys are new on every load, so two loads of a kept page compare equal only without them."""
    response = client.get(path)
    assert response.status_code == 200, path
    return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", response.get_data(as_text=True))


def fresh_page_html(app: Flask, client: FlaskClient, path: str) -> str:
    """The same page computed afresh from the database: nothing kept is served."""
    from partnership.caching import cache

    with app.app_context():
        cache.clear()
    return page_html(client, path)


@pytest.fixture()
def live_cache(app: Flask) -> Iterator[None]:
    """A working in-memory cache for this test (the suite's default keeps none)."""
    from partnership.caching import cache

    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    try:
        yield
    finally:
        with app.app_context():
            cache.clear()
        cache.init_app(app, config={"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True})


def _empty_all_tables(app: Flask) -> None:
    from partnership.caching import cache

    with app.app_context():
        cache.clear()
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    yield
    _empty_all_tables(app)


@pytest.fixture()
def db(app: Flask):  # noqa: ANN201
    """The database handle. Tests open ``with app.app_context():`` around their own queries, so
    that each test-client request runs in an app context of its own, as in production."""
    return _db


def _saved(app: Flask, *objects):  # noqa: ANN001, ANN202
    """Commit ``objects`` and hand them back detached, with their columns loaded."""
    with app.app_context():
        for obj in objects:
            _db.session.add(obj)
        _db.session.commit()
        for obj in objects:
            _db.session.refresh(obj)
        _db.session.expunge_all()
        _db.session.remove()
    return objects[0] if len(objects) == 1 else objects


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# ---- factories ---------------------------------------------------------------------------------

_seq = itertools.count(1)


@pytest.fixture()
def make_org(app) -> Callable:  # noqa: ANN001
    from partnership.organisations.models import Organisation, OrganisationKind

    def make(kind: str = "ngo", name: str | None = None, command=None, **extra):  # noqa: ANN001, ANN003, ANN202
        kind_enum = OrganisationKind(kind)
        with app.app_context():
            label = str(kind_enum.label)
        org = Organisation(
            kind=kind_enum,
            name=name or f"{label} {next(_seq)}",
            country=extra.pop("country", "KE"),
            city=extra.pop("city", "Mombasa"),
            command_id=command.id if command is not None else None,
            target_visit_days=extra.pop(
                "target_visit_days", 90 if kind in ("police_station", "police_post") else None
            ),
            **extra,
        )
        return _saved(app, org)

    return make


@pytest.fixture()
def make_user(app) -> Callable:  # noqa: ANN001
    from partnership.accounts.models import User
    from partnership.accounts.services import hash_password
    from partnership.roles import Role

    def make(role: str, organisation, email: str | None = None, **extra):  # noqa: ANN001, ANN003, ANN202
        with app.app_context():
            password_hash = hash_password(extra.pop("password", PASSWORD))
        user = User(
            email=email or f"{role}{next(_seq)}@test.example",
            name=extra.pop("name", f"Test {role}"),
            role=Role(role),
            organisation_id=organisation.id,
            password_hash=password_hash,
            **extra,
        )
        return _saved(app, user)

    return make


@pytest.fixture()
def make_person(app) -> Callable:  # noqa: ANN001
    from partnership.organisations.models import Person, PersonKind, Posting

    def make(kind: str = "officer", organisation=None, name: str | None = None, **extra):  # noqa: ANN001, ANN003, ANN202
        posted_since = extra.pop("posted_since", date.today() - timedelta(days=365))
        person = Person(
            kind=PersonKind(kind),
            name=name or f"Person {next(_seq)}",
            organisation_id=organisation.id if organisation is not None else None,
            **extra,
        )
        if person.kind is PersonKind.OFFICER and organisation is not None:
            person.postings.append(Posting(station_id=organisation.id, start_date=posted_since))
        return _saved(app, person)

    return make


@dataclass
class World:
    """A small programme: two commands, three stations, an NGO and one account per role.

    The officer account belongs to ``station_a``; ``station_b`` is under the same command and
    ``station_c`` under another: the officer may see neither.
    """

    command: object
    other_command: object
    station_a: object
    station_b: object
    station_c: object
    ngo: object
    users: dict


@pytest.fixture()
def world(make_org, make_user) -> World:  # noqa: ANN001
    command = make_org("police_command", "Coast Command")
    other = make_org("police_command", "Inland Command", city="Nairobi")
    a = make_org("police_station", "Alpha Police Station", command=command)
    b = make_org("police_station", "Bravo Police Station", command=command)
    c = make_org("police_station", "Charlie Police Station", command=other, city="Nairobi")
    ngo = make_org("ngo", "Harbour Harm Reduction")
    users = {
        "admin": make_user("admin", ngo, email="admin@test.example"),
        "coordinator": make_user("coordinator", ngo, email="coordinator@test.example"),
        "trainer": make_user("trainer", ngo, email="trainer@test.example"),
        "officer": make_user("officer", a, email="officer@test.example"),
        "viewer": make_user("viewer", ngo, email="viewer@test.example"),
    }
    return World(command, other, a, b, c, ngo, users)


def login(client: FlaskClient, email: str, password: str = PASSWORD):  # noqa: ANN201
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture()
def login_as(app: Flask, world: World) -> Callable[[str], FlaskClient]:
    """A fresh client signed in with the world's account for ``role``."""

    def signed_in(role: str) -> FlaskClient:
        c = app.test_client()
        response = login(c, world.users[role].email)
        assert response.status_code == 302, response.data
        return c

    return signed_in


@pytest.fixture()
def admin_client(login_as) -> FlaskClient:  # noqa: ANN001
    return login_as("admin")


@pytest.fixture()
def coordinator_client(login_as) -> FlaskClient:  # noqa: ANN001
    return login_as("coordinator")


@pytest.fixture()
def trainer_client(login_as) -> FlaskClient:  # noqa: ANN001
    return login_as("trainer")


@pytest.fixture()
def officer_client(login_as) -> FlaskClient:  # noqa: ANN001
    return login_as("officer")


@pytest.fixture()
def viewer_client(login_as) -> FlaskClient:  # noqa: ANN001
    return login_as("viewer")


# ---- query counting ----------------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture()
def count_queries(app: Flask) -> Callable:
    """``with count_queries() as counter: ...`` counts the SQL statements run inside."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        with app.app_context():
            engine = _db.engine

        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if not re.match(
                r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA|SAVEPOINT|RELEASE)", statement, re.I
            ):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


# ---- forms with CSRF ---------------------------------------------------------------------------


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


# ---- problem-solving loop ----------------------------------------------------------------------


@pytest.fixture()
def make_concern(app) -> Callable:  # noqa: ANN001
    from partnership.actions.models import Concern, ConcernCategory, ConcernStatus, ConsentScope

    def make(station, **extra):  # noqa: ANN001, ANN003, ANN202
        occurred_on = extra.pop("occurred_on", date.today() - timedelta(days=3))
        concern = Concern(
            category=ConcernCategory(extra.pop("category", "confiscation")),
            station_id=station.id,
            occurred_on=occurred_on,
            occurred_month=occurred_on.strftime("%Y-%m"),
            place=extra.pop("place", "Old Town hotspot"),
            summary=extra.pop("summary", "Syringes taken from clients at the hotspot."),
            restricted_details=extra.pop("restricted_details", ""),
            consent_scope=ConsentScope(extra.pop("consent_scope", "individual_help")),
            status=ConcernStatus(extra.pop("status", "open")),
            **extra,
        )
        return _saved(app, concern)

    return make


@pytest.fixture()
def make_action_point(app) -> Callable:  # noqa: ANN001
    from partnership.actions.models import ActionPoint, ActionStatus, Priority, Side

    def make(station, **extra):  # noqa: ANN001, ANN003, ANN202
        concerns = extra.pop("concerns", [])
        done_side = extra.pop("done_side", None)
        point = ActionPoint(
            title=extra.pop("title", "Stop confiscating syringes at the hotspot"),
            station_id=station.id,
            due_on=extra.pop("due_on", date.today() + timedelta(days=10)),
            priority=Priority(extra.pop("priority", "normal")),
            status=ActionStatus(extra.pop("status", "open")),
            done_side=Side(done_side) if done_side else None,
            **extra,
        )
        if concerns:
            from partnership.actions.models import Concern

            with app.app_context():
                point.concerns = [_db.session.get(Concern, c.id) for c in concerns]
                _db.session.add(point)
                _db.session.commit()
                _db.session.refresh(point)
                _db.session.expunge_all()
                _db.session.remove()
            return point
        return _saved(app, point)

    return make

"""Compiled templates kept on disk (partnership/templating.py): a new worker loads them instead of
compiling them, a template edited in development is still picked up, and the folder is private."""

from __future__ import annotations

import gc
import os
import stat
from pathlib import Path

import jinja2
import pytest
from flask import Blueprint, Flask, render_template

from partnership import create_app, templating
from partnership.config import TestConfig


def _new_app(folder: Path, **config: object) -> Flask:
    """A new application (as a new worker process builds it) keeping compiled templates in
    ``folder``; by default as a production server (neither debug nor testing)."""
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    settings |= {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": False,
                 "TEMPLATE_BYTECODE_DIR": str(folder)}  # fmt: skip
    return create_app(settings | config)


@pytest.fixture(autouse=True)
def _unfreeze() -> object:
    """A production app sets every object of the test process aside from the garbage
    collector: give them back after each test."""
    yield
    gc.unfreeze()


@pytest.fixture()
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from their source from now on."""
    compiled: list[str] = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # noqa: ANN001, ANN202, FBT002
        compiled.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return compiled


def _kept(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{templating.PREFIX}*.cache"))


def test_the_suite_keeps_compiled_templates_in_a_private_instance_folder(app):
    folder = Path(app.instance_path) / "jinja-bytecode"
    cache = app.jinja_env.bytecode_cache
    assert isinstance(cache, jinja2.FileSystemBytecodeCache)
    assert Path(cache.directory) == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_new_worker_loads_every_template_compiled_by_the_first(tmp_path, compilations):
    folder = tmp_path / "bytecode"
    first = _new_app(folder)
    every = first.jinja_env.list_templates()
    assert len(every) > 100
    # A production server loads every template when it starts: the first compiles them all...
    assert sorted(compilations) == sorted(every)
    assert len(_kept(folder)) == len(every)
    assert len(first.jinja_env.cache) == len(every)
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in _kept(folder))
    # ... and what start-up made is left out of every later garbage collection.
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
    compilations.clear()
    # ... the next one (another worker, a worker started again) compiles none of them.
    second = _new_app(folder)
    assert compilations == []
    assert len(second.jinja_env.cache) == len(every)
    with second.test_request_context("/login"):
        page = render_template("errors/404.html")
    with first.test_request_context("/login"):
        assert page == render_template("errors/404.html")


def test_tests_and_debug_load_templates_when_used(app, tmp_path, compilations):
    debug = _new_app(tmp_path / "bytecode", DEBUG=True)
    assert debug.jinja_env.auto_reload
    assert compilations == []
    assert len(debug.jinja_env.cache) == 0
    assert gc.get_freeze_count() == 0


def test_a_template_edited_in_development_is_picked_up(tmp_path, compilations):
    folder = tmp_path / "bytecode"
    templates = tmp_path / "templates"
    templates.mkdir()
    probe = templates / "probe_edited.html"
    probe.write_text("first text", encoding="utf-8")

    def debug_app() -> Flask:
        application = _new_app(folder, DEBUG=True)
        application.register_blueprint(Blueprint("probe", __name__, template_folder=templates))
        return application

    development = debug_app()
    with development.test_request_context("/"):
        assert render_template("probe_edited.html") == "first text"
        probe.write_text("edited text", encoding="utf-8")
        later = probe.stat().st_mtime + 5
        os.utime(probe, (later, later))
        assert render_template("probe_edited.html") == "edited text"
    assert compilations.count("probe_edited.html") == 2
    # Started again (the reloader), it shows the edited text, not the first one kept.
    with debug_app().test_request_context("/"):
        assert render_template("probe_edited.html") == "edited text"


def test_compiled_code_of_another_release_or_setting_is_never_loaded(tmp_path):
    folder = tmp_path / "bytecode"
    first = _new_app(folder, WARM_AT_START=False)
    stamp = templating.fingerprint(first.jinja_env)
    assert first.jinja_env.bytecode_cache.pattern.startswith(f"{templating.PREFIX}{stamp}_")
    first.jinja_env.newstyle_gettext = False  # compiles {% trans %} into other code
    assert templating.fingerprint(first.jinja_env) != stamp
    first.jinja_env.newstyle_gettext = True
    assert templating.fingerprint(first.jinja_env) == stamp
    stale = folder / f"{templating.PREFIX}0123456789abcdef_{'0' * 40}.cache"
    stale.write_bytes(b"old release")
    _new_app(folder, WARM_AT_START=False)
    assert not stale.exists()


def test_a_folder_others_may_write_to_is_made_private(tmp_path):
    folder = tmp_path / "bytecode"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    application = _new_app(folder, WARM_AT_START=False)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert application.jinja_env.bytecode_cache is not None


@pytest.mark.skipif(os.getuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_of_another_user_is_not_used(tmp_path):
    folder = tmp_path / "bytecode"
    folder.mkdir(mode=0o777)
    os.chown(folder, 65534, 65534)
    folder.chmod(0o777)
    application = _new_app(folder, WARM_AT_START=False)
    assert application.jinja_env.bytecode_cache is None
    with application.test_request_context("/login"):
        render_template("errors/404.html")
    assert _kept(folder) == []

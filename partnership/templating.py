"""Compiled templates kept on disk, so that a worker (a new one after a deploy, or one gunicorn
started again) does not parse and compile every template on its first requests.

Jinja's own ``FileSystemBytecodeCache`` keeps each template's compiled code in
``instance/jinja-bytecode/``. Jinja serves a kept file only while it was compiled from the same
source text (a checksum of the template is stored with it) by the same Python; the file names here
also carry a fingerprint of the release's code and templates (``caching.release``), the Jinja
version and the environment's options and extensions (whose code shapes the compiled code), so a
deploy or a change of settings never loads code compiled for something else. Files of any other
fingerprint are removed when the app starts.

A template edited while the development server runs is still picked up: in debug Jinja checks
each template's file on every use (``auto_reload``), and its new text misses the kept code.

Outside debug and tests every template is loaded when the app is created (``warm_templates``,
called by the factory): from the kept code that takes a fraction of a second; the first process
of a release (``flask db upgrade`` of the deploy, or the first worker) compiles them and keeps
them for the others.

The folder is created readable and writable by the app's own user only (0700): Jinja runs what
it loads from there, so a folder others may write to is refused and the cache left off.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import stat
from pathlib import Path

from flask import Flask
from jinja2 import Environment, FileSystemBytecodeCache, TemplateError

from partnership.caching import release

log = logging.getLogger(__name__)

FOLDER = "jinja-bytecode"
PREFIX = "__jinja2_"


def init_app(app: Flask) -> None:
    """Keep compiled templates in the instance folder (once the environment has all its
    extensions)."""
    if not app.config.get("TEMPLATE_BYTECODE_CACHE", True):
        return
    env = app.jinja_env
    folder = Path(app.config.get("TEMPLATE_BYTECODE_DIR") or Path(app.instance_path) / FOLDER)
    if not _private_folder(folder):
        log.warning("compiled templates are not kept: %s is not private to this user", folder)
        return
    stamp = fingerprint(env)
    env.bytecode_cache = FileSystemBytecodeCache(str(folder), f"{PREFIX}{stamp}_%s.cache")
    _remove_other_releases(folder, stamp)


def fingerprint(env: Environment) -> str:
    """What the compiled code of a template depends on besides its own text and Python's
    version (which Jinja checks itself)."""
    options = (
        release(),
        importlib.metadata.version("jinja2"),
        sorted(
            (type(e).__module__, type(e).__qualname__, _version_of(type(e).__module__))
            for e in env.extensions.values()
        ),
        env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
        env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
        env.is_async, getattr(env, "newstyle_gettext", None),
        getattr(env.autoescape, "__qualname__", env.autoescape),
    )  # fmt: skip
    return hashlib.blake2b(repr(options).encode(), digest_size=8).hexdigest()


def warm_templates(env: Environment) -> int:
    """Load every template into the environment (and the kept compiled code); returns how many.
    A template that does not compile is left to fail on its page, as without this."""
    loaded = 0
    for name in env.list_templates():
        try:
            env.get_template(name)
        except TemplateError as error:
            log.warning("template %s does not compile: %s", name, error)
        else:
            loaded += 1
    return loaded


def _version_of(module: str) -> str:
    try:
        return importlib.metadata.version(module.partition(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return ""  # our own code: in the release's fingerprint


def _private_folder(folder: Path) -> bool:
    """Create the folder owner-only (0700) if missing, or make it so if this user owns it; True
    when it is then a directory owned by this user that no one else may read or write."""
    try:
        folder.mkdir(mode=stat.S_IRWXU, parents=True, exist_ok=True)
        info = folder.lstat()
        ours = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
        if ours and stat.S_IMODE(info.st_mode) != stat.S_IRWXU:
            folder.chmod(stat.S_IRWXU)  # made by hand, or under a lax umask
            info = folder.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and stat.S_IMODE(info.st_mode) == stat.S_IRWXU
    )


def _remove_other_releases(folder: Path, stamp: str) -> None:
    """Compiled code of other releases or settings is never loaded again: remove it. (A worker
    of the old release still running compiles again what it misses.)"""
    keep = f"{PREFIX}{stamp}_"
    for path in folder.glob(f"{PREFIX}*"):
        if not path.name.startswith(keep):
            path.unlink(missing_ok=True)

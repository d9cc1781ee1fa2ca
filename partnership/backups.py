"""Backups and restores: the database, the module materials and the secret key in one archive.

The archive is a gzip'd tar holding ``MANIFEST.json`` (what was backed up, when, from which schema
revision, and the SHA-256 and size of every other member) and the members themselves:

- ``database.sqlite3``: a consistent copy made with SQLite's online backup API, which reads
  through the database's own pager, so rows still in the write-ahead log are included and
  writers may go on meanwhile; or ``database.pgdump``: ``pg_dump --format=custom`` (one
  snapshot transaction) when the database is PostgreSQL;
- ``materials/...``: the module materials kept under ``instance/materials/``;
- ``secret_key``: the generated key in ``instance/`` (absent when SECRET_KEY comes from the
  environment; the deployment keeps that one).

A ``.sha256`` file next to the archive lets a copy be checked with ``sha256sum -c``. A restore
checks the archive's checksum and every member against the manifest before it changes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL

from partnership.extensions import db

FORMAT = 1
MANIFEST = "MANIFEST.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
SECRET_MEMBER = "secret_key"  # noqa: S105 - a file name, not a secret
MATERIALS = "materials"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in words."""


@dataclass
class BackupResult:
    path: Path
    sha256: str
    files: int
    database: str


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine_url() -> URL:
    return db.engine.url


def _pg_env(url: URL) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore; the password goes in the environment, never on
    the command line where other users of the machine could read it."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[key] = value
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603 - fixed pg_* argv
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed; install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client)."
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()}") from exc


def _schema_revision() -> str:
    try:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    except Exception:  # noqa: BLE001 - a database without migrations still backs up
        return ""


def _dump_database(folder: Path) -> tuple[Path, str]:
    url = _engine_url()
    if url.get_backend_name() == "sqlite":
        target = folder / SQLITE_MEMBER
        source = sqlite3.connect(url.database or "")
        dest = sqlite3.connect(target)
        try:
            # Copies all pages in one step under a read transaction: one consistent snapshot,
            # WAL content included; writers go on in WAL mode meanwhile.
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target, "sqlite"
    if url.get_backend_name() == "postgresql":
        target = folder / PG_MEMBER
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            _pg_env(url),
        )
        return target, "postgresql"
    raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")


def _instance_files(instance: Path) -> Iterator[tuple[str, Path]]:
    secret = instance / SECRET_MEMBER
    if secret.is_file():
        yield SECRET_MEMBER, secret
    materials = instance / MATERIALS
    if materials.is_dir():
        for path in sorted(materials.rglob("*")):
            if path.is_file():
                yield f"{MATERIALS}/{path.relative_to(materials).as_posix()}", path


def create_backup(output: Path) -> BackupResult:
    """Write a backup archive into ``output`` (a folder) and its ``.sha256`` beside it."""
    instance = Path(current_app.instance_path)
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    archive = output / f"partnership-backup-{stamp}.tar.gz"
    n = 1
    while archive.exists():
        n += 1
        archive = output / f"partnership-backup-{stamp}-{n}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="partnership-backup-") as tmp:
        dump, kind = _dump_database(Path(tmp))
        members: list[tuple[str, Path]] = [(dump.name, dump), *_instance_files(instance)]
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": kind,
            "schema_revision": _schema_revision(),
            "files": {
                name: {"sha256": _sha256_file(path), "size": path.stat().st_size}
                for name, path in members
            },
        }
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(body))
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        partial.chmod(0o600)  # it holds the secret key and personal data
        partial.replace(archive)
    checksum = _sha256_file(archive)
    Path(f"{archive}.sha256").write_text(f"{checksum}  {archive.name}\n")
    return BackupResult(archive, checksum, len(members), kind)


def verify_archive(archive: Path, folder: Path) -> dict:
    """Check the archive and unpack it into ``folder``; raise BackupError on any damage."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    sidecar = Path(f"{archive}.sha256")
    if sidecar.is_file():
        expected = sidecar.read_text().split()[0] if sidecar.read_text().strip() else ""
        if expected != _sha256_file(archive):
            raise BackupError(
                f"The archive's checksum does not match {sidecar.name}: the file is damaged."
            )
    try:
        with tarfile.open(archive, "r:gz") as tar:
            names = tar.getnames()
            if MANIFEST not in names:
                raise BackupError("The archive has no manifest: it is not a backup of this app.")
            # The "data" filter refuses absolute paths, links out of the folder and devices.
            tar.extractall(folder, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"The archive cannot be read ({exc}): the file is damaged.") from exc
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("The archive's manifest cannot be read: the file is damaged.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    unpacked = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    if unpacked != set(files):
        raise BackupError("The archive's files do not match its manifest: the file is damaged.")
    for name, meta in files.items():
        if _sha256_file(folder / name) != meta["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the archive is damaged.")
    return manifest


def restore_backup(archive: Path) -> dict:
    """Replace the database, the materials and the secret key with the archive's."""
    instance = Path(current_app.instance_path)
    with tempfile.TemporaryDirectory(prefix="partnership-restore-") as tmp:
        folder = Path(tmp)
        manifest = verify_archive(archive, folder)
        _restore_database(folder, manifest["database"])
        _restore_materials(folder, instance)
        if (folder / SECRET_MEMBER).is_file():
            target = instance / SECRET_MEMBER
            shutil.copyfile(folder / SECRET_MEMBER, target)
            target.chmod(0o600)
    return manifest


def _restore_database(folder: Path, kind: str) -> None:
    url = _engine_url()
    backend = url.get_backend_name()
    if kind != backend:
        raise BackupError(
            f"The archive holds a {kind} database but this server uses {backend}; "
            "restore it on a server configured for the same database."
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps an old view of the data
    if backend == "sqlite":
        source = sqlite3.connect(folder / SQLITE_MEMBER)
        dest = sqlite3.connect(url.database or "", timeout=30)
        try:
            # The backup API writes through the live database's own pager and WAL, so running
            # processes see the restored data at their next transaction.
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", f"--dbname={url.database}", str(folder / PG_MEMBER)],
        _pg_env(url),
    )  # fmt: skip


def _restore_materials(folder: Path, instance: Path) -> None:
    source = folder / MATERIALS
    target = instance / MATERIALS
    staged = instance / f".{MATERIALS}-restoring"
    shutil.rmtree(staged, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, staged)
    else:
        staged.mkdir()
    old = instance / f".{MATERIALS}-old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.replace(old)
    staged.replace(target)
    shutil.rmtree(old, ignore_errors=True)

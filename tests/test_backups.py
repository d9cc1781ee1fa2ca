"""`flask backup` and `flask restore`: a consistent online backup while users write, checked by
SHA-256, restored round trip; a damaged archive is refused and changes nothing.

Runs on the suite's database: SQLite, or PostgreSQL (pg_dump/pg_restore) under TEST_DATABASE_URL.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.organisations.models import Organisation


def _names(app) -> set[str]:  # noqa: ANN001
    with app.app_context():
        return set(db.session.scalars(select(Organisation.name)))


def _backup(app, folder: Path) -> Path:  # noqa: ANN001
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    archives = sorted(folder.glob("*.tar.gz"))
    assert len(archives) == 1
    return archives[0]


def _restore(app, archive: Path):  # noqa: ANN001, ANN202
    return app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])


@pytest.fixture()
def instance(app) -> Path:  # noqa: ANN001
    folder = Path(app.instance_path)
    materials = folder / "materials"
    materials.mkdir(parents=True, exist_ok=True)
    (materials / "7").mkdir(exist_ok=True)
    (materials / "7" / "handout.pdf").write_bytes(b"%PDF-1.4 module handout")
    (folder / "secret_key").write_text("the-instance-secret")
    yield folder
    import shutil

    shutil.rmtree(materials, ignore_errors=True)
    (folder / "secret_key").unlink(missing_ok=True)


def test_backup_while_users_write_then_restore_round_trip(app, make_org, instance, tmp_path):
    for i in range(20):
        make_org(name=f"Before {i}")
    committed: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        i = 0
        try:
            while not stop.is_set():
                make_org(name=f"During {i}")
                committed.append(f"During {i}")
                i += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(committed) < 5:  # the writer is busy when the backup starts
        threading.Event().wait(0.01)
    before_backup = set(committed)
    archive = _backup(app, tmp_path / "backups")
    stop.set()
    thread.join()
    assert not errors

    # The archive: a manifest with a SHA-256 per member, a checksum file beside it.
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert set(manifest["files"]) >= {"secret_key", "materials/7/handout.pdf"}
    assert all(len(meta["sha256"]) == 64 for meta in manifest["files"].values())
    assert Path(f"{archive}.sha256").read_text().split()[1] == archive.name

    # Users go on: records are added and removed, materials and the key change.
    make_org(name="After the backup")
    with app.app_context():
        db.session.execute(db.delete(Organisation).where(Organisation.name == "Before 3"))
        db.session.commit()
    (instance / "materials" / "7" / "handout.pdf").unlink()
    (instance / "materials" / "stray.txt").write_text("added later")
    (instance / "secret_key").write_text("changed")

    result = _restore(app, archive)
    assert result.exit_code == 0, result.output
    names = _names(app)
    assert {f"Before {i}" for i in range(20)} <= names  # the deleted one is back
    assert before_backup <= names  # every write committed before the backup began is there
    assert "After the backup" not in names
    assert names <= {f"Before {i}" for i in range(20)} | set(committed)
    assert (instance / "materials" / "7" / "handout.pdf").read_bytes() == (
        b"%PDF-1.4 module handout"
    )
    assert not (instance / "materials" / "stray.txt").exists()
    assert (instance / "secret_key").read_text() == "the-instance-secret"
    # The restored database takes new writes.
    make_org(name="Written after the restore")
    assert "Written after the restore" in _names(app)


def test_a_damaged_archive_is_refused_and_nothing_changes(app, make_org, instance, tmp_path):
    make_org(name="Kept")
    archive = _backup(app, tmp_path / "backups")
    make_org(name="Newer")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))

    result = _restore(app, archive)
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output and "damaged" in result.output
    assert {"Kept", "Newer"} <= _names(app)


def test_a_member_changed_inside_the_archive_is_refused(app, make_org, instance, tmp_path):
    """Without the .sha256 beside it, the manifest's checksums still catch a changed file."""
    make_org(name="Kept")
    archive = _backup(app, tmp_path / "backups")
    Path(f"{archive}.sha256").unlink()
    rebuilt = io.BytesIO()
    with tarfile.open(archive) as src, tarfile.open(fileobj=rebuilt, mode="w:gz") as dst:
        for member in src.getmembers():
            body = src.extractfile(member).read()
            if member.name == "materials/7/handout.pdf":
                body = b"%PDF-1.4 tampered"
                member.size = len(body)
            dst.addfile(member, io.BytesIO(body))
    archive.write_bytes(rebuilt.getvalue())
    (instance / "materials" / "7" / "handout.pdf").write_bytes(b"current")

    result = _restore(app, archive)
    assert result.exit_code != 0
    assert "handout.pdf does not match its checksum" in result.output
    assert (instance / "materials" / "7" / "handout.pdf").read_bytes() == b"current"


def test_not_a_backup_is_refused(app, instance, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(gzip.compress(b"not a tar file at all"))
    result = _restore(app, junk)
    assert result.exit_code != 0 and "damaged" in result.output


def test_backup_of_an_empty_programme_restores_to_empty(app, make_org, tmp_path):
    archive = _backup(app, tmp_path / "backups")
    make_org(name="Later")
    assert _restore(app, archive).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0

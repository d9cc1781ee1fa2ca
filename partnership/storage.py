"""When the server cannot write: a full disk, read-only storage, a database that cannot be opened.

``storage_problem`` names the cause of a failed write in words for the administrator's log
(the user is told only that nothing was saved and to try again later). ``check_storage`` runs
when the application starts and refuses to start with one clear line instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

# Words in the driver's message -> the cause named in the log.
_DATABASE_CAUSES = (
    ("database or disk is full", "the disk holding the database is full"),
    ("no space left on device", "the disk holding the database is full"),
    ("could not extend file", "the disk holding the database is full"),
    ("disk quota exceeded", "the disk quota of the database is used up"),
    ("attempt to write a readonly database", "the database is read-only"),
    ("read-only file system", "the database is on read-only storage"),
    ("read-only transaction", "the database accepts no writes (read-only server)"),
    ("disk i/o error", "the disk holding the database failed to write (disk I/O error)"),
    ("unable to open database file", "the database file cannot be opened"),
    ("database is locked", "another process held the database's write lock for too long"),
)

_OS_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the storage is read-only",
    errno.EACCES: "the server may not write there (permissions)",
    errno.EPERM: "the server may not write there (permissions)",
    errno.EIO: "the disk failed to write (I/O error)",
}


class _WriteWorked(Exception):
    """Leaves the start-up check's test write uncommitted."""


class StorageUnavailable(Exception):
    """Raised where code wants to say "cannot save right now" with its cause."""


def storage_problem(exc: BaseException) -> str | None:
    """The cause, in words, when ``exc`` means the server cannot write; otherwise None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageUnavailable):
            return str(current)
        if isinstance(current, OSError) and current.errno in _OS_CAUSES:
            where = f" ({current.filename})" if current.filename else ""
            return f"{_OS_CAUSES[current.errno]}{where}: {current.strerror or current}"
        if isinstance(current, (DBAPIError, SQLAlchemyError)) or type(
            current
        ).__module__.startswith(("sqlite3", "psycopg")):
            message = str(getattr(current, "orig", None) or current).lower()
            for words, cause in _DATABASE_CAUSES:
                if words in message:
                    return cause
        current = current.__cause__ or current.__context__
    return None


def instance_problem(instance: Path) -> str | None:
    try:
        instance.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check-", dir=instance)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        cause = _OS_CAUSES.get(exc.errno or 0, exc.strerror or str(exc))
        return f"the instance folder {instance} cannot be written: {cause}"
    return None


def database_problem() -> str | None:
    """Open the database and, on SQLite, ask for the write lock (opening a read-only file
    succeeds; writing to it does not). Called inside an app context."""
    from partnership.database import write_transaction
    from partnership.extensions import db

    try:
        with write_transaction(wait_ms=200) as conn:
            conn.execute(text("SELECT 1"))
            if conn.dialect.name == "sqlite":
                # A read-only file opens and even takes the lock; only a write shows it. The
                # header field is written back unchanged, and the transaction rolled back.
                version = conn.exec_driver_sql("PRAGMA user_version").scalar()
                conn.exec_driver_sql(f"PRAGMA user_version={int(version or 0)}")
                raise _WriteWorked
    except _WriteWorked:
        return None
    except SQLAlchemyError as exc:
        cause = storage_problem(exc) or str(getattr(exc, "orig", None) or exc).splitlines()[0]
        if "locked" in cause:
            return None  # another process is writing: the database works
        url = db.engine.url.render_as_string(hide_password=True)
        return f"the database {url} cannot be used: {cause}"
    return None


def check_storage(instance_path: str) -> str | None:
    """What stops the server from saving anything, or None when it can start."""
    return instance_problem(Path(instance_path)) or database_problem()

"""Configuration read from the environment, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def load_or_create_secret_key(instance_path: str) -> str:
    """The secret key from SECRET_KEY, or one generated once and kept in instance/."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions; another process may win the race, so re-read.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    except FileExistsError:
        pass
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    DATABASE_URL = os.environ.get("DATABASE_URL", "")
    SQLALCHEMY_RECORD_QUERIES = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure cookies and HSTS when served over HTTPS (set by the deployment).
    HTTPS = _bool("HTTPS", False)
    SESSION_COOKIE_NAME = "pm_session"
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    # Module materials (uploaded files kept under instance/materials/): the largest accepted.
    MATERIAL_MAX_BYTES = _int("MATERIAL_MAX_BYTES", 8 * 1024 * 1024)
    IDLE_TIMEOUT_MINUTES = _int("IDLE_TIMEOUT_MINUTES", 30)
    SESSION_LIFETIME_HOURS = _int("SESSION_LIFETIME_HOURS", 12)
    # How often a session's activity time is written to the database (the exact time of the
    # last request travels in the signed cookie, so the idle timeout does not depend on it).
    SESSION_ACTIVITY_SECONDS = _int("SESSION_ACTIVITY_SECONDS", 60)
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 10)
    LOGIN_WINDOW_MINUTES = _int("LOGIN_WINDOW_MINUTES", 15)
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    PER_PAGE = _int("PER_PAGE", 25)
    # How deep a list may be paged; deeper, the page points to the filters and the download.
    LIST_MAX_PAGES = _int("LIST_MAX_PAGES", 100)
    # Longest list downloaded at once; a longer one is built by the queue consumer
    # (partnership/jobs/exports.py) and its page offers the file when it is written.
    EXPORT_DIRECT_MAX_ROWS = _int("EXPORT_DIRECT_MAX_ROWS", 1_000)
    # How long a download built in the background is kept (it may hold client codes).
    EXPORT_KEEP_HOURS = _int("EXPORT_KEEP_HOURS", 24)
    # The most rows of an Excel download: an Excel sheet holds 1,048,576 rows with its header.
    XLSX_MAX_ROWS = _int("XLSX_MAX_ROWS", 1_048_575)
    REFERRAL_DIRECTORY_STALE_DAYS = _int("REFERRAL_DIRECTORY_STALE_DAYS", 180)
    BABEL_DEFAULT_LOCALE = "en"
    # How dates and numbers are written for English readers: en_KE (6 Apr 2026, 06/04/2026,
    # 24-hour clock); en_GB writes them the same way for programmes outside Kenya.
    ENGLISH_LOCALE = os.environ.get("ENGLISH_LOCALE", "en_KE")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Africa/Nairobi")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)
    # Open action points overdue this many days escalate to the command's senior officers.
    ESCALATION_DAYS = _int("ESCALATION_DAYS", 14)
    # The reminder digest lists open points due within this many days.
    REMINDER_DUE_DAYS = _int("REMINDER_DUE_DAYS", 7)
    # Outgoing mail (the reminder digest), through an SMTP server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "partnership-manager@localhost")
    # Notification emails (sent by the queue consumer); off, the app still lists them.
    NOTIFICATION_EMAILS = _bool("NOTIFICATION_EMAILS", True)
    NOTIFICATION_EMAIL_ATTEMPTS = _int("NOTIFICATION_EMAIL_ATTEMPTS", 5)
    NOTIFICATION_KEEP_DAYS = _int("NOTIFICATION_KEEP_DAYS", 365)
    # Imports (CSV/xlsx): the largest file, the most a workbook may unpack to (zip bombs), and
    # the most rows and columns; checked before rows are read.
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    IMPORT_MAX_UNPACKED_BYTES = _int("IMPORT_MAX_UNPACKED_BYTES", 60 * 1024 * 1024)
    # Rows are checked against lookups loaded once and written in bulk: 20,000 slips import in
    # seconds, well inside gunicorn's 30 s timeout (python -m partnership.bench.imports); a
    # larger file is refused with a message to split it.
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 20_000)
    IMPORT_MAX_COLUMNS = _int("IMPORT_MAX_COLUMNS", 60)
    # Background jobs: a consumer building a job proves it is alive this often (a job silent for
    # longer has lost its consumer); such a job is started again at most this many times, and a
    # job nothing has worked on for this long is given up and its page says so.
    JOB_LEASE_SECONDS = _int("JOB_LEASE_SECONDS", 120)
    JOB_MAX_ATTEMPTS = _int("JOB_MAX_ATTEMPTS", 3)
    JOB_GIVE_UP_MINUTES = _int("JOB_GIVE_UP_MINUTES", 30)
    # How long a password-reset link sent by email works.
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 60)
    # The address of the site, for links in emails.
    BASE_URL = os.environ.get("BASE_URL", "")
    # Bench only (make bench): count SQL statements per request into response headers.
    BENCH_COUNT_SQL = _bool("BENCH_COUNT_SQL", False)
    TESTING = False


class TestConfig(Config):
    TESTING = True
    # Pages compute their figures afresh (query budgets count the queries); the tests of the
    # cache itself switch a live one on with the ``live_cache`` fixture.
    CACHE_TYPE = "NullCache"
    CACHE_NO_NULL_WARNING = True
    WTF_CSRF_ENABLED = False
    # Cheap hashing keeps the suite fast; production parameters stay in Config.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    # No SMTP server in the suite: the notification tests start one and switch emails on.
    NOTIFICATION_EMAILS = False
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

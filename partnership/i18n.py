"""Languages: which one a request is served in, and the formats that go with it.

A person chooses a language (English, Russian or Swahili). Their choice is kept on their account
once signed in, and in a cookie on the sign-in page; before either exists the browser's
Accept-Language decides. The *language* picks the catalogue in translations/; the *formatting
locale* derived from it picks how dates, times and numbers are written (day before month for
English in Kenya, Russian conventions in Russian).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask_login import current_user

# Languages offered, each named in its own language (how a reader recognises theirs).
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "sw": "Kiswahili"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
# Cookie lifetime: a shared office computer keeps its sign-in page language for a year.
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def format_locale_for(language: str) -> str:
    """The Babel locale whose date and number conventions go with a language.

    English follows the programme's country (``ENGLISH_LOCALE``, en_KE by default: 6 Apr 2026,
    06/04/2026, 24-hour clock); Swahili as written in Kenya."""
    if language == "en":
        return current_app.config.get("ENGLISH_LOCALE", "en_KE")
    if language == "sw":
        return "sw_KE"
    return language


def normalise_language(value: str | None) -> str | None:
    """A supported language code from a user's setting or a cookie, or None."""
    if not value:
        return None
    code = value.strip().replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def request_language() -> str:
    """The language of this request: the signed-in user's choice, else the sign-in page's
    cookie, else the browser's Accept-Language, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if current_user and getattr(current_user, "is_authenticated", False):
        chosen = normalise_language(getattr(current_user, "locale", None))
        if chosen:
            return chosen
    chosen = normalise_language(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale selector: the formatting locale of the request's language (the
    catalogue is found from it: sw_KE falls back to translations/sw)."""
    return format_locale_for(request_language())


def language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


def compile_stale_catalogues(directory: str) -> list[str]:
    """Compile each translations/<lang>/LC_MESSAGES/messages.po whose .mo is missing or older.

    `make run` and `make test` do this through the Makefile; the test suite calls it too, so a
    test run straight through pytest never reads an outdated catalogue."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        tmp = mo.with_suffix(f".mo.{os.getpid()}")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)  # atomic: parallel test runs never read half a file
        compiled.append(str(mo))
    return compiled


def zone_label(zone: str, at: datetime | None = None) -> str:
    """A time zone as a reader recognises it: its city in their language and its offset from
    UTC at that moment, e.g. “Almaty, UTC+5”, “Алматы, UTC+5”, “Nairobi, UTC+3”."""
    from babel.dates import get_timezone_location
    from flask_babel import get_locale

    tz = ZoneInfo(zone)
    moment = (at or datetime.now(UTC)).astimezone(tz)
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "UTC"
    try:
        city = get_timezone_location(tz, locale=get_locale() or "en", return_city=True)
    except (LookupError, ValueError):
        city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city}, {utc}"


def user_format_locale(user: object) -> str:
    """The formatting locale of a person's chosen language (English when they chose none)."""
    return format_locale_for(normalise_language(getattr(user, "locale", None)) or DEFAULT_LANGUAGE)


def in_language_of(user: object):  # noqa: ANN201 - a context manager
    """Write something for a person other than the one making the request (an email digest, a
    file for a recipient) in that person's language: ``with in_language_of(user): ...``."""
    from flask_babel import force_locale

    return force_locale(user_format_locale(user))


def format_day(value, fmt: str = "medium") -> str:  # noqa: ANN001
    """The ``date`` filter of templates: a date or time in the request's formats, "" for none.
    A day (not a time) reads the same for every request in one language, so each is written
    once per language and format and then reused: a list page shows the same few days on
    twenty-five rows, and Babel takes as long for each of them as for the first."""
    from flask_babel import format_date, get_locale

    if not value:
        return ""
    if type(value) is date:
        return _formatted_day(value, fmt, str(get_locale()))
    return format_date(value, fmt)


@lru_cache(maxsize=4096)
def _formatted_day(value: date, fmt: str, locale: str) -> str:
    from flask_babel import format_date

    # ``locale`` is the request's: the key of what format_date writes in it.
    return format_date(value, fmt)

"""Form pieces every domain uses: the version field for optimistic locking, choice lists,
the error a service raises to put a message next to a field, and the one way a create or edit
view saves a form (``save_form``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from flask import current_app, has_request_context
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from wtforms import Field, FieldList, Form, FormField, HiddenField
from wtforms.meta import DefaultMeta
from wtforms.validators import Optional

from partnership.audit import EditConflict, check_version, conflict_entries
from partnership.extensions import db
from partnership.lifecycle import TransitionError


class FieldError(Exception):
    """A rule that only the service can check (uniqueness, dates against history)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = str(message)


def attach_field_error(form: FlaskForm, error: FieldError) -> None:
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


# The range of an id, version or count that both databases store: PostgreSQL's integer is
# 32-bit. A number outside it in a URL, a query string or a form is refused (404 or a form
# error) before it reaches a query, where SQLite overflows at 2^63 and PostgreSQL at 2^31.
MAX_INT = 2**31 - 1
# Dates outside these years break date arithmetic (9999-12-31 plus a day) and mean a typo.
MIN_YEAR, MAX_YEAR = 1900, 2200


def bounded_int(value: object, low: int = -MAX_INT, high: int = MAX_INT) -> int | None:
    """``value`` as an int when it is one within [low, high], else None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def int_or_none(value):  # noqa: ANN001, ANN201
    """Coerce a select's value to an id; the blank choice becomes None. A value that is no id
    raises ValueError, which WTForms reports as an invalid choice."""
    if value in (None, "", "None"):
        return None
    number = bounded_int(value, 1)
    if number is None:
        raise ValueError(value)
    return number


class VersionedForm(FlaskForm):
    """An edit form that remembers which version of the record the user started from."""

    version = HiddenField(validators=[Optional()])

    def loaded_version(self) -> int | None:
        return bounded_int(self.version.data, 0)


def form_data(form: FlaskForm) -> dict:
    """What the user submitted, by field name, for a service write; a form whose fields need
    filling in for the service (an end date defaulting to the start) says so in
    ``service_data()``."""
    service_data = getattr(form, "service_data", None)
    return service_data() if callable(service_data) else dict(form.data)


@dataclass
class Saved:
    """The outcome of ``save_form`` or ``save_action``: the record written, or why not."""

    ok: bool = False
    record: Any = None
    # What someone else changed meanwhile, when an edit was refused (for the conflict notice).
    conflict: list | None = None
    # Why a status change or a button's write was refused, to show the user as it is.
    refused: str | None = None


_FLUSHED = "save_form_flushed"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_FLUSHED] = True


def _commit_if_written() -> None:
    """Commit what the write did. A write that wrote nothing (it found clashes to confirm, or
    a preview to show) commits nothing, so the page keeps the records it loaded instead of
    loading each again after the commit expired them."""
    session = db.session
    if session.info.pop(_FLUSHED, False) or session.new or session.dirty or session.deleted:
        session.commit()


def save_form(
    form: FlaskForm,
    write: Callable[[dict], Any],
    record: Any = None,
    shown_at: dict[str, str] | None = None,
) -> Saved:
    """Run a service write with the form's data and commit once.

    A ``FieldError`` from the service becomes the message next to its field; for an edit
    (``record`` given, with a ``VersionedForm``), a newer version saved meanwhile (checked
    before the write, or lost at commit) becomes the conflict notice; a status change the
    record no longer allows (``TransitionError``) comes back as ``refused``. Nothing is
    half-written: any refusal rolls the whole request back."""
    try:
        if record is not None and isinstance(form, VersionedForm):
            check_version(record, form.loaded_version())
        db.session.info.pop(_FLUSHED, None)
        result = write(form_data(form))
        _commit_if_written()
    except FieldError as error:
        db.session.rollback()
        # The service's field may be typed in another one (an officer's id found by name).
        field = (shown_at or {}).get(error.field, error.field)
        attach_field_error(form, FieldError(field, error.message))
        return Saved()
    except TransitionError as error:
        db.session.rollback()
        return Saved(refused=error.message)
    except (EditConflict, StaleDataError) as exc:
        db.session.rollback()
        return Saved(conflict=conflict_entries(exc, record))
    return Saved(ok=True, record=result if result is not None else record)


def save_action(write: Callable[[], Any], record: Any = None, version: int | None = None) -> Saved:
    """The same for a button without fields: a ``FieldError`` or ``TransitionError`` comes
    back as ``refused``, for the page to flash; with ``record``, a version other than the one
    the page showed (``version``) comes back as ``conflict``. The write is committed or rolled
    back whole."""
    try:
        if record is not None:
            check_version(record, version)
        db.session.info.pop(_FLUSHED, None)
        result = write()
        _commit_if_written()
    except (FieldError, TransitionError) as error:
        db.session.rollback()
        return Saved(refused=error.message)
    except (EditConflict, StaleDataError) as exc:
        db.session.rollback()
        if record is None:
            # A button without a record to show changes of lost a race at commit: say so.
            return Saved(
                refused=_("Someone else changed this record meanwhile; nothing was saved.")
            )
        return Saved(conflict=conflict_entries(exc, record))
    return Saved(ok=True, record=result)


def form_status(form: FlaskForm, conflict: list | None = None) -> int:
    """409 for an edit conflict, 422 when the form shows errors, else 200."""
    if conflict is not None:
        return 409
    return 422 if form.errors else 200


def country_choices() -> list[tuple[str, str]]:
    locale = get_locale()
    return _country_choices(str(locale))


@lru_cache(maxsize=8)
def _country_choices(locale: str) -> list[tuple[str, str]]:
    from babel import Locale

    names = Locale.parse(locale).territories
    pairs = [(code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()]
    return sorted(pairs, key=lambda pair: pair[1])


def country_name(code: str) -> str:
    from babel import Locale

    return Locale.parse(str(get_locale())).territories.get(code, code)


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


BLANK_CHOICE = ("", _l("— choose —"))


# ---- the checks every form gets ------------------------------------------------------------------


def _walk(fields) -> Iterator:  # noqa: ANN001
    """Every field of a form, descending into FormField and FieldList."""
    for field in fields:
        if isinstance(field, FormField):
            yield from _walk(field.form)
        elif isinstance(field, FieldList):
            yield from _walk(field.entries)
        else:
            yield field


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def _field_problem(field: Field) -> str | None:
    if _has_nul(field.raw_data) or _has_nul(field.data):
        # PostgreSQL text cannot hold NUL; it is never typed by a person.
        return _("Remove the invisible NUL character from this field.")
    data = field.data
    numbers = data if isinstance(data, (list, tuple)) else [data]
    for number in numbers:
        if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_INT:
            return _("Enter a number between %(low)s and %(high)s.", low=format_decimal(-MAX_INT),
                     high=format_decimal(MAX_INT))  # fmt: skip
    if isinstance(data, (date, datetime)) and not MIN_YEAR <= data.year <= MAX_YEAR:
        return _(
            "Enter a date between the years %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR
        )
    if isinstance(field, HiddenField) and isinstance(data, str):
        text = data.strip().lstrip("-")
        if text.isdigit() and bounded_int(data) is None:
            return _("This form is out of date. Reload the page and try again.")
    return None


def check_fields(form: Form) -> bool:
    """The generic checks: no NUL in any text, every number within what the databases store,
    dates within plausible years. Errors go next to the field (hidden ones: above the form)."""
    ok = True
    for field in _walk(form):
        problem = _field_problem(field)
        if problem is None:
            continue
        ok = False
        if isinstance(field, HiddenField):
            form.form_errors.append(problem)
        else:
            field.errors = [*field.errors, problem]
    return ok


def install_form_checks() -> None:
    """Give every form (ours and those of libraries) the generic checks, once: they run after
    the form's own validators, so a field keeps its own message and gets this one as well."""
    if getattr(FlaskForm.validate, "_with_checks", False):
        return
    original = FlaskForm.validate

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        own = original(self, extra_validators=extra_validators)
        # form_errors is rebuilt by Form.validate; add ours after it.
        return check_fields(self) and own

    validate._with_checks = True  # type: ignore[attr-defined]
    FlaskForm.validate = validate  # type: ignore[method-assign]


class _WTFormsMessages:
    """WTForms' own messages ("This field is required.", "Not a valid choice.") in the
    request's language, from WTForms' catalogue. Flask-WTF reads that catalogue from disk on
    every request that builds a form (a field without a label asks for one); a catalogue does
    not change while the process runs, so each language's is read once."""

    def gettext(self, string: str) -> str:
        catalogue = _wtforms_catalogue()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = _wtforms_catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


def _wtforms_catalogue():  # noqa: ANN202
    # As Flask-WTF: no catalogue outside a request or without Flask-Babel.
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    return _wtforms_catalogue_for(str(get_locale()))


@lru_cache(maxsize=16)
def _wtforms_catalogue_for(locale: str):  # noqa: ANN202
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


WTFORMS_MESSAGES = _WTFormsMessages()


def install_form_translations() -> None:
    """Every form (ours and those of libraries) takes WTForms' messages from the catalogues
    read once per language (``_WTFormsMessages``); ``WTF_I18N_ENABLED`` off still means
    WTForms' untranslated messages, as with Flask-WTF."""
    meta = FlaskForm.Meta
    if getattr(meta.get_translations, "_kept", False):
        return
    untranslated = DefaultMeta.get_translations

    def get_translations(self, form):  # noqa: ANN001, ANN202
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return untranslated(self, form)
        return WTFORMS_MESSAGES

    get_translations._kept = True  # type: ignore[attr-defined]
    meta.get_translations = get_translations  # type: ignore[method-assign]


def select_options(choices, selected=None):  # noqa: ANN001, ANN201
    """The <option>s of a filter's select, from records or rows with ``id`` and ``name`` or
    from (value, label) pairs, the one whose value is ``selected`` marked: written in one pass,
    as a 300-station or 250-country select written by a template loop cost more than the rest
    of a list page. The options of one list of choices are written once per process; only the
    mark of the chosen one is written per call."""
    from markupsafe import Markup

    pairs = tuple(
        (choice.id, str(choice.name)) if hasattr(choice, "name") else (choice[0], str(choice[1]))
        for choice in choices
    )
    parts, positions = _written_select_options(pairs)
    try:
        chosen = positions.get(selected, ())
    except TypeError:  # an unhashable value equals no option's
        chosen = ()
    if chosen:
        parts = list(parts)
        for i in chosen:
            parts[i] = parts[i].replace('">', '" selected>', 1)
    return Markup("".join(parts))  # noqa: S704 - every value and label is escaped below


@lru_cache(maxsize=64)
def _written_select_options(
    pairs: tuple[tuple[Any, str], ...],
) -> tuple[tuple[str, ...], dict[Any, tuple[int, ...]]]:
    """Each option of ``pairs`` written (value and label escaped), and where each value is."""
    from markupsafe import escape

    parts = tuple(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in pairs
    )
    positions: dict[Any, list[int]] = {}
    for i, (value, _label) in enumerate(pairs):
        positions.setdefault(value, []).append(i)
    return parts, {value: tuple(where) for value, where in positions.items()}

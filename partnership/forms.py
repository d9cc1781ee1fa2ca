"""Form pieces every domain uses: the version field for optimistic locking, choice lists,
the error a service raises to put a message next to a field, and the one way a create or edit
view saves a form (``save_form``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import Optional

from partnership.audit import EditConflict, check_version, conflict_entries
from partnership.extensions import db


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


def int_or_none(value):  # noqa: ANN001, ANN201
    """Coerce a select's value to an id; the blank choice becomes None."""
    if value in (None, "", "None"):
        return None
    return int(value)


class VersionedForm(FlaskForm):
    """An edit form that remembers which version of the record the user started from."""

    version = HiddenField(validators=[Optional()])

    def loaded_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


def form_data(form: FlaskForm) -> dict:
    """What the user submitted, by field name, for a service write."""
    return dict(form.data)


@dataclass
class Saved:
    """The outcome of ``save_form``: the record written, or why not."""

    ok: bool = False
    record: Any = None
    # What someone else changed meanwhile, when an edit was refused (for the conflict notice).
    conflict: list | None = None


def save_form(form: FlaskForm, write: Callable[[dict], Any], record: Any = None) -> Saved:
    """Run a service write with the form's data and commit once.

    A ``FieldError`` from the service becomes the message next to its field; for an edit
    (``record`` given, with a ``VersionedForm``), a newer version saved meanwhile (checked
    before the write, or lost at commit) becomes the conflict notice. Nothing is half-written:
    any refusal rolls the whole request back."""
    try:
        if record is not None and isinstance(form, VersionedForm):
            check_version(record, form.loaded_version())
        result = write(form_data(form))
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        attach_field_error(form, error)
        return Saved()
    except (EditConflict, StaleDataError) as exc:
        db.session.rollback()
        return Saved(conflict=conflict_entries(exc, record))
    return Saved(ok=True, record=result if result is not None else record)


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

"""Form pieces every domain uses: the version field for optimistic locking, choice lists,
and the error a service raises to put a message next to a field."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional


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

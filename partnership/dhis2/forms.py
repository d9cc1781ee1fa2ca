"""Forms of the DHIS2 pages: the connection, the mapping, the period of a dry run or push."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from partnership.dhis2.models import AUTH_LABELS, PERIOD_LABELS
from partnership.dhis2.services import Period, is_uid
from partnership.forms import VersionedForm


def _check_uid(form, field) -> None:  # noqa: ANN001
    value = (field.data or "").strip()
    field.data = value
    if value and not is_uid(value):
        raise ValidationError(
            _l("A DHIS2 identifier has 11 letters and digits and starts with a letter.")
        )


class ConnectionForm(VersionedForm):
    server_url = StringField(
        _l("DHIS2 server address"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("The address DHIS2 opens at, e.g. https://dhis2.example.org (no /api)."),
    )
    auth_kind = SelectField(
        _l("Sign in with"), choices=[(k.value, str(label)) for k, label in AUTH_LABELS.items()]
    )
    username = StringField(
        _l("DHIS2 username"),
        validators=[Length(max=200)],
        description=_l("Only for a username and password."),
    )
    secret = PasswordField(
        _l("Password or personal access token"),
        validators=[Length(max=1000)],
    )
    period_type = SelectField(
        _l("Period type"), choices=[(k.value, str(label)) for k, label in PERIOD_LABELS.items()]
    )
    data_set_uid = StringField(
        _l("Data set (optional)"),
        validators=[Optional(), _check_uid],
        description=_l("The DHIS2 data set the values belong to; leave empty if not needed."),
    )

    def __init__(self, *args, secret_stored: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.secret_stored = secret_stored

    def validate_server_url(self, field) -> None:  # noqa: ANN001
        value = (field.data or "").strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(_l("Give the full address, starting with https://."))
        if parts.username or parts.password:
            # Credentials in the address would be shown and logged with it.
            raise ValidationError(
                _l("Leave the username and password out of the address; use the fields below.")
            )
        if parts.query or parts.fragment:
            raise ValidationError(_l("Give the server's address only, without ? or #."))
        field.data = value.rstrip("/")

    def validate_username(self, field) -> None:  # noqa: ANN001
        if self.auth_kind.data == "basic" and not (field.data or "").strip():
            raise ValidationError(_l("Give the DHIS2 username."))

    def validate_secret(self, field) -> None:  # noqa: ANN001
        if not field.data and not self.secret_stored:
            raise ValidationError(_l("Give the password or the personal access token."))
        if field.data and field.data != field.data.strip():
            raise ValidationError(_l("Remove the spaces at the start or the end."))


class PeriodForm(FlaskForm):
    """The period of a push (the dry run chooses it with a plain GET form)."""

    period = HiddenField(validators=[DataRequired()])

    def validate_period(self, field) -> None:  # noqa: ANN001
        if Period.parse(field.data or "") is None:
            raise ValidationError(_l("Choose a period."))


class MappingForm(FlaskForm):
    """One field per station (its organisation unit) and two per indicator (data element and
    category option combo), added for the rows on the page."""

    @classmethod
    def build(cls, stations: list, indicators: list, formdata=None, data: dict | None = None):  # noqa: ANN001, ANN206
        class Form(cls):
            pass

        for station in stations:
            setattr(Form, f"ou_{station.id}", StringField(station.name, validators=[_check_uid]))
        for ind in indicators:
            setattr(Form, f"de_{ind.key}",
                    StringField(_l("Data element"), validators=[_check_uid]))  # fmt: skip
            setattr(Form, f"coc_{ind.key}",
                    StringField(_l("Category option combo"), validators=[_check_uid]))  # fmt: skip
        form = Form(formdata=formdata, data=data or {})
        form.station_rows = stations
        form.indicator_rows = indicators
        return form

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        seen: dict[str, str] = {}
        for station in self.station_rows:
            f = self[f"ou_{station.id}"]
            if f.data and not f.errors:
                if f.data in seen:
                    f.errors.append(
                        _l(
                            "Already given to %(station)s: each station needs its own unit.",
                            station=seen[f.data],
                        )  # fmt: skip
                    )
                    ok = False
                else:
                    seen[f.data] = station.name
        pairs: dict[tuple[str, str], str] = {}
        for ind in self.indicator_rows:
            de, coc = self[f"de_{ind.key}"], self[f"coc_{ind.key}"]
            if coc.data and not de.data and not coc.errors:
                de.errors.append(_l("Give the data element too, or leave both empty."))
                ok = False
            if de.data and not de.errors and not coc.errors:
                pair = (de.data, coc.data or "")
                if pair in pairs:
                    de.errors.append(
                        _l(
                            "Already given to “%(indicator)s”: each indicator needs its own data "
                            "element or combo.",
                            indicator=pairs[pair],
                        )  # fmt: skip
                    )
                    ok = False
                else:
                    pairs[pair] = str(ind.label)
        return ok

    def station_uids(self) -> dict[int, str]:
        return {s.id: self[f"ou_{s.id}"].data or "" for s in self.station_rows}

    def indicator_uids(self) -> dict[str, tuple[str, str]]:
        return {
            i.key: (self[f"de_{i.key}"].data or "", self[f"coc_{i.key}"].data or "")
            for i in self.indicator_rows
        }


class MappingImportForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[FileRequired(message=_l("Choose a file."))],
        description=_l("Use the template: it lists every station with its ID."),
    )

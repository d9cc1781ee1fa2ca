from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from partnership.forms import (
    BLANK_CHOICE,
    VersionedForm,
    country_choices,
    int_or_none,
    timezone_choices,
)
from partnership.organisations.models import (
    ORGANISATION_KIND_LABELS,
    PERSON_KIND_LABELS,
    STATION_KINDS,
    Organisation,
)


def organisation_choices(orgs: list[Organisation]) -> list[tuple[str, str]]:
    return [BLANK_CHOICE] + [(str(o.id), o.name) for o in orgs]


class OrganisationForm(VersionedForm):
    kind = SelectField(
        _l("Kind"),
        choices=[(k.value, str(label)) for k, label in ORGANISATION_KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    reference = StringField(
        _l("Reference"),
        validators=[Optional(), Length(max=60)],
        description=_l("Your programme's code for it (e.g. a station code); used by imports."),
    )
    country = SelectField(_l("Country"), validators=[DataRequired()])
    region = StringField(_l("Region or county"), validators=[Optional(), Length(max=120)])
    city = StringField(_l("City or town"), validators=[DataRequired(), Length(max=120)])
    command_id = SelectField(
        _l("Police command"),
        coerce=int_or_none,
        description=_l("Required for police stations and posts."),
    )
    target_visit_days = IntegerField(
        _l("Target visit interval (days)"),
        validators=[Optional(), NumberRange(min=7, max=730)],
        description=_l("How often the station should have a sensitisation meeting or visit."),
    )
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Work phone"), validators=[Optional(), Length(max=60)])
    email = EmailField(_l("Work email"), validators=[Optional(), Email(), Length(max=255)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, commands: list[Organisation], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.country.choices = [BLANK_CHOICE, *country_choices()]
        self.timezone.choices = timezone_choices()
        self.command_id.choices = [("", str(_l("— none —")))] + [
            (str(c.id), c.name) for c in commands
        ]

    def validate_target_visit_days(self, field) -> None:  # noqa: ANN001
        if field.data and self.kind.data not in {k.value for k in STATION_KINDS}:
            field.data = None


class PersonForm(VersionedForm):
    kind = SelectField(
        _l("Kind"),
        choices=[(k.value, str(label)) for k, label in PERSON_KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=160)],
        description=_l("For community representatives: a chosen name or initials only."),
    )
    reference = StringField(
        _l("Reference"),
        validators=[Optional(), Length(max=60)],
        description=_l("A stable code such as a service or staff number; used by imports."),
    )
    organisation_id = SelectField(
        _l("Organisation or station"), coerce=int_or_none, validators=[Optional()]
    )
    posted_since = DateField(
        _l("Posted there since"),
        validators=[Optional()],
        description=_l("Officers: the date of their posting to this station."),
    )
    rank = StringField(_l("Rank"), validators=[Optional(), Length(max=80)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=120)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Work phone"), validators=[Optional(), Length(max=60)])
    email = EmailField(_l("Work email"), validators=[Optional(), Email(), Length(max=255)])

    def __init__(self, *args, organisations: list[Organisation], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", str(_l("— none —")))] + [
            (str(o.id), f"{o.name} ({o.kind.label})") for o in organisations
        ]


class TransferForm(VersionedForm):
    station_id = SelectField(_l("New station"), coerce=int_or_none, validators=[DataRequired()])
    transfer_date = DateField(_l("Transfer date"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=255)])

    def __init__(self, *args, stations: list[Organisation], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.station_id.choices = organisation_choices(stations)

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from meetings.models import MEETING_KIND_LABELS, MeetingKind
from partnership.forms import BLANK_CHOICE, VersionedForm, int_or_none, timezone_choices
from partnership.organisations.models import PERSON_KIND_LABELS

MEETING_ZONES = ["Africa/Nairobi", "Europe/Minsk", "Asia/Almaty", "Asia/Tbilisi", "Asia/Dushanbe"]


def zone_choices() -> list[tuple[str, str]]:
    """The programme's zones first, then every other one."""
    first = [(z, z.replace("_", " ")) for z in MEETING_ZONES]
    return first + [c for c in timezone_choices() if c[0] not in MEETING_ZONES]


class MeetingForm(VersionedForm):
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    station_ids = SelectMultipleField(
        _l("Stations involved"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one station."))],
        description=_l("Hold Ctrl (or ⌘) to choose more than one."),
    )
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    start_time = TimeField(_l("Start time"), validators=[DataRequired()])
    end_date = DateField(
        _l("End date"),
        validators=[Optional()],
        description=_l("Leave empty for a meeting that ends the same day."),
    )
    end_time = TimeField(_l("End time"), validators=[DataRequired()])
    timezone = SelectField(
        _l("Time zone"),
        validators=[DataRequired()],
        description=_l("Times are entered and shown in this zone."),
    )
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=255)])
    organiser_id = SelectField(_l("Organiser"), coerce=int_or_none, validators=[Optional()])
    facilitator_ids = SelectMultipleField(_l("Facilitators"), coerce=int, validators=[Optional()])
    objectives = TextAreaField(_l("Objectives"), validators=[Optional(), Length(max=4000)])
    expected_participants = IntegerField(
        _l("Expected participants"), validators=[Optional(), NumberRange(min=1, max=5000)]
    )
    security_notes = TextAreaField(
        _l("Security notes"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Seen by NGO staff only, never by officers or viewers."),
    )
    repeat = SelectField(
        _l("Repeat"),
        choices=[
            ("", _l("Does not repeat")),
            ("weekly", _l("Every few weeks")),
            ("monthly", _l("Every few months")),
        ],
        validators=[Optional()],
    )
    repeat_interval = IntegerField(
        _l("Every"),
        default=3,
        validators=[Optional(), NumberRange(min=1, max=12)],
        description=_l("For example 3 with “every few months” for a quarterly visit."),
    )
    repeat_count = IntegerField(
        _l("Number of meetings"),
        default=4,
        validators=[Optional(), NumberRange(min=2, max=52)],
    )
    repeat_monthly_on = SelectField(
        _l("Monthly on"),
        choices=[
            ("day", _l("The same day of the month (the last day in shorter months)")),
            ("last_day", _l("The last day of the month")),
            ("weekday", _l("The same weekday of the month, e.g. the 2nd Tuesday")),
        ],
        default="day",
        validators=[Optional()],
    )
    # The dates of a series the person has seen in the preview; saved only when they match.
    confirmed_dates = HiddenField()
    scope = RadioField(
        _l("Apply to"),
        choices=[
            ("this", _l("This meeting only")),
            ("following", _l("This and the following meetings of the series")),
        ],
        default="this",
    )
    proceed = BooleanField(_l("I have seen the warnings: schedule it anyway"))

    def __init__(self, *args, kinds, stations, organisers, facilitators, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in kinds]
        self.station_ids.choices = [(s.id, s.name) for s in stations]
        self.organiser_id.choices = [("", str(_l("— none —")))] + [
            (str(o.id), o.name) for o in organisers
        ]
        self.facilitator_ids.choices = [(u.id, u.name) for u in facilitators]
        self.timezone.choices = zone_choices()

    def service_data(self) -> dict:
        data = dict(self.data)
        data["end_date"] = data["end_date"] or data["start_date"]
        data["station_ids"] = list(data["station_ids"] or [])
        data["facilitator_ids"] = list(data["facilitator_ids"] or [])
        return data

    def validate_kind(self, field) -> None:  # noqa: ANN001
        if field.data not in {k.value for k in MeetingKind}:
            raise ValidationError(_l("Choose a kind from the list."))


class PostponeForm(FlaskForm):
    start_date = DateField(_l("New start date"), validators=[DataRequired()])
    start_time = TimeField(_l("New start time"), validators=[DataRequired()])
    end_date = DateField(_l("New end date"), validators=[Optional()])
    end_time = TimeField(_l("New end time"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Say why the meeting is postponed.")), Length(max=500)],
    )
    proceed = BooleanField(_l("I have seen the warnings: move it anyway"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Say why the meeting is cancelled.")), Length(max=500)],
    )


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Agenda item"), validators=[DataRequired(), Length(max=255)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    text = TextAreaField(_l("Decision"), validators=[DataRequired(), Length(max=4000)])


class MinutesForm(FlaskForm):
    body = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=100_000)])


class NewAttendeeForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[(k.value, str(label)) for k, label in PERSON_KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=160)],
        description=_l("Community representatives: a chosen name or initials only."),
    )
    organisation_id = SelectField(
        _l("Station or organisation"), coerce=int_or_none, validators=[Optional()]
    )
    rank = StringField(_l("Rank"), validators=[Optional(), Length(max=80)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=120)])

    def __init__(self, *args, organisations, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [BLANK_CHOICE] + [
            (str(o.id), f"{o.name} ({o.kind.label})") for o in organisations
        ]


class RegisterImportForm(FlaskForm):
    file = FileField(
        _l("Register file (.csv or .xlsx)"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
    )


class BulkStationRowForm(Form):
    """One station of a bulk scheduling: its own first date and title (times are shared)."""

    station_id = HiddenField()
    include = BooleanField(_l("Schedule"), default=True)
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    start_date = DateField(_l("First date"), validators=[Optional()])


class BulkScheduleForm(FlaskForm):
    """Visits (or sensitisation meetings) to several stations at once: one meeting or series
    per station, each in the station's own time zone."""

    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    start_time = TimeField(_l("Start time"), validators=[DataRequired()])
    end_time = TimeField(_l("End time"), validators=[DataRequired()])
    facilitator_ids = SelectMultipleField(_l("Facilitators"), coerce=int, validators=[Optional()])
    repeat = SelectField(
        _l("Repeat"),
        choices=[("", _l("Does not repeat")), ("monthly", _l("Every few months"))],
        validators=[Optional()],
    )
    repeat_interval = IntegerField(
        _l("Every"), default=3, validators=[Optional(), NumberRange(min=1, max=12)]
    )
    repeat_count = IntegerField(
        _l("Number of meetings"), default=4, validators=[Optional(), NumberRange(min=2, max=52)]
    )
    rows = FieldList(FormField(BulkStationRowForm), max_entries=200)
    proceed = BooleanField(_l("Schedule anyway"))

    def __init__(self, *args, facilitators=(), **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.facilitator_ids.choices = [(u.id, u.name) for u in facilitators]
        self.kind.choices = [
            (k.value, MEETING_KIND_LABELS[k])
            for k in (MeetingKind.STATION_VISIT, MeetingKind.SENSITISATION)
        ]

"""Forms of the curricula domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from curricula.models import ADOPTION_STATUS_LABELS, AUDIENCE_LABELS, AdoptionStatus
from partnership.forms import BLANK_CHOICE, VersionedForm, timezone_choices


def _int_or_none(value):  # noqa: ANN001, ANN202
    if value in (None, "", "None"):
        return None
    return int(value)


class ModuleForm(VersionedForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=30),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l("Letters, digits, . _ - only.")),
        ],
        description=_l("A short code trainers cite, such as HR-101."),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    audience = SelectField(
        _l("Audience"),
        choices=[(a.value, str(label)) for a, label in AUDIENCE_LABELS.items()],
        validators=[DataRequired()],
    )
    duration_hours = DecimalField(
        _l("Duration (hours)"), places=1, validators=[DataRequired(), NumberRange(0.5, 200)]
    )
    objectives = TextAreaField(_l("Learning objectives"), validators=[Optional(), Length(max=4000)])
    outline = TextAreaField(_l("Outline"), validators=[Optional(), Length(max=8000)])
    source = StringField(
        _l("Source"),
        validators=[Optional(), Length(max=255)],
        description=_l("Where the module comes from (for example a UNODC toolkit)."),
    )
    max_score = IntegerField(
        _l("Test: maximum score"), validators=[DataRequired(), NumberRange(1, 1000)]
    )
    pass_mark = IntegerField(
        _l("Test: pass mark"),
        validators=[Optional(), NumberRange(0, 1000)],
        description=_l("Leave empty when the test has no pass mark."),
    )


class MaterialForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=2000)])
    options = TextAreaField(
        _l("Options"),
        validators=[Optional(), Length(max=2000)],
        description=_l("One per line, for example “A. Refer to the drop-in centre”."),
    )
    answer_key = StringField(
        _l("Correct answer"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("The letter of the correct option, or the expected answer."),
    )
    points = IntegerField(_l("Points"), default=1, validators=[DataRequired(), NumberRange(1, 100)])


class AdoptionForm(FlaskForm):
    centre_id = SelectField(
        _l("Training centre or academy"), coerce=_int_or_none, validators=[DataRequired()]
    )
    module_code = SelectField(_l("Module"), validators=[DataRequired()])
    on = DateField(_l("Proposed on"), validators=[DataRequired()])
    evidence = TextAreaField(_l("Evidence or note"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, centres, codes, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.centre_id.choices = [BLANK_CHOICE] + [(str(c.id), c.name) for c in centres]
        self.module_code.choices = [BLANK_CHOICE] + [(c, c) for c in codes]


class AdoptionStepForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=[
            (s.value, str(ADOPTION_STATUS_LABELS[s]))
            for s in AdoptionStatus
            if s is not AdoptionStatus.PROPOSED
        ],
        validators=[DataRequired()],
    )
    on = DateField(_l("Date"), validators=[DataRequired()])
    evidence = TextAreaField(
        _l("Evidence"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("For example the decree, the pilot report or the academy timetable."),
    )


class TrainingSetupForm(FlaskForm):
    """The curricula side of a training meeting: modules and test."""

    module_ids = SelectMultipleField(
        _l("Modules delivered"),
        coerce=int,
        description=_l("The version chosen is recorded with the training."),
    )
    max_score = IntegerField(
        _l("Test: maximum score"),
        validators=[Optional(), NumberRange(1, 1000)],
        description=_l("Leave empty to use the first module's test."),
    )
    pass_mark = IntegerField(_l("Test: pass mark"), validators=[Optional(), NumberRange(0, 1000)])

    def __init__(self, *args, modules, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.module_ids.choices = [(m.id, m.label) for m in modules]


class TrainingForm(TrainingSetupForm):
    """A new training: the meeting (kind training) and its modules in one form."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("First day"), validators=[DataRequired()])
    start_time = TimeField(_l("Start time"), validators=[DataRequired()])
    end_date = DateField(
        _l("Last day"),
        validators=[Optional()],
        description=_l("Leave empty for a one-day training."),
    )
    end_time = TimeField(_l("End time (last day)"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=255)])
    station_ids = SelectMultipleField(
        _l("Stations taking part"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one station."))],
        description=_l("Their officers are offered for the register."),
    )

    def __init__(self, *args, modules, stations, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, modules=modules, **kwargs)
        self.station_ids.choices = [(s.id, s.name) for s in stations]
        self.timezone.choices = timezone_choices()


class ParticipantsForm(FlaskForm):
    person_ids = SelectMultipleField(_l("Officers to add"), coerce=int)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired()])


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])

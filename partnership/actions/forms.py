from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from partnership.actions.models import (
    ActionStatus,
    ConcernCategory,
    ConcernStatus,
    ConsentScope,
    Priority,
)
from partnership.forms import BLANK_CHOICE, VersionedForm, int_or_none


def _choices(members) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(m.value, m.label) for m in members]


class ConcernForm(VersionedForm):
    category = SelectField(_l("Category"), validators=[DataRequired()])
    station_id = SelectField(
        _l("Police station or post"), coerce=int_or_none, validators=[DataRequired()]
    )
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    place = StringField(
        _l("Place"),
        validators=[Optional(), Length(max=160)],
        description=_l("The hotspot or service name. Never a person's address or location."),
    )
    raised_by_id = SelectField(_l("Raised by"), coerce=int_or_none, validators=[Optional()])
    people_affected = IntegerField(
        _l("Number of people affected"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Officers of this station can read the summary: no names or specifics."),
    )
    restricted_details = TextAreaField(
        _l("Restricted details"),
        validators=[Optional(), Length(max=8000)],
        description=_l("Names and specifics. Only coordinators and administrators see them."),
    )
    consent_scope = RadioField(
        _l("Consent for the details"),
        choices=_choices(ConsentScope),
        default=ConsentScope.INDIVIDUAL_HELP.value,
        validators=[DataRequired()],
    )

    def __init__(self, *args, stations, organisations, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.category.choices = [BLANK_CHOICE, *_choices(ConcernCategory)]
        self.station_id.choices = [BLANK_CHOICE] + [(str(s.id), s.name) for s in stations]
        self.raised_by_id.choices = [("", str(_l("— none —")))] + [
            (str(o.id), o.name) for o in organisations
        ]


class ConcernStatusForm(VersionedForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, allowed=(), **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.status.choices = _choices([s for s in ConcernStatus if s in allowed])


class ConcernResolveForm(VersionedForm):
    """Resolve a concern whose action points are verified; one per concern on a page, told
    apart by the prefix ``resolve-<concern id>``."""

    outcome = TextAreaField(
        _l("Outcome"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Pre-filled from its verified action points: correct or add to it."),
    )

    @classmethod
    def for_concern(cls, concern_id: int, **kwargs) -> ConcernResolveForm:  # noqa: ANN003
        return cls(prefix=f"resolve-{concern_id}", **kwargs)


class AnnotationForm(VersionedForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=4000)])
    restricted = BooleanField(_l("Restricted (coordinators and administrators only)"), default=True)


class ActionPointForm(VersionedForm):
    title = StringField(_l("What will be done"), validators=[DataRequired(), Length(max=300)])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=4000)])
    station_id = SelectField(
        _l("Police station or post"), coerce=int_or_none, validators=[DataRequired()]
    )
    concern_ids = SelectMultipleField(
        _l("Concerns it answers"), coerce=int, validators=[Optional()], validate_choice=False
    )
    police_owner_id = SelectField(
        _l("Police owner"),
        coerce=int_or_none,
        validators=[Optional()],
        description=_l("An officer's account at this station or its command; may be empty."),
        validate_choice=False,
    )
    ngo_owner_id = SelectField(
        _l("NGO owner"), coerce=int_or_none, validators=[Optional()], validate_choice=False
    )
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
    priority = SelectField(
        _l("Priority"), choices=_choices(Priority), default=Priority.NORMAL.value
    )

    def __init__(self, *args, stations, concerns, officers, ngo_users, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.station_id.choices = [BLANK_CHOICE] + [(str(s.id), s.name) for s in stations]
        self.concern_ids.choices = [
            (c.id, f"#{c.id} {c.category.label} — {c.station.name}") for c in concerns
        ]
        none = ("", str(_l("— none —")))
        self.police_owner_id.choices = [none] + [
            (str(u.id), f"{u.name} ({u.organisation.name})") for u in officers
        ]
        self.ngo_owner_id.choices = [none] + [(str(u.id), u.name) for u in ngo_users]


class FollowUpForm(VersionedForm):
    on_date = DateField(_l("Date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    status = SelectField(_l("Change the status"), validators=[Optional()])
    action_taken = TextAreaField(
        _l("Action taken"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Required when marking it done."),
    )
    reason = StringField(_l("Reason for dropping it"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, allowed=(), **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.status.choices = [("", str(_l("— no change —")))] + _choices(
            [s for s in ActionStatus if s in allowed]
        )


class VerifyForm(VersionedForm):
    adequate = RadioField(
        _l("Was the result adequate?"),
        choices=[("yes", _l("Yes, adequate")), ("no", _l("No, not adequate: reopen it"))],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Required when the result was not adequate."),
    )

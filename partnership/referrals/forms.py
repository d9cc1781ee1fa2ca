from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, Select

from partnership.forms import BLANK_CHOICE, VersionedForm, int_or_none
from partnership.referrals.codes import CLIENT_CODE_RULES
from partnership.referrals.models import (
    Outcome,
    Route,
    SchemeStatus,
    ServicePointStatus,
    ServiceType,
)


class ManyOptionsSelect(Select):
    """A select of hundreds of options (every station of a programme), each written in one
    step: WTForms builds every option's attributes one by one."""

    @classmethod
    def render_option(cls, value, label, selected, **kwargs) -> Markup:  # noqa: ANN001, ANN003
        if kwargs or value is True:
            return super().render_option(value, label, selected, **kwargs)
        mark = " selected" if selected else ""
        return Markup(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')  # noqa: S704


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (usable on a phone, unlike <select multiple>)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def service_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in ServiceType]


class SchemeForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    police_partner_ids = CheckboxesField(_l("Police partners (stations and commands)"), coerce=int)
    service_partner_ids = CheckboxesField(_l("Service partners"), coerce=int)
    services = CheckboxesField(_l("Services offered"), choices=service_choices)
    agreement_date = DateField(
        _l("Agreement (memorandum of understanding) date"), validators=[Optional()]
    )
    agreement_document = StringField(
        _l("Agreement document"),
        validators=[Optional(), Length(max=255)],
        description=_l("Where the signed memorandum is kept: file name, registry number or link."),
    )
    protocol = TextAreaField(
        _l("Referral protocol"),
        validators=[Optional(), Length(max=20000)],
        description=_l("How officers refer, what the service does, who to call."),
    )
    slip_number_format = StringField(
        _l("Slip number format"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("# stands for a digit and A for a letter, for example MSA-#####."),
    )
    client_code_rule = SelectField(
        _l("Client code rule"),
        choices=[(k, str(r.label)) for k, r in CLIENT_CODE_RULES.items()],
        validators=[DataRequired()],
    )

    def __init__(self, *args, partners, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.police_partner_ids.choices = [
            (o.id, f"{o.name} ({o.kind.label})") for o in partners if o.kind.is_police
        ]
        self.service_partner_ids.choices = [
            (o.id, f"{o.name} ({o.kind.label})") for o in partners if not o.kind.is_police
        ]


class SchemeStatusForm(VersionedForm):
    status = SelectField(
        _l("New status"),
        choices=[(s.value, s.label) for s in SchemeStatus],
        validators=[DataRequired()],
    )
    reason = StringField(
        _l("Reason"),
        validators=[Optional(), Length(max=255)],
        description=_l("Required when suspending."),
    )


class ServicePointForm(VersionedForm):
    organisation_id = SelectField(_l("Provider"), coerce=int_or_none, validators=[DataRequired()])
    name = StringField(
        _l("Name of the service point"), validators=[DataRequired(), Length(max=160)]
    )
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=255)])
    opening_hours = StringField(
        _l("Opening hours"),
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: Mon–Fri 8:00–17:00, Sat 9:00–13:00"),
    )
    services = CheckboxesField(_l("Services offered"), choices=service_choices)
    status = SelectField(
        _l("Status"),
        choices=[(s.value, s.label) for s in ServicePointStatus],
        validators=[DataRequired()],
    )
    last_checked = DateField(
        _l("Entry last checked on"),
        validators=[Optional()],
        description=_l("When someone last confirmed the address, hours and services."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, providers, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [BLANK_CHOICE] + [(str(o.id), o.name) for o in providers]


class SlipForm(VersionedForm):
    scheme_id = SelectField(_l("Scheme"), coerce=int_or_none, validators=[DataRequired()])
    number = StringField(_l("Slip number"), validators=[DataRequired(), Length(max=40)])
    station_id = SelectField(
        _l("Station"), coerce=int_or_none, validators=[DataRequired()], widget=ManyOptionsSelect()
    )
    # Chosen by name from suggestions (a programme has thousands of officers, too many for a
    # select); the suggestions set the hidden id, and a typed name alone is looked up on save.
    officer_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    officer_name = StringField(
        _l("Issuing officer"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Type part of the name and choose from the suggestions; leave empty if not recorded."
        ),
    )
    issued_on = DateField(_l("Date issued"), validators=[DataRequired()])
    route = SelectField(
        _l("Route"),
        choices=[BLANK_CHOICE] + [(r.value, r.label) for r in Route],
        validators=[DataRequired()],
    )

    def __init__(self, *args, schemes, stations, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.scheme_id.choices = [BLANK_CHOICE] + [(str(s.id), s.name) for s in schemes]
        # ``stations``: (id, name) pairs.
        self.station_id.choices = [BLANK_CHOICE] + [(str(i), name) for i, name in stations]


class RedemptionForm(VersionedForm):
    scheme_id = SelectField(_l("Scheme"), coerce=int_or_none, validators=[DataRequired()])
    slip_number = StringField(_l("Slip number"), validators=[Optional(), Length(max=40)])
    walk_in = BooleanField(_l("Walk-in: says the police referred them, but has no slip"))
    station_id = SelectField(
        _l("Station the walk-in named"),
        coerce=int_or_none,
        validators=[Optional()],
        description=_l("Only for walk-ins, if they said which station."),
    )
    redeemed_on = DateField(_l("Date of the visit"), validators=[DataRequired()])
    service_point_id = SelectField(
        _l("Service point"), coerce=int_or_none, validators=[DataRequired()]
    )
    consent = BooleanField(_l("The client consented to their code being recorded"))
    client_code = StringField(
        _l("Client code"),
        validators=[Optional(), Length(max=20)],
        description=_l(
            "Built by the scheme's rule from non-identifying parts, for example MAJO1990M. "
            "Never a name."
        ),
    )
    services = CheckboxesField(_l("Services provided"), choices=service_choices)
    outcome = SelectField(
        _l("Outcome"),
        choices=[BLANK_CHOICE] + [(o.value, o.label) for o in Outcome],
        validators=[DataRequired()],
    )
    follow_up = TextAreaField(
        _l("Follow-up"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What happens next (no names or contact details)."),
    )
    follow_up_on = DateField(_l("Follow-up date"), validators=[Optional()])

    def __init__(self, *args, schemes, stations, points, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.scheme_id.choices = [BLANK_CHOICE] + [(str(s.id), s.name) for s in schemes]
        self.station_id.choices = [("", str(_l("— not said —")))] + [
            (str(s.id), s.name) for s in stations
        ]
        self.service_point_id.choices = [BLANK_CHOICE] + [
            (str(p.id), f"{p.name} ({p.organisation.name})") for p in points
        ]


class ImportForm(VersionedForm):
    scheme_id = SelectField(_l("Scheme"), coerce=int_or_none, validators=[DataRequired()])
    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        description=_l("Use the template; the first row holds the column names."),
    )
    pasted = TextAreaField(
        _l("Or paste rows"),
        validators=[Optional(), Length(max=200000)],
        description=_l("Comma-separated, with the template's header row first."),
    )

    def __init__(self, *args, schemes, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.scheme_id.choices = [BLANK_CHOICE] + [(str(s.id), s.name) for s in schemes]

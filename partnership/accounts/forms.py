from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from partnership.forms import VersionedForm, timezone_choices
from partnership.organisations.models import Organisation
from partnership.roles import ROLE_LABELS


class UserForm(VersionedForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=255)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(
        _l("Role"), choices=[(r.value, str(label)) for r, label in ROLE_LABELS.items()]
    )
    organisation_id = SelectField(
        _l("Organisation"),
        coerce=int,
        validators=[DataRequired()],
        description=_l("Officers: their police station, or their command to see all its stations."),
    )
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])

    def __init__(self, *args, organisations: list[Organisation], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [(o.id, f"{o.name} ({o.kind.label})") for o in organisations]
        self.timezone.choices = timezone_choices()


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; not the email; not a common password."),
    )


class PasswordResetForm(VersionedForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class OnboardingImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), validators=[DataRequired()])
    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[FileRequired(message=_l("Choose a file."))],
        description=_l("Use the template: the first row holds its column names."),
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.kind.choices = kinds


class OnboardingConfirmForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    token = HiddenField(validators=[DataRequired()])
    fingerprint = HiddenField(validators=[DataRequired()])

"""The forms of signing in and of one's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from partnership.i18n import LANGUAGES


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; not your email; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[("", _l("As my browser asks")), *LANGUAGES.items()],
        validate_choice=True,
    )


class PasswordForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])


class PasswordResetByEmailForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; not your email; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, such as the script that uses it."))  # fmt: skip
    days = SelectField(_l("Works for"), coerce=int, choices=[
        (30, _l("30 days")), (90, _l("90 days")), (365, _l("one year"))], default=90)  # fmt: skip

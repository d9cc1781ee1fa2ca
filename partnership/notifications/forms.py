from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from partnership.referrals.forms import CheckboxesField


class EmailSettingsForm(FlaskForm):
    kinds = CheckboxesField(
        _l("Email me when"),
        description=_l("Untick what you do not want by email; the app always lists it."),
        validate_choice=True,
    )

"""Slip number formats and the rule that builds a client's pseudonymous unique identifier code.

A client code is built by the client (or with them) from non-identifying parts, so the same
person gets the same code at every service without anyone writing down a name. The code is
normalised (capitals, no spaces or dashes) and checked against the scheme's rule; a full name
never fits a rule and is refused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ClientCodeRule:
    key: str
    label: object
    pattern: re.Pattern
    example: str
    year_group: int | None = None


CLIENT_CODE_RULES: dict[str, ClientCodeRule] = {
    rule.key: rule
    for rule in (
        ClientCodeRule(
            "mother2-own2-year-sex",
            _l(
                "First two letters of the mother's first name, first two letters of the client's "
                "first name, year of birth, sex (M, F or X)"
            ),
            re.compile(r"^[A-Z]{2}[A-Z]{2}(\d{4})[MFX]$"),
            "MAJO1990M",
            year_group=1,
        ),
        ClientCodeRule(
            "mother2-own2-yy-day-sex",
            _l(
                "First two letters of the mother's first name, first two letters of the client's "
                "first name, last two digits of the year of birth, day of birth (two digits), "
                "sex (M, F or X)"
            ),
            re.compile(r"^[A-Z]{4}\d{2}(0[1-9]|[12]\d|3[01])[MFX]$"),
            "MAJO9007M",
        ),
    )
}
DEFAULT_CLIENT_CODE_RULE = "mother2-own2-year-sex"


def normalise_client_code(raw: str | None) -> str:
    return re.sub(r"[\s\-_.]", "", raw or "").upper()


def client_code_problem(code: str, rule_key: str, today: date | None = None) -> str | None:
    """Why ``code`` (already normalised) does not follow the rule, or None when it does.

    Messages never repeat the code itself: they may end up in an import report or a log.
    """
    rule = CLIENT_CODE_RULES.get(rule_key) or CLIENT_CODE_RULES[DEFAULT_CLIENT_CODE_RULE]
    if not code:
        return str(_l("Enter the client's code."))
    if len(code) > 12:
        return str(_l("This is too long for a client code: never enter a name."))
    match = rule.pattern.match(code)
    if match is None:
        return str(
            _l(
                "The client code does not follow the scheme's rule (for example %(example)s).",
                example=rule.example,
            )
        )
    if rule.year_group is not None:
        year = int(match.group(rule.year_group))
        this_year = (today or date.today()).year
        if not this_year - 100 <= year <= this_year - 10:
            return str(_l("The year of birth in the client code is not plausible."))
    return None


_SLIP_TOKEN = {"#": r"\d", "A": "[A-Z]"}


@functools.lru_cache(maxsize=64)
def slip_number_regex(fmt: str) -> re.Pattern:
    return re.compile(
        "^" + "".join(_SLIP_TOKEN.get(ch, re.escape(ch)) for ch in (fmt or "#####")) + "$"
    )


def normalise_slip_number(raw: str | None) -> str:
    return re.sub(r"\s", "", raw or "").upper()


def slip_number_fits(number: str, fmt: str) -> bool:
    return bool(slip_number_regex(fmt).match(number))

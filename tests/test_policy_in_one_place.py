"""Who may do or see what is decided in permissions.py (and small counts in disclosure.py):
no view, service, template or model tests a user's role itself. This test reads the code and
fails when a role test appears anywhere else, naming the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILES = {
    ROOT / "partnership" / "roles.py",
    ROOT / "partnership" / "permissions.py",
    ROOT / "partnership" / "disclosure.py",
}
GROUPS = (
    r"(ALL_ROLES|ADMIN_ONLY|NGO_EDITORS|NGO_ROLES|TRAINING_EDITORS|POLICE_ROLES|AGGREGATE_ONLY)"
)
ROLE_TESTS = [
    # user.role == ..., role in ... (but not a loop: "for role in ...")
    re.compile(r"(?<!for )\brole\s*(==|!=|\bis\b(?!\s+(not\s+)?None)|\bin\b|\bnot\s+in\b)"),
    re.compile(r"\brole\.value\b"),
    re.compile(r"(==|!=|\bis\b|\bin\b)\s*\(?\s*Role\.[A-Z]"),  # ... is Role.VIEWER
    re.compile(r"(?<!in_\(list\()(?<!in_\()\b(in|not\s+in)\s+" + GROUPS + r"\b"),
    re.compile(r"current_user\.role\b(?!\.label)"),
    re.compile(r"\bsuppress(es)?_small_counts\b.*\brole\b"),
]


def _sources() -> list[Path]:
    files: list[Path] = []
    for folder in ("partnership", "meetings", "curricula"):
        files += sorted((ROOT / folder).rglob("*.py"))
    files += sorted((ROOT / "templates").rglob("*.html"))
    return [f for f in files if f not in POLICY_FILES]


def role_tests_in(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if any(pattern.search(line) for pattern in ROLE_TESTS):
            found.append((number, line.strip()))
    return found


def test_no_role_test_outside_the_policy_modules() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in _sources()
        for number, line in role_tests_in(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "role tests outside permissions.py:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    [
        'if current_user.role.value == "viewer":',
        "if user.role is Role.VIEWER:",
        "if for_edit and user.role not in NGO_EDITORS:",
        "{% if current_user.role == 'officer' %}",
        "return user.role in (Role.OFFICER, Role.VIEWER)",
        "allowed = user.role in NGO_ROLES",
    ],
)
def test_the_scan_recognises_role_tests(line: str) -> None:
    assert role_tests_in(line)


@pytest.mark.parametrize(
    "line",
    [
        "<td>{{ u.role.label }}</td>",
        "cookies = {role: sign_in(url, ROLES[role]) for role in sorted(roles)}",
        "if role is None:",
        ".where(User.role.in_(list(POLICE_ROLES)), User.active.is_(True))",
        "if not can_edit_meeting(current_user, meeting):",
        '"accounts.user_list": roles(ADMIN_ONLY),',
    ],
)
def test_the_scan_leaves_policy_questions_alone(line: str) -> None:
    assert not role_tests_in(line)

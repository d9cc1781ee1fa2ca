"""Who may do what: the role list, the access rule of every endpoint, and object-level helpers.

Every endpoint has exactly one rule in ``ENDPOINT_RULES``. A request to an endpoint without a rule
is refused (and the test suite fails), so a new page can never be open by accident. Object-level
scoping (an officer sees only their own stations) lives in ``station_scope`` and in each domain's
load-and-authorise helpers and query builders; templates ask the same ``can`` helper, so a link is
shown exactly when following it is allowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

if TYPE_CHECKING:
    from partnership.accounts.models import User


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    OFFICER = "officer"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("NGO coordinator"),
    Role.TRAINER: _l("Trainer"),
    Role.OFFICER: _l("Police officer"),
    Role.VIEWER: _l("Viewer (donor, M&E)"),
}

ALL_ROLES = frozenset(Role)
NGO_EDITORS = frozenset({Role.ADMIN, Role.COORDINATOR})
NGO_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER})
TRAINING_EDITORS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER})
ADMIN_ONLY = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Rule:
    """Public endpoints need no sign-in; the others admit the roles listed."""

    roles: frozenset[Role] = frozenset()
    public: bool = False

    def allows(self, user: User | None) -> bool:
        if self.public:
            return True
        if user is None or not user.is_authenticated:
            return False
        return user.role in self.roles


PUBLIC = Rule(public=True)
SIGNED_IN = Rule(roles=ALL_ROLES)


def roles(*allowed: Role | frozenset[Role]) -> Rule:
    flat: set[Role] = set()
    for item in allowed:
        flat |= set(item) if isinstance(item, frozenset) else {item}
    return Rule(roles=frozenset(flat))


ENDPOINT_RULES: dict[str, Rule] = {
    # Core
    "static": PUBLIC,
    "health": PUBLIC,
    "auth.login": PUBLIC,
    # Forgotten password: the link in the email stands for a sign-in, once.
    "auth.password_forgot": PUBLIC,
    "auth.password_reset": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.password_change": SIGNED_IN,
    "auth.language_choose": PUBLIC,
    "auth.language_save": SIGNED_IN,
    "dashboard.home": SIGNED_IN,
    "dashboard.station_story": SIGNED_IN,
    "dashboard.station_brief": roles(NGO_ROLES, Role.OFFICER),
    "dashboard.station_brief_pdf": roles(NGO_ROLES, Role.OFFICER),
    "dashboard.report_create": SIGNED_IN,
    "dashboard.report_detail": SIGNED_IN,
    "dashboard.report_retry": SIGNED_IN,
    "dashboard.report_download": SIGNED_IN,
    # Accounts and audit log: administrators only
    "accounts.user_list": roles(ADMIN_ONLY),
    "accounts.user_create": roles(ADMIN_ONLY),
    "accounts.user_edit": roles(ADMIN_ONLY),
    "accounts.user_deactivate": roles(ADMIN_ONLY),
    "accounts.user_reactivate": roles(ADMIN_ONLY),
    "accounts.user_password_reset": roles(ADMIN_ONLY),
    "accounts.user_sessions_end": roles(ADMIN_ONLY),
    "accounts.audit_list": roles(ADMIN_ONLY),
    "accounts.audit_export": roles(ADMIN_ONLY),
    "accounts.user_export": roles(ADMIN_ONLY),
    # Onboarding imports: NGO editors load organisations and people; accounts only
    # administrators (can_import decides per kind).
    "accounts.import_start": roles(NGO_EDITORS),
    "accounts.import_confirm": roles(NGO_EDITORS),
    "accounts.import_template": roles(NGO_EDITORS),
    # Organisations and people: NGO editors edit, everyone reads (officers their own)
    "organisations.organisation_list": SIGNED_IN,
    "organisations.organisation_export": SIGNED_IN,
    "organisations.organisation_detail": SIGNED_IN,
    "organisations.organisation_create": roles(NGO_EDITORS),
    "organisations.organisation_edit": roles(NGO_EDITORS),
    "organisations.organisation_deactivate": roles(NGO_EDITORS),
    "organisations.organisation_reactivate": roles(NGO_EDITORS),
    "organisations.person_list": SIGNED_IN,
    "organisations.person_export": SIGNED_IN,
    "organisations.person_detail": SIGNED_IN,
    "organisations.person_create": roles(NGO_EDITORS),
    "organisations.person_edit": roles(NGO_EDITORS),
    "organisations.person_deactivate": roles(NGO_EDITORS),
    "organisations.person_reactivate": roles(NGO_EDITORS),
    "organisations.person_transfer": roles(NGO_EDITORS),
    # Problem-solving loop: concerns (summaries: not for viewers, who get aggregates only),
    # action points and follow-ups (everyone reads; officers update their stations' points).
    "actions.concern_list": roles(NGO_ROLES, Role.OFFICER),
    "actions.concern_export": roles(NGO_ROLES, Role.OFFICER),
    "actions.concern_detail": roles(NGO_ROLES, Role.OFFICER),
    "actions.concern_create": roles(NGO_EDITORS),
    "actions.concern_edit": roles(NGO_EDITORS),
    "actions.concern_status": roles(NGO_EDITORS),
    "actions.concern_seal": roles(NGO_EDITORS),
    "actions.concern_annotate": roles(NGO_EDITORS),
    "actions.action_point_list": SIGNED_IN,
    "actions.action_point_export": SIGNED_IN,
    "actions.action_point_detail": SIGNED_IN,
    "actions.action_point_create": roles(NGO_EDITORS),
    "actions.action_point_edit": roles(NGO_EDITORS),
    "actions.action_point_follow_up": roles(NGO_EDITORS, Role.OFFICER),
    "actions.action_point_acknowledge": roles(Role.OFFICER),
    "actions.action_point_verify": roles(NGO_EDITORS, Role.OFFICER),
    "actions.my_review": roles(Role.OFFICER),
    "actions.measures": SIGNED_IN,
    # Referrals: schemes and the directory are read by all (officers: their own stations'
    # aggregates); slips are issued by officers and NGO editors; client codes and redemption
    # records are NGO editors' alone; viewers see aggregates only.
    "referrals.scheme_list": SIGNED_IN,
    "referrals.scheme_detail": SIGNED_IN,
    "referrals.scheme_measures_export": SIGNED_IN,
    "referrals.scheme_create": roles(NGO_EDITORS),
    "referrals.scheme_edit": roles(NGO_EDITORS),
    "referrals.scheme_status": roles(NGO_EDITORS),
    "referrals.service_point_list": SIGNED_IN,
    "referrals.service_point_export": SIGNED_IN,
    "referrals.service_point_create": roles(NGO_EDITORS),
    "referrals.service_point_edit": roles(NGO_EDITORS),
    "referrals.service_point_checked": roles(NGO_EDITORS),
    "referrals.slip_list": roles(NGO_ROLES, Role.OFFICER),
    "referrals.slip_export": roles(NGO_ROLES, Role.OFFICER),
    "referrals.slip_create": roles(NGO_EDITORS, Role.OFFICER),
    # Suggestions for the slip form's officer field: the same people (own stations' officers).
    "referrals.officer_search": roles(NGO_EDITORS, Role.OFFICER),
    "referrals.slip_import": roles(NGO_EDITORS),
    "referrals.slip_import_template": roles(NGO_EDITORS),
    "referrals.slip_redeem": roles(NGO_EDITORS),
    "referrals.redemption_list": roles(NGO_EDITORS),
    "referrals.redemption_export": roles(NGO_EDITORS),
    "referrals.redemption_import": roles(NGO_EDITORS),
    "referrals.redemption_import_template": roles(NGO_EDITORS),
    "referrals.station_feedback": roles(NGO_EDITORS, Role.OFFICER),
    # Meetings: everyone reads (officers their own stations' meetings, viewers without the
    # register's names or the minutes); coordinators and admins edit; trainers edit trainings,
    # which get_meeting_or_404(for_edit=True) checks meeting by meeting.
    "meetings.meeting_index": SIGNED_IN,
    "meetings.meeting_calendar": SIGNED_IN,
    "meetings.meeting_export": SIGNED_IN,
    "meetings.meeting_due": SIGNED_IN,
    "meetings.meeting_due_export": SIGNED_IN,
    "meetings.meeting_detail": SIGNED_IN,
    "meetings.meeting_ics": SIGNED_IN,
    "meetings.meeting_station_feed": SIGNED_IN,
    # The personal feed is opened by calendar programs: its secret address stands for a sign-in.
    "meetings.meeting_feed": PUBLIC,
    "meetings.feed_settings": SIGNED_IN,
    "meetings.feed_token_create": SIGNED_IN,
    "meetings.feed_token_revoke": SIGNED_IN,
    "meetings.meeting_create": roles(TRAINING_EDITORS),
    "meetings.meeting_edit": roles(TRAINING_EDITORS),
    "meetings.meeting_confirm": roles(TRAINING_EDITORS),
    "meetings.meeting_hold": roles(TRAINING_EDITORS),
    "meetings.meeting_postpone": roles(TRAINING_EDITORS),
    "meetings.meeting_cancel": roles(TRAINING_EDITORS),
    "meetings.register_edit": roles(TRAINING_EDITORS),
    "meetings.attendee_add": roles(TRAINING_EDITORS),
    "meetings.attendee_create": roles(TRAINING_EDITORS),
    "meetings.attendee_remove": roles(TRAINING_EDITORS),
    "meetings.register_export": roles(NGO_ROLES, Role.OFFICER),
    "meetings.register_template": roles(TRAINING_EDITORS),
    "meetings.register_import": roles(TRAINING_EDITORS),
    "meetings.agenda_item_add": roles(TRAINING_EDITORS),
    "meetings.action_point_agree": roles(NGO_EDITORS),
    "meetings.action_point_review": roles(NGO_EDITORS),
    "meetings.agenda_item_move": roles(TRAINING_EDITORS),
    "meetings.agenda_item_delete": roles(TRAINING_EDITORS),
    "meetings.decision_add": roles(TRAINING_EDITORS),
    "meetings.decision_delete": roles(TRAINING_EDITORS),
    "meetings.minutes_edit": roles(TRAINING_EDITORS),
    # Curricula: trainers and NGO editors edit; the module catalogue and adoption are readable
    # by everyone; materials only by NGO roles.
    "curricula.curricula_index": SIGNED_IN,
    "curricula.module_list": SIGNED_IN,
    "curricula.module_export": SIGNED_IN,
    "curricula.module_detail": SIGNED_IN,
    "curricula.module_create": roles(TRAINING_EDITORS),
    "curricula.module_edit": roles(TRAINING_EDITORS),
    "curricula.module_version_create": roles(TRAINING_EDITORS),
    "curricula.material_upload": roles(TRAINING_EDITORS),
    "curricula.material_download": roles(TRAINING_EDITORS),
    "curricula.material_delete": roles(TRAINING_EDITORS),
    "curricula.question_create": roles(TRAINING_EDITORS),
    "curricula.adoption_list": SIGNED_IN,
    "curricula.adoption_create": roles(TRAINING_EDITORS),
    "curricula.adoption_advance": roles(TRAINING_EDITORS),
    # Trainings: officers see their own stations' participants, viewers aggregates only (both
    # enforced in the query builders and load helpers).
    "curricula.training_list": SIGNED_IN,
    "curricula.training_detail": SIGNED_IN,
    "curricula.training_create": roles(TRAINING_EDITORS),
    "curricula.training_setup": roles(TRAINING_EDITORS),
    "curricula.training_scores": roles(TRAINING_EDITORS),
    "curricula.training_answers": roles(TRAINING_EDITORS),
    "curricula.training_import": roles(TRAINING_EDITORS),
    "curricula.training_import_template": roles(TRAINING_EDITORS),
    "curricula.knowledge_gain": SIGNED_IN,
    "curricula.coverage": SIGNED_IN,
    "curricula.certificate_issue": roles(TRAINING_EDITORS),
    "curricula.certificate_bulk": roles(TRAINING_EDITORS),
    "curricula.certificate_download": roles(TRAINING_EDITORS),
    "curricula.certificate_revoke": roles(TRAINING_EDITORS),
    # Anyone holding a certificate's code may check it: name, training, dates, validity only.
    "curricula.certificate_verify": PUBLIC,
}


def rule_for(endpoint: str | None) -> Rule | None:
    return ENDPOINT_RULES.get(endpoint or "")


def enforce_access_policy():  # noqa: ANN201 - a before_request hook
    """Refuse the request unless the endpoint's rule admits the current user."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    rule = rule_for(endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s has no access rule; refused", endpoint)
        abort(403)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        from partnership.extensions import login_manager

        return login_manager.unauthorized()
    if not rule.allows(current_user):
        abort(403)
    return None


def can(endpoint: str, user: User | None = None) -> bool:
    """Whether ``user`` (default: the current user) may use ``endpoint``; for templates."""
    user = user if user is not None else current_user
    rule = rule_for(endpoint)
    return bool(rule and rule.allows(user))


def is_ngo_editor(user: User) -> bool:
    return user.is_authenticated and user.role in NGO_EDITORS


def station_scope(user: User) -> frozenset[int] | None:
    """The organisation ids an officer may see (their station, or their command and its stations
    and posts); ``None`` for every other role, meaning not restricted by station."""
    if user.role is not Role.OFFICER:
        return None
    cached = g.get("_station_scope")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    from partnership.organisations.services import scope_ids_for_organisation

    scope = frozenset(scope_ids_for_organisation(user.organisation_id))
    g._station_scope = (user.id, scope)
    return scope


def can_see_organisation(user: User, organisation_id: int) -> bool:
    scope = station_scope(user)
    return scope is None or organisation_id in scope


def can_edit_organisations(user: User) -> bool:
    return is_ngo_editor(user)


def can_import(user: User, kind: str) -> bool:
    """Onboarding imports: organisations and people by NGO editors, accounts by administrators
    (as the account pages)."""
    if kind == "users":
        return user.is_authenticated and user.role in ADMIN_ONLY
    return is_ngo_editor(user)


def can_see_security_notes(user: User) -> bool:
    return user.is_authenticated and user.role in NGO_ROLES


def can_see_community_names(user: User) -> bool:
    return user.is_authenticated and user.role in NGO_ROLES


def can_see_restricted_details(user: User) -> bool:
    """Concern restricted details (names, specifics): admins and coordinators only."""
    return user.is_authenticated and user.role in NGO_EDITORS


def side_of(user: User) -> str | None:
    """The side of the partnership a user acts for on action points: "police" or "ngo"."""
    if user.role is Role.OFFICER:
        return "police"
    if user.role in NGO_EDITORS:
        return "ngo"
    return None


def can_update_action_point(user: User, point) -> bool:  # noqa: ANN001
    """Follow-ups, progress and done: NGO editors, and officers of the point's station."""
    if user.role in NGO_EDITORS:
        return True
    return user.role is Role.OFFICER and can_see_organisation(user, point.station_id)


def can_verify_action_point(user: User, point) -> bool:  # noqa: ANN001
    """Verification is by the other side from the one that marked the point done."""
    if not point.awaits_verification or not can_update_action_point(user, point):
        return False
    side = side_of(user)
    return side is not None and point.done_side is not None and side != point.done_side.value


def can_see_client_codes(user: User) -> bool:
    """Client codes and redemption records: NGO editors only (never trainers, officers, viewers)."""
    return user.is_authenticated and user.role in NGO_EDITORS


def suppresses_small_counts(user: User) -> bool:
    """Officers and viewers see counts of 1 to 4 as "<5" (see referrals.measures)."""
    return user.is_authenticated and user.role in (Role.OFFICER, Role.VIEWER)

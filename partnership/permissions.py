"""Who may do what: the access rule of every endpoint and every object-level rule.

Every endpoint has exactly one rule in ``ENDPOINT_RULES``. A request to an endpoint without a rule
is refused (and the test suite fails), so a new page can never be open by accident. Every decision
about one object or one kind of record (may this user edit this meeting, see this person's name,
agree an action point at this meeting) is a ``can_*(user, obj)`` or ``sees_*(user, obj)`` function
below. Views, services and templates ask these functions (they are template helpers too), so a
button is shown exactly when the action is allowed and the server refuses exactly what a page
hides. No other module tests a user's role; ``tests/test_policy_in_one_place.py`` keeps it so.
Small counts are decided in ``partnership.disclosure``.

The roles and role groups are vocabulary in ``partnership.roles``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from partnership.roles import (
    ADMIN_ONLY,
    AGGREGATE_ONLY,
    ALL_ROLES,
    NGO_EDITORS,
    NGO_ROLES,
    POLICE_ROLES,
    ROLE_LABELS,
    TRAINING_EDITORS,
    Role,
)

if TYPE_CHECKING:
    from partnership.accounts.models import User

__all__ = [  # the vocabulary stays importable from here for older call sites
    "ADMIN_ONLY",
    "ALL_ROLES",
    "NGO_EDITORS",
    "NGO_ROLES",
    "ROLE_LABELS",
    "TRAINING_EDITORS",
    "Role",
]


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
    "service_worker": PUBLIC,  # the offline script (partnership/offline.py): no data in it
    "auth.login": PUBLIC,
    # Forgotten password: the link in the email stands for a sign-in, once.
    "auth.password_forgot": PUBLIC,
    "auth.password_reset": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.password_change": SIGNED_IN,
    "auth.language_choose": PUBLIC,
    "auth.language_save": SIGNED_IN,
    "dashboard.home": SIGNED_IN,
    "dashboard.station_page": SIGNED_IN,
    "dashboard.station_story": SIGNED_IN,
    "dashboard.station_brief": roles(NGO_ROLES, Role.OFFICER),
    "dashboard.station_brief_pdf": roles(NGO_ROLES, Role.OFFICER),
    "dashboard.report_create": SIGNED_IN,
    "dashboard.report_detail": SIGNED_IN,
    "dashboard.report_retry": SIGNED_IN,
    "dashboard.report_download": SIGNED_IN,
    # A long list's download built in the background: its owner only (can_take_download).
    "jobs.job_detail": SIGNED_IN,
    "jobs.job_retry": SIGNED_IN,
    "jobs.job_download": SIGNED_IN,
    # Search across everything: each kind of result is the rule of its own list page, and each
    # record the list's own scope (see search_audiences below).
    "search.search": SIGNED_IN,
    # Personal API tokens: each user their own.
    "auth.api_token_list": SIGNED_IN,
    "auth.api_token_create": SIGNED_IN,
    "auth.api_token_revoke": SIGNED_IN,
    # The JSON API: the same rule as the list page each endpoint mirrors; its description is
    # public (it holds no data).
    "api-docs.openapi_json": PUBLIC,
    # The description of the API, readable in a browser: no record, only the interface.
    "api-docs.openapi_swagger_ui": PUBLIC,
    "api.station_list": SIGNED_IN,
    "api.person_list": SIGNED_IN,
    "api.meeting_list": SIGNED_IN,
    "api.concern_list": roles(NGO_ROLES, Role.OFFICER),
    "api.action_point_list": SIGNED_IN,
    "api.training_list": SIGNED_IN,
    "api.indicator_list": SIGNED_IN,
    "api.referral_station_months": SIGNED_IN,
    "api.scheme_list": SIGNED_IN,
    "api.scheme_measures": SIGNED_IN,
    # The API's writes: the same roles as the forms they stand for.
    "api.slip_create": roles(NGO_EDITORS, Role.OFFICER),
    "api.attendance_record": roles(TRAINING_EDITORS),
    "api.follow_up_create": roles(NGO_EDITORS, Role.OFFICER),
    # DHIS2 export: administrators set the server, its sign-in and the mapping, and push;
    # coordinators check what would be sent (aggregates as a viewer sees them) and read the
    # outcome of pushes, as they answer for the programme's figures.
    "dhis2.connection_edit": roles(ADMIN_ONLY),
    "dhis2.mapping_edit": roles(ADMIN_ONLY),
    "dhis2.mapping_import": roles(ADMIN_ONLY),
    "dhis2.mapping_template": roles(ADMIN_ONLY),
    "dhis2.dry_run": roles(NGO_EDITORS),
    "dhis2.dry_run_json": roles(NGO_EDITORS),
    "dhis2.push_create": roles(ADMIN_ONLY),
    "dhis2.push_again": roles(ADMIN_ONLY),
    "dhis2.push_list": roles(NGO_EDITORS),
    "dhis2.push_detail": roles(NGO_EDITORS),
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
    "actions.concern_resolve": roles(NGO_EDITORS),
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
    # Notifications: everyone reads and marks their own, and chooses which ones to get by email.
    "notifications.notification_list": SIGNED_IN,
    "notifications.notification_read": SIGNED_IN,
    "notifications.notification_read_all": SIGNED_IN,
    "notifications.notification_settings": SIGNED_IN,
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
    # Visits to several stations at once, from the due list: station visits are NGO editors'.
    "meetings.meeting_bulk_schedule": roles(NGO_EDITORS),
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
        if request.blueprint == "api":  # a script: no sign-in page to send it to
            abort(401)
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


@functools.cache
def endpoints_for_role(role: Role, endpoints: tuple[str, ...]) -> tuple[str, ...]:
    """The ones among ``endpoints`` a signed-in user of ``role`` may use, in the given order.

    The same decision as ``can`` for each; kept per role, so the menu of every signed-in page
    (``partnership.layout``) asks the rules once per role rather than on every request."""
    return tuple(
        e
        for e in endpoints
        if (rule := rule_for(e)) is not None and (rule.public or role in rule.roles)
    )


# ---- who the user is, for the rules below ------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _in(user: Any, group: frozenset[Role]) -> bool:
    return _signed_in(user) and user.role in group


def is_ngo_editor(user: User) -> bool:
    return _in(user, NGO_EDITORS)


def is_ngo_member(user: User) -> bool:
    """Works for an NGO of the partnership (administrator, coordinator or trainer)."""
    return _in(user, NGO_ROLES)


def is_police(user: User) -> bool:
    """Acts for the police side: always scoped to a station or command."""
    return _in(user, POLICE_ROLES)


def reads_aggregates_only(user: User) -> bool:
    """Viewers (donors, M&E): figures, no lists of people, no concern summaries, no minutes."""
    return _in(user, AGGREGATE_ONLY)


def role_needs_police_organisation(role: Role | str) -> bool:
    """An officer account belongs to a police organisation, every other account does not."""
    return Role(role) in POLICE_ROLES


# ---- station scope -----------------------------------------------------------------------------

# The organisations layer registers how to expand an officer's organisation into the stations and
# posts they may see (their station, or their command and everything under it). It is registered
# rather than imported so that this core module never imports a domain package.
_scope_resolver: Callable[[int], Iterable[int]] | None = None


def register_scope_resolver(resolver: Callable[[int], Iterable[int]]) -> None:
    global _scope_resolver
    _scope_resolver = resolver


def station_scope(user: User) -> frozenset[int] | None:
    """The organisation ids an officer may see (their station, or their command and its stations
    and posts); ``None`` for every other role, meaning not restricted by station."""
    if not is_police(user):
        return None
    cached = g.get("_station_scope")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    if _scope_resolver is None:  # pragma: no cover - create_app registers it
        raise RuntimeError("no station scope resolver registered")
    scope = frozenset(_scope_resolver(user.organisation_id))
    g._station_scope = (user.id, scope)
    return scope


def can_see_organisation(user: User, organisation_id: int | None) -> bool:
    scope = station_scope(user)
    return scope is None or organisation_id in scope


def visible_station_ids(user: User, station_ids: Iterable[int]) -> list[int]:
    """The ones among ``station_ids`` the user may see, in the given order."""
    scope = station_scope(user)
    return [s for s in station_ids if scope is None or s in scope]


# ---- organisations and people ------------------------------------------------------------------


def can_edit_organisations(user: User) -> bool:
    return is_ngo_editor(user)


def can_edit_person(user: User, person: Any = None) -> bool:
    return is_ngo_editor(user)


def sees_names(user: User, person: Any = None) -> bool:
    """Whether the user sees this person's name. Community representatives (people who use drugs,
    known by a chosen name or initials) are named to NGO roles only; everyone else reads
    "Community representative". Without a person: whether the user sees community names at all.
    """
    if person is not None and str(getattr(person, "kind", "")) != "community_rep":
        return _signed_in(user)
    return is_ngo_member(user)


def can_import(user: User, kind: str) -> bool:
    """Onboarding imports: organisations and people by NGO editors, accounts by administrators
    (as the account pages)."""
    if kind == "users":
        return _in(user, ADMIN_ONLY)
    return is_ngo_editor(user)


def can_see_community_names(user: User) -> bool:
    return sees_names(user)


def person_name(user: User, person: Any) -> str:
    """The name ``user`` sees for ``person`` on every page, export and search result."""
    if sees_names(user, person):
        return person.name
    return str(_l("Community representative"))


def sees_contact_details(user: User, person: Any) -> bool:
    """A community representative's phone and email identify them as much as their name."""
    return sees_names(user, person)


def sees_people_lists(user: User) -> bool:
    """Lists of named people (participants, officers posted, register names): not viewers."""
    return _signed_in(user) and not reads_aggregates_only(user)


# ---- meetings ----------------------------------------------------------------------------------


def can_schedule(user: User, kind: Any) -> bool:
    """Coordinators and administrators schedule every kind of meeting; trainers trainings only."""
    if is_ngo_editor(user):
        return True
    return _in(user, TRAINING_EDITORS) and str(kind) == "training"


def schedulable_kinds(user: User, kinds: Iterable[Any]) -> list[Any]:
    return [k for k in kinds if can_schedule(user, k)]


def can_edit_meeting(user: User, meeting: Any = None, kind: Any = None) -> bool:
    """Coordinators and admins edit every meeting; trainers edit trainings only."""
    return can_schedule(user, meeting.kind if meeting is not None else kind)


def sees_register_names(user: User, meeting: Any = None) -> bool:
    """Viewers read aggregates: the register's names are for NGO roles and officers (officers
    only their own stations' officers; see ``meetings.services``)."""
    return sees_people_lists(user)


def sees_attendee(user: User, attendee: Any) -> bool:
    """Whether a register line is shown by name: at a joint meeting an officer sees their own
    stations' officers (and the NGO side), not the officers of the other stations."""
    if not sees_register_names(user):
        return False
    if str(attendee.person.kind) != "officer":
        return True
    return can_see_organisation(user, attendee.station_id)


def sees_minutes(user: User, meeting: Any = None) -> bool:
    return sees_people_lists(user)


def can_see_security_notes(user: User, meeting: Any = None) -> bool:
    return is_ngo_member(user)


def can_agree_action_point(user: User, meeting: Any = None) -> bool:
    """Action points are agreed by NGO editors at a meeting that was not cancelled."""
    if not is_ngo_editor(user):
        return False
    return meeting is None or str(meeting.status) != "cancelled"


# ---- the problem-solving loop ------------------------------------------------------------------


def sees_concern_summaries(user: User) -> bool:
    """Concern summaries are for NGO roles and officers; viewers get aggregates only."""
    return _signed_in(user) and not reads_aggregates_only(user)


def can_see_concern(user: User, concern: Any) -> bool:
    return sees_concern_summaries(user) and can_see_organisation(user, concern.station_id)


def can_edit_concern(user: User, concern: Any = None) -> bool:
    return is_ngo_editor(user)


def can_resolve_concern(user: User, concern: Any = None) -> bool:
    """Resolving closes the loop: the NGO editors who verify action points write the outcome.
    Officers may verify a point but are not offered to resolve the concern."""
    return is_ngo_editor(user) and (
        concern is None or can_see_organisation(user, concern.station_id)
    )


def can_see_restricted_details(user: User, concern: Any = None) -> bool:
    """Concern restricted details (names, specifics): admins and coordinators only."""
    return is_ngo_editor(user)


def can_see_action_point(user: User, point: Any) -> bool:
    """Everyone signed in reads action points; officers those of their own stations."""
    return _signed_in(user) and can_see_organisation(user, point.station_id)


def can_edit_action_point(user: User, point: Any = None) -> bool:
    return is_ngo_editor(user)


def side_of(user: User) -> str | None:
    """The side of the partnership a user acts for on action points: "police" or "ngo"."""
    if is_police(user):
        return "police"
    if is_ngo_editor(user):
        return "ngo"
    return None


def may_own_police_side(user: Any) -> bool:
    """Who may be named the police owner of an action point."""
    return is_police(user)


def may_own_ngo_side(user: Any) -> bool:
    return is_ngo_member(user)


def can_update_action_point(user: User, point: Any) -> bool:
    """Follow-ups, progress and done: NGO editors, and officers of the point's station."""
    if is_ngo_editor(user):
        return True
    return is_police(user) and can_see_organisation(user, point.station_id)


def can_acknowledge_action_point(user: User, point: Any) -> bool:
    """Officers of the point's station acknowledge it once."""
    return (
        is_police(user)
        and can_see_organisation(user, point.station_id)
        and point.acknowledged_at is None
    )


def action_status_changes(user: User, allowed: frozenset, officer_changes: frozenset) -> frozenset:
    """Of the statuses ``allowed`` by the point's lifecycle, those ``user`` may choose: officers
    only ``officer_changes`` (progress, done), NGO editors all, others none."""
    if is_police(user):
        return allowed & officer_changes
    if is_ngo_editor(user):
        return allowed
    return frozenset()


def can_verify_action_point(user: User, point: Any) -> bool:
    """Verification is by the other side from the one that marked the point done."""
    if not point.awaits_verification or not can_update_action_point(user, point):
        return False
    side = side_of(user)
    return side is not None and point.done_side is not None and side != str(point.done_side)


# ---- downloads built in the background -------------------------------------------------------


def download_stamp(user: User) -> dict[str, str]:
    """What a background download records of who asked, for ``can_take_download``: the role the
    file is written for."""
    return {"role": user.role.value}


def can_take_download(user: User, job: Any) -> bool:
    """A list's file built in the background: only the user who asked for it, while they keep
    the role it was written for and may still use the list's download (a file written for a
    coordinator may hold columns another role may not read)."""
    params = job.params or {}
    return (
        _signed_in(user)
        and job.user_id == user.id
        and params.get("role") == user.role.value
        and can(params.get("endpoint", ""), user)
    )


# ---- referrals ---------------------------------------------------------------------------------


def can_see_client_codes(user: User) -> bool:
    """Client codes and redemption records: NGO editors only (never trainers, officers, viewers)."""
    return is_ngo_editor(user)


def can_edit_referrals(user: User, obj: Any = None) -> bool:
    return is_ngo_editor(user)


# ---- curricula ---------------------------------------------------------------------------------


def can_edit_trainings(user: User, obj: Any = None) -> bool:
    return _in(user, TRAINING_EDITORS)


def can_edit_modules(user: User, obj: Any = None) -> bool:
    return _in(user, TRAINING_EDITORS)


# ---- search ------------------------------------------------------------------------------------

# Every text the search index holds is filed under one audience (``partnership.search.index``
# decides which, field by field); a user's search reads only the audiences below that admit them,
# so a word that appears only in a field the user may not read never finds the record. Which kinds
# of records a user finds is the rule of each kind's list page (``can(list endpoint)``), and which
# records the list page's own query builder with its station scope.
SEARCH_AUDIENCES: dict[str, Callable[[Any], bool]] = {
    "all": _signed_in,
    # Community representatives' names, contacts and references: as on their pages.
    "community_names": lambda user: sees_names(user),
    "security_notes": lambda user: can_see_security_notes(user),
    "restricted_details": lambda user: can_see_restricted_details(user),
}


def search_audiences(user: User) -> frozenset[str]:
    """The index audiences ``user`` may search."""
    return frozenset(name for name, rule in SEARCH_AUDIENCES.items() if rule(user))


# ---- pages -------------------------------------------------------------------------------------


def todo_lists(user: User) -> frozenset[str]:
    """What the dashboard's to-do holds for the user. Officers: points of their stations to
    acknowledge, to verify (the NGO side marked them done), to follow up (due soon or
    overdue), and meetings coming at their stations. NGO editors: points the police side
    marked done, concerns whose points are all verified (to resolve), stations overdue for a
    visit (to schedule) and meetings coming. Trainers and viewers: none."""
    if is_police(user):
        return frozenset({"acknowledge", "verify", "follow_up", "meetings"})
    if is_ngo_editor(user):
        return frozenset({"verify", "resolve", "schedule", "meetings"})
    return frozenset()


def leads_with_trainings(user: User) -> bool:
    """The trainer's dashboard puts trainings and results first."""
    return _in(user, TRAINING_EDITORS) and not is_ngo_editor(user)


# Every helper a template may ask; registered as Jinja globals by create_app.
TEMPLATE_HELPERS: dict[str, Callable[..., Any]] = {
    "can": can,
    "is_ngo_editor": is_ngo_editor,
    "is_police": is_police,
    "reads_aggregates_only": reads_aggregates_only,
    "can_see_organisation": can_see_organisation,
    "can_edit_organisations": can_edit_organisations,
    "can_edit_person": can_edit_person,
    "sees_names": sees_names,
    "person_name": person_name,
    "sees_contact_details": sees_contact_details,
    "sees_people_lists": sees_people_lists,
    "can_schedule": can_schedule,
    "can_edit_meeting": can_edit_meeting,
    "sees_register_names": sees_register_names,
    "sees_minutes": sees_minutes,
    "sees_attendee": sees_attendee,
    "can_see_security_notes": can_see_security_notes,
    "can_agree_action_point": can_agree_action_point,
    "sees_concern_summaries": sees_concern_summaries,
    "can_edit_concern": can_edit_concern,
    "can_resolve_concern": can_resolve_concern,
    "can_see_restricted_details": can_see_restricted_details,
    "can_edit_action_point": can_edit_action_point,
    "can_update_action_point": can_update_action_point,
    "can_acknowledge_action_point": can_acknowledge_action_point,
    "can_verify_action_point": can_verify_action_point,
    "can_see_client_codes": can_see_client_codes,
    "can_edit_trainings": can_edit_trainings,
    "leads_with_trainings": leads_with_trainings,
}

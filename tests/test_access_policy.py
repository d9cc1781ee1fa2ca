"""Every endpoint has exactly one access rule, and each role gets what the policy promises.

The matrix below is written out by hand from the product's "who sees what" table, so it checks
the policy instead of repeating it. A new endpoint fails ``test_matrix_covers_every_endpoint``
until it has a row here.
"""

from __future__ import annotations

import pytest

from partnership.permissions import ENDPOINT_RULES

ROLES = ["admin", "coordinator", "trainer", "officer", "viewer"]
ALL = set(ROLES)
EDIT = {"admin", "coordinator"}
ADMIN = {"admin"}
NO_OFFICER = ALL - {"officer"}
NGO_AND_OFFICER = ALL - {"viewer"}
NO_VIEWER = ALL - {"viewer"}
ISSUERS = EDIT | {"officer"}
NGO = {"admin", "coordinator", "trainer"}
TRAIN = {"admin", "coordinator", "trainer"}


def _c(w):  # noqa: ANN001, ANN202
    """The curricula records of the world (tests/curricula/records.py)."""
    return w.curricula


# endpoint -> (method, url builder taking the world and a person id, roles allowed)
MATRIX = {
    "dashboard.home": ("GET", lambda w, p: "/", ALL),
    "dashboard.station_page": ("GET", lambda w, p: f"/stations/{w.station_a.id}", ALL),
    "dashboard.station_story": ("GET", lambda w, p: f"/stations/{w.station_a.id}", ALL),
    "dashboard.report_create": ("POST", lambda w, p: "/reports", ALL),
    "dashboard.report_detail": ("GET", lambda w, p: "/reports/999999", ALL),
    "dashboard.report_download": ("GET", lambda w, p: "/reports/999999/download", ALL),
    "search.search": ("GET", lambda w, p: "/search?q=alpha", ALL),
    "auth.api_token_list": ("GET", lambda w, p: "/account/api-tokens", ALL),
    "auth.api_token_create": ("POST", lambda w, p: "/account/api-tokens", ALL),
    "auth.api_token_revoke": ("POST", lambda w, p: "/account/api-tokens/999999/revoke", ALL),
    "api.station_list": ("GET", lambda w, p: "/api/v1/stations", ALL),
    "api.person_list": ("GET", lambda w, p: "/api/v1/people", ALL),
    "api.meeting_list": ("GET", lambda w, p: "/api/v1/meetings", ALL),
    "api.concern_list": ("GET", lambda w, p: "/api/v1/concerns", NGO_AND_OFFICER),
    "api.action_point_list": ("GET", lambda w, p: "/api/v1/action-points", ALL),
    "api.training_list": ("GET", lambda w, p: "/api/v1/trainings", ALL),
    "api.indicator_list": ("GET", lambda w, p: "/api/v1/indicators", ALL),
    "api.referral_station_months": ("GET", lambda w, p: "/api/v1/referrals/station-months", ALL),
    "api.scheme_list": ("GET", lambda w, p: "/api/v1/referral-schemes", ALL),
    "api.scheme_measures": ("GET", lambda w, p: "/api/v1/referral-schemes/999999/measures", ALL),
    "api.slip_create": ("POST", lambda w, p: "/api/v1/slips", ISSUERS),
    "api.attendance_record": ("POST", lambda w, p: "/api/v1/meetings/999999/attendance", TRAIN),
    "api.follow_up_create": (
        "POST", lambda w, p: "/api/v1/action-points/999999/follow-ups", ISSUERS
    ),
    "dashboard.report_retry": ("POST", lambda w, p: "/reports/999999/retry", ALL),
    "jobs.job_detail": ("GET", lambda w, p: "/downloads/999999", ALL),
    "jobs.job_download": ("GET", lambda w, p: "/downloads/999999/file", ALL),
    "jobs.job_retry": ("POST", lambda w, p: "/downloads/999999/retry", ALL),
    "auth.password_change": ("GET", lambda w, p: "/account/password", ALL),
    "auth.logout": ("POST", lambda w, p: "/logout", ALL),
    "auth.language_save": ("POST", lambda w, p: "/account/language", ALL),
    "dhis2.connection_edit": ("GET", lambda w, p: "/dhis2/connection", ADMIN),
    "dhis2.mapping_edit": ("GET", lambda w, p: "/dhis2/mapping", ADMIN),
    "dhis2.mapping_import": ("POST", lambda w, p: "/dhis2/mapping/import", ADMIN),
    "dhis2.mapping_template": ("GET", lambda w, p: "/dhis2/mapping/template.csv", ADMIN),
    "dhis2.dry_run": ("GET", lambda w, p: "/dhis2/dry-run", EDIT),
    "dhis2.dry_run_json": ("GET", lambda w, p: "/dhis2/dry-run.json", EDIT),
    "dhis2.push_create": ("POST", lambda w, p: "/dhis2/pushes", ADMIN),
    "dhis2.push_list": ("GET", lambda w, p: "/dhis2/pushes", EDIT),
    "dhis2.push_detail": ("GET", lambda w, p: f"/dhis2/pushes/{w.dhis2_push.id}", EDIT),
    "dhis2.push_again": ("POST", lambda w, p: f"/dhis2/pushes/{w.dhis2_push.id}/again", ADMIN),
    "accounts.user_list": ("GET", lambda w, p: "/admin/users", ADMIN),
    "accounts.user_create": ("GET", lambda w, p: "/admin/users/new", ADMIN),
    "accounts.user_edit": ("GET", lambda w, p: f"/admin/users/{w.users['viewer'].id}/edit", ADMIN),
    "accounts.user_deactivate": (
        "POST",
        lambda w, p: f"/admin/users/{w.users['viewer'].id}/deactivate",
        ADMIN,
    ),
    "accounts.user_reactivate": (
        "POST",
        lambda w, p: f"/admin/users/{w.users['viewer'].id}/reactivate",
        ADMIN,
    ),
    "accounts.user_password_reset": (
        "GET",
        lambda w, p: f"/admin/users/{w.users['viewer'].id}/password",
        ADMIN,
    ),
    "accounts.user_sessions_end": (
        "POST",
        lambda w, p: f"/admin/users/{w.users['viewer'].id}/sessions/end",
        ADMIN,
    ),
    "accounts.audit_list": ("GET", lambda w, p: "/admin/audit", ADMIN),
    "accounts.audit_export": ("GET", lambda w, p: "/admin/audit/export.csv", ADMIN),
    "accounts.user_export": ("GET", lambda w, p: "/admin/users/export.xlsx", ADMIN),
    "accounts.import_start": ("GET", lambda w, p: "/admin/imports", EDIT),
    "accounts.import_confirm": ("POST", lambda w, p: "/admin/imports/confirm", EDIT),
    "accounts.import_template": ("GET", lambda w, p: "/admin/imports/template/people.csv", EDIT),
    "organisations.organisation_list": ("GET", lambda w, p: "/organisations", ALL),
    "organisations.organisation_export": ("GET", lambda w, p: "/organisations/export.csv", ALL),
    "organisations.organisation_detail": (
        "GET",
        lambda w, p: f"/organisations/{w.station_a.id}",
        ALL,
    ),
    "organisations.organisation_create": ("GET", lambda w, p: "/organisations/new", EDIT),
    "organisations.organisation_edit": (
        "GET",
        lambda w, p: f"/organisations/{w.station_a.id}/edit",
        EDIT,
    ),
    "organisations.organisation_deactivate": (
        "POST",
        lambda w, p: f"/organisations/{w.station_a.id}/deactivate",
        EDIT,
    ),
    "organisations.organisation_reactivate": (
        "POST",
        lambda w, p: f"/organisations/{w.station_a.id}/reactivate",
        EDIT,
    ),
    "organisations.person_list": ("GET", lambda w, p: "/people", ALL),
    "organisations.person_export": ("GET", lambda w, p: "/people/export.xlsx", ALL),
    "organisations.person_detail": ("GET", lambda w, p: f"/people/{p.id}", ALL),
    "organisations.person_create": ("GET", lambda w, p: "/people/new", EDIT),
    "organisations.person_edit": ("GET", lambda w, p: f"/people/{p.id}/edit", EDIT),
    "organisations.person_deactivate": ("POST", lambda w, p: f"/people/{p.id}/deactivate", EDIT),
    "organisations.person_reactivate": ("POST", lambda w, p: f"/people/{p.id}/reactivate", EDIT),
    "organisations.person_transfer": ("GET", lambda w, p: f"/people/{p.id}/transfer", EDIT),
    # Problem-solving loop: w.concern is an open concern at station A, w.point an action point
    # there that the NGO side marked done (so only the police side may verify it).
    "actions.concern_list": ("GET", lambda w, p: "/concerns", NGO_AND_OFFICER),
    "actions.concern_export": ("GET", lambda w, p: "/concerns/export.csv", NGO_AND_OFFICER),
    "actions.concern_detail": ("GET", lambda w, p: f"/concerns/{w.concern.id}", NGO_AND_OFFICER),
    "actions.concern_create": ("GET", lambda w, p: "/concerns/new", EDIT),
    "actions.concern_edit": ("GET", lambda w, p: f"/concerns/{w.concern.id}/edit", EDIT),
    "actions.concern_status": (
        "POST",
        lambda w, p: f"/concerns/{w.concern.id}/status",
        EDIT,
        {"status": "on_agenda"},
    ),
    "actions.concern_resolve": (
        "POST",
        lambda w, p: f"/concerns/{w.concern.id}/resolve",
        EDIT,
    ),
    "actions.concern_seal": ("POST", lambda w, p: f"/concerns/{w.concern.id}/seal", EDIT),
    "actions.concern_annotate": (
        "POST",
        lambda w, p: f"/concerns/{w.concern.id}/notes",
        EDIT,
        {"text": "Checked with the outreach team."},
    ),
    "actions.action_point_list": ("GET", lambda w, p: "/action-points", ALL),
    "actions.action_point_export": ("GET", lambda w, p: "/action-points/export.xlsx", ALL),
    "actions.action_point_detail": ("GET", lambda w, p: f"/action-points/{w.point.id}", ALL),
    "actions.action_point_create": ("GET", lambda w, p: "/action-points/new", EDIT),
    "actions.action_point_edit": ("GET", lambda w, p: f"/action-points/{w.point.id}/edit", EDIT),
    "actions.action_point_follow_up": (
        "POST",
        lambda w, p: f"/action-points/{w.point.id}/follow-up",
        EDIT | {"officer"},
        {"note": "Discussed with the OCS."},
    ),
    "actions.action_point_acknowledge": (
        "POST",
        lambda w, p: f"/action-points/{w.point.id}/acknowledge",
        {"officer"},
    ),
    # The rule admits both sides; the object rule leaves only the other side from the one
    # that marked the point done.
    "actions.action_point_verify": (
        "GET",
        lambda w, p: f"/action-points/{w.point.id}/verify",
        {"officer"},
    ),
    "meetings.action_point_agree": (
        "GET",
        lambda w, p: f"/meetings/{w.loop_meeting}/action-points/new",
        EDIT,
    ),
    "meetings.action_point_review": (
        "POST",
        lambda w, p: f"/meetings/{w.loop_meeting}/action-points/{w.point.id}/review",
        EDIT,
    ),
    "actions.my_review": ("GET", lambda w, p: "/my-review", {"officer"}),
    "actions.measures": ("GET", lambda w, p: "/measures", ALL),
    "notifications.notification_list": ("GET", lambda w, p: "/notifications", ALL),
    "notifications.notification_read": ("POST", lambda w, p: "/notifications/999999/read", ALL),
    "notifications.notification_read_all": ("POST", lambda w, p: "/notifications/read", ALL),
    "notifications.notification_settings": ("GET", lambda w, p: "/notifications/settings", ALL),
    "dashboard.station_brief": (
        "GET",
        lambda w, p: f"/stations/{w.station_a.id}/brief",
        NGO_AND_OFFICER,
    ),
    "dashboard.station_brief_pdf": (
        "GET",
        lambda w, p: f"/stations/{w.station_a.id}/brief.pdf",
        NGO_AND_OFFICER,
    ),
    # Referrals: the URL builders use the referral scheme the tests create (see _referrals()).
    "referrals.scheme_list": ("GET", lambda w, p: "/referrals/", ALL),
    "referrals.scheme_detail": ("GET", lambda w, p: f"/referrals/schemes/{w.ref.scheme}", ALL),
    "referrals.scheme_measures_export": (
        "GET",
        lambda w, p: f"/referrals/schemes/{w.ref.scheme}/measures.xlsx",
        ALL,
    ),
    "referrals.scheme_create": ("GET", lambda w, p: "/referrals/schemes/new", EDIT),
    "referrals.scheme_edit": ("GET", lambda w, p: f"/referrals/schemes/{w.ref.scheme}/edit", EDIT),
    "referrals.scheme_status": (
        "POST",
        lambda w, p: f"/referrals/schemes/{w.ref.scheme}/status",
        EDIT,
    ),
    "referrals.service_point_list": ("GET", lambda w, p: "/referrals/service-points", ALL),
    "referrals.service_point_export": (
        "GET",
        lambda w, p: "/referrals/service-points/export.csv",
        ALL,
    ),
    "referrals.service_point_create": ("GET", lambda w, p: "/referrals/service-points/new", EDIT),
    "referrals.service_point_edit": (
        "GET",
        lambda w, p: f"/referrals/service-points/{w.ref.point}/edit",
        EDIT,
    ),
    "referrals.service_point_checked": (
        "POST",
        lambda w, p: f"/referrals/service-points/{w.ref.point}/checked",
        EDIT,
    ),
    "referrals.slip_list": ("GET", lambda w, p: "/referrals/slips", NO_VIEWER),
    "referrals.slip_export": ("GET", lambda w, p: "/referrals/slips/export.csv", NO_VIEWER),
    "referrals.slip_create": ("GET", lambda w, p: "/referrals/slips/new", ISSUERS),
    "referrals.officer_search": ("GET", lambda w, p: "/referrals/officers.json?q=of", ISSUERS),
    "referrals.slip_import": ("GET", lambda w, p: "/referrals/slips/import", EDIT),
    "referrals.slip_import_template": (
        "GET",
        lambda w, p: "/referrals/slips/import-template.xlsx",
        EDIT,
    ),
    "referrals.slip_redeem": ("GET", lambda w, p: "/referrals/redemptions/new", EDIT),
    "referrals.redemption_list": ("GET", lambda w, p: "/referrals/redemptions", EDIT),
    "referrals.redemption_export": ("GET", lambda w, p: "/referrals/redemptions/export.csv", EDIT),
    "referrals.redemption_import": ("GET", lambda w, p: "/referrals/redemptions/import", EDIT),
    "referrals.redemption_import_template": (
        "GET",
        lambda w, p: "/referrals/redemptions/import-template.csv",
        EDIT,
    ),
    "referrals.station_feedback": ("GET", lambda w, p: "/referrals/feedback", ISSUERS),
    "meetings.meeting_index": ("GET", lambda w, p: "/meetings/", ALL),
    "meetings.meeting_calendar": ("GET", lambda w, p: "/meetings/calendar?view=week", ALL),
    "meetings.meeting_export": ("GET", lambda w, p: "/meetings/export.xlsx", ALL),
    "meetings.meeting_due": ("GET", lambda w, p: "/meetings/due", ALL),
    "meetings.meeting_due_export": ("GET", lambda w, p: "/meetings/due/export.csv", ALL),
    "meetings.meeting_detail": ("GET", lambda w, p: f"/meetings/{w.meeting}", ALL),
    "meetings.meeting_ics": ("GET", lambda w, p: f"/meetings/{w.meeting}.ics", ALL),
    "meetings.meeting_station_feed": (
        "GET",
        lambda w, p: f"/meetings/stations/{w.station_a.id}.ics",
        ALL,
    ),
    "meetings.feed_settings": ("GET", lambda w, p: "/meetings/feed", ALL),
    "meetings.feed_token_create": ("POST", lambda w, p: "/meetings/feed/new", ALL),
    "meetings.feed_token_revoke": ("POST", lambda w, p: "/meetings/feed/revoke", ALL),
    # Trainers pass the endpoint rule but edit trainings only: this meeting is not one.
    "meetings.meeting_create": ("GET", lambda w, p: "/meetings/new", NGO),
    "meetings.meeting_bulk_schedule": (
        "GET",
        lambda w, p: f"/meetings/due/schedule?station={w.station_a.id}",
        EDIT,
    ),
    "meetings.meeting_edit": ("GET", lambda w, p: f"/meetings/{w.meeting}/edit", EDIT),
    "meetings.meeting_confirm": ("POST", lambda w, p: f"/meetings/{w.meeting}/confirm", EDIT),
    "meetings.meeting_hold": ("POST", lambda w, p: f"/meetings/{w.meeting}/hold", EDIT),
    "meetings.meeting_postpone": ("GET", lambda w, p: f"/meetings/{w.meeting}/postpone", EDIT),
    "meetings.meeting_cancel": ("GET", lambda w, p: f"/meetings/{w.meeting}/cancel", EDIT),
    "meetings.register_edit": ("GET", lambda w, p: f"/meetings/{w.meeting}/register", EDIT),
    "meetings.attendee_add": ("POST", lambda w, p: f"/meetings/{w.meeting}/register/add", EDIT),
    "meetings.attendee_create": (
        "POST",
        lambda w, p: f"/meetings/{w.meeting}/register/new-person",
        EDIT,
    ),
    "meetings.attendee_remove": (
        "POST",
        lambda w, p: f"/meetings/{w.meeting}/register/remove",
        EDIT,
    ),
    "meetings.register_export": (
        "GET",
        lambda w, p: f"/meetings/{w.meeting}/register.csv",
        ALL - {"viewer"},
    ),
    "meetings.register_template": (
        "GET",
        lambda w, p: f"/meetings/{w.meeting}/register-template.xlsx",
        EDIT,
    ),
    "meetings.register_import": (
        "GET",
        lambda w, p: f"/meetings/{w.meeting}/register/import",
        EDIT,
    ),
    "meetings.agenda_item_add": ("POST", lambda w, p: f"/meetings/{w.meeting}/agenda", EDIT),
    "meetings.agenda_item_move": (
        "POST",
        lambda w, p: f"/meetings/{w.meeting}/agenda/{w.agenda_item}/move",
        EDIT,
    ),
    "meetings.agenda_item_delete": (
        "POST",
        lambda w, p: f"/meetings/{w.meeting}/agenda/{w.agenda_item}/delete",
        EDIT,
    ),
    "meetings.decision_add": ("POST", lambda w, p: f"/meetings/{w.meeting}/decisions", EDIT),
    "meetings.decision_delete": (
        "POST",
        lambda w, p: f"/meetings/{w.meeting}/decisions/{w.decision}/delete",
        EDIT,
    ),
    "meetings.minutes_edit": ("GET", lambda w, p: f"/meetings/{w.meeting}/minutes", EDIT),
    "curricula.curricula_index": ("GET", lambda w, p: "/curricula/", ALL),
    "curricula.module_list": ("GET", lambda w, p: "/curricula/modules", ALL),
    "curricula.module_export": ("GET", lambda w, p: "/curricula/modules/export.xlsx", ALL),
    "curricula.module_detail": ("GET", lambda w, p: f"/curricula/modules/{_c(w).module_id}", ALL),
    "curricula.module_create": ("GET", lambda w, p: "/curricula/modules/new", TRAIN),
    "curricula.module_edit": (
        "GET",
        lambda w, p: f"/curricula/modules/{_c(w).module_id}/edit",
        TRAIN,
    ),
    "curricula.module_version_create": (
        "POST",
        lambda w, p: f"/curricula/modules/{_c(w).module_id}/versions",
        TRAIN,
    ),
    "curricula.material_upload": (
        "GET",
        lambda w, p: f"/curricula/modules/{_c(w).module_id}/materials/new",
        TRAIN,
    ),
    "curricula.material_download": (
        "GET",
        lambda w, p: f"/curricula/modules/{_c(w).module_id}/materials/{_c(w).material_id}",
        TRAIN,
    ),
    "curricula.material_delete": (
        "POST",
        lambda w, p: f"/curricula/modules/{_c(w).module_id}/materials/{_c(w).material_id}/delete",
        TRAIN,
    ),
    "curricula.question_create": (
        "GET",
        lambda w, p: f"/curricula/modules/{_c(w).module_id}/questions/new",
        TRAIN,
    ),
    "curricula.adoption_list": ("GET", lambda w, p: "/curricula/adoption", ALL),
    "curricula.adoption_create": ("GET", lambda w, p: "/curricula/adoption/new", TRAIN),
    "curricula.adoption_advance": (
        "GET",
        lambda w, p: f"/curricula/adoption/{_c(w).adoption_id}",
        TRAIN,
    ),
    "curricula.training_list": ("GET", lambda w, p: "/curricula/trainings", ALL),
    "curricula.training_detail": (
        "GET",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}",
        ALL,
    ),
    "curricula.training_create": ("GET", lambda w, p: "/curricula/trainings/new", TRAIN),
    "curricula.training_setup": (
        "GET",
        lambda w, p: f"/curricula/trainings/setup/{_c(w).unset_meeting_id}",
        TRAIN,
    ),
    "curricula.training_scores": (
        "GET",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}/scores",
        TRAIN,
    ),
    "curricula.training_answers": (
        "GET",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}/answers/pre",
        TRAIN,
    ),
    "curricula.training_import": (
        "GET",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}/import",
        TRAIN,
    ),
    "curricula.training_import_template": (
        "GET",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}/template.xlsx",
        TRAIN,
    ),
    "curricula.knowledge_gain": ("GET", lambda w, p: "/curricula/knowledge?by=station", ALL),
    "curricula.coverage": ("GET", lambda w, p: "/curricula/coverage", ALL),
    "curricula.certificate_issue": (
        "POST",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}/certificates",
        TRAIN,
    ),
    "curricula.certificate_bulk": (
        "GET",
        lambda w, p: f"/curricula/trainings/{_c(w).own_training_id}/certificates.zip",
        TRAIN,
    ),
    "curricula.certificate_download": (
        "GET",
        lambda w, p: f"/curricula/certificates/{_c(w).own_certificate_id}.pdf",
        TRAIN,
    ),
    "curricula.certificate_revoke": (
        "GET",
        lambda w, p: f"/curricula/certificates/{_c(w).own_certificate_id}/revoke",
        TRAIN,
    ),
}

# Records of another station: an officer of station A gets "not found", as if they did not exist.
OTHER_STATION = {
    "dashboard.station_page": lambda w, p: f"/stations/{w.station_c.id}",
    "dashboard.station_story": lambda w, p: f"/stations/{w.station_c.id}",
    "organisations.organisation_detail": lambda w, p: f"/organisations/{w.station_c.id}",
    "organisations.person_detail": lambda w, p: f"/people/{p.id}",
    "curricula.training_detail": lambda w, p: f"/curricula/trainings/{_c(w).other_training_id}",
    "actions.concern_detail": lambda w, p: f"/concerns/{w.other_concern.id}",
    "actions.action_point_detail": lambda w, p: f"/action-points/{w.other_point.id}",
    "dashboard.station_brief": lambda w, p: f"/stations/{w.station_c.id}/brief",
    # A scheme only another command's station takes part in, and that station's feedback.
    "referrals.scheme_detail": lambda w, p: f"/referrals/schemes/{w.ref.far_scheme}",
    "referrals.scheme_measures_export": (
        lambda w, p: f"/referrals/schemes/{w.ref.far_scheme}/measures.csv"
    ),
    "referrals.station_feedback": lambda w, p: f"/referrals/feedback?station={w.station_c.id}",
    "meetings.meeting_detail": lambda w, p: f"/meetings/{w.other_meeting}",
    "meetings.meeting_ics": lambda w, p: f"/meetings/{w.other_meeting}.ics",
    "meetings.register_export": lambda w, p: f"/meetings/{w.other_meeting}/register.xlsx",
    "meetings.meeting_station_feed": lambda w, p: f"/meetings/stations/{w.station_c.id}.ics",
}

# The personal calendar feed is public in the rule table: its secret address is the sign-in
# (tests/meetings/test_feeds.py checks that a wrong or revoked token gets nothing). The
# certificate check shows only name, training, dates and validity (tests/curricula).
PUBLIC = {
    "static",
    "auth.login",
    "auth.password_forgot",
    "auth.password_reset",
    "auth.language_choose",
    "health",
    "service_worker",
    "meetings.meeting_feed",
    "curricula.certificate_verify",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
}


@pytest.fixture(autouse=True)
def _curricula_records(request):  # noqa: ANN001, ANN202
    """Give the world the curricula records the rows above point at."""
    if "world" in request.fixturenames:
        from tests.curricula.records import curricula_records

        world = request.getfixturevalue("world")
        world.curricula = curricula_records(request.getfixturevalue("app"), world)


@pytest.fixture()
def world(world, app):  # noqa: ANN001, ANN201
    """The shared world plus a meeting at the officer's station (with an agenda item and a
    decision) and one at another command's station."""
    from meetings.models import AgendaItem, Decision
    from partnership.extensions import db
    from tests.meetings.helpers import create_meeting

    world.meeting = create_meeting(app, [world.station_a], title="Alpha sensitisation")
    world.other_meeting = create_meeting(app, [world.station_c], title="Far away meeting")
    with app.app_context():
        item = AgendaItem(meeting_id=world.meeting, title="Raids at hotspots", position=1)
        decision = Decision(meeting_id=world.meeting, text="Monthly joint patrol briefings")
        db.session.add_all([item, decision])
        db.session.commit()
        world.agenda_item, world.decision = item.id, decision.id
        db.session.remove()
    return world


# Records that belong to one user (their own report jobs): everyone else, whatever the role,
# gets "not found"; the matrix URL points at a record of nobody in the test.
OWN_RECORDS = {
    "dashboard.report_detail",
    "dashboard.report_download",
    "dashboard.report_retry",
    "jobs.job_detail",
    "jobs.job_download",
    "jobs.job_retry",
    "notifications.notification_read",
    "auth.api_token_revoke",
}


@pytest.fixture(autouse=True)
def _referrals(request):
    """A running scheme of the Coast Command with a service point, and a scheme of station C
    only, for the referral rows (``world.ref``)."""
    if "world" not in request.fixturenames:
        return
    from types import SimpleNamespace

    from partnership.extensions import db
    from partnership.organisations.models import Organisation
    from partnership.referrals.models import Scheme, SchemeStatus, ServicePoint

    app, world = request.getfixturevalue("app"), request.getfixturevalue("world")
    service = request.getfixturevalue("make_org")("service", "Access Test Service")
    with app.app_context():
        org = lambda i: db.session.get(Organisation, i)  # noqa: E731
        point = ServicePoint(organisation_id=service.id, name="Drop-in", services="nsp")
        near = Scheme(name="Near", status=SchemeStatus.ACTIVE,
                      partners=[org(world.command.id), org(service.id)])  # fmt: skip
        far = Scheme(name="Far", status=SchemeStatus.ACTIVE,
                     partners=[org(world.station_c.id), org(service.id)])  # fmt: skip
        db.session.add_all([point, near, far])
        db.session.commit()
        world.ref = SimpleNamespace(scheme=near.id, far_scheme=far.id, point=point.id)
        db.session.remove()


def test_every_endpoint_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(e for e in endpoints if e not in ENDPOINT_RULES)
    assert missing == [], f"endpoints without an access rule: {missing}"
    stale = sorted(e for e in ENDPOINT_RULES if e not in endpoints)
    assert stale == [], f"rules for endpoints that do not exist: {stale}"


def test_matrix_covers_every_endpoint(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC
    assert sorted(endpoints - set(MATRIX)) == []


def test_public_endpoints_are_exactly_the_expected_ones():
    public = {e for e, rule in ENDPOINT_RULES.items() if rule.public}
    assert public == PUBLIC


def test_endpoint_without_rule_is_refused(app, admin_client, monkeypatch):
    monkeypatch.delitem(ENDPOINT_RULES, "organisations.organisation_list")
    assert admin_client.get("/organisations").status_code == 403


@pytest.fixture()
def loop_records(app, world, make_concern, make_action_point):
    """Concerns and action points at station A and, out of the officer's scope, station C."""
    world.concern = make_concern(world.station_a, summary="Syringes taken at the market")
    world.point = make_action_point(world.station_a, status="done", done_side="ngo")
    world.other_concern = make_concern(world.station_c, place="Charlie Police Station yard")
    world.other_point = make_action_point(world.station_c, title="Charlie Police Station task")
    from tests.meetings.helpers import create_meeting

    world.loop_meeting = create_meeting(app, [world.station_a])
    from partnership.dhis2.models import Dhis2Push, PushStatus
    from tests.conftest import _saved

    world.dhis2_push = _saved(app, Dhis2Push(period="202602", status=PushStatus.FAILED))
    return world


def _request(client, method, url, data=None):
    return client.get(url) if method == "GET" else client.post(url, data=data or {})


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, loop_records, make_person, endpoint):
    world = loop_records
    method, url = MATRIX[endpoint][:2]
    person = make_person("officer", world.station_a)
    response = _request(client, method, url(world, person))
    if endpoint.startswith("api."):  # a script has no sign-in page: 401 in JSON
        assert response.status_code == 401 and response.is_json
        return
    assert response.status_code == 302
    assert response.location.startswith("/login")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access_matrix(login_as, loop_records, make_person, endpoint, role):
    world = loop_records
    method, url, allowed, *data = MATRIX[endpoint]
    person = make_person("officer", world.station_a)
    client = login_as(role)
    if endpoint.startswith("api."):  # a script, with its personal token (the API takes no session)
        from tests.api.helpers import call, new_token

        path = url(world, person)
        response = call(client.application, new_token(client), path, method, json={})
        if role in allowed:
            # 404: a record that does not exist; 422: let in, the empty request was refused.
            assert response.status_code in (200, 404, 422), (endpoint, role, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
        return
    response = _request(client, method, url(world, person), data[0] if data else None)
    if endpoint in OWN_RECORDS:
        assert response.status_code == 404, (endpoint, role, response.status_code)
    elif role in allowed:
        # 422: let in, and the empty form was refused by validation.
        assert response.status_code in (200, 302, 422), (endpoint, role, response.status_code)
        if response.status_code == 302 and endpoint != "auth.logout":
            assert not response.location.startswith("/login")
    else:
        assert response.status_code == 403, (endpoint, role, response.status_code)


@pytest.mark.parametrize("endpoint", sorted(OTHER_STATION))
def test_officer_gets_not_found_for_another_stations_records(
    login_as, loop_records, make_person, endpoint
):
    world = loop_records
    other_officer = make_person("officer", world.station_c, name="Other Station Officer")
    client = login_as("officer")
    response = client.get(OTHER_STATION[endpoint](world, other_officer))
    assert response.status_code == 404
    assert b"Other Station Officer" not in response.data
    assert b"Charlie Police Station" not in response.data
    # An NGO coordinator sees the same record.
    assert (
        login_as("coordinator")
        .get(OTHER_STATION[endpoint](world, other_officer), follow_redirects=True)
        .status_code
        == 200
    )


def test_officer_of_a_command_sees_every_station_under_it(world, make_user, app):
    from tests.conftest import login

    commander = make_user("officer", world.command, email="commander@test.example")
    client = app.test_client()
    login(client, commander.email)
    assert client.get(f"/stations/{world.station_a.id}").status_code == 200
    assert client.get(f"/stations/{world.station_b.id}").status_code == 200
    assert client.get(f"/stations/{world.station_c.id}").status_code == 404
    assert client.get(f"/organisations/{world.station_c.id}").status_code == 404

"""Calendar files and personal iCalendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings import ical
from meetings.services import feeds, queries
from meetings.views import bp
from partnership.caching import cached, viewer_key
from partnership.extensions import db
from partnership.i18n import in_language_of
from partnership.organisations import services as org_services
from partnership.pagination import arg_int
from partnership.permissions import can_see_organisation, station_scope

# ---- calendar files and feeds ------------------------------------------------------------------


@bp.get("/<int:meeting_id>.ics")
def meeting_ics(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user)
    body = ical.calendar_of([meeting], meeting.title)
    return ical.send_calendar(body, f"meeting-{meeting.id}")


@bp.get("/stations/<int:station_id>.ics")
def meeting_station_feed(station_id: int):
    user = current_user._get_current_object()
    if not can_see_organisation(user, station_id):
        abort(404)

    def render() -> tuple[bytes, str]:
        station = org_services.get_organisation_or_404(station_id, user)
        meetings = list(db.session.scalars(feeds.personal_feed_query(user, station.id)))
        feeds.kept_until_first_leaves(meetings)
        return ical.calendar_of(meetings, station.name), f"station-{station.id}"

    # Kept until a write changes what it was read from (partnership.caching: the station's
    # name too), for who asks (their stations) and the address the events link to; served
    # from the kept copy without reading the station again.
    body, filename = cached("ics:station", render, viewer_key(user), station_id, request.host_url)
    return ical.send_calendar(body, filename, attachment=False)


@bp.get("/feed/<token>.ics")
def meeting_feed(token: str):
    """A personal feed for calendar programs: the secret in the address stands for a sign-in."""
    user = feeds.user_for_feed_token(token)
    if user is None:
        abort(404)
    station_id = arg_int("station")
    if station_id is not None:
        scope = station_scope(user)
        if scope is not None and station_id not in scope:
            abort(404)
    meetings = db.session.scalars(feeds.personal_feed_query(user, station_id))
    # A calendar program fetches the feed without a session: write it in its owner's language.
    with in_language_of(user):
        body = ical.calendar_of(meetings, _("Meetings of %(name)s", name=user.name))
    token_row = feeds.feed_token_of(user)
    token_row.last_used_at = datetime.now(UTC)
    db.session.commit()
    return ical.send_calendar(body, "meetings", attachment=False)


@bp.get("/feed")
def feed_settings():
    return render_template(
        "meetings/feed_settings.html",
        token=feeds.feed_token_of(current_user),
        address=None,
        stations=org_services.stations(current_user),
    )


@bp.post("/feed/new")
def feed_token_create():
    secret = feeds.create_feed_token(current_user)
    db.session.commit()
    address = url_for("meetings.meeting_feed", token=secret, _external=True)
    return render_template(
        "meetings/feed_settings.html",
        token=feeds.feed_token_of(current_user),
        address=address,
        stations=org_services.stations(current_user),
    )


@bp.post("/feed/revoke")
def feed_token_revoke():
    if feeds.revoke_feed_token(current_user):
        db.session.commit()
        flash(_("Your calendar feed address was revoked; it no longer works."), "success")
    return redirect(url_for("meetings.feed_settings"))

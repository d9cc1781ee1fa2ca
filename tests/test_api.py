"""The JSON API: personal tokens, the same access and scope as the pages, small counts withheld,
no client codes or restricted details anywhere, responses as the OpenAPI description says."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token_from
from tests.meetings.helpers import create_meeting
from tests.referrals.conftest import CODES, add_redemption, add_slips, referrals  # noqa: F401

ENDPOINTS = ["/api/v1/stations", "/api/v1/people", "/api/v1/meetings", "/api/v1/concerns",
             "/api/v1/action-points", "/api/v1/trainings", "/api/v1/indicators",
             "/api/v1/referral-schemes", "/api/v1/referrals/station-months"]  # fmt: skip


def new_token(client) -> str:  # noqa: ANN001
    page = client.get("/account/api-tokens").get_data(as_text=True)
    response = client.post(
        "/account/api-tokens",
        data={"name": "M&E script", "days": "90", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "shown only this once" in html
    return re.search(r'<code class="token">(pmt_[^<]+)</code>', html).group(1)


def get(app, token: str, path: str, **args):  # noqa: ANN001, ANN201
    return app.test_client().get(
        path, query_string=args, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_token_is_shown_once_stored_hashed_and_revoked(app, db, world, login_as) -> None:  # noqa: ANN001
    from partnership.accounts.models import ApiToken

    client = login_as("coordinator")
    token = new_token(client)
    assert token not in client.get("/account/api-tokens").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(db.select(ApiToken)).one()
        assert row.token_hash != token and len(row.token_hash) == 64
        token_id = row.id
    assert get(app, token, "/api/v1/stations").status_code == 200
    page = client.get("/account/api-tokens").get_data(as_text=True)
    response = client.post(f"/account/api-tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token_from(page)})  # fmt: skip
    assert response.status_code == 302
    answer = get(app, token, "/api/v1/stations")
    assert answer.status_code == 401 and answer.is_json
    assert get(app, "pmt_nonsense", "/api/v1/stations").status_code == 401
    assert app.test_client().get("/api/v1/stations").status_code == 401
    # Another user cannot revoke someone else's token.
    other = login_as("admin")
    page = other.get("/account/api-tokens").get_data(as_text=True)
    assert other.post(f"/account/api-tokens/{token_id}/revoke",
                      data={"csrf_token": csrf_token_from(page)}).status_code == 404  # fmt: skip


def test_tokens_end_with_a_password_change_like_every_other_sign_in(app, world, login_as) -> None:  # noqa: ANN001
    from tests.conftest import PASSWORD

    client = login_as("coordinator")
    token = new_token(client)
    assert get(app, token, "/api/v1/stations").status_code == 200
    page = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a-new-and-long-passphrase-7",
            "confirm": "a-new-and-long-passphrase-7",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 302
    assert get(app, token, "/api/v1/stations").status_code == 401
    assert "revoked" in client.get("/account/api-tokens").get_data(as_text=True).lower()


def test_a_token_needs_a_name(world, login_as) -> None:  # noqa: ANN001
    client = login_as("officer")
    page = client.get("/account/api-tokens").get_data(as_text=True)
    response = client.post("/account/api-tokens",
                           data={"name": "", "days": "90", "csrf_token": csrf_token_from(page)})  # fmt: skip
    assert response.status_code == 422
    assert "This field is required" in response.get_data(as_text=True)


def test_an_officer_reads_only_their_own_stations(app, world, login_as, make_concern,  # noqa: ANN001
                                                  make_action_point, make_person) -> None:  # fmt: skip
    own = make_concern(world.station_a, summary="Own summary")
    other = make_concern(world.station_c, summary="Other summary")
    make_action_point(world.station_b, title="Not theirs")
    make_person("officer", world.station_a, name="Own Officer")
    make_person("officer", world.station_c, name="Other Officer")
    token = new_token(login_as("officer"))
    stations = get(app, token, "/api/v1/stations").json
    assert [s["name"] for s in stations["items"]] == ["Alpha Police Station"]
    concerns = get(app, token, "/api/v1/concerns").json
    assert [c["id"] for c in concerns["items"]] == [own.id] and other.id != own.id
    assert get(app, token, "/api/v1/action-points").json["total"] == 0
    people = [p["name"] for p in get(app, token, "/api/v1/people").json["items"]]
    assert people == ["Own Officer"]


def test_viewers_get_no_concerns_and_small_counts_are_withheld(app, world, login_as,  # noqa: ANN001
                                                                make_person) -> None:  # fmt: skip
    from meetings.models import Attendee
    from partnership.extensions import db

    meeting_id = create_meeting(app, [world.station_a], title="Small meeting")
    person = make_person("officer", world.station_a, name="Attending Officer")
    with app.app_context():
        db.session.add(Attendee(meeting_id=meeting_id, person_id=person.id,
                                station_id=world.station_a.id))  # fmt: skip
        db.session.commit()
    viewer = new_token(login_as("viewer"))
    assert get(app, viewer, "/api/v1/concerns").status_code == 403
    meetings = get(app, viewer, "/api/v1/meetings").json["items"]
    assert meetings[0]["attendees"] == "<5"
    coordinator = new_token(login_as("coordinator"))
    assert get(app, coordinator, "/api/v1/meetings").json["items"][0]["attendees"] == 1


def test_pagination_and_limits(app, world, login_as, make_person) -> None:  # noqa: ANN001
    for n in range(7):
        make_person("ngo_staff", world.ngo, name=f"Staff {n}")
    token = new_token(login_as("coordinator"))
    first = get(app, token, "/api/v1/people", per_page=5).json
    second = get(app, token, "/api/v1/people", per_page=5, page=2).json
    assert first["total"] == 7 and len(first["items"]) == 5 and len(second["items"]) == 2
    assert get(app, token, "/api/v1/people", per_page=1000).status_code == 422


def test_rate_limit(app, world, login_as) -> None:  # noqa: ANN001
    token = new_token(login_as("coordinator"))
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [get(app, token, "/api/v1/stations").status_code for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"
    assert codes == [200, 200, 200, 429]


MARKER = "restrictedmarker"


def test_no_client_code_or_restricted_detail_in_any_api_response(  # noqa: PLR0913
    app,
    world,
    login_as,
    make_concern,
    make_person,
    referrals,  # noqa: ANN001, F811
) -> None:
    """The leak sweep over the API: every endpoint, every role."""
    make_concern(world.station_a, summary="Summary", restricted_details=f"{MARKER} {CODES[1]}")
    create_meeting(app, [world.station_a], security_notes=f"{MARKER} notes")
    make_person("community_rep", world.ngo, name="Rep Name", phone="+254700999111")
    slip = add_slips(app, referrals.scheme_id, world.station_a.id, 1)[0]
    add_redemption(app, referrals.scheme_id, referrals.point_id, slip, CODES[0])
    for role in ("admin", "coordinator", "trainer", "officer", "viewer"):
        token = new_token(login_as(role))
        for path in ENDPOINTS:
            body = get(app, token, path).get_data(as_text=True)
            for code in CODES:
                assert code not in body, (role, path)
            assert MARKER not in body, (role, path)
            if role in ("officer", "viewer"):
                assert "Rep Name" not in body and "700999111" not in body, (role, path)


def test_responses_match_the_openapi_description(app, world, login_as, make_concern,  # noqa: ANN001
                                                 make_action_point, make_person) -> None:  # fmt: skip
    jsonschema = pytest.importorskip("jsonschema")
    make_person("officer", world.station_a)
    make_concern(world.station_a)
    make_action_point(world.station_a)
    create_meeting(app, [world.station_a])
    spec = app.test_client().get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    schemas = spec["components"]["schemas"]
    token = new_token(login_as("coordinator"))
    for path in ENDPOINTS:
        operation = spec["paths"][path]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        body = get(app, token, path).json
        jsonschema.validate(body, _inline(schemas[ref.rsplit("/", 1)[1]], schemas))
        if path in ENDPOINTS[:5]:
            assert body["total"] >= 1, path


def _inline(schema, schemas):  # noqa: ANN001, ANN202
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
        out = {k: _inline(v, schemas) for k, v in schema.items() if k != "components"}
        if out.get("nullable"):
            out.pop("nullable")
            kind = out.get("type")
            if kind:
                out["type"] = [kind, "null"]
            elif "oneOf" in out:
                out["oneOf"] = [*out["oneOf"], {"type": "null"}]
        return out
    if isinstance(schema, list):
        return [_inline(s, schemas) for s in schema]
    return schema

"""Pages that show restricted details are marked so the service worker never keeps them on the
device (partnership/offline.py); other pages, the field forms included, may be kept."""

from __future__ import annotations

from tests.conftest import login


def test_a_concern_with_its_restricted_details_is_marked_not_to_keep(
    client, world, make_concern
):  # noqa: ANN001
    concern = make_concern(world.station_a, restricted_details="Client B.K.")
    login(client, "coordinator@test.example")
    detail = client.get(f"/concerns/{concern.id}")
    assert "Client B.K." in detail.get_data(as_text=True)
    assert detail.headers.get("X-Kept-Offline") == "no"
    for path in ("/concerns", f"/concerns/new?station={world.station_a.id}", "/"):
        assert "X-Kept-Offline" not in client.get(path).headers, path


def test_an_officer_who_sees_no_restricted_details_may_keep_the_concern_page(
    client, world, make_concern
):  # noqa: ANN001
    concern = make_concern(world.station_a, restricted_details="Client B.K.")
    login(client, "officer@test.example")
    detail = client.get(f"/concerns/{concern.id}")
    assert detail.status_code == 200
    assert "Client B.K." not in detail.get_data(as_text=True)
    assert "X-Kept-Offline" not in detail.headers

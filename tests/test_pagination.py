"""Lists open at most LIST_MAX_PAGES pages deep, keep their exact total, and say why a deeper
page shows no rows."""

from __future__ import annotations


def test_deep_pages_are_bounded_with_a_clear_message(
    app, world, make_org, coordinator_client, monkeypatch
) -> None:  # noqa: ANN001, E501
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 2)
    for n in range(3):
        make_org("ngo", f"Zulu NGO {n}")
    # world: 6 organisations, plus 3: 9 records, 5 pages of 2, of which 2 may be opened.
    first = coordinator_client.get("/organisations").get_data(as_text=True)
    assert "9 records" in first and "Page 1 of 5" in first
    assert "Only the first 2 pages" not in first
    assert 'rel="next"' in first

    last_open = coordinator_client.get("/organisations?page=2").get_data(as_text=True)
    assert "Page 2 of 5" in last_open
    assert "Only the first 2 pages of a list can be opened" in last_open
    assert 'rel="next"' not in last_open and 'rel="prev"' in last_open

    deep = coordinator_client.get("/organisations?page=4")
    html = deep.get_data(as_text=True)
    assert deep.status_code == 200
    assert "Only the first 2 pages of a list can be opened" in html
    assert "9 records" in html and "Zulu NGO" not in html
    # The way back leads to the last page that can be opened.
    assert "page=2" in html


def test_short_lists_page_as_before(world, coordinator_client) -> None:  # noqa: ANN001
    html = coordinator_client.get("/organisations").get_data(as_text=True)
    assert "6 records" in html and "Only the first" not in html and 'class="pager"' not in html

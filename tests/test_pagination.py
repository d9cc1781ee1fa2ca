"""Lists open at most LIST_MAX_PAGES pages deep, count their rows only as far as those pages (a
longer list says "more than N"), and say why a deeper page shows no rows."""

from __future__ import annotations

import re


def test_deep_pages_are_bounded_with_a_clear_message(
    app, world, make_org, coordinator_client, monkeypatch
) -> None:  # noqa: ANN001, E501
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 2)
    for n in range(3):
        make_org("ngo", f"Zulu NGO {n}")
    # world: 6 organisations, plus 3: 9 records, 5 pages of 2, of which 2 (4 rows) may be
    # opened: the count stops after 4 rows and one more.
    first = coordinator_client.get("/organisations").get_data(as_text=True)
    assert "More than 4 records" in first and "Page 1 of more than 2" in first
    assert "9 records" not in first
    assert "Only the first 2 pages" not in first
    assert 'rel="next"' in first

    last_open = coordinator_client.get("/organisations?page=2").get_data(as_text=True)
    assert "Page 2 of more than 2" in last_open
    assert "Only the first 2 pages of a list can be opened" in last_open
    assert 'rel="next"' not in last_open and 'rel="prev"' in last_open

    deep = coordinator_client.get("/organisations?page=4")
    html = deep.get_data(as_text=True)
    assert deep.status_code == 200
    assert "Only the first 2 pages of a list can be opened" in html
    assert "More than 4 records" in html and "Zulu NGO" not in html
    # The way back leads to the last page that can be opened.
    assert "page=2" in html


def test_a_list_that_fits_the_pages_keeps_its_exact_total(
    app, world, make_org, coordinator_client, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 3)
    # world: 6 organisations, exactly the 3 pages of 2 that may be opened.
    html = coordinator_client.get("/organisations").get_data(as_text=True)
    assert "6 records" in html and "Page 1 of 3" in html and "More than" not in html
    make_org("ngo", "Zulu NGO")
    html = coordinator_client.get("/organisations").get_data(as_text=True)
    assert "More than 6 records" in html and "Page 1 of more than 3" in html


def test_the_count_reads_at_most_the_rows_that_may_be_opened(
    app, world, coordinator_client, count_queries, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 2)
    coordinator_client.get("/organisations")
    with count_queries() as counter:
        coordinator_client.get("/organisations")
    counts = [s for s in counter.statements if re.search(r"count\(\*\)", s, re.I)]
    assert len(counts) == 1
    assert re.search(r"LIMIT", counts[0], re.I), counts[0]


def test_capped_count_is_said_in_russian_and_swahili(
    app, world, make_org, login_as, monkeypatch
) -> None:  # noqa: ANN001
    from partnership.accounts.models import User
    from partnership.extensions import db

    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    monkeypatch.setitem(app.config, "LIST_MAX_PAGES", 2)
    for role, locale, count, pager in (
        ("coordinator", "ru", "Более 4 записей", "Страница 1 из более чем 2"),
        ("admin", "sw", "Rekodi zaidi ya 4", "Ukurasa 1 kati ya zaidi ya 2"),
    ):
        with app.app_context():
            db.session.get(User, world.users[role].id).locale = locale
            db.session.commit()
        html = login_as(role).get("/organisations").get_data(as_text=True)
        assert count in html and pager in html


def test_short_lists_page_as_before(world, coordinator_client) -> None:  # noqa: ANN001
    html = coordinator_client.get("/organisations").get_data(as_text=True)
    assert "6 records" in html and "Only the first" not in html and 'class="pager"' not in html

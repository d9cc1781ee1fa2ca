"""The lists' country filter offers the countries the programme works in, not every country of
the world: a coordinator in Mombasa chooses among a handful on a phone, not among 250."""

from __future__ import annotations

import re

import pytest

# Every list with the place filters, and the dashboard.
PAGES = [
    "/organisations",
    "/people",
    "/meetings/",
    "/concerns",
    "/action-points",
    "/referrals/slips",
    "/curricula/coverage",
    "/",
]


def country_options(html: str) -> list[str]:
    select = re.search(r'<select id="(?:f-)?country" name="country">(.*?)</select>', html, re.S)
    assert select, "no country filter"
    return re.findall(r'<option value="([A-Z]*)"', select.group(1))


@pytest.mark.usefixtures("live_cache")
@pytest.mark.parametrize("path", PAGES)
def test_country_filter_offers_the_programmes_countries(coordinator_client, world, make_org, path):
    assert country_options(coordinator_client.get(path).data.decode()) == ["", "KE"]
    # A new organisation in another country is offered on the next load, though kept.
    make_org("police_station", "Minsk Frunzensky Station", country="BY", city="Minsk")
    options = country_options(coordinator_client.get(path).data.decode())
    assert options == ["", "BY", "KE"]  # by name: Belarus, Kenya
    # A country chosen in a link, where the programme has no organisation, stays chosen.
    html = coordinator_client.get(f"{path}{'&' if '?' in path else '?'}country=tj").data.decode()
    assert "TJ" in country_options(html)


@pytest.mark.parametrize("path", ["/meetings/", "/concerns", "/referrals/slips", "/people"])
def test_officers_get_no_country_filter(officer_client, world, path):
    html = officer_client.get(path).data.decode()
    assert 'name="country"' not in html


def test_country_names_follow_the_readers_language(coordinator_client, world, make_org):
    make_org("police_station", "Almaty Central", country="KZ", city="Almaty")
    html = coordinator_client.get("/meetings/", headers={"Accept-Language": "ru"}).data.decode()
    assert "Казахстан" in html and "Кения" in html

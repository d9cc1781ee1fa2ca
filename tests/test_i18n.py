"""Languages: complete catalogues, marked templates, the language each person sees, plural
forms and day-first dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, gettext, ngettext
from jinja2 import Environment

from partnership.accounts.models import User
from partnership.extensions import db
from tests.conftest import csrf_token_from, login

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("ru", "sw")
# The same keywords as `make messages` (Makefile, BABEL_KEYWORDS).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def _marked_strings() -> set[str | tuple[str, str]]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        # Walk the source folders only (the default would skip templates/_macros).
        directory_filter=lambda path: (
            Path(path).name
            not in {".git", ".venv", "node_modules", "instance", "tests", "migrations", "static"}
            and not Path(path).name.startswith(".")
        ),
    ):
        found.add((context, message if isinstance(message, str) else tuple(message[:2])))
    return found


def _catalogue(lang: str):  # noqa: ANN202
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def marked() -> set:
    return _marked_strings()


@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_string_has_a_translation(marked, lang):
    catalogue = _catalogue(lang)
    entries = {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalogue if m.id
    }
    missing = sorted(str(s) for s in marked if s not in entries)
    assert not missing, (
        f"{len(missing)} marked strings are not in {lang} (run make messages): {missing[:10]}"
    )
    untranslated = []
    for key in marked:
        entry = entries[key]
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(forms):
            untranslated.append(str(key))
    assert not untranslated, (
        f"{len(untranslated)} strings untranslated or fuzzy in {lang}: {sorted(untranslated)[:10]}"
    )
    assert len(marked) > 1000  # the extraction really found the interface


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_every_placeholder(lang):
    catalogue = _catalogue(lang)
    wrong = []
    for m in catalogue:
        if not m.id or not m.string or m.fuzzy:
            continue  # fuzzy and empty entries fail the completeness test instead
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if s and set(PLACEHOLDER.findall(s)) - wanted:
                wrong.append((ids[0], s))
            # Every placeholder of a singular message must survive (plural forms may say "one").
            if len(ids) == 1 and set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[0])):
                wrong.append((ids[0], s))
    assert not wrong, wrong[:10]


def test_plural_forms_headers():
    assert _catalogue("ru").num_plurals == 3
    assert _catalogue("sw").num_plurals == 2


# --- templates carry no unmarked visible text -------------------------------------------------

# Words that are the same in every language: file formats, code prefixes, an example code,
# statistical symbols (t(df), p, dz).
TEMPLATE_TEXT_ALLOWED = {
    "t(",
    ", p",
    "; dz =",
    "Excel",
    "CSV",
    "C-",
    ": C-",
    "AP-",
    ": AP-",
    "?station=",
    "ABCD-EFGH-JKMN",
}
VISIBLE_ATTRIBUTE = re.compile(r'\b(?:title|placeholder|aria-label|alt)\s*=\s*"([^"]*)"')


def _unmarked_text(source: str) -> list[str]:
    env = Environment(extensions=["jinja2.ext.do", "jinja2.ext.i18n"], autoescape=True)
    # Everything inside {{ }} and {% %} becomes a separator; what is left is literal text.
    text = "".join(value if kind == "data" else "\x00" for _, kind, value in env.lex(source))
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    found = [
        m.group(1)
        for m in VISIBLE_ATTRIBUTE.finditer(text)
        if re.search(r"[^\W\d_]{2,}", m.group(1).replace("\x00", ""))
    ]
    for chunk in re.sub(r"<[^>]*>", "\x00", text).split("\x00"):
        piece = re.sub(r"&[a-z]+;|&#\d+;", "", chunk).strip()
        if re.search(r"[^\W\d_]", piece):
            found.append(piece)
    return [f for f in found if f.replace("\x00", "").strip() not in TEMPLATE_TEXT_ALLOWED]


def test_templates_have_no_unmarked_text():
    problems = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found = _unmarked_text(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert not problems, f"mark these with _(): {problems}"


def test_the_template_check_finds_unmarked_text():
    assert _unmarked_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert _unmarked_text('<input placeholder="Search here">') == ["Search here"]
    assert _unmarked_text("<p>{{ _('Hello') }}</p><td>{{ n }}</td>") == []


# --- the language each person sees -------------------------------------------------------------


def _set_locale(app, email: str, locale: str | None) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        user.locale = locale
        db.session.commit()


@pytest.mark.parametrize(
    ("locale", "heading", "menu"),
    [("ru", "Панель", "Встречи"), ("sw", "Dashibodi", "Mikutano"), (None, "Dashboard", "Meetings")],
)
def test_signed_in_user_sees_pages_in_their_language(app, client, world, locale, heading, menu):
    _set_locale(app, "coordinator@test.example", locale)
    login(client, "coordinator@test.example")
    page = client.get("/").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    assert f">{menu}</a>" in page
    assert f'<html lang="{locale or "en"}">' in page


def test_form_messages_of_wtforms_are_in_the_users_language_read_once(
    app, client, world, monkeypatch
):
    """WTForms' own messages come from its catalogue, read once per language and process
    (Flask-WTF would read it from disk for every form)."""
    from babel import support

    from partnership import forms

    forms._wtforms_catalogue_for.cache_clear()
    reads = []
    load = support.Translations.load

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if kwargs.get("domain") == "wtforms":
            reads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counted)
    login(client, "coordinator@test.example")
    for _ in range(2):
        page = client.post("/referrals/slips/new", data={}).get_data(as_text=True)
        assert "This field is required." in page
    _set_locale(app, "coordinator@test.example", "ru")
    for _ in range(2):
        page = client.post("/referrals/slips/new", data={}).get_data(as_text=True)
        assert "Обязательное поле." in page and "This field is required." not in page
    assert len(reads) == 2


def test_user_choice_wins_over_the_browser(app, client, world):
    _set_locale(app, "coordinator@test.example", "sw")
    login(client, "coordinator@test.example")
    page = client.get("/", headers={"Accept-Language": "ru,en;q=0.5"}).get_data(as_text=True)
    assert "<h1>Dashibodi</h1>" in page


@pytest.mark.parametrize(
    ("header", "lang", "title"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "Войти"),
        ("sw-KE,sw;q=0.9", "sw", "Ingia"),
        ("fr-FR,de;q=0.5", "en", "Sign in"),
    ],
)
def test_accept_language_picks_the_sign_in_page_language(client, header, lang, title):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{title}</h1>" in page


def test_language_link_on_sign_in_page_is_remembered(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/language/ru?next=' in page
    response = client.get("/language/ru?next=/login")
    assert response.status_code == 302
    assert response.location == "/login"
    # The cookie wins over the browser's own preference.
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Войти</h1>" in page
    # Errors on the sign-in form come in the chosen language too.
    page = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Войти" in page


def test_language_link_refuses_other_sites_and_unknown_languages(client):
    response = client.get("/language/xx?next=https://evil.example/")
    assert response.location == "/"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_user_saves_a_language_on_their_account_page(app, client, world):
    login(client, "officer@test.example")
    page = client.get("/account/password").get_data(as_text=True)
    assert 'name="locale"' in page
    token = csrf_token_from(page)
    response = client.post("/account/language", data={"csrf_token": token, "locale": "ru"})
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(db.select(User.locale).filter_by(email="officer@test.example"))
            == "ru"
        )
    assert "Язык" in client.get("/account/password").get_data(as_text=True)


def test_an_unknown_language_is_refused(app, client, world):
    login(client, "officer@test.example")
    token = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    response = client.post("/account/language", data={"csrf_token": token, "locale": "xx"})
    assert response.status_code == 422
    with app.app_context():
        assert (
            db.session.scalar(db.select(User.locale).filter_by(email="officer@test.example"))
            is None
        )


def test_saving_the_language_needs_a_signed_in_user(client):
    response = client.post("/account/language", data={"locale": "ru"})
    assert response.status_code in (302, 400, 401, 403)
    assert "/login" in response.headers.get("Location", "/login")


# --- plurals, dates and numbers -----------------------------------------------------------------


def test_russian_plural_forms(app):
    with app.test_request_context(), force_locale("ru"):
        forms = {
            n: ngettext("%(num)s station", "%(num)s stations", n) for n in (1, 3, 5, 11, 21, 22, 25)
        }
    assert forms == {
        1: "1 отделение",
        3: "3 отделения",
        5: "5 отделений",
        11: "11 отделений",
        21: "21 отделение",
        22: "22 отделения",
        25: "25 отделений",
    }


def test_swahili_plural_forms(app):
    with app.test_request_context(), force_locale("sw"):
        assert ngettext("%(num)s station", "%(num)s stations", 1) == "kituo 1"
        assert ngettext("%(num)s station", "%(num)s stations", 4) == "vituo 4"
        assert gettext("Meetings") == "Mikutano"


def test_dates_are_written_day_first(app):
    day = date(2026, 4, 6)
    with app.test_request_context():
        assert format_date(day, "short") == "06/04/2026"
        assert format_date(day, "medium") == "6 Apr 2026"
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert format_date(day, "short") == "06.04.2026"
        assert format_date(day, "d MMMM y") == "6 апреля 2026"
    with app.test_request_context(headers={"Accept-Language": "sw"}):
        assert format_date(day, "short") == "06/04/2026"


def test_the_date_filter_writes_each_day_in_the_language_of_the_request(app):
    """Days are written once per language and format and reused; each request still gets its
    own language's text."""
    render = app.jinja_env.from_string("{{ day|date }} {{ day|date('d MMMM y') }} {{ none|date }}")
    day = date(2026, 4, 6)
    for _ in range(2):
        with app.test_request_context():
            assert render.render(day=day, none=None) == "6 Apr 2026 6 April 2026 "
        with app.test_request_context(headers={"Accept-Language": "ru"}):
            text = render.render(day=day, none=None)  # Babel writes no-break spaces
            assert text.split() == ["6", "апр.", "2026", "г.", "6", "апреля", "2026"]


def test_times_use_the_24_hour_clock_in_kenya(app):
    with app.test_request_context():
        from flask_babel import format_time

        # 11:30 UTC is 14:30 in Nairobi, the default zone.
        assert format_time(datetime(2026, 4, 6, 11, 30, tzinfo=UTC), "short") == "14:30"


# --- time zones where meetings of several zones appear together --------------------------------


def test_calendar_names_the_zone_when_meetings_of_several_zones_share_a_week(
    app, world, coordinator_client
):
    from tests.meetings.helpers import create_meeting, local

    create_meeting(
        app, [world.station_a], title="Almaty round table", timezone="Asia/Almaty",
        starts=local("2031-05-06", "10:00", "Asia/Almaty"),
    )  # fmt: skip
    create_meeting(
        app, [world.station_a], title="Mombasa sensitisation",
        starts=local("2031-05-06", "10:00", "Africa/Nairobi"),
    )  # fmt: skip
    page = coordinator_client.get("/meetings/calendar?view=week&date=2031-05-06").get_data(
        as_text=True
    )
    assert '10:00 <span class="zone">(Almaty, UTC+5)</span> Almaty round table' in page
    assert '10:00 <span class="zone">(Nairobi, UTC+3)</span> Mombasa sensitisation' in page


def test_calendar_of_one_zone_says_it_once(app, world, coordinator_client):
    from tests.meetings.helpers import create_meeting, local

    create_meeting(
        app, [world.station_a], title="Mombasa sensitisation",
        starts=local("2031-05-06", "10:00", "Africa/Nairobi"),
    )  # fmt: skip
    page = coordinator_client.get("/meetings/calendar?view=week&date=2031-05-06").get_data(
        as_text=True
    )
    assert "Times in Nairobi, UTC+3." in page
    assert 'class="zone"' not in page


def test_meeting_times_in_russian_name_the_city_in_russian(app, world, client):
    from tests.meetings.helpers import create_meeting, local

    meeting_id = create_meeting(
        app, [world.station_a], title="Круглый стол", timezone="Asia/Almaty",
        starts=local("2031-05-06", "10:00", "Asia/Almaty"),
    )  # fmt: skip
    _set_locale(app, "coordinator@test.example", "ru")
    login(client, "coordinator@test.example")
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "вторник, 6 мая 2031\u202fг., 10:00–12:00 (Алматы, UTC+5)" in page


# --- emails, files and feeds in the recipient's language ----------------------------------------


def test_reminder_digest_is_written_in_each_recipients_language(app, world, make_action_point):
    from datetime import timedelta
    from email.header import decode_header, make_header

    from partnership.actions.reminders import collect_digests, digest_message

    officer, coordinator = world.users["officer"], world.users["coordinator"]
    today = date.today()
    make_action_point(world.station_a, title="Escalated point", due_on=today - timedelta(days=21),
                      police_owner_id=officer.id, ngo_owner_id=coordinator.id)  # fmt: skip
    _set_locale(app, officer.email, "ru")
    with app.app_context():
        messages = {d.user.email: digest_message(d, today) for d in collect_digests(today)}
    russian, english = messages[officer.email], messages[coordinator.email]
    assert str(make_header(decode_header(russian["Subject"]))).startswith(
        "Пункты действий со сроком и просроченные"
    )
    assert "просрочено на 21 день" in russian.get_content()
    assert "Здравствуйте" in russian.get_content()
    assert english["Subject"].startswith("Action points due and overdue")
    assert "21 days overdue" in english.get_content()


def test_calendar_feed_is_written_in_its_owners_language(app, world, login_as, client):
    import icalendar

    from tests.meetings.helpers import create_meeting, local

    coordinator = world.users["coordinator"]
    create_meeting(
        app, [world.station_a], title="Workshop", facilitators=[coordinator], hours=30,
        starts=local("2031-05-06", "09:00", "Africa/Nairobi"),
    )  # fmt: skip
    _set_locale(app, coordinator.email, "sw")
    page = login_as("coordinator").post("/meetings/feed/new").text
    start = page.index("/meetings/feed/") + len("/meetings/feed/")
    token = page[start : page.index(".ics", start)]
    # The calendar program asks in English and has no session: the owner's language wins.
    body = client.get(f"/meetings/feed/{token}.ics", headers={"Accept-Language": "en"}).data
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "Mikutano ya Test coordinator"
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert summaries[0] == "Workshop (siku ya 1 kati ya 2)"


def test_workbook_is_written_in_the_language_of_the_page(app, world, client):
    import io

    from openpyxl import load_workbook

    _set_locale(app, "coordinator@test.example", "ru")
    login(client, "coordinator@test.example")
    response = client.post("/reports", data={"start": "2026-01-01", "end": "2026-06-30"})
    assert response.status_code == 302
    download = client.get(response.location + "/download")
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(download.data))
    assert workbook.sheetnames[:2] == ["Сводка", "Диаграммы"]
    labels = {r[0]: r[1] for r in workbook["Сводка"].iter_rows(values_only=True) if r[0]}
    assert labels["Период"] == "1 янв. 2026\u202fг. – 30 июн. 2026\u202fг."
    assert "Подготовлено для" in labels


# --- names in alphabetical order --------------------------------------------------------------


def test_name_key_puts_yo_with_ye_and_keeps_short_i_a_letter_of_its_own():
    from partnership.collation import name_key

    names = ["Ёлка", "Айгерим", "Елена", "Жанна", "Йогурт", "Иван", "émile", "Zoe", "Emma"]
    assert sorted(names, key=name_key) == [
        "émile", "Emma", "Zoe", "Айгерим", "Елена", "Ёлка", "Жанна", "Иван", "Йогурт",
    ]  # fmt: skip


def test_people_list_sorts_cyrillic_names_with_yo_among_ye(world, make_person, coordinator_client):
    for name in ("Ёлкин Пётр", "Айгерим Сапарова", "Елена Ким", "Жанна Омарова", "Emma Otieno"):
        make_person("officer", world.station_a, name=name)
    page = coordinator_client.get("/people").get_data(as_text=True)
    positions = [page.index(n) for n in ("Emma Otieno", "Айгерим", "Елена Ким", "Ёлкин", "Жанна")]
    assert positions == sorted(positions)


def test_password_reset_email_is_in_the_account_owners_language(app, world):
    from email.header import decode_header, make_header

    from partnership.accounts.services import password_reset_message

    _set_locale(app, "officer@test.example", "ru")
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="officer@test.example"))
        message = password_reset_message(user.id, "https://example.org/reset/x")
    subject = str(make_header(decode_header(message["Subject"])))
    with app.test_request_context(), force_locale("ru"):
        assert subject == gettext("Reset your password") != "Reset your password"
    assert "Здравствуйте" in message.get_content()

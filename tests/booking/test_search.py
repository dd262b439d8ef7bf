"""Search as patients type: everyday names and misspellings of specialties, word forms,
names with initials in any order, typos (PostgreSQL); grouped, the soonest free first."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.search import SPECIALTIES_FILE, Day, parse, search, specialties
from exchange.models import Clinic
from tests.booking.conftest import make_appointments, make_schedule, when
from tests.factories import make_group, make_order, make_resource

# Each clinic's groups named as MIS installations name them, and their doctors.
DIRECTORY = {
    "Клиника на Ленина": {
        "Врач-кардиолог": ["Мусина А. Р.", "Петров И. С."],
        "Оториноларингология": ["Лаптева Е. В."],
        "УЗИ-диагностика": ["Кабинет УЗИ № 1"],
        "Акушер-гинеколог": ["Соколова М. И."],
        "Педиатрия": ["Белова О. Н."],
        "Стоматология терапевтическая": ["Зубов К. А."],
        "Врач-терапевт": ["Ларинов П. М."],
        "Офтальмология": ["Глазунова Т. Ю."],
        "Неврология": ["Нестеров О. П."],
        "Травматология и ортопедия": ["Костин Д. Д."],
    },
    "Другая клиника": {
        "Кардиология": ["Мусина Г. Ф."],
        "Дерматовенерология": ["Кожевникова А. А."],
        "Эндокринология": ["Сахарова В. В."],
        "Гастроэнтерология": ["Желудев С. С."],
        "Урология": ["Уралов Р. Р."],
        "Детский стоматолог": ["Малышева Н. Н."],
        "Ультразвуковая диагностика": ["Ёлкина Е. Е."],
    },
}

CARDIOLOGISTS = {"Мусина А. Р.", "Петров И. С.", "Мусина Г. Ф."}
ENT = {"Лаптева Е. В."}
ULTRASOUND = {"Кабинет УЗИ № 1", "Ёлкина Е. Е."}
GYNAECOLOGIST = {"Соколова М. И."}
DENTISTS = {"Зубов К. А.", "Малышева Н. Н."}

SYNONYMS = [
    ("лор", ENT),
    ("ЛОР-врач", ENT),
    ("ухо горло нос", ENT),
    ("Ухо-горло-нос", ENT),
    ("отоларинголог", ENT),
    ("кардиология", CARDIOLOGISTS),
    ("сердце", CARDIOLOGISTS),
    ("кордиолог", CARDIOLOGISTS),  # a misspelling from the list
    ("узи", ULTRASOUND),
    ("ультразвук", ULTRASOUND),
    ("гинеколог", GYNAECOLOGIST),
    ("женский врач", GYNAECOLOGIST),
    ("гениколог", GYNAECOLOGIST),
    ("детский", {"Белова О. Н.", "Малышева Н. Н."}),
    ("зубной", DENTISTS),
    ("зубной врач", DENTISTS),
    ("детский стоматолог", {"Малышева Н. Н."}),
    ("окулист", {"Глазунова Т. Ю."}),
    ("глазной врач", {"Глазунова Т. Ю."}),
    ("невропатолог", {"Нестеров О. П."}),
    ("терапевт", {"Ларинов П. М."}),
    ("участковый врач", {"Ларинов П. М."}),
    ("ортопед", {"Костин Д. Д."}),
    ("кожник", {"Кожевникова А. А."}),
    ("щитовидка", {"Сахарова В. В."}),
    ("гастролог", {"Желудев С. С."}),
    ("уролог", {"Уралов Р. Р."}),
]
WORD_FORMS = [
    ("кардиологу", CARDIOLOGISTS),
    ("к кардиологу", CARDIOLOGISTS),
    ("педиатра", {"Белова О. Н."}),
    ("стоматологию", DENTISTS),
    ("к окулисту", {"Глазунова Т. Ю."}),
    ("гинекологи", GYNAECOLOGIST),
    ("елкина", {"Ёлкина Е. Е."}),
]
NAMES = [
    ("мусина кардиолог", {"Мусина А. Р.", "Мусина Г. Ф."}),
    ("кардиолог мусина", {"Мусина А. Р.", "Мусина Г. Ф."}),
    ("Мусина А.", {"Мусина А. Р."}),
    ("А. Р. Мусина", {"Мусина А. Р."}),
    ("Мусина Г.Ф.", {"Мусина Г. Ф."}),
    ("мусиной", {"Мусина А. Р.", "Мусина Г. Ф."}),
    ("Мусина А. кардиолог", {"Мусина А. Р."}),
    ("лаптева лор", ENT),
    ("петров", {"Петров И. С."}),
    ("мусина лор", set()),
]
TYPOS = [
    ("кардтолог", CARDIOLOGISTS),
    ("мусена", {"Мусина А. Р.", "Мусина Г. Ф."}),
    ("офтальмалогия", {"Глазунова Т. Ю."}),
    ("дерматолох", {"Кожевникова А. А."}),
    ("лаптеева", ENT),
    ("эндокринолк", {"Сахарова В. В."}),
    ("гинекалог", GYNAECOLOGIST),
    ("стамотолог", DENTISTS),  # also in the list
    ("нестерова кардиолог", set()),  # a near name is no typo of another doctor's
]


@pytest.fixture
def directory(db):
    resources = []
    for clinic_name, groups in DIRECTORY.items():
        clinic, _ = Clinic.objects.get_or_create(name=clinic_name)
        for number, (group_name, doctors) in enumerate(groups.items()):
            group = make_group(clinic, mis_id=number, name=group_name)
            resources += [
                make_resource(clinic, mis_id=None, group=group, name=name) for name in doctors
            ]
    return resources


def found(query: str, **filters) -> set[str]:
    _, results = search(query=query, now=timezone.now(), **filters)
    return {item.resource.name for group in results for item in group.found}


@pytest.mark.parametrize(("query", "expected"), SYNONYMS + WORD_FORMS + NAMES)
def test_it_finds_the_doctors_patients_mean(directory, query, expected):
    assert found(query) == expected


@pytest.mark.parametrize(("query", "expected"), TYPOS)
def test_it_finds_the_doctors_despite_a_typo_on_postgresql(on_postgres, directory, query, expected):
    assert found(query) == expected


def test_it_filters_by_clinic(directory):
    clinic = Clinic.objects.get(name="Другая клиника")

    assert found("кардиолог", clinic=clinic) == {"Мусина Г. Ф."}


def test_it_keeps_a_synonym_list_of_at_least_forty_specialties():
    rows = json.loads(SPECIALTIES_FILE.read_text(encoding="utf-8"))

    assert len(specialties()) == len(rows) >= 40
    assert all(row["name"] and row["match"] and row["words"] for row in rows)


def test_it_says_which_specialties_it_understood():
    parsed = parse("ухо горло нос")

    assert [specialty.name for specialty in parsed.specialties] == ["оториноларинголог"]


# Nearest free time.


@pytest.fixture
def today(clinic):
    return timezone.localdate(timezone=clinic.tzinfo)


def doctor(clinic, name: str, days: list, start: str = "09:00", end: str = "12:00"):
    resource = make_resource(clinic, mis_id=None, name=name, group=cardiology(clinic))
    for day in days:
        make_schedule(resource, start, end, day=day)
    return resource


def cardiology(clinic):
    return clinic.groups.get_or_create(mis_id=1, defaults={"name": "Врач-кардиолог"})[0]


def test_it_shows_the_first_three_free_slots_linking_to_the_booking(client, clinic, today):
    later = doctor(clinic, "Алексеев А. А.", [today + timedelta(days=3)])
    sooner = doctor(clinic, "Борисов Б. Б.", [today + timedelta(days=2)])
    day = today + timedelta(days=2)
    make_order(sooner, starts_at=when(clinic, "09:30", day))

    response = client.get("/", {"q": "кардиолог"})

    [group] = response.context["results"]
    assert group.title == "Кардиолог"
    assert [item.resource for item in group.found] == [sooner, later]
    assert [slot.starts_at for slot in group.found[0].slots] == [
        when(clinic, clock, day) for clock in ("09:00", "10:00", "10:30")
    ]
    page = response.content.decode()
    booking = f"/clinics/{clinic.pk}/resources/{sooner.pk}/book/?at="
    assert f'href="{booking}{int(when(clinic, "09:00", day).timestamp())}"' in page


def test_it_lists_doctors_without_free_time_last(clinic, today):
    busy = doctor(clinic, "Алексеев А. А.", [today + timedelta(days=1)], "09:00", "10:00")
    make_appointments(busy, [when(clinic, "09:00", today + timedelta(days=1))], minutes=60)
    free = doctor(clinic, "Яковлев Я. Я.", [today + timedelta(days=5)])

    _, [group] = search(query="кардиолог", now=timezone.now())

    assert [(item.resource, bool(item.slots)) for item in group.found] == [
        (free, True),
        (busy, False),
    ]


def test_it_orders_specialties_by_their_soonest_doctor(clinic, today):
    doctor(clinic, "Кардиолог К. К.", [today + timedelta(days=4)])
    ent = make_resource(
        clinic, mis_id=None, name="Лор Л. Л.", group=make_group(clinic, mis_id=2, name="ЛОР")
    )
    make_schedule(ent, day=today + timedelta(days=2))

    _, groups = search(query="", clinic=clinic, now=timezone.now())

    assert [group.title for group in groups] == ["Оториноларинголог (ЛОР)", "Кардиолог"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (Day(days_from_today=2), {"Борисов Б. Б."}),
        (Day(days_from_today=3), {"Алексеев А. А."}),
        (Day(days_from_today=0), set()),
    ],
)
def test_it_shows_only_doctors_free_on_the_day_chosen(clinic, today, day, expected):
    doctor(clinic, "Алексеев А. А.", [today + timedelta(days=3)])
    doctor(clinic, "Борисов Б. Б.", [today + timedelta(days=2)])

    assert found("кардиолог", day=day) == expected


def test_it_takes_a_date_and_the_words_today_and_tomorrow(client, clinic, today):
    doctor(clinic, "Алексеев А. А.", [today + timedelta(days=1)])
    doctor(clinic, "Борисов Б. Б.", [today + timedelta(days=6)])

    tomorrow = client.get("/", {"q": "кардиолог", "day": "tomorrow"}).context
    on_date = client.get("/", {"q": "", "date": (today + timedelta(days=6)).isoformat()}).context

    assert [i.resource.name for g in tomorrow["results"] for i in g.found] == ["Алексеев А. А."]
    assert [i.resource.name for g in on_date["results"] for i in g.found] == ["Борисов Б. Б."]


def test_it_shows_the_clinics_and_no_results_without_a_search(client, clinic):
    response = client.get("/")

    assert response.context["results"] is None
    assert clinic.name in response.content.decode()


@pytest.mark.parametrize("count", [10, 200])
def test_it_reads_the_same_number_of_queries_however_many_are_found(clinic, today, count):
    group = cardiology(clinic)
    days = [today + timedelta(days=n) for n in (1, 2)]
    for number in range(count):
        resource = make_resource(clinic, mis_id=None, name=f"Врач {number:03}", group=group)
        for day in days:
            make_schedule(resource, day=day)
        make_appointments(resource, [when(clinic, "09:00", days[0])])
        make_order(resource, starts_at=when(clinic, "10:00", days[0]))

    with CaptureQueriesContext(connection) as queries:
        _, [result] = search(query="кардиолог", now=timezone.now())

    assert len(result.found) == count
    assert all(len(item.slots) == 3 for item in result.found)
    # The resources, then their schedules, appointments and holding orders.
    # The results, their slots (schedules, appointments, orders) and the clinic's pause check.
    assert len(queries) == 5, [query["sql"] for query in queries]


def test_it_groups_a_room_by_the_specialty_its_name_names(clinic):
    rooms = make_group(clinic, mis_id=9, name="Кабинеты")
    make_resource(clinic, mis_id=None, group=rooms, name="Кабинет УЗИ № 2")
    make_resource(clinic, mis_id=None, group=rooms, name="Бассейн")

    _, groups = search(query="", clinic=clinic, now=timezone.now())

    assert sorted((g.title, [i.resource.name for i in g.found]) for g in groups) == [
        ("Кабинеты", ["Бассейн"]),
        ("УЗИ", ["Кабинет УЗИ № 2"]),
    ]

"""Time zones named as patients name them: by the city and the offset to Moscow's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from booking.zones import zone_abbreviation, zone_name

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("Europe/Moscow", "московское время (МСК)"),
        ("Europe/Kaliningrad", "время Калининграда (МСК−1)"),
        ("Europe/Samara", "время Самары (МСК+1)"),
        ("Asia/Yekaterinburg", "время Екатеринбурга (МСК+2)"),
        ("Asia/Novosibirsk", "время Новосибирска (МСК+4)"),
        ("Asia/Vladivostok", "время Владивостока (МСК+7)"),
        ("Asia/Kamchatka", "время Камчатки (МСК+9)"),
        # On Moscow's clock a Russian city keeps Moscow's name, as it says itself.
        ("Europe/Kirov", "московское время (МСК)"),
        ("Europe/Simferopol", "московское время (МСК)"),
    ],
)
def test_it_names_russian_zones_by_city_and_offset_to_moscow(zone, name):
    assert zone_name(ZoneInfo(zone), NOW) == name


@pytest.mark.parametrize(
    ("at", "name"),
    [
        (datetime(2019, 6, 1, tzinfo=UTC), "время Волгограда (МСК+1)"),
        (datetime(2030, 6, 1, tzinfo=UTC), "московское время (МСК)"),
    ],
)
def test_it_takes_the_offset_at_the_instant_not_from_a_table(at, name):
    # Volgograd kept Samara's time from October 2018 to December 2020.
    assert zone_name(ZoneInfo("Europe/Volgograd"), at) == name


@pytest.mark.parametrize(
    ("zone", "at", "name"),
    [
        ("Asia/Tashkent", NOW, "UTC+5"),
        ("Asia/Kolkata", NOW, "UTC+5:30"),
        ("America/New_York", NOW, "UTC−5"),
        ("America/New_York", datetime(2030, 7, 1, tzinfo=UTC), "UTC−4"),
        ("Europe/Minsk", NOW, "UTC+3"),
        ("UTC", NOW, "UTC"),
    ],
)
def test_it_names_other_zones_by_their_offset_to_utc(zone, at, name):
    assert zone_name(ZoneInfo(zone), at) == name


@pytest.mark.parametrize(
    ("zone", "abbreviation"),
    [
        ("Europe/Moscow", "МСК"),
        ("Europe/Kaliningrad", "МСК−1"),
        ("Asia/Vladivostok", "МСК+7"),
        ("Europe/Kirov", "МСК"),
        ("Asia/Tashkent", "UTC+5"),
    ],
)
def test_it_abbreviates_a_zone_for_lists(zone, abbreviation):
    assert zone_abbreviation(ZoneInfo(zone), NOW) == abbreviation


def test_it_speaks_the_portals_language():
    with translation.override("en"):
        assert zone_name(ZoneInfo("Asia/Yekaterinburg"), NOW) == "Yekaterinburg time (MSK+2)"

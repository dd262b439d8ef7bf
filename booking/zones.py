"""Time zones named as patients name them: "московское время (МСК)", "время Самары (МСК+1)".

Russians count time from Moscow's, so a Russian zone is named by its city and its offset to
Moscow at the moment in question (offsets moved in 2011, 2014 and 2016-2020, so they are
computed from the zone, never kept in a table). A zone elsewhere is named by its offset to UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

MOSCOW = ZoneInfo("Europe/Moscow")
MINUS = "\u2212"  # the typographic minus of "МСК−1"

# Russia's zones (IANA's zone1970.tab, country RU), each named by its city as in "время
# Екатеринбурга". A zone on Moscow's clock is "Moscow time" whatever its city, as Volgograd or
# Kirov say themselves.
RUSSIAN_ZONES = {
    "Europe/Moscow": pgettext_lazy("time zone", "Moscow time"),
    "Europe/Kaliningrad": pgettext_lazy("time zone", "Kaliningrad time"),
    "Europe/Simferopol": pgettext_lazy("time zone", "Simferopol time"),
    "Europe/Kirov": pgettext_lazy("time zone", "Kirov time"),
    "Europe/Volgograd": pgettext_lazy("time zone", "Volgograd time"),
    "Europe/Astrakhan": pgettext_lazy("time zone", "Astrakhan time"),
    "Europe/Saratov": pgettext_lazy("time zone", "Saratov time"),
    "Europe/Ulyanovsk": pgettext_lazy("time zone", "Ulyanovsk time"),
    "Europe/Samara": pgettext_lazy("time zone", "Samara time"),
    "Asia/Yekaterinburg": pgettext_lazy("time zone", "Yekaterinburg time"),
    "Asia/Omsk": pgettext_lazy("time zone", "Omsk time"),
    "Asia/Novosibirsk": pgettext_lazy("time zone", "Novosibirsk time"),
    "Asia/Barnaul": pgettext_lazy("time zone", "Barnaul time"),
    "Asia/Tomsk": pgettext_lazy("time zone", "Tomsk time"),
    "Asia/Novokuznetsk": pgettext_lazy("time zone", "Novokuznetsk time"),
    "Asia/Krasnoyarsk": pgettext_lazy("time zone", "Krasnoyarsk time"),
    "Asia/Irkutsk": pgettext_lazy("time zone", "Irkutsk time"),
    "Asia/Chita": pgettext_lazy("time zone", "Chita time"),
    "Asia/Yakutsk": pgettext_lazy("time zone", "Yakutsk time"),
    "Asia/Khandyga": pgettext_lazy("time zone", "Khandyga time"),
    "Asia/Vladivostok": pgettext_lazy("time zone", "Vladivostok time"),
    "Asia/Ust-Nera": pgettext_lazy("time zone", "Ust-Nera time"),
    "Asia/Magadan": pgettext_lazy("time zone", "Magadan time"),
    "Asia/Sakhalin": pgettext_lazy("time zone", "Sakhalin time"),
    "Asia/Srednekolymsk": pgettext_lazy("time zone", "Srednekolymsk time"),
    "Asia/Kamchatka": pgettext_lazy("time zone", "Kamchatka time"),
    "Asia/Anadyr": pgettext_lazy("time zone", "Anadyr time"),
}


def zone_name(zone: ZoneInfo, at: datetime) -> str:
    """The zone as a patient names it at the instant `at` (an aware datetime): "московское
    время (МСК)", "время Самары (МСК+1)"; a zone outside Russia as "UTC+5"."""
    abbreviation = zone_abbreviation(zone, at)
    if zone.key not in RUSSIAN_ZONES:
        return abbreviation
    city = zone.key if _to_moscow(zone, at) else MOSCOW.key
    return f"{RUSSIAN_ZONES[city]} ({abbreviation})"


def zone_abbreviation(zone: ZoneInfo, at: datetime) -> str:
    """The zone's short name at the instant `at`, where a list has no room for its city:
    "МСК", "МСК+2"; a zone outside Russia as "UTC+5"."""
    if zone.key in RUSSIAN_ZONES:
        return _("MSK") + signed_hours(_to_moscow(zone, at))
    offset = at.astimezone(zone).utcoffset()
    return "UTC" + signed_hours(offset)


def signed_hours(offset: timedelta) -> str:
    """An offset in hours as clocks are compared: "+2", "−1", "+5:30"; none for zero."""
    if not offset:
        return ""
    sign = MINUS if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}:{minutes:02d}" if minutes else f"{sign}{hours}"


def _to_moscow(zone: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset() - at.astimezone(MOSCOW).utcoffset()

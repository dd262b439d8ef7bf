"""The floor: the least any import of a document must do, measured on the same bytes.

Read the XML with lxml's iterparse, convert every value to its type, and COPY the rows
(binary format) into bare tables (no index, no constraint, no comparison with what is
stored), committed. The portal's import is reported as a multiple of this, measured in the
same run on the same machine.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from lxml import etree

RECORDS = ("rg", "r", "s", "time_rules", "a")


@dataclass(frozen=True)
class FloorTimes:
    parse: float
    copy: float

    @property
    def total(self) -> float:
        return self.parse + self.copy


def _date(value: str) -> date:
    return date(int(value[6:10]), int(value[3:5]), int(value[0:2]))


def _clock(value: str) -> timedelta:
    hours, _, minutes = value.partition(":")
    return timedelta(hours=int(hours), minutes=int(minutes[:2]))


ZONE = ZoneInfo("Europe/Moscow")


def _instant(value: str) -> datetime:
    return datetime(
        int(value[6:10]),
        int(value[3:5]),
        int(value[0:2]),
        int(value[11:13]),
        int(value[14:16]),
        tzinfo=ZONE,
    )


def parse(data: bytes) -> dict[str, list[tuple]]:
    """Every record of the document as a tuple of typed values, times as instants."""
    rows: dict[str, list[tuple]] = {"rg": [], "r": [], "time_rules": [], "a": []}
    for _, element in etree.iterparse(io.BytesIO(data), events=("end",), tag=RECORDS):
        get = element.get
        tag = element.tag
        if tag == "time_rules":
            schedule = element.getparent()
            day = _date(schedule.get("date"))
            midnight = datetime(day.year, day.month, day.day, tzinfo=ZONE)
            rows["time_rules"].append(
                (
                    int(schedule.get("id")),
                    day,
                    int(schedule.get("resource_id")),
                    midnight + _clock(get("w_start")),
                    midnight + _clock(get("w_end")),
                    midnight + _clock(get("b_start")),
                    midnight + _clock(get("b_end")),
                )
            )
            continue  # cleared with its `s`
        if tag == "a":
            starts_at = _instant(get("ReceptionDateTime"))
            ends_at = starts_at + timedelta(minutes=int(get("Duration")))
            rows["a"].append(
                (
                    get("tablename"),
                    int(get("id")),
                    int(get("resource_id")),
                    starts_at,
                    ends_at,
                    get("Title") or "",
                )
            )
        elif tag == "r":
            rows["r"].append(
                (
                    int(get("id")),
                    int(get("group_id")),
                    get("name"),
                    int(get("time_step")),
                    int(get("pos")),
                )
            )
        elif tag == "rg":
            rows["rg"].append((int(get("id")), get("name"), int(get("pos"))))
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del element.getparent()[0]
    return rows


_TABLES = {
    "rg": "(mis_id bigint, name text, pos integer)",
    "r": "(mis_id bigint, group_id bigint, name text, time_step integer, pos integer)",
    "time_rules": "(mis_id bigint, day date, resource_id bigint, starts_at timestamptz, "
    "ends_at timestamptz, break_starts_at timestamptz, break_ends_at timestamptz)",
    "a": "(tablename text, mis_id bigint, resource_id bigint, starts_at timestamptz, "
    "ends_at timestamptz, title text)",
}
_TYPES = {
    "rg": ["int8", "text", "int4"],
    "r": ["int8", "int8", "text", "int4", "int4"],
    "time_rules": ["int8", "date", "int8"] + ["timestamptz"] * 4,
    "a": ["text", "int8", "int8", "timestamptz", "timestamptz", "text"],
}


def copy(rows: dict[str, list[tuple]]) -> None:
    """COPY every row into bare tables (no index, no constraint) and commit: durable, as an
    import is. The tables are dropped afterwards, outside the measure."""
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for name, columns in _TABLES.items():
            raw.execute(f"CREATE TABLE floor_{name} {columns}")
        for name in _TABLES:
            with raw.copy(f"COPY floor_{name} FROM STDIN (FORMAT BINARY)") as copier:
                copier.set_types(_TYPES[name])
                for row in rows[name]:
                    copier.write_row(row)


def drop() -> None:
    with connection.cursor() as cursor:
        for name in _TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS floor_{name}")


def measure(data: bytes) -> FloorTimes:
    started = time.perf_counter()
    rows = parse(data)
    parsed = time.perf_counter()
    copy(rows)
    copied = time.perf_counter()
    drop()
    return FloorTimes(parse=parsed - started, copy=copied - parsed)

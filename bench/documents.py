"""Large, realistic import documents generated for benchmarks."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone


def big_document(key: str, *, resources: int, days: int, appointments: int) -> bytes:
    """`resources` doctors with `days` of schedules from today and `appointments` busy slots."""
    today = timezone.localdate()
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<MediExchange ClientKey="{key}">']
    parts.append("<ResourceGroups>")
    parts.extend(f'<rg id="{g}" name="Специальность {g}" pos="{g}"/>' for g in range(20))
    parts.append("</ResourceGroups>\n<Resources>")
    parts.extend(
        f'<r id="{r}" name="Врач {r}" group_id="{r % 20}" time_step="30" pos="{r}"/>'
        for r in range(resources)
    )
    parts.append("</Resources>\n<Schedules>")
    for offset in range(days):
        day: date = today + timedelta(days=offset)
        parts.extend(
            f'<s id="{offset * resources + r}" date="{day:%d.%m.%Y}" resource_id="{r}">'
            '<time_rules w_start="8:00" w_end="20:00" b_start="13:00" b_end="14:00"/></s>\n'
            for r in range(resources)
        )
    parts.append('</Schedules>\n<Appointments SyncMode="full">')
    # Resource 0 gets a fair share too: the week page benchmark looks at it.
    parts.extend(_appointments(range(appointments), resources, days, random.Random(2026)))
    parts.append("</Appointments>\n</MediExchange>\n")
    return "".join(parts).encode()


def diff_document(key: str, *, resources: int, days: int, appointments: int, changed: int) -> bytes:
    """A `SyncMode="diff"` document: half of `changed` existing appointments of
    `big_document` moved to another day, half new ones."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<MediExchange ClientKey="{key}">'
        '<Appointments SyncMode="diff">\n'
    ]
    moved = changed // 2
    ids = [*range(moved), *range(appointments, appointments + changed - moved)]
    parts.extend(_appointments(ids, resources, days, random.Random(7)))
    parts.append("</Appointments>\n</MediExchange>\n")
    return "".join(parts).encode()


def _appointments(ids, resources: int, days: int, rng: random.Random):
    """One 30-minute `a` per id, on a random day and half hour between 8:00 and 20:00."""
    today = timezone.localdate()
    for number in ids:
        day = today + timedelta(days=rng.randrange(days))
        hour, half = rng.randrange(8, 20), rng.choice((0, 30))
        yield (
            f'<a tablename="SchedEvent" id="{number}" resource_id="{number % resources}" '
            f'ReceptionDateTime="{day:%d.%m.%Y} {hour:02d}:{half:02d}:00" Duration="30" '
            f'Title="Пациент {number} - приём"/>\n'
        )

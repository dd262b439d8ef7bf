"""Search as patients type: specialties by their everyday names, word forms, doctors' names
with initials in any order, typos; results grouped by specialty with the nearest free time.

A query is read into criteria, all of which a doctor must meet (booking.russian gives the
words). A phrase from the synonym list (booking/data/specialties.json: "лор", "ухо горло
нос", "зубной", "узи"...) becomes its specialties' terms, found in the doctor's name or
group as whole words in any form ("кардиология" for "кардиолог", but not "терапевтическая"
for "терапевт"); any other word must be found itself, as the beginning of a word of the
name or the group ("мусин" in "Мусина"). Single letters with a dot are initials, found in
the name.

Every database compares stems (booking.russian's small stemmer) over lower-cased text with
ё as е. PostgreSQL adds its full-text search with the `russian` configuration for word
forms, and trigram similarity (`pg_trgm`) for a misspelt word.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Lower, Replace
from django.utils import timezone

from booking.russian import ENDINGS, LETTERS, initials, normalize, stem, words
from booking.selectors import bookable_resources, nearest_free_slots
from booking.slots import Slot
from exchange.models import Clinic, Resource

SPECIALTIES_FILE = Path(__file__).parent / "data" / "specialties.json"
MAX_RESULTS = 200
# How far ahead the nearest free time is looked for, without a day chosen.
DAYS_AHEAD = 14
NEAREST = 3
# word_similarity() from which a misspelt word counts as found (PostgreSQL).
TYPO_SIMILARITY = 0.45
# A shorter word has too few trigrams to tell a typo from another word.
TYPO_MIN_LENGTH = 4
LONGEST_PHRASE = 4


@dataclass(frozen=True)
class Term:
    """Words that must all be found: whole (in any form), or as the start of a word."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Specialty:
    name: str
    title: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Criterion:
    """One thing asked for: any of its terms found meets it; `typo` is a word that may
    also be found misspelt."""

    terms: tuple[Term, ...]
    typo: str | None = None


@dataclass(frozen=True)
class ParsedQuery:
    criteria: tuple[Criterion, ...]
    initials: tuple[str, ...]
    specialties: tuple[Specialty, ...]

    def __bool__(self) -> bool:
        return bool(self.criteria or self.initials)


@dataclass(frozen=True)
class Found:
    resource: Resource
    slots: list[Slot]


@dataclass(frozen=True)
class SpecialtyResults:
    title: str
    found: list[Found]


@dataclass(frozen=True)
class Day:
    """The day filter: a date, or today and tomorrow on each clinic's own calendar."""

    on: date | None = None
    days_from_today: int | None = None

    def window(self, clinic: Clinic, now: datetime) -> tuple[date, int]:
        if self.on is not None:
            return self.on, 1
        today = timezone.localdate(now, timezone=clinic.tzinfo)
        if self.days_from_today is not None:
            return today + timedelta(days=self.days_from_today), 1
        return today, DAYS_AHEAD

    def __bool__(self) -> bool:
        return self.on is not None or self.days_from_today is not None


@cache
def specialties() -> tuple[Specialty, ...]:
    rows = json.loads(SPECIALTIES_FILE.read_text(encoding="utf-8"))
    return tuple(
        Specialty(
            name=row["name"],
            title=row["title"],
            terms=tuple(dict.fromkeys(Term(tuple(words(term))) for term in row["match"])),
        )
        for row in rows
    )


@cache
def synonyms() -> dict[tuple[str, ...], tuple[Specialty, ...]]:
    """What patients type, as stems, to the specialties it means."""
    rows = json.loads(SPECIALTIES_FILE.read_text(encoding="utf-8"))
    index: dict[tuple[str, ...], list[Specialty]] = defaultdict(list)
    for row, specialty in zip(rows, specialties(), strict=True):
        for phrase in [row["name"], *row["match"], *row["words"]]:
            key = tuple(stem(word) for word in words(phrase))
            if key and specialty not in index[key]:
                index[key].append(specialty)
    return {key: tuple(found) for key, found in index.items()}


def parse(query: str) -> ParsedQuery:
    """The criteria of `query`: the longest known phrase at each place, else the word."""
    tokens = words(query)
    stems = [stem(token) for token in tokens]
    index = synonyms()
    criteria: list[Criterion] = []
    recognized: list[Specialty] = []
    position = 0
    while position < len(tokens):
        for length in range(min(LONGEST_PHRASE, len(tokens) - position), 0, -1):
            meant = index.get(tuple(stems[position : position + length]))
            if meant:
                break
        if meant:
            terms = [term for specialty in meant for term in specialty.terms]
            if length == 1 and not any(term.words == (tokens[position],) for term in terms):
                # An everyday word is also looked for itself: "детский стоматолог" means a
                # children's dentist, not a paediatrician.
                terms.append(Term((tokens[position],), prefix=True))
            criteria.append(Criterion(terms=tuple(dict.fromkeys(terms))))
            recognized.extend(s for s in meant if s not in recognized)
        else:
            length = 1
            token = tokens[position]
            typo = token if len(token) >= TYPO_MIN_LENGTH else None
            criteria.append(Criterion(terms=(Term((token,), prefix=True),), typo=typo))
        position += length
    return ParsedQuery(tuple(criteria), tuple(initials(query)), tuple(recognized))


def matching_resources(parsed: ParsedQuery, *, clinic: Clinic | None = None) -> QuerySet[Resource]:
    """Bookable resources that meet every criterion, with their clinic and group."""
    resources = bookable_resources().select_related("clinic", "group")
    if clinic is not None:
        resources = resources.filter(clinic=clinic)
    resources = resources.alias(
        search_name=_folded("name"),
        search_text=Concat(_folded("name"), Value(" "), _folded("group__name")),
    )
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        resources = resources.alias(
            search_document=SearchVector("name", "group__name", config="russian")
        )
    for number, criterion in enumerate(parsed.criteria):
        condition = Q()
        for term in criterion.terms:
            condition |= _found("search_text", term)
            if on_postgresql:
                condition |= Q(search_document=_tsquery(term))
        if on_postgresql and criterion.typo:
            alias = f"search_similarity_{number}"
            resources = resources.alias(
                **{alias: TrigramWordSimilarity(Value(criterion.typo), "search_text")}
            )
            condition |= Q(**{f"{alias}__gte": TYPO_SIMILARITY})
        resources = resources.filter(condition)
    for letter in parsed.initials:
        resources = resources.filter(_found("search_name", Term((letter,), prefix=True)))
    return resources.order_by("pk")


def search(
    *, query: str, clinic: Clinic | None = None, day: Day | None = None, now: datetime
) -> tuple[ParsedQuery, list[SpecialtyResults]]:
    """The doctors for `query` grouped by specialty, the soonest free first.

    Without a query, every doctor (of the clinic chosen). With a day chosen, only doctors
    with free time that day. A constant number of queries, whatever the number found.
    """
    day = day or Day()
    parsed = parse(query)
    resources = list(matching_resources(parsed, clinic=clinic)[:MAX_RESULTS])
    windows = {resource.pk: day.window(resource.clinic, now) for resource in resources}
    slots = nearest_free_slots(resources=resources, windows=windows, now=now, limit=NEAREST)
    found = [Found(resource, slots.get(resource.pk, [])) for resource in resources]
    if day:
        found = [item for item in found if item.slots]
    return parsed, _grouped(found)


def specialty_of(resource: Resource) -> Specialty | None:
    """The specialty that the resource's group names, else its own name ("Кабинет УЗИ" in a
    group of rooms), if any."""
    named = _specialty_named(resource.group.name) if resource.group else None
    return named or _specialty_named(resource.name)


@cache
def _specialty_named(text: str) -> Specialty | None:
    """The specialty whose term ends earliest in `text`: "Стоматология терапевтическая" is
    dentistry (and "терапевтическая" is no "терапевт" anyway)."""
    stems = [stem(word) for word in words(text)]
    best: tuple[int, int] | None = None
    chosen = None
    for order, specialty in enumerate(specialties()):
        for term in specialty.terms:
            places = [_place(stems, stem(word)) for word in term.words]
            if None not in places and (best is None or (max(places), order) < best):
                best, chosen = (max(places), order), specialty
    return chosen


def _place(stems: Sequence[str], wanted: str) -> int | None:
    return next((n for n, found in enumerate(stems) if found == wanted), None)


def _grouped(found: Iterable[Found]) -> list[SpecialtyResults]:
    by_title: dict[str, list[Found]] = defaultdict(list)
    for item in found:
        specialty = specialty_of(item.resource)
        group = item.resource.group
        title = specialty.title if specialty else (group.name if group else "")
        by_title[title].append(item)
    groups = [
        SpecialtyResults(title, sorted(items, key=_soonest_first))
        for title, items in by_title.items()
    ]
    return sorted(groups, key=lambda group: (_soonest_first(group.found[0]), group.title))


def _soonest_first(item: Found) -> tuple:
    # Doctors without free time last, by name.
    first = item.slots[0].starts_at.timestamp() if item.slots else float("inf")
    return (first, item.resource.name)


def _folded(field: str):
    """The field lower-cased with ё as е, as booking.russian.normalize does."""
    return Replace(Lower(Coalesce(field, Value(""))), Value("ё"), Value("е"))


# A whole word: the stem, then one of the endings booking.russian strips, or none.
_WHOLE_WORD_END = "({})?($|[^{}])".format("|".join(ENDINGS), LETTERS)


def _found(alias: str, term: Term) -> Q:
    """Each word of `term` is found in the text: by its stem, whole or as a word's start."""
    condition = Q()
    for word in term.words:
        end = "" if term.prefix else _WHOLE_WORD_END
        pattern = rf"(^|[^{LETTERS}]){re.escape(stem(word))}{end}"
        condition &= Q(**{f"{alias}__regex": pattern})
    return condition


def _tsquery(term: Term) -> SearchQuery:
    # PostgreSQL stems each word itself; `:*` lets the stem begin a longer word.
    suffix = ":*" if term.prefix else ""
    text = " & ".join(f"{normalize(word)}{suffix}" for word in term.words)
    return SearchQuery(text, search_type="raw", config="russian")

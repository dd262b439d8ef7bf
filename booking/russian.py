"""Russian words as search compares them: lower case, ё as е, endings stripped.

The stemmer is deliberately small: it strips one inflectional ending (case, number,
gender), keeping at least three letters, so that "кардиологу", "кардиологии" and
"кардиолог" meet, and "Мусиной" meets "Мусина". Stems are compared as word prefixes, so a
stem one letter short still finds its word. PostgreSQL's own `russian` stemmer does this
for the database's text (booking.search); this one serves SQLite and the synonym list.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[0-9a-zа-я]+")
LETTERS = "a-zа-я0-9"
INITIAL = re.compile(rf"(?<![{LETTERS}])([а-я])\.")

# Case, number and gender endings of nouns and adjectives.
_ENDINGS = """
    иями ями ами иях ях ах ией ием ем ом ой ей ий ый ая яя ое ее ые ие ых их ым им ими ыми
    ую юю ого его ому ему ию ия ии ье ья ью ьи ов ев а я о е у ю ы и ь й
"""
# Longest first: the first that fits is stripped.
ENDINGS = sorted(_ENDINGS.split(), key=len, reverse=True)
MIN_STEM = 3

# Words that say nothing about whom the patient looks for. Single letters are never search
# words: "Мусина А." gives its initial with a dot (`initials`), "к кардиологу" a preposition.
STOP_WORDS = frozenset(
    """
    во на ко со об по для от до из за при или
    врач врача врачу врачи врачей доктор доктора доктору доктора специалист специалиста
    прием приём приема приёма записаться запись записи клиника клинике поликлиника
    """.replace("ё", "е").split()
)


def normalize(text: str) -> str:
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of `text`, normalized, without stop words and single letters; hyphens and
    dots separate."""
    return [
        word for word in WORD.findall(normalize(text)) if len(word) > 1 and word not in STOP_WORDS
    ]


def initials(text: str) -> list[str]:
    """Single letters followed by a dot, as initials are written: "Мусина А. Р." or "А.Р."."""
    return INITIAL.findall(normalize(text))


def stem(word: str) -> str:
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word

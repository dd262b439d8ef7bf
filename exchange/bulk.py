"""Bulk writes sized for whole-clinic imports: COPY on PostgreSQL, batched INSERTs elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.db import connection, models
from psycopg import sql

BATCH = 2000


def chunked(items: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> None:
    """Inserts `rows`, tuples of values in `fields` order (attnames, such as `resource_id`).

    On PostgreSQL COPY loads large sets about ten times faster than multi-row INSERTs.
    """
    if connection.vendor == "postgresql":
        columns = [model._meta.get_field(name).column for name in fields]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        # The raw psycopg cursor is outside Django's error translation; wrap it back in, so
        # a failed COPY raises django.db's errors like every other query.
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    for chunk in chunked(rows):
        model.objects.bulk_create(model(**dict(zip(fields, row, strict=True))) for row in chunk)


def bulk_delete(model: type[models.Model], pks: Iterable[int]) -> None:
    for chunk in chunked(pks):
        model.objects.filter(pk__in=chunk).delete()

"""SQLite's built-in LOWER folds only ASCII; the portal's text is Cyrillic."""

from django.db.backends.signals import connection_created
from django.dispatch import receiver


@receiver(connection_created)
def unicode_lower(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("LOWER", 1, _lower, deterministic=True)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()

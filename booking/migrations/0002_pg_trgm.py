# Search finds misspelt words on PostgreSQL by trigram similarity (booking.search), which
# needs the pg_trgm extension. SQLite has no such thing and searches without typos, so there
# this migration does nothing.

from django.db import migrations


def create_extension(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
    ]

    # Not dropped when unapplied: other databases' objects may use the extension.
    operations = [
        migrations.RunPython(create_extension, migrations.RunPython.noop),
    ]

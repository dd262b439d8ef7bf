# No two orders holding time overlap on one resource. PostgreSQL enforces it exactly with an
# exclusion constraint (resource equal, time ranges overlapping, status 0 or 1); SQLite has no
# such constraint, so there the partial unique index and the booking service's check under
# the IMMEDIATE write lock stand in.

from django.conf import settings
from django.db import migrations, models

EXCLUSION = """
    ALTER TABLE exchange_order ADD CONSTRAINT order_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status IN (0, 1))
"""


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(EXCLUSION)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE exchange_order DROP CONSTRAINT order_no_overlap")


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", [0, 1])),
                fields=("resource", "starts_at"),
                name="order_unique_active_start",
            ),
        ),
        migrations.RunPython(add_exclusion, drop_exclusion),
    ]

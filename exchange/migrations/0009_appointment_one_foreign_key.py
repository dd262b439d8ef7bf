"""An appointment's clinic and resource are checked by one composite foreign key.

A big clinic's full sync writes 144 000 appointments: two foreign keys meant two checks per
row at commit and two single-column indexes that the composite indexes already cover. One
key, (resource_id, clinic_id) -> resource (id, clinic_id), checks both and also that the
resource belongs to the appointment's clinic. PostgreSQL only: SQLite cannot add a
constraint to an existing table, and it is the zero-setup development database.
"""

import django.db.models.deletion
from django.db import migrations, models

FOREIGN_KEY = "appointment_resource_in_clinic"


def add_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE exchange_appointment ADD CONSTRAINT {FOREIGN_KEY}"
            " FOREIGN KEY (resource_id, clinic_id) REFERENCES exchange_resource (id, clinic_id)"
            " DEFERRABLE INITIALLY DEFERRED"
        )


def drop_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE exchange_appointment DROP CONSTRAINT {FOREIGN_KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0008_group_portal_made"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.UniqueConstraint(
                fields=("id", "clinic"), name="resource_id_clinic_key"
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="clinic",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="appointments",
                to="exchange.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="resource",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="appointments",
                to="exchange.resource",
                verbose_name="resource",
            ),
        ),
        migrations.RunPython(add_foreign_key, drop_foreign_key, elidable=False),
    ]

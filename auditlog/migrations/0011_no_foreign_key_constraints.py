"""PostgreSQL: no foreign-key constraints on the audit tables.

Their checks ran at commit under the chain's lock and locked the staff member's and the
ward's rows at every append: a queue on every ward's row, and a deadlock with any act that
held its ward's row FOR UPDATE. Django still refuses to delete staff or wards that events
name (on_delete=PROTECT), and an event's person-index rows are written with it by the same
database function. SQLite keeps its constraints: changing them would rebuild the table and
lose the append-only triggers, and SQLite has one writer anyway.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, referenced table)
FOREIGN_KEYS = [
    ("auditlog_auditevent", "actor_id", "supportmeasures_staff"),
    ("auditlog_auditevent", "ward_id", "supportmeasures_ward"),
    ("auditlog_auditeventperson", "event_id", "auditlog_auditevent"),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, _target in FOREIGN_KEYS:
            cursor.execute(
                """SELECT c.conname FROM pg_constraint c
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                   WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s""",
                [table, column],
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, target in FOREIGN_KEYS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY ({column}) "
            f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0010_fewer_indexes"),
        ("supportmeasures", "0007_measure_reminder"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, restore)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff member",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="ward",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="supportmeasures.ward",
                        verbose_name="ward",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditeventperson",
                    name="event",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="people",
                        to="auditlog.auditevent",
                    ),
                ),
            ],
        )
    ]

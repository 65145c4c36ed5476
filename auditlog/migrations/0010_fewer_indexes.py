"""Drop the audit table's indexes that another index already serves.

Every index is written under the chain's lock at each append. The single-column indexes on
actor, ward and measure are covered by the (column, sequence) indexes the auditors' filters
read, and the one on the person by the person index (AuditEventPerson, which holds every
event's person); the `varchar_pattern_ops` copies of the hashes and the measure serve LIKE queries, and
nothing searches a hash or a measure by prefix. The unique indexes on the hashes stay.

Plain DROP INDEX on both databases: altering the fields through the schema editor would
rebuild the table on SQLite and lose its append-only triggers.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REDUNDANT = [
    "auditlog_auditevent_actor_id_2cb94eb3",
    "auditlog_auditevent_ward_id_c226f621",
    "auditlog_auditevent_measure_ref_716ae076",
    "auditlog_auditevent_measure_ref_716ae076_like",
    "auditlog_auditevent_hash_8c7b8a72_like",
    "auditlog_auditevent_prev_hash_6469da69_like",
    "auditlog_auditevent_person_public_id_83a4c301",
]


def drop(apps, schema_editor):
    for name in REDUNDANT:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def create(apps, schema_editor):
    table = "auditlog_auditevent"
    like = schema_editor.connection.vendor == "postgresql"
    statements = [
        f"CREATE INDEX {REDUNDANT[0]} ON {table} (actor_id)",
        f"CREATE INDEX {REDUNDANT[1]} ON {table} (ward_id)",
        f"CREATE INDEX {REDUNDANT[2]} ON {table} (measure_ref)",
        f"CREATE INDEX {REDUNDANT[6]} ON {table} (person_public_id)",
    ]
    if like:
        statements += [
            f"CREATE INDEX {REDUNDANT[3]} ON {table} (measure_ref varchar_pattern_ops)",
            f"CREATE INDEX {REDUNDANT[4]} ON {table} (hash varchar_pattern_ops)",
            f"CREATE INDEX {REDUNDANT[5]} ON {table} (prev_hash varchar_pattern_ops)",
        ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0009_link_at_commit"),
        ("supportmeasures", "0007_measure_reminder"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
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
                    name="measure_ref",
                    field=models.CharField(blank=True, max_length=40, verbose_name="measure"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="person_public_id",
                    field=models.UUIDField(blank=True, null=True, verbose_name="person"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="ward",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="supportmeasures.ward",
                        verbose_name="ward",
                    ),
                ),
            ],
        )
    ]

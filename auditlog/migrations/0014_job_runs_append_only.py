"""Job runs (and so the record of every verification) are append-only, like the audit log.

A run's progress is a new row per state (running, then succeeded or failed, then perhaps
alarmed), so one row per attempt becomes one row per attempt and state. Then the same triggers
as the audit log's (0003): PostgreSQL refuses UPDATE and DELETE whoever connects, with the
function 0003 created; SQLite the same with RAISE(ABORT). TRUNCATE is left to the database
owner, as for the audit log (the test runner empties tables with it). The rows written before
this migration stay as they are: each is its attempt's last state.
"""

from django.db import migrations, models

TABLE = "auditlog_jobrun"

POSTGRES_UP = f"""
CREATE TRIGGER jobrun_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION auditlog_refuse_change();
"""
POSTGRES_DOWN = f"DROP TRIGGER IF EXISTS jobrun_append_only ON {TABLE};"
SQLITE_UP = [
    f"""CREATE TRIGGER jobrun_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'job runs are append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER jobrun_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'job runs are append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS jobrun_no_update;",
    "DROP TRIGGER IF EXISTS jobrun_no_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"No append-only trigger for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0013_more_event_kinds")]

    operations = [
        migrations.RemoveConstraint(model_name="jobrun", name="jobrun_one_row_per_attempt"),
        migrations.AddConstraint(
            model_name="jobrun",
            constraint=models.UniqueConstraint(
                fields=("job", "period", "attempt", "outcome"), name="jobrun_one_row_per_state"
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]

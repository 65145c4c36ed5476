"""The audit log is append-only in the database itself, whoever connects.

PostgreSQL: a row trigger refuses UPDATE and DELETE. SQLite: the same with RAISE(ABORT).
TRUNCATE is left to the database owner on purpose (the test runner empties tables with it);
a removed tail is caught by the checkpoints sealed outside the database.
"""

from django.db import migrations

TABLE = "auditlog_auditevent"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION auditlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION auditlog_refuse_change();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS auditlog_append_only ON {TABLE};
DROP FUNCTION IF EXISTS auditlog_refuse_change();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER auditlog_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER auditlog_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS auditlog_no_update;",
               "DROP TRIGGER IF EXISTS auditlog_no_delete;"]


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
    dependencies = [("auditlog", "0002_initial")]

    operations = [migrations.RunPython(install, uninstall)]

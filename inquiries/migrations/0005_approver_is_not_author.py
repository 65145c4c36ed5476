"""Nobody approves their own contact plan, whoever writes to the database.

A CHECK constraint cannot look at another table, so a trigger compares the approval's
approver with the plan's author (PostgreSQL and SQLite).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION inquiries_refuse_self_approval() RETURNS trigger AS $$
BEGIN
    IF NEW.approver_id = (SELECT author_id FROM inquiries_contactplan WHERE id = NEW.plan_id)
    THEN
        RAISE EXCEPTION 'a contact plan cannot be approved by its author'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inquiries_approver_is_not_author
    BEFORE INSERT OR UPDATE ON inquiries_planapproval
    FOR EACH ROW EXECUTE FUNCTION inquiries_refuse_self_approval();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS inquiries_approver_is_not_author ON inquiries_planapproval;
DROP FUNCTION IF EXISTS inquiries_refuse_self_approval();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER inquiries_approver_is_not_author_{op} BEFORE {op} ON inquiries_planapproval
        WHEN NEW.approver_id = (SELECT author_id FROM inquiries_contactplan WHERE id = NEW.plan_id)
        BEGIN SELECT RAISE(ABORT, 'a contact plan cannot be approved by its author'); END;"""
    for op in ("INSERT", "UPDATE")
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS inquiries_approver_is_not_author_{op};" for op in ("INSERT", "UPDATE")
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0004_list_page_indexes")]

    operations = [migrations.RunPython(install, uninstall)]

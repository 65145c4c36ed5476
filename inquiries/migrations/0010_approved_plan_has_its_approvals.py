"""The database keeps the rule too: a plan is never 'approved' without the live approvals of
its current version that its risk needs, nor while its wording must change (issue 10).

A deferred constraint trigger checks it at commit, whichever statement changed the plan or an
approval (raw SQL included). Expiry by time is not the database's to judge: the action that
records a contact checks it. PostgreSQL only; SQLite serves the demo."""

from django.db import migrations

INSTALL = """
CREATE FUNCTION inquiries_plan_approved_has_approvals() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    plan_id bigint;
    p record;
    live integer;
    needed integer;
BEGIN
    IF TG_TABLE_NAME = 'inquiries_contactplan' THEN
        plan_id := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        plan_id := OLD.plan_id;
    ELSE
        plan_id := NEW.plan_id;
    END IF;
    SELECT id, state, risk, is_emergency, needs_rewording, fingerprint INTO p
    FROM inquiries_contactplan WHERE id = plan_id;
    IF NOT FOUND OR p.state <> 'approved' THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO live FROM inquiries_planapproval
    WHERE inquiries_planapproval.plan_id = p.id AND withdrawn_at IS NULL
      AND fingerprint = p.fingerprint;
    -- (plpgsql reads an IF's condition up to its first THEN: no CASE inside it.)
    needed := 1;
    IF p.risk = 'critical' OR p.is_emergency THEN
        needed := 2;
    END IF;
    IF p.needs_rewording OR live < needed THEN
        RAISE EXCEPTION 'contact plan % is approved without the approvals it needs', p.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'plan_approved_has_approvals';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER plan_approved_has_approvals
    AFTER INSERT OR UPDATE ON inquiries_contactplan
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION inquiries_plan_approved_has_approvals();
CREATE CONSTRAINT TRIGGER plan_approval_still_counts
    AFTER UPDATE OR DELETE ON inquiries_planapproval
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION inquiries_plan_approved_has_approvals();
"""
UNINSTALL = """
DROP TRIGGER IF EXISTS plan_approval_still_counts ON inquiries_planapproval;
DROP TRIGGER IF EXISTS plan_approved_has_approvals ON inquiries_contactplan;
DROP FUNCTION IF EXISTS inquiries_plan_approved_has_approvals();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL, params=None)


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0009_fail_closed_plans")]

    operations = [migrations.RunPython(install, uninstall)]

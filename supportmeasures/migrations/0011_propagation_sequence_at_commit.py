"""PostgreSQL: a block change takes its feed sequence when its transaction commits.

A deferred constraint trigger, at commit, takes the audit chain's lock (the same key as
auditlog 0009: one lock, so a transaction that links audit events and numbers block changes
can never deadlock with another taking them in the other order), reads the highest sequence
and gives the row the next. The lock is held until the commit is visible, so the next
writer's read sees this one's number: sequence order is commit order, and a reader paging
`sequence > cursor` never skips a change that commits later with a lower number, nor repeats
one. SQLite (one writer at a time) gets nothing: the action numbers the row itself.
"""

from django.db import migrations

# Keep in step with auditlog.actions.CHAIN_LOCK_KEY.
CHAIN_LOCK_KEY = 0x4D414D4F5249

POSTGRES_UP = f"""
-- Number one block change (once: a row already numbered keeps its number). Called by the
-- trigger at commit, and at once inside a test's transaction, which never commits
-- (supportmeasures.propagation.actions).
CREATE FUNCTION supportmeasures_number_block_change_row(change_id bigint) RETURNS void AS $$
BEGIN
    -- As for the audit chain: each statement after the lock must see the commits of the
    -- writers that held it before, which only READ COMMITTED gives.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'block changes need READ COMMITTED, not %',
            current_setting('transaction_isolation');
    END IF;
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    UPDATE supportmeasures_blockchange
        SET sequence = (SELECT coalesce(max(sequence), 0) + 1 FROM supportmeasures_blockchange)
        WHERE id = change_id AND sequence IS NULL;
END;
$$ LANGUAGE plpgsql
-- Index plans only (see auditlog 0009): max(sequence) reads the unique index's end.
SET enable_seqscan = off;

CREATE FUNCTION supportmeasures_number_block_change() RETURNS trigger AS $$
BEGIN
    PERFORM supportmeasures_number_block_change_row(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER supportmeasures_block_change_at_commit
    AFTER INSERT ON supportmeasures_blockchange
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION supportmeasures_number_block_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS supportmeasures_block_change_at_commit ON supportmeasures_blockchange;
DROP FUNCTION IF EXISTS supportmeasures_number_block_change();
DROP FUNCTION IF EXISTS supportmeasures_number_block_change_row(bigint);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("supportmeasures", "0010_propagation_models")]

    operations = [migrations.RunPython(install, uninstall)]

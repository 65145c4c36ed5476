"""PostgreSQL: events are linked into the chain when their transaction commits.

`record_events` queues each event in `auditlog_pendingevent` as its canonical text, cut
where the head's sequence and hash go. A deferred constraint trigger then, at commit, takes
the chain's lock, reads the head, hashes and appends the event (and its person index), and
removes it from the queue. The lock is held only for that work and the commit itself, inside
the server: never across a round trip to the application, as it was when the application
took it. Sequence numbers follow the order of commits.

The queue is UNLOGGED: it only ever holds rows of transactions still running, and a crash
ends those. SQLite needs none of this (one writer at a time) and gets nothing.
"""

from django.db import migrations

# Keep in step with auditlog.actions.CHAIN_LOCK_KEY and offline_verify.GENESIS_HASH.
CHAIN_LOCK_KEY = 0x4D414D4F5249
GENESIS_HASH = "0" * 64

POSTGRES_UP = f"""
CREATE UNLOGGED TABLE auditlog_pendingevent (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The event's canonical text, cut where the head's hash and sequence go, which only
    -- the commit can know. The columns are read from that very text: what is stored is what
    -- is hashed.
    text_before text NOT NULL,
    text_between text NOT NULL,
    text_after text NOT NULL,
    people uuid[] NOT NULL
);

-- Link one event into the chain: its canonical text, cut where the head's hash and sequence
-- go, and the registered people it concerns.
CREATE FUNCTION auditlog_append(text_before text, text_between text, text_after text,
                                people uuid[]) RETURNS void AS $$
DECLARE
    content jsonb;
    head_sequence bigint;
    head_hash text;
    hashed text;
    appended bigint;
BEGIN
    -- The lock below makes each later statement see the previous holder's commit only in
    -- READ COMMITTED (a fresh snapshot per statement); at any other level the head read
    -- would be stale.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit events need READ COMMITTED, not %',
            current_setting('transaction_isolation');
    END IF;
    -- Work that needs no head is done before the lock (for a transaction's first event; its
    -- later events already run under it).
    content := (text_before || '{GENESIS_HASH}' || text_between || '0' || text_after)::jsonb;
    -- Held until this transaction's commit is visible; each statement below sees the
    -- commits of the writers that held it before.
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    -- The lock orders the writers; the commit waits for the disk after it is freed, in
    -- the same round trip (auditlog/postgresql/base.py).
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT sequence, hash INTO head_sequence, head_hash
        FROM auditlog_auditevent ORDER BY sequence DESC LIMIT 1;
    IF NOT FOUND THEN
        head_sequence := 0;
        head_hash := '{GENESIS_HASH}';
    END IF;
    hashed := text_before || head_hash || text_between || (head_sequence + 1)::text
              || text_after;
    INSERT INTO auditlog_auditevent (
        sequence, occurred_at, actor_id, actor_username, ward_id, ward_code, kind,
        person_public_id, measure_ref, decision, reason, data, prev_hash, hash)
    VALUES (
        head_sequence + 1, (content->>'occurred_at')::timestamptz,
        (content->>'actor_id')::bigint, content->>'actor_username',
        (content->>'ward_id')::bigint, content->>'ward_code', content->>'kind',
        (content->>'person_public_id')::uuid, content->>'measure_ref',
        content->>'decision', content->>'reason', content->'data', head_hash,
        encode(sha256(convert_to(hashed, 'UTF8')), 'hex'))
    RETURNING id INTO appended;
    IF cardinality(people) > 0 THEN
        INSERT INTO auditlog_auditeventperson (event_id, person_public_id)
            SELECT appended, person FROM unnest(people) AS person;
    END IF;
END;
$$ LANGUAGE plpgsql
-- A session keeps this function's plans: one made while the table was small (a new
-- database, a test) would read the head by scanning the whole table for as long as the
-- session lives, each append slower than the last. Only index plans, then.
SET enable_seqscan = off;

CREATE FUNCTION auditlog_link_pending() RETURNS trigger AS $$
BEGIN
    DELETE FROM auditlog_pendingevent WHERE id = NEW.id;
    PERFORM auditlog_append(NEW.text_before, NEW.text_between, NEW.text_after, NEW.people);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
SET enable_seqscan = off;

CREATE CONSTRAINT TRIGGER auditlog_link_at_commit
    AFTER INSERT ON auditlog_pendingevent
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION auditlog_link_pending();
"""
POSTGRES_DOWN = """
DROP TABLE IF EXISTS auditlog_pendingevent;
DROP FUNCTION IF EXISTS auditlog_link_pending();
DROP FUNCTION IF EXISTS auditlog_append(text, text, text, uuid[]);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0008_approval_expiry")]

    operations = [migrations.RunPython(install, uninstall)]

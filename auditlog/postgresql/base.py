"""Django's PostgreSQL backend, with the audit chain's commit.

A transaction that recorded audit events sends them with its commit, in one round trip:
`INSERT INTO auditlog_pendingevent …; COMMIT; SELECT pg_logical_emit_message(true, …)`.
- The INSERT queues the events; at COMMIT a deferred trigger links them into the chain under
  its lock (migration auditlog 0009).
- The COMMIT does not wait for the disk (the trigger turns `synchronous_commit` off for the
  transaction), so the chain's lock is freed as soon as the commit is in the WAL, and writers
  do not queue behind each other's flush.
- The SELECT then writes a tiny transaction that commits synchronously, which flushes the WAL
  past the act's commit, as a synchronous commit would have; concurrent writers share that
  flush. The WAL is written in order: an event on disk means every event before it is too.
If the INSERT or the COMMIT fails, nothing after it runs: an event that cannot be queued or
linked leaves its act uncommitted. If only the flush fails (a lost connection, a full disk),
the act and its event are committed but the caller is told of the error, as it would be of a
synchronous commit whose flush failed.

The events wait in Django's on-commit list, so a rolled-back `atomic()` savepoint drops its
events with its act. Manual savepoints (`transaction.savepoint()`) do not: the project uses
none, and must not around audited acts.
"""

from __future__ import annotations

import psycopg
from django.db import InterfaceError
from django.db.backends.postgresql import base
from django.db.backends.utils import debug_transaction  # type: ignore[attr-defined]

COMMIT_AND_WAIT_FOR_DISK = "COMMIT; SELECT pg_logical_emit_message(true, 'mamori.audit', '')"


class DatabaseWrapper(base.DatabaseWrapper):
    sends_audit_events = True  # auditlog.actions.record_events requires this backend

    def _commit(self) -> None:
        from auditlog.actions import QueuedEvents, commit_statement

        # Entries are (savepoint ids, callable, robust).
        queued = [entry[1] for entry in self.run_on_commit if isinstance(entry[1], QueuedEvents)]
        if not queued:
            return super()._commit()  # type: ignore[misc]  # not in django-stubs
        if self.connection is None:  # pragma: no cover - no transaction without a connection
            raise InterfaceError("the connection was lost before its audit events were sent")
        with (
            debug_transaction(self, "COMMIT"),
            self.wrap_database_errors,
            psycopg.ClientCursor(self.connection) as cursor,
        ):
            statement = commit_statement(queued, cursor.mogrify)
            # No parameters: the simple query protocol, which runs the three statements.
            cursor.execute(f"{statement}; {COMMIT_AND_WAIT_FOR_DISK}")
        # Sent: a later commit on this connection (manual commits keep the list) must not
        # send them again.
        self.run_on_commit = [e for e in self.run_on_commit if not isinstance(e[1], QueuedEvents)]
        return None

"""Django's PostgreSQL backend, with the audit chain's commit.

A transaction that queued audit events commits without waiting for the disk: the chain's
lock, taken at commit, is then freed as soon as the commit is in the WAL, and writers do not
queue behind each other's flush (migration auditlog 0009). The wait for the disk follows in
the same round trip: `COMMIT; SELECT pg_logical_emit_message(true, …)` commits, then writes a
tiny transaction that commits synchronously, which flushes the WAL past the act's commit, as
a synchronous commit would have. Concurrent writers share that flush. The WAL is written in
order: an event on disk means every event before it is on disk too.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.utils import debug_transaction  # type: ignore[attr-defined]

COMMIT_AND_WAIT_FOR_DISK = "COMMIT; SELECT pg_logical_emit_message(true, 'mamori.audit', '')"


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by auditlog.actions.record_events; cleared by the commit or the rollback.
        self.audit_events_queued = False

    def _commit(self) -> None:
        if not self.audit_events_queued or self.connection is None:
            return super()._commit()  # type: ignore[misc]  # not in django-stubs
        self.audit_events_queued = False
        with (
            debug_transaction(self, "COMMIT"),
            self.wrap_database_errors,
            self.connection.cursor() as cursor,
        ):
            # No parameters: the simple query protocol, which runs both statements.
            cursor.execute(COMMIT_AND_WAIT_FOR_DISK)
        return None

    def _rollback(self) -> None:
        self.audit_events_queued = False
        return super()._rollback()  # type: ignore[misc]

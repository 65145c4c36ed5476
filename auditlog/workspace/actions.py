"""What the auditors' workspace does. Its writes are records of what auditors looked at:
an export, and opening a person's access history or a staff member's activity (who watched
the watchers)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection, transaction

from auditlog.actions import record_event
from auditlog.models import EventKind
from auditlog.workspace import export, selectors

if TYPE_CHECKING:
    from supportmeasures.models import Staff


def export_events(
    *, user: Staff, flt: selectors.EventFilter, encoding: str, exported_at: datetime.datetime
) -> Iterator[bytes]:
    """Record the export, then stream the events as CSV (UTF-8 with BOM, or CP932).

    The event is committed before the first byte leaves: an export is itself a disclosure.
    """
    flt, _people = selectors.with_people(user=user, flt=flt)  # checks the auditor role first
    events = selectors.events_to_export(user=user, flt=flt)
    if encoding not in export.ENCODINGS:
        raise ValueError(encoding)
    with transaction.atomic(durable=True):
        # Indexed by the people exported, so the export shows in each one's history.
        record_event(
            kind=EventKind.AUDITLOG_EXPORTED,
            actor=user,
            occurred_at=exported_at,
            decision="exported",
            data={"filter": flt.describe(), "encoding": encoding},
            persons=flt.person_ids,
        )
    if connection.vendor == "postgresql":
        return export.pg_csv_stream(events, encoding=encoding)
    return export.csv_stream(selectors.export_rows(user=user, flt=flt), encoding=encoding)


def open_person_history(
    *, user: Staff, public_id: uuid.UUID, opened_at: datetime.datetime
) -> selectors.History:
    """A person's whole access history, and the record that this auditor opened it (indexed
    by the person, so the opening shows in that history itself)."""
    history = selectors.person_history(user=user, public_id=public_id)  # auditors only: 404
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.AUDITLOG_VIEWED,
            actor=user,
            occurred_at=opened_at,
            decision="shown",
            data={"opened": "person_history", "person": str(public_id)},
            persons=(str(public_id),),
        )
    return history


def open_staff_activity(
    *,
    user: Staff,
    staff_id: int,
    since: datetime.date | None,
    until: datetime.date | None,
    opened_at: datetime.datetime,
) -> selectors.History:
    """A staff member's activity over a period, and the record that this auditor opened it."""
    history = selectors.staff_activity(user=user, staff_id=staff_id, since=since, until=until)
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.AUDITLOG_VIEWED,
            actor=user,
            occurred_at=opened_at,
            decision="shown",
            data={
                "opened": "staff_activity",
                "staff_id": staff_id,
                "since": since.isoformat() if since else "",
                "until": until.isoformat() if until else "",
            },
        )
    return history

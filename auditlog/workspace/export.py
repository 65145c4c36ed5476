"""CSV export of audit events: streamed, for Excel (UTF-8 with BOM) or older tools (CP932)."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Func, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.models import DECISION_LABELS, REASON_LABELS, AuditEvent, EventKind
from auditlog.spreadsheet import SafeCell, safe_row

ENCODINGS = ("utf-8", "cp932")
# Rows are written to text in batches and encoded once per batch: far fewer, larger chunks.
BATCH = 1000


def header() -> list[str]:
    return [
        _("Sequence"),
        _("Occurred at"),
        _("User name"),
        _("Staff member"),
        _("Ward code"),
        _("Ward"),
        _("Event code"),
        _("Event"),
        _("Person (public id)"),
        _("Measure"),
        _("Decision code"),
        _("Decision"),
        _("Reason"),
        _("Details (JSON)"),
        _("Previous hash"),
        _("Hash"),
    ]


def csv_stream(rows: Iterable[tuple[object, ...]], *, encoding: str) -> Iterator[bytes]:
    """Yield the CSV in encoded chunks. CP932 cannot write every character: those that it
    cannot become '?' (UTF-8 is the faithful form, and the default)."""
    kinds = {k: str(v) for k, v in EventKind.choices}
    decisions = {k: str(v) for k, v in DECISION_LABELS.items()}
    reasons = {k: str(v) for k, v in REASON_LABELS.items()}
    zone = timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(header()))
    first = True
    for count, row in enumerate(rows, start=1):
        (seq, at, username, full_name, ward_code, ward_name, kind, person, measure, decision,
         reason, data, prev_hash, hash_) = row  # fmt: skip
        assert isinstance(at, datetime.datetime)
        # Names, purposes and references come from people and other systems: nothing in them
        # may run as a formula in the auditor's spreadsheet (auditlog/spreadsheet.py).
        writer.writerow(
            safe_row(
                (
                    seq,
                    at.astimezone(zone).isoformat(timespec="seconds"),
                    username,
                    full_name or "",
                    ward_code,
                    ward_name or "",
                    kind,
                    kinds.get(str(kind), kind),
                    person or "",
                    measure,
                    decision,
                    decisions.get(str(decision), decision),
                    reasons.get(str(reason), reason),
                    json.dumps(data, ensure_ascii=False, sort_keys=True) if data else "",
                    prev_hash,
                    hash_,
                )
            )
        )
        if count % BATCH == 0:
            yield _encode(buffer, encoding, first)
            first = False
    yield _encode(buffer, encoding, first)


def _encode(buffer: io.StringIO, encoding: str, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if encoding == "cp932":
        return text.encode("cp932", errors="replace")
    return (b"\xef\xbb\xbf" if first else b"") + text.encode("utf-8")


def _labelled(field: str, labels: dict[str, str]) -> Case:
    return Case(
        *[When(**{field: code}, then=Value(label)) for code, label in labels.items()],
        default=F(field),
        output_field=CharField(),
    )


def pg_csv_stream(events: QuerySet[AuditEvent], *, encoding: str) -> Iterator[bytes]:
    """The same CSV, written by PostgreSQL itself (COPY … TO STDOUT): Python only relays the
    blocks (and re-encodes them for CP932). Newest first, in one streamed statement."""
    # Every text column through SafeCell: the same neutralised cells as csv_stream writes.
    columns = events.order_by("-sequence").values_list(
        "sequence",
        Func(
            F("occurred_at"),
            Value('YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
            function="to_char",
            output_field=CharField(),
        ),
        SafeCell(F("actor_username")),
        SafeCell(F("actor__full_name")),
        SafeCell(F("ward_code")),
        SafeCell(F("ward__name")),
        SafeCell(F("kind")),
        SafeCell(_labelled("kind", {k: str(v) for k, v in EventKind.choices})),
        Cast("person_public_id", CharField()),
        SafeCell(F("measure_ref")),
        SafeCell(F("decision")),
        SafeCell(_labelled("decision", {k: str(v) for k, v in DECISION_LABELS.items()})),
        SafeCell(_labelled("reason", {k: str(v) for k, v in REASON_LABELS.items()})),
        SafeCell(Cast("data", TextField())),
        "prev_hash",
        "hash",
    )
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(safe_row(header()))
    if encoding == "cp932":
        yield head.getvalue().encode("cp932", errors="replace")
        decoder = codecs.getincrementaldecoder("utf-8")()
    else:
        yield b"\xef\xbb\xbf" + head.getvalue().encode("utf-8")
    try:
        sql, params = columns.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (a name that finds nobody)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # Times in the office's zone while PostgreSQL writes them; the connection's own zone
        # (UTC, which Django's readers assume) is put back even inside an outer transaction.
        cursor.execute("SELECT current_setting('TimeZone')")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
        try:
            copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            with cursor.cursor.copy(copy_sql, params) as copy:
                for block in copy:
                    data = bytes(block)
                    if encoding == "cp932":
                        yield decoder.decode(data).encode("cp932", errors="replace")
                    else:
                        yield data
        finally:
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [previous])

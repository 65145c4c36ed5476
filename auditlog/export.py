"""CSV export of audit events: streamed, for Excel (UTF-8 with BOM) or older tools (CP932)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.models import DECISION_LABELS, REASON_LABELS, EventKind

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
    writer.writerow(header())
    first = True
    for count, row in enumerate(rows, start=1):
        (seq, at, username, full_name, ward_code, ward_name, kind, person, measure, decision,
         reason, data, prev_hash, hash_) = row  # fmt: skip
        assert isinstance(at, datetime.datetime)
        writer.writerow(
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

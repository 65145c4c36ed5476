"""The registry import: all or nothing, idempotent."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import names, selectors
from supportmeasures.importing import ImportedMeasure, ImportFileError, RowError
from supportmeasures.models import (
    AliasKind,
    BasisKind,
    DecisionKind,
    EndReason,
    MeasureDecision,
    MeasureParty,
    MeasureSource,
    MeasureStatus,
    Person,
    PersonAlias,
    Staff,
    SupportMeasure,
    Ward,
)
from supportmeasures.signals import announce_registry_changed

# Stored data, not interface text: records are kept in Japanese whatever the UI language.
IMPORTED_BASIS = "（住民基本台帳システムから移行）"


@dataclass(frozen=True)
class ImportSummary:
    measures_created: int
    measures_unchanged: int
    people_created: int
    wards_created: int


def import_registry(
    *,
    measures: list[ImportedMeasure],
    file_name: str,
    file_sha256: str,
    create_wards: bool,
    dry_run: bool = False,
    acting_user: Staff | None,
    imported_at: datetime.datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import measures from the resident register system: all or nothing, and idempotent.

    A measure already imported from the same rows is left alone; one whose rows differ is an
    error (changes to a measure are decisions, made in Mamori, not by re-import).
    """
    codes = sorted({m.ward_code for m in measures})
    with transaction.atomic(durable=True):
        wards = {w.code: w for w in selectors.wards_with_codes(codes)}
        missing = [c for c in codes if c not in wards]
        if missing and not create_wards:
            raise ImportFileError(
                [
                    RowError(
                        next(m.first_line for m in measures if m.ward_code == c),
                        "ward_code",
                        f"区コード {c} は登録されていません（--create-wards で作成）",
                        f"unknown ward code {c} (use --create-wards)",
                    )
                    for c in missing
                ]
            )
        for code in missing:
            wards[code] = Ward.objects.create(code=code, name=code)
        existing = {
            m.ref: m
            for m in SupportMeasure.objects.filter(ref__in=[m.ref for m in measures]).only(
                "ref", "import_fingerprint"
            )
        }
        conflicts = [
            RowError(
                m.first_line,
                "measure_ref",
                f"{m.ref} は既に内容の違う措置として登録されています",
                f"{m.ref} already exists with different content",
            )
            for m in measures
            if m.ref in existing and existing[m.ref].import_fingerprint != m.fingerprint()
        ]
        if conflicts:
            raise ImportFileError(conflicts)
        today = timezone.localdate(imported_at)
        new = [m for m in measures if m.ref not in existing]
        people_created = 0
        for done, measure in enumerate(new, start=1):
            people_created += _import_measure(measure, wards[measure.ward_code], today, imported_at)
            if progress and (done % 500 == 0 or done == len(new)):
                progress(done)
        summary = ImportSummary(len(new), len(measures) - len(new), people_created, len(missing))
        record_event(
            kind=EventKind.REGISTRY_IMPORTED,
            actor=acting_user,
            occurred_at=imported_at,
            decision="dry_run" if dry_run else "imported",
            data={
                "file_name": file_name,
                "file_sha256": file_sha256,
                "measures_created": summary.measures_created,
                "measures_unchanged": summary.measures_unchanged,
                "people_created": summary.people_created,
                "wards_created": summary.wards_created,
            },
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            announce_registry_changed()
    return summary


def _import_measure(
    imported: ImportedMeasure, ward: Ward, today: datetime.date, now: datetime.datetime
) -> int:
    ended = imported.status == MeasureStatus.ENDED
    measure = SupportMeasure.objects.create(
        ref=imported.ref,
        kind=imported.kind,
        owning_ward=ward,
        status=imported.status,
        source=MeasureSource.IMPORTED,
        import_fingerprint=imported.fingerprint(),
        basis_kind=BasisKind.CONSULTING_BODY,
        basis_body=IMPORTED_BASIS,
        restricts_inspection=True,
        restricts_resident_copies=True,
        restricts_koseki_attachment=True,
        applied_on=imported.starts_on or today,
        starts_on=imported.starts_on,
        ends_on=imported.ends_on,
        registered_at=now,
        end_reason=EndReason.IMPORTED if ended else "",
        ended_at=now if ended else None,
    )
    created = 0
    for row in imported.people:
        # The same person in two measures (protected in one, counterparty in another) is one
        # record when name and date of birth agree exactly.
        person = None
        if row.birth_date:
            # Only a person whose measures all belong to this ward: merging into another
            # ward's person would hand this ward their address (need to know).
            person = (
                Person.objects.filter(name_key=names.name_key(row.name), birth_date=row.birth_date)
                .exclude(parties__measure__in=SupportMeasure.objects.exclude(owning_ward=ward))
                .first()
            )
        if person is None:
            person = Person.objects.create(
                name=row.name,
                kana=row.kana,
                birth_date=row.birth_date,
                sex=row.sex,
                address=row.address,
                created_at=now,
            )
            created += 1
        for alias in row.aliases:
            PersonAlias.objects.get_or_create(
                person=person, name=alias, defaults={"kind": AliasKind.ALIAS}
            )
        MeasureParty.objects.get_or_create(
            measure=measure,
            person=person,
            defaults={"role": row.role, "relationship": row.relationship},
        )
    MeasureDecision.objects.create(
        measure=measure,
        kind=DecisionKind.IMPORTED,
        decided_at=now,
        starts_on=imported.starts_on,
        ends_on=imported.ends_on,
    )
    return created

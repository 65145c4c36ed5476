"""Bulk runs: a list of measures to end or release, prepared in advance, run by a supervisor.

Each line is its own act: `end_measure` or `release_lapsed_measure`, in its own transaction,
on the locked measure, asking the measure's rule and then `permissions.bulk_recheck_refusal`
with the measure's protected people locked too. A registration and a line never overlap: a
registration locks its ward's row first and saves every person it names (`_person_for`),
holding their rows until it commits; a line locks the measure with its owning ward's row
(`locked_measure`) and then its people (FOR UPDATE), so it waits for a registration in progress
and then sees it (tests/supportmeasures/test_bulk.py, TestRunBulkListAgainstAnApplication): a
person who re-applied is never released by a list prepared before. A line that does not
hold is skipped with its reason; the run ends with one `measure.bulk_run` event listing what was
done and skipped.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions
from supportmeasures.actions.common import refuse_if
from supportmeasures.actions.lifecycle import Recheck, end_measure, release_lapsed_measure
from supportmeasures.bulk import BulkAction, BulkLine
from supportmeasures.models import EndReason, PartyRole, Person, Staff, SupportMeasure
from supportmeasures.refusals import ActionRefused, ChangedSinceListed


@dataclass(frozen=True)
class BulkOutcome:
    line: int
    ref: str
    action: BulkAction
    done: bool
    reason: str = ""  # why it was skipped, as the page shows it
    code: str = ""  # the same, as the audit event records it


@dataclass(frozen=True)
class BulkResult:
    outcomes: list[BulkOutcome]

    @property
    def done(self) -> list[BulkOutcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def skipped(self) -> list[BulkOutcome]:
        return [o for o in self.outcomes if not o.done]


def _recheck(line: BulkLine) -> Recheck:
    def recheck(measure: SupportMeasure, today: datetime.date) -> ActionRefused | None:
        # Lock the people the measure protects before looking for their other measures.
        list(
            Person.objects.select_for_update()
            .filter(parties__measure=measure, parties__role__in=PartyRole.protected_roles())
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return permissions.bulk_recheck_refusal(
            measure, listed_ends_on=line.ends_on, prepared_on=line.prepared_on, today=today
        )

    return recheck


def _code(exc: ActionRefused) -> str:
    if isinstance(exc, ChangedSinceListed):
        return exc.code
    return type(exc).__name__


def run_bulk_list(
    *,
    lines: list[BulkLine],
    acting_user: Staff,
    reason: str,
    run_at: datetime.datetime,
) -> BulkResult:
    """Run a prepared list, line by line, each re-checked as it runs. Returns what was done
    and what was skipped (with the reason); the run is one `measure.bulk_run` event."""
    today = timezone.localdate(run_at)
    refuse_if(permissions.bulk_run_refusal(acting_user, today))
    if not reason.strip():
        raise ActionRefused(_("Give the reason for the bulk run."))
    # Only the user's wards: a reference elsewhere is "not found", never "not yours".
    measures = {
        m.ref: m
        for m in SupportMeasure.objects.filter(
            ref__in=[line.ref for line in lines],
            owning_ward__in=permissions.ward_ids(acting_user),
        )
    }
    outcomes: list[BulkOutcome] = []
    for line in lines:
        measure = measures.get(line.ref)
        if measure is None:
            outcomes.append(
                BulkOutcome(
                    line.line,
                    line.ref,
                    line.action,
                    done=False,
                    reason=_("No measure with this reference in your wards."),
                    code="not_found",
                )
            )
            continue
        try:
            if line.action == BulkAction.END:
                end_measure(
                    measure=measure,
                    acting_user=acting_user,
                    end_reason=EndReason.DECIDED,
                    reason=reason,
                    decided_at=run_at,
                    recheck=_recheck(line),
                )
            else:
                release_lapsed_measure(
                    measure=measure,
                    acting_user=acting_user,
                    reason=reason,
                    decided_at=run_at,
                    recheck=_recheck(line),
                )
        except ActionRefused as exc:
            outcomes.append(
                BulkOutcome(
                    line.line, line.ref, line.action, done=False, reason=str(exc), code=_code(exc)
                )
            )
        else:
            outcomes.append(BulkOutcome(line.line, line.ref, line.action, done=True))
    result = BulkResult(outcomes)
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.BULK_RUN,
            actor=acting_user,
            occurred_at=run_at,
            ward=acting_user.ward,
            decision="run",
            reason=reason,
            data={
                "lines": len(outcomes),
                "done_count": len(result.done),
                "skipped_count": len(result.skipped),
                "done": [{"ref": o.ref, "action": str(o.action)} for o in result.done],
                "skipped": [
                    {"ref": o.ref, "action": str(o.action), "reason": o.code}
                    for o in result.skipped
                ],
            },
        )
    return result

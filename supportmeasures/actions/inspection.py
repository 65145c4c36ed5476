"""閲覧 lists (spec 9.5): a list in, the same list out without the protected and their
households, the removal recorded (supportmeasures/inspection.py holds the rules)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import inspection, permissions
from supportmeasures.actions.screening import screen_people
from supportmeasures.models import MeasureParty, PartyRole, Staff
from supportmeasures.refusals import NotPermitted


def _protected_addresses() -> list[str]:
    """The registered addresses of everyone protected or joint in a measure in force: read to
    compare, never shown."""
    return list(
        MeasureParty.objects.in_force()
        .filter(role__in=PartyRole.protected_roles())
        .exclude(person__address="")
        .values_list("person__address", flat=True)
        .distinct()
    )


def filter_inspection_list(
    *,
    inspection_list: inspection.InspectionList,
    purpose: str,
    acting_user: Staff,
    filtered_at: datetime.datetime,
) -> inspection.Filtered:
    """Screen every name of the list (the screening's own events and limits), remove the
    protected, the possible matches and their households, and record one
    `screening.inspection_filtered` event with the counts and the registry's person ids."""
    if not permissions.may_filter_inspection_list(acting_user):
        raise NotPermitted(_("Only clerks and supervisors prepare inspection lists."))
    mailing = inspection_list.mailing
    flat = [query for row in mailing.queries for _column, query in row]
    results = iter(
        screening
        for _id, screening in screen_people(
            queries=flat, purpose=purpose, screened_at=filtered_at, acting_user=acting_user
        )
    )
    per_row = [[next(results) for _ in row] for row in mailing.queries]
    filtered = inspection.filter_list(inspection_list, per_row, _protected_addresses())
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.INSPECTION_FILTERED,
            actor=acting_user,
            occurred_at=filtered_at,
            ward=acting_user.ward,
            decision="filtered",
            reason=purpose,
            persons=filtered.person_ids,
            data={
                "rows_in": filtered.rows_in,
                "rows_out": len(filtered.kept),
                "removed_protected": filtered.removed_protected,
                "removed_possible_match": filtered.removed_possible,
                "removed_household": filtered.removed_household,
                "lines_to_check": [c.line for c in filtered.to_check],
            },
        )
    return filtered

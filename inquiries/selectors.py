"""Reads of inquiries and plans, with scope applied: what may not be seen is a 404."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from inquiries import permissions as inquiry_permissions
from inquiries.models import (
    ContactPlan,
    Inquiry,
    InquiryState,
    Notification,
    PlanState,
    Urgency,
)
from supportmeasures import permissions
from supportmeasures.models import Role, Staff, Ward
from supportmeasures.selectors import wards_with_codes

HIDDEN_FROM_RECEIVER = inquiry_permissions.HIDDEN_FROM_RECEIVER


def _wards(user: Staff) -> frozenset[int]:
    if not user.has_role(*permissions.CASE_ROLES):
        return frozenset()
    return permissions.ward_ids(user)


def _inquiries() -> QuerySet[Inquiry]:
    return Inquiry.objects.select_related(
        "from_ward", "to_ward", "author", "signed_off_by", "answered_by", "answer_signed_off_by"
    )


PAGE = 25


class InquiryRow(NamedTuple):
    """What a list row shows, read as plain values: lists are the busiest pages, and a
    model instance per row (with its two wards) costs more than the query."""

    pk: int
    public_id: uuid.UUID
    protected_status: str
    state: str
    urgency: str
    created_at: datetime.datetime
    subject_name: str
    from_ward_name: str
    to_ward_name: str


_INQUIRY_ROW = (
    "pk",
    "public_id",
    "protected_status",
    "state",
    "urgency",
    "created_at",
    "subject_name",
    "from_ward__name",
    "to_ward__name",
)


class PlanRow(NamedTuple):
    pk: int
    public_id: uuid.UUID
    risk: str
    is_emergency: bool
    target_name: str
    channel: str
    state: str
    created_at: datetime.datetime
    acting_ward_name: str
    author_full_name: str
    author_username: str

    @property
    def author_name(self) -> str:
        return self.author_full_name or self.author_username


_PLAN_ROW = (
    "pk",
    "public_id",
    "risk",
    "is_emergency",
    "target_name",
    "channel",
    "state",
    "created_at",
    "acting_ward__name",
    "author__full_name",
    "author__username",
)


def _inquiry_rows(inquiries: QuerySet[Inquiry]) -> list[InquiryRow]:
    return [InquiryRow(*values) for values in inquiries.values_list(*_INQUIRY_ROW)]


def _plan_rows(plans: QuerySet[ContactPlan]) -> list[PlanRow]:
    return [PlanRow(*values) for values in plans.values_list(*_PLAN_ROW)]


def _page(inquiries: QuerySet[Inquiry], before: int | None) -> list[InquiryRow]:
    """Newest first, paged by key (pk), never by OFFSET: the same cost on every page."""
    if before:
        inquiries = inquiries.filter(pk__lt=before)
    return _inquiry_rows(inquiries.order_by("-pk")[:PAGE])


def inbox(*, user: Staff, before: int | None = None) -> list[InquiryRow]:
    """Inquiries to the user's wards that have been signed off. One query, any length."""
    return _page(
        Inquiry.objects.filter(to_ward__in=_wards(user)).exclude(state__in=HIDDEN_FROM_RECEIVER),
        before,
    )


def urgent_inbox(*, user: Staff) -> list[InquiryRow]:
    """Urgent inquiries sent to the user's wards and not yet answered: on their home page, not
    only as a badge, oldest first."""
    return _inquiry_rows(
        Inquiry.objects.filter(
            to_ward__in=_wards(user),
            urgency=Urgency.URGENT,
            state=InquiryState.SENT,
        ).order_by("created_at", "pk")[:PAGE]
    )


def outbox(*, user: Staff, before: int | None = None) -> list[InquiryRow]:
    return _page(Inquiry.objects.filter(from_ward__in=_wards(user)), before)


def inquiry_for_user(*, user: Staff, public_id: uuid.UUID) -> Inquiry:
    try:
        inquiry = _inquiries().get(public_id=public_id)
    except Inquiry.DoesNotExist as exc:
        raise Http404 from exc
    if not inquiry_permissions.may_read_inquiry(user, inquiry):
        raise Http404
    return inquiry


def plan_for_user(*, user: Staff, public_id: uuid.UUID) -> ContactPlan:
    """The acting ward's staff; supervisors of any ward for an emergency (they may approve);
    the owning ward of the people concerned (it reviews emergencies); auditors (read-only,
    every reading recorded)."""
    try:
        plan = ContactPlan.objects.select_related(
            "acting_ward", "author", "inquiry", "emergency_reviewed_by"
        ).get(public_id=public_id)
    except ContactPlan.DoesNotExist as exc:
        raise Http404 from exc
    wards = _wards(user)
    owning = {w.pk for w in _owning(plan)}
    if plan.acting_ward_id in wards or wards & owning:
        return plan
    if plan.is_emergency and user.has_role(Role.SUPERVISOR):
        return plan
    if user.has_role(Role.AUDITOR):
        return plan
    raise Http404


def _owning(plan: ContactPlan) -> list[Ward]:
    return wards_with_codes(plan.owning_ward_codes)


def plans_of_ward(*, user: Staff) -> list[PlanRow]:
    return _plan_rows(
        ContactPlan.objects.filter(acting_ward__in=_wards(user)).order_by("-pk")[:PAGE]
    )


@dataclass(frozen=True)
class ApproverQueue:
    inquiries: list[InquiryRow]
    answers: list[InquiryRow]
    plans: list[PlanRow]

    def __len__(self) -> int:
        return len(self.inquiries) + len(self.answers) + len(self.plans)


def approver_queue(*, user: Staff) -> ApproverQueue:
    """What awaits this supervisor: oldest first, emergencies on top. Three queries."""
    if not inquiry_permissions.has_approver_queue(user):
        return ApproverQueue([], [], [])
    wards = permissions.ward_ids(user)
    return ApproverQueue(
        inquiries=_inquiry_rows(
            Inquiry.objects.filter(from_ward__in=wards, state=InquiryState.AWAITING_SIGNOFF)
            .exclude(author=user)
            .order_by("created_at", "pk")[:PAGE]
        ),
        answers=_inquiry_rows(
            Inquiry.objects.filter(to_ward__in=wards, state=InquiryState.ANSWER_AWAITING_SIGNOFF)
            .exclude(answered_by=user)
            .order_by("answered_at", "pk")[:PAGE]
        ),
        plans=_plan_rows(
            ContactPlan.objects.filter(state=PlanState.AWAITING_APPROVAL)
            .filter(Q(acting_ward__in=wards) | Q(is_emergency=True))
            .exclude(author=user)
            .order_by("-is_emergency", "created_at", "pk")[:PAGE]
        ),
    )


def unreviewed_emergencies(*, user: Staff) -> list[ContactPlan]:
    """Emergencies the user's ward must still review: on its home page until reviewed."""
    wards = _wards(user)
    if not wards:
        return []
    emergencies = list(
        ContactPlan.objects.emergencies_to_review()
        .select_related("acting_ward", "author")
        .order_by("created_at", "pk")
    )
    if not emergencies:
        return []
    # Few at any time: filtered here, portable across databases (JSON list of codes).
    codes = set(Ward.objects.filter(pk__in=wards).values_list("code", flat=True))
    return [
        plan
        for plan in emergencies
        if codes & set(plan.owning_ward_codes)
        or (not plan.owning_ward_codes and plan.acting_ward_id in wards)
    ]


def notifications(*, user: Staff, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit])


def unread_count(user: Staff) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def open_emergencies() -> list[ContactPlan]:
    """Emergency plans not yet reviewed (refused ones excepted), oldest first."""
    return list(
        ContactPlan.objects.open_emergencies()
        .select_related("acting_ward", "author")
        .order_by("created_at", "pk")
    )


def emergencies_to_review_before(until: datetime.datetime) -> list[ContactPlan]:
    """Emergencies made before `until`, acted on (not awaiting approval, not refused) and never
    reviewed, oldest first."""
    return list(
        ContactPlan.objects.emergencies_to_review()
        .filter(created_at__lt=until)
        .select_related("acting_ward", "author")
        .order_by("created_at", "pk")
    )


def plan_authors(public_ids: set[str]) -> dict[str, int]:
    """Who wrote each plan (public id → staff id)."""
    if not public_ids:
        return {}
    return {
        str(public_id): author
        for public_id, author in ContactPlan.objects.filter(public_id__in=public_ids).values_list(
            "public_id", "author_id"
        )
    }


def inquiry_authors(public_ids: set[str]) -> dict[str, tuple[int | None, int | None]]:
    """Who wrote each inquiry and who answered it (public id → (staff id, staff id))."""
    if not public_ids:
        return {}
    return {
        str(public_id): (author, answered_by)
        for public_id, author, answered_by in Inquiry.objects.filter(
            public_id__in=public_ids
        ).values_list("public_id", "author_id", "answered_by_id")
    }


# What waits for a supervisor, and since when: (code, queryset, the field it waits since).
_WAITING = (
    ("inquiries", Inquiry.objects.filter(state=InquiryState.AWAITING_SIGNOFF), "created_at"),
    (
        "answers",
        Inquiry.objects.filter(state=InquiryState.ANSWER_AWAITING_SIGNOFF),
        "answered_at",
    ),
    ("plans", ContactPlan.objects.filter(state=PlanState.AWAITING_APPROVAL), "updated_at"),
)


def waiting_by_age(
    *, now: datetime.datetime, bounds: list[datetime.timedelta | None]
) -> dict[str, list[int]]:
    """How many inquiries and answers await sign-off, and plans approval ("inquiries",
    "answers", "plans"), counted by how long they have waited: one count per upper bound in
    `bounds` (None: no bound), each from the bound before it. One query per kind."""
    counts: dict[str, list[int]] = {}
    for code, queryset, since_field in _WAITING:
        aggregates = {}
        lower: datetime.timedelta | None = datetime.timedelta(0)
        for i, upper in enumerate(bounds):
            condition = Q(**{f"{since_field}__lte": now - lower}) if lower is not None else Q()
            if upper is not None:
                condition &= Q(**{f"{since_field}__gt": now - upper})
            aggregates[f"b{i}"] = Count("pk", filter=condition)
            lower = upper
        counted = queryset.all().aggregate(**aggregates)
        counts[code] = [counted[f"b{i}"] for i in range(len(bounds))]
    return counts


# --- for the auditors' workspace: document requests (inquiries/requests/) ----------------------
# Unscoped: the workspace checks the auditor role first. Re-exported here so that the workspace
# reads the inquiries app through this module only (pyproject.toml's contracts).
from inquiries.requests.selectors import requests_for_audit as requests_for_audit  # noqa: E402

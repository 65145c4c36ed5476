"""Reads of document requests, with permissions applied: what may not be seen is a 404."""

from __future__ import annotations

import json
import uuid
from functools import reduce
from operator import or_

from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404

from inquiries.requests import permissions as request_permissions
from inquiries.requests.models import (
    DocumentRequest,
    Issuance,
    TemporaryRelease,
)
from supportmeasures import permissions
from supportmeasures.models import Staff, SupportMeasure, Ward

PAGE = 100


def ward_requests(*, user: Staff) -> list[DocumentRequest]:
    """The requests recorded at the user's wards, newest first."""
    ward_ids = permissions.ward_ids(user) if user.has_role(*permissions.CASE_ROLES) else set()
    return list(
        DocumentRequest.objects.filter(ward_id__in=list(ward_ids))
        .select_related("ward", "recorded_by")
        .order_by("-id")[:PAGE]
    )


def _for_wards(requests: QuerySet[DocumentRequest], codes: list[str]) -> QuerySet[DocumentRequest]:
    """The requests one of these wards reviews. The list's JSON text is searched for each quoted
    code (a whole element only): SQLite, the demo's database, has no JSON containment lookup,
    and the requests awaiting review are few."""
    return requests.annotate(_codes=Cast("responsible_ward_codes", TextField())).filter(
        reduce(or_, (Q(_codes__contains=json.dumps(c)) for c in codes))
    )


def reviewing_ward_codes(user: Staff) -> list[str]:
    """The codes of the wards where the user is the 支援措置責任者."""
    return [
        w.code
        for w in Ward.objects.filter(pk__in=list(permissions.responsible_ward_ids(user)))
        if permissions.is_responsible_officer(user, w)
    ]


def review_queue(*, user: Staff) -> list[DocumentRequest]:
    """Requests awaiting review in the wards where the user is the 支援措置責任者, oldest first."""
    codes = reviewing_ward_codes(user)
    if not codes:
        return []
    return list(
        _for_wards(DocumentRequest.objects.awaiting_review(), codes)
        .select_related("ward", "recorded_by")
        .order_by("recorded_at", "id")
    )


def has_review_queue(user: Staff) -> bool:
    return bool(reviewing_ward_codes(user))


def review_count(*, user: Staff) -> int | None:
    """How many requests await the user's review (None for whoever reviews none): the home
    page's line."""
    codes = reviewing_ward_codes(user)
    if not codes:
        return None
    return _for_wards(DocumentRequest.objects.awaiting_review(), codes).count()


def request_for_user(*, user: Staff, public_id: uuid.UUID) -> DocumentRequest:
    """The request, if the user's ward recorded it or reviews it; 404 otherwise (the same
    answer as for a request that does not exist)."""
    request = (
        DocumentRequest.objects.select_related("ward", "recorded_by", "reviewed_by")
        .filter(public_id=public_id)
        .first()
    )
    if request is None or not request_permissions.may_see_request(user, request):
        raise Http404
    return request


def issuance_for_user(*, user: Staff, pk: int) -> Issuance:
    issuance = Issuance.objects.select_related("request__ward").filter(pk=pk).first()
    if issuance is None or not request_permissions.works_at_counter(user, issuance.request.ward_id):
        raise Http404
    return issuance


def measures_for_review(*, user: Staff, request: DocumentRequest) -> list[SupportMeasure]:
    """The measures that restrict the request, as far as the reviewing officer's wards own
    them (the summary the review needs: ref, kind, status, period)."""
    if not request_permissions.reviews_for(user, request):
        return []
    return list(
        SupportMeasure.objects.filter(
            ref__in=request.measure_refs,
            owning_ward_id__in=list(permissions.responsible_ward_ids(user)),
        )
        .select_related("owning_ward")
        .order_by("ref")
    )


def request_history(request: DocumentRequest) -> dict[str, object]:
    """Its releases and issuances (with their disposals), for the request page."""
    return {
        "releases": list(request.releases.select_related("granted_by").order_by("pk")),
        "issuances": list(request.issuances.select_related("issued_by", "disposal").order_by("pk")),
    }


# --- for the auditors' workspace (auditlog/workspace/) ------------------------------------------
# Unscoped reads: the workspace checks the auditor role first.


def requests_for_audit(*, limit: int = 200) -> list[DocumentRequest]:
    """Every request, newest first, with its review, releases, issuances and disposals: the
    workspace's page (ids, codes, staff and times; no name of a person)."""
    return list(
        DocumentRequest.objects.select_related("ward", "recorded_by", "reviewed_by", "api_client")
        .prefetch_related(
            Prefetch(
                "releases",
                queryset=TemporaryRelease.objects.select_related("granted_by").order_by("pk"),
            ),
            Prefetch(
                "issuances",
                queryset=Issuance.objects.select_related(
                    "issued_by", "disposal__destroyed_by"
                ).order_by("pk"),
            ),
        )
        .order_by("-id")[:limit]
    )


def request_for_audit(*, public_id: uuid.UUID) -> DocumentRequest:
    request = (
        DocumentRequest.objects.select_related("ward", "recorded_by", "reviewed_by", "api_client")
        .filter(public_id=public_id)
        .first()
    )
    if request is None:
        raise Http404
    return request

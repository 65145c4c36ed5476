"""Every change to a document request: one transaction, its audit event(s), its notices.

record_request screens every person named (one batch), decides (rules.decide), stores and, for
a review, tells the responsible wards' 支援措置責任者. review_request decides a review; for
'issue' it grants a temporary release (一時解除) bound to that one request. record_issuance
records the certificate (交付履歴) and re-locks the release at once; relock_expired_releases is
the sweep that re-locks the rest. Events carry ids and codes, never a name or an address.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigAutoField, Expression, Field, Model
from django.db.models.sql import InsertQuery
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from inquiries.actions.notifications import notify
from inquiries.requests import permissions as request_permissions
from inquiries.requests import rules
from inquiries.requests.models import (
    Disposal,
    Document,
    DocumentRequest,
    Issuance,
    RelockReason,
    RequestChannel,
    RequestDecision,
    RequesterType,
    RequestSource,
    RequestStatus,
    RequestSubject,
    ReviewOutcome,
    TemporaryRelease,
)
from supportmeasures.actions.common import refuse_if
from supportmeasures.models import ApiClient, Staff, Ward
from supportmeasures.refusals import ActionRefused, InvalidTransition
from supportmeasures.screening import Query, Screening, screen_many
from supportmeasures.selectors import supervisor_grants

MAX_SUBJECTS = 20
# Reasons that say the requester's side is (or may be) a counterparty of the measure.
COUNTERPARTY = {
    rules.Reason.REQUESTER_COUNTERPARTY,
    rules.Reason.CLIENT_COUNTERPARTY,
    rules.Reason.ORGANISATION_COUNTERPARTY,
}


@dataclass(frozen=True)
class Named:
    """A person as the request names them."""

    name: str = ""
    kana: str = ""
    birth_date: datetime.date | None = None

    @property
    def is_blank(self) -> bool:
        return not (self.name.strip() or self.kana.strip())

    def query(self) -> Query:
        return Query(self.name.strip(), self.kana.strip(), self.birth_date)


@dataclass(frozen=True)
class Requester(Named):
    type: str = ""
    organisation: str = ""


def release_minutes() -> int:
    return int(getattr(settings, "MAMORI_TEMPORARY_RELEASE_MINUTES", 15))


def _check_input(
    documents: Sequence[str], channel: str, requester: Requester, subjects: Sequence[Named]
) -> None:
    if not documents:
        raise ActionRefused(_("Choose at least one document."))
    if any(d not in Document.values for d in documents):
        raise ActionRefused(_("Unknown document."))
    if channel not in RequestChannel.values:
        raise ActionRefused(_("Unknown channel."))
    if requester.type not in RequesterType.values:
        raise ActionRefused(_("Unknown kind of requester."))
    if not subjects:
        raise ActionRefused(_("Name at least one person the documents are about."))
    if len(subjects) > MAX_SUBJECTS:
        raise ActionRefused(_("At most %(n)d people per request.") % {"n": MAX_SUBJECTS})
    if any(s.is_blank for s in subjects):
        raise ActionRefused(_("Every person the documents are about needs a name or a reading."))


def screen_request(
    requester: Requester, client: Named | None, subjects: Sequence[Named]
) -> tuple[list[Screening], Screening | None, Screening | None, Screening | None]:
    """Screen everyone the request names, in one batch: subjects, requester, 依頼者 and the
    organisation (as a name)."""
    queries = [s.query() for s in subjects]
    extra: list[str] = []
    if not requester.is_blank:
        queries.append(requester.query())
        extra.append("requester")
    if client is not None and not client.is_blank:
        queries.append(client.query())
        extra.append("client")
    if requester.organisation.strip():
        queries.append(Query(requester.organisation.strip()))
        extra.append("organisation")
    found = screen_many(queries)
    by_kind = dict(zip(extra, found[len(subjects) :], strict=True))
    return (
        found[: len(subjects)],
        by_kind.get("requester"),
        by_kind.get("client"),
        by_kind.get("organisation"),
    )


def _responsible_codes(decision: rules.Decision, ward: Ward | None) -> list[str]:
    """The owning wards of the restricting measures; else the recording ward; else (an API
    check that needs review and restricts nothing, such as a 職務上請求 without 依頼者) every
    ward: someone must see it."""
    if decision.ward_codes:
        return decision.ward_codes
    if ward is not None:
        return [ward.code]
    return sorted(Ward.objects.values_list("code", flat=True))


def _tell_reviewers(
    ward_codes: list[str],
    *,
    exclude: Staff | None,
    subject: str,
    body: str,
    url: str,
    now: datetime.datetime,
) -> None:
    """Tell the wards' 支援措置責任者 (critical). A ward with none appointed (or whose only one
    is `exclude`, who recorded the request) tells its supervisors to have one appointed,
    without a link they could not open: a review nobody hears of is a request nobody decides.
    Who they are is one query (`supervisor_grants`), whatever the number of wards."""
    grants = [
        g for g in supervisor_grants(ward_codes) if exclude is None or g.supervisor.pk != exclude.pk
    ]
    officers = {g.supervisor.pk: g.supervisor for g in grants if g.is_officer}
    notify(
        [officers[pk] for pk in sorted(officers)],
        subject=subject,
        body=body,
        url=url,
        critical=True,
        now=now,
    )
    covered = {g.ward_id for g in grants if g.is_officer}
    supervisors = {
        g.supervisor.pk: g.supervisor
        for g in grants
        if not g.is_officer and g.ward_id not in covered
    }
    notify(
        [supervisors[pk] for pk in sorted(supervisors)],
        subject=_("No support-measure officer for a document request"),
        body=_(
            "A document request about a person protected by your ward needs the "
            "support-measure officer (支援措置責任者), and your ward has none. Ask an "
            "administrator to appoint one in the staff list."
        ),
        url="",
        critical=True,
        now=now,
    )


def record_request(
    *,
    ward: Ward | None,
    by: Staff | None,
    api_client: ApiClient | None = None,
    recorded_at: datetime.datetime,
    documents: Sequence[str],
    channel: str,
    requester: Requester,
    client: Named | None,
    subjects: Sequence[Named],
    purpose: str,
) -> DocumentRequest:
    """Record a request and its decision. At the counter: `ward` and `by` (a clerk or
    supervisor of the ward), no `api_client`; from another system: `api_client`, no `by`
    (`ward` optional). Raises ActionRefused for bad input (nothing stored)."""
    if api_client is None:
        if by is None:
            raise ActionRefused(_("A counter request needs the clerk who records it."))
        refuse_if(request_permissions.record_refusal(by, ward))
    elif by is not None:
        raise ActionRefused(_("An API check is recorded for the API client, not a clerk."))
    documents = list(dict.fromkeys(documents))
    _check_input(documents, channel, requester, subjects)
    if client is not None and client.is_blank:
        client = None
    subject_found, requester_found, client_found, organisation_found = screen_request(
        requester, client, subjects
    )
    decision = rules.decide(
        rules.Facts(
            documents=documents,
            channel=channel,
            requester_type=requester.type,
            subjects=subject_found,
            requester=requester_found,
            client=client_found,
            organisation=organisation_found,
        )
    )
    person_ids = sorted(
        {
            pid
            for s in [*subject_found, requester_found, client_found, organisation_found]
            if s is not None
            for pid in s.person_ids()
        }
    )
    review = decision.decision == RequestDecision.REVIEW
    with transaction.atomic(durable=True):
        request = DocumentRequest(
            ward=ward,
            source=RequestSource.COUNTER if api_client is None else RequestSource.API,
            api_client=api_client,
            recorded_by=by,
            recorded_at=recorded_at,
            documents=documents,
            channel=channel,
            requester_type=requester.type,
            requester_name=requester.name.strip(),
            requester_kana=requester.kana.strip(),
            requester_birth_date=requester.birth_date,
            requester_organisation=requester.organisation.strip(),
            client_name=client.name.strip() if client else "",
            client_kana=client.kana.strip() if client else "",
            client_birth_date=client.birth_date if client else None,
            purpose=purpose.strip(),
            requester_result=requester_found.result if requester_found else "",
            client_result=client_found.result if client_found else "",
            organisation_result=organisation_found.result if organisation_found else "",
            decision=decision.decision,
            reasons=decision.reasons,
            measure_refs=decision.measure_refs,
            responsible_ward_codes=_responsible_codes(decision, ward)
            if review
            else decision.ward_codes,
            person_ids=person_ids,
            status=RequestStatus.AWAITING_REVIEW if review else RequestStatus.DECIDED,
        )
        subject_rows = [
            RequestSubject(
                position=i,
                name=s.name.strip(),
                kana=s.kana.strip(),
                birth_date=s.birth_date,
                result=result,
                measure_refs=sorted({m.measure_ref for m in found.matches}),
                person_ids=found.person_ids(),
            )
            for i, (s, found, result) in enumerate(
                zip(subjects, subject_found, decision.subject_results, strict=True), start=1
            )
        ]
        _insert_with_subjects(request, subject_rows)
        record_event(
            kind=EventKind.REQUEST_RECORDED,
            actor=by,
            occurred_at=recorded_at,
            ward=ward,
            decision=decision.decision,
            persons=person_ids,
            data={
                "request": str(request.public_id),
                "source": request.source,
                "api_client": api_client.pk if api_client else None,
                "documents": documents,
                "channel": channel,
                "requester_type": requester.type,
                "client_named": client is not None,
                "reasons": decision.reasons,
                "subject_results": decision.subject_results,
                "requester_result": request.requester_result,
                "client_result": request.client_result,
                "organisation_result": request.organisation_result,
                "measures": decision.measure_refs,
                "responsible_wards": request.responsible_ward_codes,
            },
        )
        if decision.decision == RequestDecision.REFUSE and set(decision.reasons) & COUNTERPARTY:
            # Someone acting for a counterparty asked: the owning wards must know (refused).
            _tell_reviewers(
                decision.ward_codes,
                exclude=None,
                subject=_("Document request by a counterparty refused"),
                body=_(
                    "A counterparty, or someone acting for one, asked for documents about a "
                    "protected person. The request was refused at the counter."
                ),
                url=request.get_absolute_url(),
                now=recorded_at,
            )
        if review:
            _tell_reviewers(
                request.responsible_ward_codes,
                exclude=by,
                subject=_("Document request awaiting your review"),
                body=_(
                    "A request for documents about a person who may be protected awaits the "
                    "support-measure officer's review."
                ),
                url=request.get_absolute_url(),
                now=recorded_at,
            )
    return request


class _NewRequestId(Expression):
    """In `_insert_with_subjects`' statement: the id its `new_request` part returns."""

    output_field = BigAutoField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return '(SELECT "id" FROM new_request)', []


def _insert_with_subjects(request: DocumentRequest, subjects: list[RequestSubject]) -> None:
    """Insert a new request and its subjects in one statement, one round trip instead of two:
    `WITH new_request AS (INSERT INTO request … RETURNING id) INSERT INTO subject … VALUES
    ((SELECT id FROM new_request), …), …`. Django's insert compiler writes both parts from the
    models (their fields, defaults and adapters, as save() and bulk_create() would), in the
    caller's transaction; the objects come back saved, with their ids, and the subjects are
    handed back in the request's prefetch cache, as prefetch_related would fill it:
    `request.subjects.all()` (the API's answer) then reads these rows, not the table again.
    SQLite (the demo) has no INSERT in WITH: there, save() and bulk_create(), as before."""
    if connection.vendor != "postgresql":
        request.save(force_insert=True)
        for subject in subjects:
            subject.request = request
        RequestSubject.objects.bulk_create(subjects)
        _hand_back(request, subjects)
        return
    for subject in subjects:
        subject.request_id = _NewRequestId()
    request_sql, request_params = _insert_sql([request], [DocumentRequest._meta.pk])
    subject_sql, subject_params = _insert_sql(
        subjects, [RequestSubject._meta.pk, RequestSubject._meta.get_field("request")]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH new_request AS ({request_sql}) {subject_sql}",
            (*request_params, *subject_params),
        )
        returned = cursor.fetchall()
    if len(returned) != len(subjects):  # pragma: no cover - the statement inserts them all
        raise RuntimeError("a request's subjects were not all inserted")
    request.pk = returned[0][1]
    request._state.adding, request._state.db = False, connection.alias
    for subject, (pk, _request_id) in zip(subjects, returned, strict=True):
        subject.pk = pk
        subject.request = request
        subject._state.adding, subject._state.db = False, connection.alias
    _hand_back(request, subjects)


def _hand_back(request: DocumentRequest, subjects: list[RequestSubject]) -> None:
    rows = request.subjects.all()
    rows._result_cache, rows._prefetch_done = subjects, True  # type: ignore[attr-defined]
    request._prefetched_objects_cache = {"subjects": rows}  # type: ignore[attr-defined]


def _insert_sql(objs: Sequence[Model], returning: list[Field]) -> tuple[str, tuple[Any, ...]]:
    """One INSERT of `objs` (one model) with RETURNING, as Django's compiler writes it."""
    opts = objs[0]._meta
    query = InsertQuery(type(objs[0]))
    query.insert_values(
        [f for f in opts.local_concrete_fields if not f.generated and f is not opts.auto_field],
        list(objs),
    )
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    ((sql, params),) = compiler.as_sql()
    return sql, tuple(params)


def _locked(request: DocumentRequest) -> DocumentRequest:
    return (
        DocumentRequest.objects.select_for_update(of=("self",))
        .select_related("ward")
        .get(pk=request.pk)
    )


def review_request(
    *,
    request: DocumentRequest,
    by: Staff,
    reviewed_at: datetime.datetime,
    outcome: str,
    reason: str,
) -> DocumentRequest:
    """The 支援措置責任者 decides a request awaiting review: refuse (with a reason), or issue,
    which grants a temporary release of this one request for MAMORI_TEMPORARY_RELEASE_MINUTES."""
    if outcome not in ReviewOutcome.values:
        raise ActionRefused(_("Choose issue or refuse."))
    if outcome == ReviewOutcome.REFUSE and not reason.strip():
        raise ActionRefused(_("Say why the request is refused."))
    with transaction.atomic(durable=True):
        request = _locked(request)
        refuse_if(
            request_permissions.release_refusal(by, request, reviewed_at)
            if outcome == ReviewOutcome.ISSUE
            else request_permissions.review_refusal(by, request, reviewed_at)
        )
        request.reviewed_by = by
        request.reviewed_at = reviewed_at
        request.review_outcome = outcome
        request.review_reason = reason.strip()
        request.status = (
            RequestStatus.RELEASED if outcome == ReviewOutcome.ISSUE else RequestStatus.REFUSED
        )
        request.save(
            update_fields=[
                "reviewed_by",
                "reviewed_at",
                "review_outcome",
                "review_reason",
                "status",
            ]
        )
        record_event(
            kind=EventKind.REQUEST_REVIEWED,
            actor=by,
            occurred_at=reviewed_at,
            ward=request.ward,
            decision=outcome,
            persons=request.person_ids,
            data={
                "request": str(request.public_id),
                "computed": request.decision,
                "reasons": request.reasons,
                "measures": request.measure_refs,
                # Whose work the review decides on (the analyses' mutual approvals).
                "author": request.recorded_by_id,
            },
        )
        if outcome == ReviewOutcome.ISSUE:
            release = TemporaryRelease.objects.create(
                request=request,
                granted_by=by,
                granted_at=reviewed_at,
                valid_until=reviewed_at + datetime.timedelta(minutes=release_minutes()),
            )
            record_event(
                kind=EventKind.RELEASE_GRANTED,
                actor=by,
                occurred_at=reviewed_at,
                ward=request.ward,
                decision=outcome,
                persons=request.person_ids,
                data={
                    "request": str(request.public_id),
                    "release": release.pk,
                    "valid_until": release.valid_until.isoformat(),
                    "documents": request.documents,
                    "measures": request.measure_refs,
                },
            )
        if request.recorded_by is not None and request.recorded_by.is_active:
            notify(
                [request.recorded_by],
                subject=_("Document request reviewed: %(outcome)s")
                % {"outcome": ReviewOutcome(outcome).label},
                body=_("The support-measure officer has reviewed a request you recorded."),
                url=request.get_absolute_url(),
                critical=False,
                now=reviewed_at,
            )
    return request


def _relock(
    release: TemporaryRelease,
    request: DocumentRequest,
    *,
    by: Staff | None,
    at: datetime.datetime,
    reason: str,
) -> None:
    release.relocked_at = at
    release.relock_reason = reason
    release.save(update_fields=["relocked_at", "relock_reason"])
    record_event(
        kind=EventKind.RELEASE_RELOCKED,
        actor=by,
        occurred_at=at,
        ward=request.ward,
        decision=reason,
        persons=request.person_ids,
        data={
            "request": str(request.public_id),
            "release": release.pk,
            "valid_until": release.valid_until.isoformat(),
        },
    )


def record_issuance(
    *,
    request: DocumentRequest,
    by: Staff,
    issued_at: datetime.datetime,
    place: str,
    pages: int,
    issue_number: str,
    documents: Sequence[str] | None = None,
    subject_positions: Sequence[int] | None = None,
) -> Issuance:
    """交付履歴: the clerk records the certificate issued. A released request only while its
    release is valid; the release re-locks at once (a release opens one issuance)."""
    issue_number = issue_number.strip()
    place = place.strip()
    if not issue_number:
        raise ActionRefused(_("Enter the issue number (発行番号)."))
    if not place:
        raise ActionRefused(_("Enter the place of issue."))
    if pages < 1:
        raise ActionRefused(_("A certificate has at least one page."))
    with transaction.atomic(durable=True):
        request = _locked(request)
        refuse_if(request_permissions.issue_refusal(by, request, issued_at))
        release = request_permissions.valid_release(request, issued_at)
        if release is not None:
            release = TemporaryRelease.objects.select_for_update().get(pk=release.pk)
        chosen = list(dict.fromkeys(documents)) if documents else list(request.documents)
        if not set(chosen) <= set(request.documents):
            raise ActionRefused(_("Only the documents of the request may be issued."))
        subjects = list(request.subjects.order_by("position"))
        if subject_positions:
            wanted = set(subject_positions)
            if not wanted <= {s.position for s in subjects}:
                raise ActionRefused(_("Only the people of the request may be named."))
            subjects = [s for s in subjects if s.position in wanted]
        if Issuance.objects.filter(issue_number=issue_number).exists():
            raise ActionRefused(_("This issue number has already been recorded."))
        # The look above misses a number another counter records at the same moment: the
        # unique constraint decides then (a refusal, never a 500); the savepoint keeps the
        # transaction usable to raise it.
        try:
            with transaction.atomic():
                issuance = Issuance.objects.create(
                    request=request,
                    release=release,
                    issued_at=issued_at,
                    place=place,
                    documents=chosen,
                    pages=pages,
                    issue_number=issue_number,
                    issued_by=by,
                )
        except IntegrityError as exc:
            diag = getattr(exc.__cause__, "diag", None)
            if "issue_number" not in (getattr(diag, "constraint_name", None) or str(exc)):
                raise
            raise ActionRefused(_("This issue number has already been recorded.")) from exc
        issuance.subjects.set(subjects)
        request.status = RequestStatus.ISSUED
        request.save(update_fields=["status"])
        record_event(
            kind=EventKind.REQUEST_ISSUED,
            actor=by,
            occurred_at=issued_at,
            ward=request.ward,
            decision=request.decision,
            persons=request.person_ids,
            data={
                "request": str(request.public_id),
                "issuance": issuance.pk,
                "issue_number": issue_number,
                "documents": chosen,
                "subjects": [s.position for s in subjects],
                "pages": pages,
                "release": release.pk if release else None,
            },
        )
        if release is not None:
            _relock(release, request, by=by, at=issued_at, reason=RelockReason.ISSUED)
    return issuance


def withdraw_release(
    *, request: DocumentRequest, by: Staff, withdrawn_at: datetime.datetime
) -> DocumentRequest:
    """The 支援措置責任者 ends a release before its time."""
    with transaction.atomic(durable=True):
        request = _locked(request)
        refuse_if(request_permissions.withdraw_refusal(by, request, withdrawn_at))
        release = (
            TemporaryRelease.objects.select_for_update().open().filter(request=request).first()
        )
        if release is None:  # pragma: no cover - a released request has its open release
            raise InvalidTransition(_("The temporary release of this request has ended."))
        _relock(release, request, by=by, at=withdrawn_at, reason=RelockReason.WITHDRAWN)
        request.status = RequestStatus.RELOCKED
        request.save(update_fields=["status"])
    return request


def relock_expired_releases(*, now: datetime.datetime) -> int:
    """The safety net (job relock-expired-releases): re-lock every release whose time has run
    out. Idempotent; reading a request's state never waits for it (valid_until is compared
    with the time at every read). Each release in its own transaction, locking the request
    first and then the release, in the order the issuance and the withdrawal lock them (never
    a deadlock with a clerk issuing at the last second); one already re-locked is left."""
    done = 0
    due = list(TemporaryRelease.objects.expired(now).order_by("pk").values_list("pk", "request_id"))
    for release_pk, request_pk in due:
        with transaction.atomic(durable=True):
            request = _locked(DocumentRequest(pk=request_pk))
            release = (
                TemporaryRelease.objects.select_for_update()
                .expired(now)
                .filter(pk=release_pk)
                .first()
            )
            if release is None:  # issued or withdrawn meanwhile
                continue
            _relock(release, request, by=None, at=now, reason=RelockReason.EXPIRED)
            if request.status == RequestStatus.RELEASED:
                request.status = RequestStatus.RELOCKED
                request.save(update_fields=["status"])
            done += 1
    return done


def record_disposal(
    *, issuance: Issuance, by: Staff, destroyed_at: datetime.datetime, reason: str
) -> Disposal:
    """処分情報: a wrongly issued certificate was destroyed."""
    if not reason.strip():
        raise ActionRefused(_("Say why the certificate was destroyed."))
    with transaction.atomic(durable=True):
        issuance = (
            Issuance.objects.select_for_update(of=("self",))
            .select_related("request__ward")
            .get(pk=issuance.pk)
        )
        refuse_if(request_permissions.dispose_refusal(by, issuance))
        disposal = Disposal.objects.create(
            issuance=issuance, destroyed_at=destroyed_at, destroyed_by=by, reason=reason.strip()
        )
        record_event(
            kind=EventKind.ISSUANCE_DISPOSED,
            actor=by,
            occurred_at=destroyed_at,
            ward=issuance.request.ward,
            persons=issuance.request.person_ids,
            data={
                "request": str(issuance.request.public_id),
                "issuance": issuance.pk,
                "issue_number": issuance.issue_number,
            },
        )
    return disposal

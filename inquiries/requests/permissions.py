"""Who may do what to a document request: one predicate per rule, used by the action that
enforces it, the view that offers it and the template that shows its button (through
`request_actions`), so a button appears only when its action would succeed.

And what a request's decision is *now* (`current_decision`): 'issue' for a reviewed request
only while its temporary release is valid, read from `valid_until` at the time asked, never
from the sweep that re-locks the expired ones.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from inquiries.requests import rules
from inquiries.requests.models import (
    DocumentRequest,
    Issuance,
    RequestDecision,
    RequestSource,
    RequestStatus,
    TemporaryRelease,
)
from inquiries.requests.rules import Reason
from supportmeasures import permissions
from supportmeasures.models import Staff, Ward
from supportmeasures.refusals import (
    ActionRefused,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
)
from supportmeasures.selectors import wards_with_codes


class ReleaseEnded(ActionRefused):
    def __init__(self) -> None:
        super().__init__(
            _(
                "The temporary release has ended (time ran out or it was withdrawn). The "
                "certificate must not be issued; record a new request if it is still needed."
            )
        )


class ProtectedSinceRecorded(ActionRefused):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Since this request was recorded, a person it names has become protected by a "
                "support measure (or may be). The certificate must not be issued under it; "
                "record a new request, which is decided again."
            )
        )


def protected_since_recorded(request: DocumentRequest) -> bool:
    """A request decided 'issue' when it was recorded, screened again now: would it still be
    'issue'? A person who applied meanwhile (provisional) or a new possible match stops it
    (fail closed: the decision is never older than the registry)."""
    from inquiries.requests.actions import Named, Requester, screen_request

    subjects = [
        Named(s.name, s.kana, s.birth_date)
        for s in sorted(request.subjects.all(), key=lambda s: s.position)
    ]
    requester = Requester(
        request.requester_name,
        request.requester_kana,
        request.requester_birth_date,
        type=request.requester_type,
        organisation=request.requester_organisation,
    )
    client = Named(request.client_name, request.client_kana, request.client_birth_date)
    found, requester_found, client_found, organisation_found = screen_request(
        requester, None if client.is_blank else client, subjects
    )
    now = rules.decide(
        rules.Facts(
            documents=request.documents,
            channel=request.channel,
            requester_type=request.requester_type,
            subjects=found,
            requester=requester_found,
            client=client_found,
            organisation=organisation_found,
        )
    )
    return now.decision != RequestDecision.ISSUE


def works_at_counter(user: Staff, ward: Ward | int | None) -> bool:
    """A clerk or supervisor of the ward where the request is made."""
    if ward is None:
        return False
    ward_id = ward if isinstance(ward, int) else ward.pk
    return user.has_role(*permissions.CASE_ROLES) and ward_id in permissions.ward_ids(user)


def record_refusal(user: Staff, ward: Ward | None) -> ActionRefused | None:
    if not works_at_counter(user, ward):
        return NotPermitted(_("Only clerks and supervisors of a ward record document requests."))
    return None


def responsible_wards(request: DocumentRequest) -> list[Ward]:
    """The wards whose 支援措置責任者 review the request (the owning wards of the measures
    that restrict it; the recording ward, or every ward, when none does)."""
    return wards_with_codes(request.responsible_ward_codes)


def reviews_for(user: Staff, request: DocumentRequest) -> bool:
    """Is the user a 支援措置責任者 of a ward responsible for the request?"""
    return any(permissions.is_responsible_officer(user, w) for w in responsible_wards(request))


def may_see_request(user: Staff, request: DocumentRequest) -> bool:
    """The recording ward's clerks and supervisors, and the responsible wards' officers."""
    return works_at_counter(user, request.ward_id) or reviews_for(user, request)


def _status_refusal(request: DocumentRequest) -> InvalidTransition:
    messages = {
        RequestStatus.DECIDED: _("This request was decided when it was recorded."),
        RequestStatus.AWAITING_REVIEW: _("This request awaits the support-measure officer."),
        RequestStatus.REFUSED: _("This request was refused at review."),
        RequestStatus.RELEASED: _("This request has been reviewed and temporarily released."),
        RequestStatus.RELOCKED: _("The temporary release of this request has ended."),
        RequestStatus.ISSUED: _("The certificate for this request has been issued."),
    }
    return InvalidTransition(messages[RequestStatus(request.status)])


def review_refusal(
    user: Staff, request: DocumentRequest, now: datetime.datetime
) -> ActionRefused | None:
    """A trained 支援措置責任者 of a responsible ward, never who recorded it, decides a request
    awaiting review."""
    if request.status != RequestStatus.AWAITING_REVIEW:
        return _status_refusal(request)
    if not reviews_for(user, request):
        return NotPermitted(
            _("Only a support-measure officer (支援措置責任者) of the responsible ward reviews it.")
        )
    if request.recorded_by_id == user.pk:
        return SameStaffMember(_("You recorded this request; another officer must review it."))
    return permissions.training_refusal(user, timezone.localdate(now))


def release_refusal(
    user: Staff, request: DocumentRequest, now: datetime.datetime
) -> ActionRefused | None:
    """Reviewing with 'issue' opens the request: every ward whose measure restricts it must
    agree, so the officer must be responsible for each of them. Refusing needs only one (a
    refusal never opens anything)."""
    refusal = review_refusal(user, request, now)
    if refusal is not None:
        return refusal
    if not all(permissions.is_responsible_officer(user, w) for w in responsible_wards(request)):
        return NotPermitted(
            _(
                "This request concerns measures of more than one ward. You may refuse it; to "
                "issue, an officer responsible for every one of those wards must review it."
            )
        )
    return None


def valid_release(request: DocumentRequest, now: datetime.datetime) -> TemporaryRelease | None:
    """The request's temporary release, if it lets the request be issued at `now`."""
    if request.status != RequestStatus.RELEASED:
        return None
    release = request.releases.filter(relocked_at__isnull=True).order_by("-pk").first()
    return release if release is not None and release.is_valid_at(now) else None


def issue_refusal(
    user: Staff, request: DocumentRequest, now: datetime.datetime
) -> ActionRefused | None:
    """The recording ward's clerk records the issuance: of a request decided 'issue', or of a
    released one while its release is valid."""
    if request.source != RequestSource.COUNTER or not works_at_counter(user, request.ward_id):
        return NotPermitted(_("Only the ward where the request was made records the issuance."))
    if request.decision == RequestDecision.ISSUE and request.status == RequestStatus.DECIDED:
        return ProtectedSinceRecorded() if protected_since_recorded(request) else None
    if request.status == RequestStatus.RELEASED:
        return None if valid_release(request, now) else ReleaseEnded()
    return _status_refusal(request)


def withdraw_refusal(
    user: Staff, request: DocumentRequest, now: datetime.datetime
) -> ActionRefused | None:
    """A 支援措置責任者 of a responsible ward ends a release before its time."""
    if not reviews_for(user, request):
        return NotPermitted(
            _("Only a support-measure officer (支援措置責任者) of the responsible ward reviews it.")
        )
    if request.status != RequestStatus.RELEASED:
        return _status_refusal(request)
    return None


def dispose_refusal(user: Staff, issuance: Issuance) -> ActionRefused | None:
    """The issuing ward records that a wrongly issued certificate was destroyed, once."""
    if not works_at_counter(user, issuance.request.ward_id):
        return NotPermitted(_("Only the ward that issued the certificate records its disposal."))
    if hasattr(issuance, "disposal"):
        return InvalidTransition(_("The disposal of this certificate is already recorded."))
    return None


def current_decision(
    request: DocumentRequest, now: datetime.datetime, *, just_recorded: bool = False
) -> tuple[str, list[str]]:
    """What the request's decision is at `now`, with its reasons: the decision computed at
    recording (an 'issue' screened again, unless `just_recorded`: a person protected since
    makes it 'refuse'), then the review's outcome; 'issue' for a reviewed request only while
    its temporary release is valid (time compared here, sweep or no sweep)."""
    status = request.status
    if (
        status == RequestStatus.DECIDED
        and request.decision == RequestDecision.ISSUE
        and not just_recorded
        and protected_since_recorded(request)
    ):
        return RequestDecision.REFUSE, [*request.reasons, Reason.PROTECTED_SINCE_RECORDED]
    if status == RequestStatus.DECIDED or (
        status == RequestStatus.ISSUED and request.decision == RequestDecision.ISSUE
    ):
        return request.decision, list(request.reasons)
    if status == RequestStatus.AWAITING_REVIEW:
        return RequestDecision.REVIEW, [*request.reasons, Reason.AWAITING_REVIEW]
    if status == RequestStatus.REFUSED:
        return RequestDecision.REFUSE, [*request.reasons, Reason.REVIEW_REFUSED]
    if status == RequestStatus.RELEASED and valid_release(request, now) is not None:
        return RequestDecision.ISSUE, [*request.reasons, Reason.RELEASE_VALID]
    if status == RequestStatus.ISSUED:
        return RequestDecision.REFUSE, [*request.reasons, Reason.ISSUED]
    # Released but out of time (the sweep not yet run), or re-locked.
    return RequestDecision.REFUSE, [*request.reasons, Reason.RELEASE_ENDED]


@dataclass(frozen=True)
class RequestActions:
    """What the user may do on the request page (the template's `can`)."""

    review: bool
    issue: bool
    withdraw: bool
    # Record a disposal of one of its issuances (dispose_refusal, issuance by issuance).
    dispose: bool
    review_note: str
    issue_note: str
    # Reviewing with 'issue' (release_refusal); else the reason, shown on the review form.
    release: bool = True
    release_note: str = ""


def request_actions(
    user: Staff, request: DocumentRequest, now: datetime.datetime
) -> RequestActions:
    review = review_refusal(user, request, now)
    release = release_refusal(user, request, now) if review is None else review
    issue = issue_refusal(user, request, now)
    withdraw = withdraw_refusal(user, request, now)
    return RequestActions(
        release=release is None,
        release_note="" if release is None else str(release),
        review=review is None,
        issue=issue is None,
        withdraw=withdraw is None,
        dispose=works_at_counter(user, request.ward_id),
        review_note="" if review is None else str(review),
        issue_note="" if issue is None else str(issue),
    )

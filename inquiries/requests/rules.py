"""The decision on a document request: pure rules over what the screening found.

Sources (docs/requests.md): 住民記録システム標準仕様書 3.1 and 3.4 (blocks per process, review by
the 支援措置責任者, temporary release), 9.5 (閲覧); 総務省 2018-03-28 (an attorney or agent acting
for a counterparty is treated as the counterparty).

- **issue** when no subject is protected (protected resident or joint family of a measure in
  force: provisional, active or lapsed, never ended) nor a possible match to one;
- **refuse** when a subject is protected and
  - the requester, the 依頼者 or the organisation screens as a counterparty of that measure,
    or as a possible match to one; or
  - the channel is not the counter, or the requester is an agent (a protected person gets her
    own documents only in person, at the counter, with photo ID);
- **review** otherwise: a protected subject at the counter (本人, 第三者, 公用請求, 職務上請求), a
  possible match, and every 職務上請求 whose 依頼者 is blank, whoever the subjects are.

Fail closed: a fact the rules do not know (an unknown channel or requester type, no subject,
no document, a subject or requester without a name) gives at least **review**, never
**issue**. A subject who is only a possible match to a protected person is treated as protected
when the requester's side screens as a counterparty of the same measure (refuse); otherwise review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from inquiries.requests.models import Document, RequestChannel, RequestDecision, RequesterType
from supportmeasures.models import PartyRole
from supportmeasures.screening import Match, Result, Screening


class Reason(TextChoices):
    """Why a request got its decision. Codes are stable: the API returns them."""

    SUBJECT_PROTECTED = "subject_protected", _("A subject is protected by a support measure")
    SUBJECT_POSSIBLE_MATCH = (
        "subject_possible_match",
        _("A subject may be a protected person (possible match)"),
    )
    REQUESTER_COUNTERPARTY = (
        "requester_counterparty",
        _("The requester is (or may be) a counterparty of the measure"),
    )
    CLIENT_COUNTERPARTY = (
        "client_counterparty",
        _("The client (依頼者) is (or may be) a counterparty of the measure"),
    )
    ORGANISATION_COUNTERPARTY = (
        "organisation_counterparty",
        _("The organisation is (or may be) a counterparty of the measure"),
    )
    CHANNEL_NOT_COUNTER = (
        "channel_not_counter",
        _("Not at the counter: a protected person's documents are issued only in person"),
    )
    AGENT = "agent_request", _("Requested by an agent: issued only to the person, in person")
    PROFESSIONAL_WITHOUT_CLIENT = (
        "professional_without_client",
        _("Professional request (職務上請求) with no client (依頼者) named"),
    )
    PROFESSIONAL = "professional_request", _("Professional request (職務上請求)")
    THIRD_PARTY = "third_party_request", _("Third-party request: strict review with documents")
    OFFICIAL = "official_request", _("Official request (公用請求): strict review with documents")
    SELF = "self_request", _("The protected person's own request at the counter")
    INCOMPLETE = "incomplete", _("The request is incomplete or unknown: a person must check it")
    # Later states, for current_decision (the API's GET and the request page).
    AWAITING_REVIEW = "awaiting_review", _("Awaiting the support-measure officer's review")
    REVIEW_REFUSED = "review_refused", _("Refused at review")
    RELEASE_VALID = "release_valid", _("Temporarily released for this request")
    RELEASE_ENDED = "release_ended", _("The temporary release has ended")
    ISSUED = "issued", _("Already issued under its temporary release")
    PROTECTED_SINCE_RECORDED = (
        "protected_since_recorded",
        _("A person it names is (or may be) protected since it was recorded: record it again"),
    )


# A protected person's documents go out only this way.
PERSONAL_CHANNEL = RequestChannel.COUNTER
_REVIEW_REASON = {
    RequesterType.SELF: Reason.SELF,
    RequesterType.THIRD_PARTY: Reason.THIRD_PARTY,
    RequesterType.OFFICIAL: Reason.OFFICIAL,
    RequesterType.PROFESSIONAL: Reason.PROFESSIONAL,
}


@dataclass(frozen=True)
class Facts:
    """What the rules decide on: the request as recorded and each person's screening."""

    documents: Sequence[str]
    channel: str
    requester_type: str
    subjects: Sequence[Screening]
    requester: Screening | None = None
    # None when the request names no 依頼者 (or no organisation).
    client: Screening | None = None
    organisation: Screening | None = None
    # A subject entered without a name or reading (cannot be screened).
    unnamed_subjects: int = 0


@dataclass(frozen=True)
class Decision:
    decision: str
    reasons: list[str]
    # One per subject, in order: clear, possible_match, protected or counterparty.
    subject_results: list[str]
    # The measures that restrict the request, and their owning wards (who reviews it).
    measure_refs: list[str] = field(default_factory=list)
    ward_codes: list[str] = field(default_factory=list)


def _protects(match: Match) -> bool:
    return match.role in PartyRole.protected_roles()


def subject_result(screening: Screening) -> str:
    """A subject's result for a request: protected (a certain match as a protected person or
    joint family), else possible_match (a possible match to one), else counterparty, else
    clear. A subject who is only a counterparty does not restrict the request."""
    results = {m.result for m in screening.matches if _protects(m)}
    if Result.PROTECTED in results:
        return Result.PROTECTED
    if results:
        return Result.POSSIBLE_MATCH
    if any(m.result == Result.COUNTERPARTY for m in screening.matches):
        return Result.COUNTERPARTY
    return Result.CLEAR


def counterparty_refs(screening: Screening | None) -> set[str]:
    """The measures of which the person is (or may be) a counterparty."""
    if screening is None:
        return set()
    return {m.measure_ref for m in screening.matches if m.role == PartyRole.COUNTERPARTY}


def decide(facts: Facts) -> Decision:
    results = [subject_result(s) for s in facts.subjects]
    protected_refs: set[str] = set()
    possible_refs: set[str] = set()
    wards: dict[str, set[str]] = {}
    for screening in facts.subjects:
        for m in screening.matches:
            if _protects(m):
                (protected_refs if m.result == Result.PROTECTED else possible_refs).add(
                    m.measure_ref
                )
                wards.setdefault(m.measure_ref, set()).add(m.owning_ward_code)
    restricting = protected_refs | possible_refs
    reasons: list[str] = []
    refuse: list[str] = []
    if protected_refs:
        reasons.append(Reason.SUBJECT_PROTECTED)
    if possible_refs - protected_refs:
        reasons.append(Reason.SUBJECT_POSSIBLE_MATCH)
    # The requester's side, as a counterparty of a measure that protects a subject.
    for who, reason in (
        (facts.requester, Reason.REQUESTER_COUNTERPARTY),
        (facts.client, Reason.CLIENT_COUNTERPARTY),
        (facts.organisation, Reason.ORGANISATION_COUNTERPARTY),
    ):
        if counterparty_refs(who) & restricting:
            refuse.append(reason)
    if protected_refs:
        if facts.channel != PERSONAL_CHANNEL:
            refuse.append(Reason.CHANNEL_NOT_COUNTER)
        if facts.requester_type == RequesterType.AGENT:
            refuse.append(Reason.AGENT)
    review: list[str] = []
    if not _complete(facts):
        review.append(Reason.INCOMPLETE)
    if facts.requester_type == RequesterType.PROFESSIONAL and facts.client is None:
        review.append(Reason.PROFESSIONAL_WITHOUT_CLIENT)
    elif restricting and facts.requester_type in _REVIEW_REASON:
        review.append(_REVIEW_REASON[RequesterType(facts.requester_type)])
    if refuse:
        decision = RequestDecision.REFUSE
        reasons += refuse
    elif restricting or review:
        decision = RequestDecision.REVIEW
        reasons += review
    else:
        decision = RequestDecision.ISSUE
    restricting_sorted = sorted(restricting)
    return Decision(
        decision=decision,
        reasons=[str(r) for r in reasons],
        subject_results=[str(r) for r in results],
        measure_refs=restricting_sorted,
        ward_codes=sorted({code for ref in restricting_sorted for code in wards[ref]}),
    )


def _complete(facts: Facts) -> bool:
    return bool(
        facts.subjects
        and not facts.unnamed_subjects
        and facts.requester is not None
        and facts.documents
        and all(d in Document.values for d in facts.documents)
        and facts.channel in RequestChannel.values
        and facts.requester_type in RequesterType.values
    )


def reason_labels(codes: Sequence[str]) -> list[str]:
    """The reasons in words (an unknown code is shown as it is, never dropped)."""
    return [str(Reason(c).label) if c in Reason.values else c for c in codes]

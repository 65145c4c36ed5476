"""The decision table (docs/requests.md), row by row, over screenings built by hand: the rules
are pure, so every row is checked without a database."""

from __future__ import annotations

import uuid

import pytest

from inquiries.requests.rules import Decision, Facts, Reason, decide, subject_result
from supportmeasures.screening import Match, Result, Screening

M1, M2 = "A-2026-0001", "B-2026-0002"


def match(role: str, result: str, ref: str = M1, ward: str = "141011") -> Match:
    return Match(
        person_id=1,
        person_public_id=uuid.UUID(int=1),
        person_name="",
        role=role,
        result=result,
        measure_ref=ref,
        owning_ward_code=ward,
        owning_ward_name="",
        reasons=(),
    )


CLEAR = Screening(Result.CLEAR, [])
PROTECTED = Screening(Result.PROTECTED, [match("protected", Result.PROTECTED)])
JOINT = Screening(Result.PROTECTED, [match("joint", Result.PROTECTED)])
LAPSED_OTHER_WARD = Screening(
    Result.PROTECTED, [match("protected", Result.PROTECTED, ref=M2, ward="141020")]
)
POSSIBLE = Screening(Result.POSSIBLE_MATCH, [match("protected", Result.POSSIBLE_MATCH)])
COUNTERPARTY = Screening(Result.COUNTERPARTY, [match("counterparty", Result.COUNTERPARTY)])
POSSIBLE_COUNTERPARTY = Screening(
    Result.POSSIBLE_MATCH, [match("counterparty", Result.POSSIBLE_MATCH)]
)
OTHER_COUNTERPARTY = Screening(
    Result.COUNTERPARTY, [match("counterparty", Result.COUNTERPARTY, ref=M2)]
)


def facts(
    subject: Screening = CLEAR,
    *,
    channel: str = "counter",
    requester_type: str = "self",
    requester: Screening | None = CLEAR,
    client: Screening | None = None,
    organisation: Screening | None = None,
    documents: tuple[str, ...] = ("juminhyo",),
    subjects: tuple[Screening, ...] | None = None,
) -> Facts:
    return Facts(
        documents=documents,
        channel=channel,
        requester_type=requester_type,
        subjects=subjects if subjects is not None else (subject,),
        requester=requester,
        client=client,
        organisation=organisation,
    )


ROWS = [
    # (id, facts, decision, reasons that must be there)
    ("clear subject, any requester", facts(requester_type="third_party"), "issue", []),
    ("clear subject by post", facts(channel="mail", requester_type="agent"), "issue", []),
    (
        "clear subject, requester a counterparty elsewhere",
        facts(requester=COUNTERPARTY),
        "issue",
        [],
    ),
    ("subject only a counterparty", facts(COUNTERPARTY, requester_type="third_party"), "issue", []),
    (
        "professional with client, clear",
        facts(requester_type="professional", client=CLEAR),
        "issue",
        [],
    ),
    # refuse: the requester's side is a counterparty of that measure
    (
        "counterparty asks for the protected person",
        facts(PROTECTED, requester_type="third_party", requester=COUNTERPARTY),
        "refuse",
        [Reason.SUBJECT_PROTECTED, Reason.REQUESTER_COUNTERPARTY],
    ),
    (
        "possible match to the counterparty",
        facts(PROTECTED, requester_type="third_party", requester=POSSIBLE_COUNTERPARTY),
        "refuse",
        [Reason.REQUESTER_COUNTERPARTY],
    ),
    (
        "attorney whose client is the counterparty",
        facts(PROTECTED, requester_type="professional", client=COUNTERPARTY),
        "refuse",
        [Reason.CLIENT_COUNTERPARTY],
    ),
    (
        "organisation is the counterparty",
        facts(PROTECTED, requester_type="official", organisation=COUNTERPARTY),
        "refuse",
        [Reason.ORGANISATION_COUNTERPARTY],
    ),
    (
        "joint family asked for by the counterparty",
        facts(JOINT, requester_type="third_party", requester=COUNTERPARTY),
        "refuse",
        [Reason.REQUESTER_COUNTERPARTY],
    ),
    (
        "possible-match subject asked for by the counterparty of that measure",
        facts(POSSIBLE, requester_type="third_party", requester=COUNTERPARTY),
        "refuse",
        [Reason.SUBJECT_POSSIBLE_MATCH, Reason.REQUESTER_COUNTERPARTY],
    ),
    # refuse: a protected person gets her own documents only in person, at the counter
    *[
        (
            f"protected, by {channel}",
            facts(PROTECTED, channel=channel),
            "refuse",
            [Reason.CHANNEL_NOT_COUNTER],
        )
        for channel in ("mail", "convenience_store", "wide_area", "online")
    ],
    (
        "protected, by an agent at the counter",
        facts(PROTECTED, requester_type="agent"),
        "refuse",
        [Reason.AGENT],
    ),
    (
        "lapsed measure of another ward, by post",
        facts(LAPSED_OTHER_WARD, channel="mail"),
        "refuse",
        [Reason.CHANNEL_NOT_COUNTER],
    ),
    # review
    ("protected, herself at the counter", facts(PROTECTED), "review", [Reason.SELF]),
    (
        "protected, a third party",
        facts(PROTECTED, requester_type="third_party"),
        "review",
        [Reason.THIRD_PARTY],
    ),
    (
        "protected, an official request",
        facts(PROTECTED, requester_type="official"),
        "review",
        [Reason.OFFICIAL],
    ),
    (
        "protected, professional with a client not a counterparty",
        facts(PROTECTED, requester_type="professional", client=CLEAR),
        "review",
        [Reason.PROFESSIONAL],
    ),
    (
        "protected, professional with blank client",
        facts(PROTECTED, requester_type="professional"),
        "review",
        [Reason.PROFESSIONAL_WITHOUT_CLIENT],
    ),
    (
        "clear subject, professional with blank client: never issue",
        facts(requester_type="professional"),
        "review",
        [Reason.PROFESSIONAL_WITHOUT_CLIENT],
    ),
    (
        "protected, requester a counterparty of another measure",
        facts(PROTECTED, requester_type="third_party", requester=OTHER_COUNTERPARTY),
        "review",
        [Reason.THIRD_PARTY],
    ),
    ("possible match, at the counter", facts(POSSIBLE), "review", [Reason.SUBJECT_POSSIBLE_MATCH]),
    (
        "possible match, by post (a person checks)",
        facts(POSSIBLE, channel="mail"),
        "review",
        [Reason.SUBJECT_POSSIBLE_MATCH],
    ),
    (
        "one clear and one protected subject",
        facts(subjects=(CLEAR, PROTECTED)),
        "review",
        [Reason.SUBJECT_PROTECTED, Reason.SELF],
    ),
    # fail closed
    ("no subject", facts(subjects=()), "review", [Reason.INCOMPLETE]),
    ("no document", facts(documents=()), "review", [Reason.INCOMPLETE]),
    ("unknown document", facts(documents=("passport",)), "review", [Reason.INCOMPLETE]),
    ("unknown channel", facts(channel="fax"), "review", [Reason.INCOMPLETE]),
    ("unknown requester type", facts(requester_type="friend"), "review", [Reason.INCOMPLETE]),
    ("requester not named", facts(requester=None), "review", [Reason.INCOMPLETE]),
    (
        "unknown channel, protected: refused",
        facts(PROTECTED, channel="fax"),
        "refuse",
        [Reason.CHANNEL_NOT_COUNTER],
    ),
]


@pytest.mark.parametrize(("facts_", "expected", "reasons"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])  # fmt: skip
def test_the_decision_table(facts_: Facts, expected: str, reasons: list[str]) -> None:
    decision = decide(facts_)

    assert decision.decision == expected
    assert set(reasons) <= set(decision.reasons)
    if expected == "issue":
        assert decision.reasons == []


class TestDecision:
    def test_names_the_restricting_measures_and_their_owning_wards(self) -> None:
        decision = decide(facts(subjects=(PROTECTED, LAPSED_OTHER_WARD, CLEAR)))

        assert decision == Decision(
            decision="review",
            reasons=[Reason.SUBJECT_PROTECTED, Reason.SELF],
            subject_results=["protected", "protected", "clear"],
            measure_refs=[M1, M2],
            ward_codes=["141011", "141020"],
        )

    def test_refusal_outranks_review(self) -> None:
        decision = decide(facts(PROTECTED, channel="mail", requester_type="professional"))

        assert decision.decision == "refuse"
        assert Reason.PROFESSIONAL_WITHOUT_CLIENT not in decision.reasons

    def test_a_subject_protected_and_counterparty_counts_as_protected(self) -> None:
        both = Screening(
            Result.COUNTERPARTY,
            [match("counterparty", Result.COUNTERPARTY, ref=M2), match("protected", "protected")],
        )

        assert subject_result(both) == Result.PROTECTED

    def test_a_possible_counterparty_subject_is_shown_as_a_counterparty_only_when_certain(
        self,
    ) -> None:
        assert subject_result(POSSIBLE_COUNTERPARTY) == Result.CLEAR
        assert subject_result(COUNTERPARTY) == Result.COUNTERPARTY

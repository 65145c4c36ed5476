"""The risk rules (inquiries/risk.py) on their own: the decision table, what counts as a
rise, and each reason in the words an approver reads (English here; Japanese in
test_fail_closed). Written against the surviving mutants of `make mutants`."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from inquiries import risk
from inquiries.models import ProtectedStatus, Risk
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.screening import Query, screen
from tests.conftest import Y

pytestmark = pytest.mark.usefixtures("in_english")

NONE, POSSIBLE, PROTECTED, COUNTERPARTY = (
    ProtectedStatus.NONE,
    ProtectedStatus.POSSIBLE_MATCH,
    ProtectedStatus.PROTECTED,
    ProtectedStatus.COUNTERPARTY,
)
FINDING = {"kind": "office", "text": "A区役所", "start": 0, "end": 5}


def match(**overrides: object) -> dict[str, object]:
    reason: dict[str, object] = {
        "code": "match",
        "who": "target",
        "result": "counterparty",
        "role": "counterparty",
        "name": "山﨑 健一",
        "measure": "M-1",
        "measure_status": "active",
        "how": ["reading_match"],
        "birth": "not_entered",
    }
    reason.update(overrides)
    return reason


class TestDecide:
    @pytest.mark.parametrize(
        "target, matter, findings, herself, may_be_counterparty, expected",
        [
            # Nothing anywhere: normal, still approved by a supervisor.
            (NONE, NONE, [], False, False, (Risk.NORMAL, False)),
            # Wording alone, or anyone flagged alone: high.
            (NONE, NONE, [FINDING], False, False, (Risk.HIGH, False)),
            (NONE, PROTECTED, [], False, False, (Risk.HIGH, False)),
            (POSSIBLE, NONE, [], False, False, (Risk.HIGH, False)),
            (PROTECTED, NONE, [], False, False, (Risk.HIGH, False)),
            # A counterparty contacted, or someone who may be one: critical.
            (COUNTERPARTY, NONE, [], False, False, (Risk.CRITICAL, False)),
            (POSSIBLE, NONE, [], False, True, (Risk.CRITICAL, False)),
            (NONE, NONE, [], False, True, (Risk.CRITICAL, False)),
            # Wording that reveals a place in a plan about anyone flagged: blocked.
            (NONE, POSSIBLE, [FINDING], False, False, (Risk.CRITICAL, True)),
            (COUNTERPARTY, PROTECTED, [FINDING], False, False, (Risk.CRITICAL, True)),
            # ... unless the person contacted is the protected person herself.
            (PROTECTED, PROTECTED, [FINDING], True, False, (Risk.HIGH, False)),
        ],
    )
    def test_the_decision_table(
        self, target, matter, findings, herself, may_be_counterparty, expected
    ):
        decided = risk.decide(
            target_status=target,
            matter_status=matter,
            findings=findings,
            target_is_the_protected_person=herself,
            target_may_be_a_counterparty=may_be_counterparty,
        )

        assert decided == expected


def test_someone_who_may_be_a_counterparty_is_said_so_not_assumed():
    assert risk.decide(
        target_status=NONE, matter_status=NONE, findings=[], target_is_the_protected_person=False
    ) == (Risk.NORMAL, False)


@pytest.mark.django_db
class TestScreeningReasons:
    def test_each_person_with_the_measure_and_the_date_of_birth(
        self, register, clerk_b, x_measure, y
    ):
        # Y named again at ward B: a record of that ward's own, so a second person.
        b_measure = register(clerk_b, protected=PersonData(name="鈴木 花", kana="スズキ ハナ"))

        found = risk.screening_reasons(
            "target", screen(Query("山﨑 健一", "", Y.birth_date)), query_has_date=True
        )

        assert sorted((r["measure"], r["measure_status"]) for r in found) == sorted(
            [(x_measure.ref, "active"), (b_measure.ref, "provisional")]
        )
        assert {r["birth"] for r in found} == {"agrees"}
        ours = next(r for r in found if r["measure"] == x_measure.ref)
        assert {k: ours[k] for k in ("code", "who", "result", "role", "name", "how")} == {
            "code": "match",
            "who": "target",
            "result": "counterparty",
            "role": "counterparty",
            "name": "山﨑 健一",
            "how": ["name_match"],
        }

    @pytest.mark.parametrize(
        "birth_date, query_has_date, birth",
        [
            (Y.birth_date, True, "agrees"),
            (datetime.date(1999, 1, 1), True, "differs"),
            (None, False, "not_entered"),
        ],
    )
    def test_what_is_said_of_the_date_of_birth(self, x_measure, birth_date, query_has_date, birth):
        [found] = risk.screening_reasons(
            "matter", screen(Query("山﨑 健一", "", birth_date)), query_has_date=query_has_date
        )

        assert (found["who"], found["birth"]) == ("matter", birth)

    def test_a_date_given_that_the_registry_does_not_have(self, register, clerk_a):
        register(clerk_a, counterparties=[PartyData(person=PersonData(name="田中 一郎"))])

        [found] = risk.screening_reasons(
            "target", screen(Query("田中 一郎", "", datetime.date(1980, 1, 1))), query_has_date=True
        )

        assert found["birth"] == "registry_unknown"


class TestRaised:
    @pytest.mark.parametrize(
        "old_risk, new_risk, old, new, expected",
        [
            (Risk.HIGH, Risk.HIGH, [PROTECTED, NONE], [PROTECTED, NONE], False),
            (Risk.HIGH, Risk.CRITICAL, [PROTECTED], [PROTECTED], True),
            (Risk.CRITICAL, Risk.HIGH, [PROTECTED], [PROTECTED], False),
            (Risk.HIGH, Risk.HIGH, [PROTECTED, NONE], [PROTECTED, POSSIBLE], True),
            (Risk.HIGH, Risk.HIGH, [COUNTERPARTY], [PROTECTED], False),
        ],
    )
    def test_a_higher_risk_or_any_higher_status_is_a_rise(
        self, old_risk, new_risk, old, new, expected
    ):
        assert risk.raised(old_risk, new_risk, old, new) is expected

    def test_statuses_are_compared_one_for_one(self):
        with pytest.raises(ValueError):
            risk.raised(Risk.HIGH, Risk.HIGH, [PROTECTED], [PROTECTED, NONE])


class TestAMatchInWords:
    def test_an_exact_key_matches_and_the_missing_date_follows(self):
        assert risk.explain([match()]) == [
            "The reading of the person you will contact matches that of the counterparty "
            "(山﨑 健一) of a support measure in force (M-1). No date of birth was entered."
        ]

    def test_a_loose_key_only_resembles(self):
        assert risk.explain([match(how=["romaji_match"], who="matter", birth="agrees")]) == [
            "The name in romaji of the person the matter concerns resembles that of the "
            "counterparty (山﨑 健一) of a support measure in force (M-1): it may be the same "
            "person. The date of birth agrees."
        ]

    @pytest.mark.parametrize(
        "fields, words",
        [
            (
                {"who": "subject", "role": "protected", "measure_status": "provisional"},
                "The reading of the person the inquiry is about matches that of the protected "
                "resident (山﨑 健一) of a provisional support measure (M-1).",
            ),
            (
                {"role": "joint", "measure_status": "lapsed"},
                "The reading of the person you will contact matches that of the family member "
                "covered by the measure (山﨑 健一) of a lapsed support measure (still "
                "protecting) (M-1).",
            ),
            # Reasons kept by an older version, or a code this version does not know.
            (
                {"who": "caller", "role": "witness", "measure_status": "unknown"},
                "The reading of caller matches that of the witness (山﨑 健一) of a support "
                "measure in force (M-1).",
            ),
        ],
    )
    def test_each_person_role_and_measure_in_words(self, fields, words):
        reason = match(birth="", **fields)

        assert risk.explain([reason]) == [words]

    def test_a_reason_without_a_measure_status_how_or_birth_reads_as_an_exact_name_in_force(
        self,
    ):
        reason = match()
        for key in ("measure_status", "how", "birth"):
            del reason[key]

        assert risk.explain([reason]) == [
            "The name of the person you will contact matches that of the counterparty "
            "(山﨑 健一) of a support measure in force (M-1)."
        ]

    @pytest.mark.parametrize(
        "how, words",
        [
            ([], "name"),
            (["name_match", "name_match", "alias_match"], "name, alias or former name"),
            (["mixed_script_match"], "name (part in kanji, part in kana)"),
            (["loose_reading_match"], "reading (apart from voicing or long vowels)"),
            (["given_name_first"], "name (given name first)"),
            (["confusable_kanji_match"], "name (but for a look-alike kanji)"),
            # Not one of the plan's own words: the screening's label, or the code itself.
            (["birth_date_unknown"], "Date of birth unknown on one side"),
            (["sound_alike"], "sound_alike"),
        ],
    )
    def test_how_the_name_was_found(self, how, words):
        [sentence] = risk.explain([match(how=how, birth="")])

        assert sentence.startswith(f"The {words} of the person you will contact ")

    @pytest.mark.parametrize(
        "birth, words",
        [
            ("agrees", " The date of birth agrees."),
            ("differs", " The date of birth differs: check whether it is the same person."),
            ("not_entered", " No date of birth was entered."),
            ("registry_unknown", " The registry has no date of birth for them."),
            ("", ""),
            ("unheard_of", ""),
        ],
    )
    def test_the_date_of_birth_follows_in_a_sentence_of_its_own(self, birth, words):
        [sentence] = risk.explain([match(birth=birth)])

        assert sentence == (
            "The reading of the person you will contact matches that of the counterparty "
            f"(山﨑 健一) of a support measure in force (M-1).{words}"
        )

    def test_japanese_runs_the_sentences_together(self):
        with translation.override("ja"):
            [sentence] = risk.explain([match(birth="agrees")])

        assert sentence == (
            "連絡相手のフリガナが、実施中の支援措置（M-1）の相手方（山﨑 健一）と一致します。"
            "生年月日も一致します。"
        )


class TestTheOtherReasonsInWords:
    def test_the_inquirys_status_and_who_raised_it(self):
        protected = str(ProtectedStatus.PROTECTED.label)
        counterparty = str(ProtectedStatus.COUNTERPARTY.label)

        words = risk.explain(
            [
                {"code": "inquiry", "status": "protected"},
                {"code": "inquiry", "status": "counterparty", "raised": True},
                {"code": "inquiry", "status": "protected", "raised": False},
            ]
        )

        assert words == [
            f"The inquiry carries the status {protected}.",
            f"The inquiry carries the status {counterparty} (raised by its sender).",
            f"The inquiry carries the status {protected}.",
        ]

    def test_the_wording_findings_with_the_words_found_and_a_ticked_category(self):
        words = risk.explain(
            [
                {
                    "code": "wording",
                    "findings": [
                        {"kind": "office", "text": "A区役所", "start": 0, "end": 5},
                        {"kind": "visit", "text": "来庁", "start": 6, "end": 8},
                        {"kind": "category", "text": "location", "start": -1, "end": -1},
                    ],
                }
            ]
        )

        assert words == [
            "The wording reveals a location or the person: “A区役所” (A ward, office or "
            "facility of the city); “来庁” (The fact of a visit or consultation); A disclosure "
            "category that reveals the person or a location."
        ]

    def test_blocked_clear_and_emergency_and_nothing_for_an_unknown_code(self):
        words = risk.explain(
            [{"code": "blocked"}, {"code": "clear"}, {"code": "emergency"}, {"code": "later"}]
        )

        assert words == [
            "The plan concerns a flagged person and its wording reveals a location: it is "
            "critical and cannot be approved until the wording is changed.",
            "Nobody was found in the registry and the wording reveals no location. A "
            "supervisor other than the author must still approve: a misspelt name looks "
            "exactly like this.",
            "Emergency: two supervisors must approve.",
        ]

    def test_an_unknown_code_alone_says_nothing(self):
        assert risk.explain([{"code": "later"}, {}]) == []

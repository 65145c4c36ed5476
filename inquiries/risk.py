"""A contact plan's risk, and why, in words an approver reads in a hurry.

The risk is computed from everything the plan says, never entered (issue 10):

- critical, and not approvable until the wording changes: a guard finding in a plan that
  concerns anyone flagged (inquiry, matter or target: possible match, protected, counterparty),
  unless the person contacted is the protected person herself;
- critical (two approvals): the person contacted is, or may be, a counterparty;
- high (one approval): a guard finding, or anyone flagged;
- normal (one approval): nothing found anywhere.

Every plan needs at least one approval by a trained supervisor of the acting ward who did not
write it: a plan nobody flagged is exactly the one a misspelt name produces (promise 9).

Reasons are stored as small dicts (codes and names, no prose) so that each page renders them
in its own language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inquiries.models import STATUS_RANK, ProtectedStatus, Risk
from supportmeasures.models import MeasureStatus, PartyRole, SupportMeasure
from supportmeasures.screening import LOOSE_REASONS, Match, Reason, Screening

RISK_RANK = {Risk.NORMAL: 0, Risk.HIGH: 1, Risk.CRITICAL: 2}

FLAGGED = (
    ProtectedStatus.POSSIBLE_MATCH,
    ProtectedStatus.PROTECTED,
    ProtectedStatus.COUNTERPARTY,
)


def is_flagged(status: str) -> bool:
    return status in FLAGGED


def _rank(status: str) -> int:
    return STATUS_RANK[ProtectedStatus(status)]


def decide(
    *,
    target_status: str,
    matter_status: str,
    findings: Sequence[dict[str, Any]],
    target_is_the_protected_person: bool,
    target_may_be_a_counterparty: bool = False,
) -> tuple[str, bool]:
    """(risk, blocked): blocked means no approval until the wording changes. A person who
    may be a counterparty (a similar name or reading) is treated as one: the hurried
    spelling must never be safer than the right one."""
    concerns_flagged = is_flagged(target_status) or is_flagged(matter_status)
    if findings and concerns_flagged and not target_is_the_protected_person:
        return Risk.CRITICAL, True
    if target_status == ProtectedStatus.COUNTERPARTY or target_may_be_a_counterparty:
        return Risk.CRITICAL, False
    if findings or concerns_flagged:
        return Risk.HIGH, False
    return Risk.NORMAL, False


def _birth(match: Match, query_has_date: bool) -> str:
    if Reason.BIRTH_DATE_AGREES in match.reasons:
        return "agrees"
    if Reason.BIRTH_DATE_DIFFERS in match.reasons:
        return "differs"
    return "registry_unknown" if query_has_date else "not_entered"


def _strongest_per_person(matches: Iterable[Match]) -> list[Match]:
    """One line per person and role: a person in several measures reads once per role."""
    seen: dict[tuple[int, str], Match] = {}
    for m in matches:
        key = (m.person_id, m.role)
        if key not in seen:
            seen[key] = m
    return list(seen.values())


def screening_reasons(
    who: str, screening: Screening, *, query_has_date: bool
) -> list[dict[str, Any]]:
    """What the screening found about the target or the matter, as reason dicts."""
    matches = _strongest_per_person(screening.matches)
    statuses = dict(
        SupportMeasure.objects.filter(ref__in=sorted({m.measure_ref for m in matches}))
        .values_list("ref", "status")
        .order_by()
    )
    return [
        {
            "code": "match",
            "who": who,
            "result": m.result,
            "role": m.role,
            "name": m.person_name,
            "measure": m.measure_ref,
            "measure_status": statuses.get(m.measure_ref, ""),
            "how": [r for r in m.reasons if not str(r).startswith("birth_date")],
            "birth": _birth(m, query_has_date),
        }
        for m in matches
    ]


# --- in words -------------------------------------------------------------------------------

_WHO = {
    "target": gettext_lazy("the person you will contact"),
    "matter": gettext_lazy("the person the matter concerns"),
    "subject": gettext_lazy("the person the inquiry is about"),
}
_ROLE = {
    PartyRole.COUNTERPARTY: gettext_lazy("counterparty"),
    PartyRole.PROTECTED: gettext_lazy("protected resident"),
    PartyRole.JOINT: gettext_lazy("family member covered by the measure"),
}
_MEASURE = {
    MeasureStatus.PROVISIONAL: gettext_lazy("a provisional support measure"),
    MeasureStatus.ACTIVE: gettext_lazy("a support measure in force"),
    MeasureStatus.LAPSED: gettext_lazy("a lapsed support measure (still protecting)"),
}
_HOW = {
    "name_match": gettext_lazy("name"),
    "alias_match": gettext_lazy("alias or former name"),
    "reading_match": gettext_lazy("reading"),
    "mixed_script_match": gettext_lazy("name (part in kanji, part in kana)"),
    "loose_reading_match": gettext_lazy("reading (apart from voicing or long vowels)"),
    "given_name_first": gettext_lazy("name (given name first)"),
    "romaji_match": gettext_lazy("name in romaji"),
    "confusable_kanji_match": gettext_lazy("name (but for a look-alike kanji)"),
}
_BIRTH = {
    "agrees": gettext_lazy("The date of birth agrees."),
    "differs": gettext_lazy("The date of birth differs: check whether it is the same person."),
    "not_entered": gettext_lazy("No date of birth was entered."),
    "registry_unknown": gettext_lazy("The registry has no date of birth for them."),
}


def _how(codes: Sequence[str]) -> str:
    words = []
    for code in codes:
        label: object = _HOW.get(code)
        if label is None:
            try:
                label = Reason(code).label
            except ValueError:
                label = code
        words.append(str(label))
    return _(", ").join(dict.fromkeys(words)) or str(_HOW["name_match"])


def _match_sentence(r: dict[str, Any]) -> str:
    values = {
        "who": _WHO.get(r["who"], r["who"]),
        "how": _how(r.get("how", [])),
        "measure": _MEASURE.get(r.get("measure_status", ""), _MEASURE[MeasureStatus.ACTIVE]),
        "role": _ROLE.get(r["role"], r["role"]),
        "name": r["name"],
        "ref": r["measure"],
    }
    # A loose key (mixed script, voicing, romaji…) resembles; an exact one matches, and a
    # missing or different date of birth is then said in the next sentence.
    if any(code in LOOSE_REASONS for code in r.get("how", [])):
        text = _(
            "The %(how)s of %(who)s resembles that of the %(role)s (%(name)s) of "
            "%(measure)s (%(ref)s): it may be the same person."
        )
    else:
        text = _(
            "The %(how)s of %(who)s matches that of the %(role)s (%(name)s) of "
            "%(measure)s (%(ref)s)."
        )
    sentence = text % values
    birth = str(_BIRTH.get(r.get("birth", ""), ""))
    # Japanese runs its sentences together; other languages put a space between them.
    return f"{sentence}{'' if sentence.endswith('。') else ' '}{birth}".strip()


def explain(reasons: Iterable[dict[str, Any]]) -> list[str]:
    """Each reason as one sentence, in the active language."""
    from inquiries import guard

    out: list[str] = []
    for r in reasons:
        code = r.get("code")
        if code == "match":
            out.append(_match_sentence(r))
        elif code == "inquiry":
            label = ProtectedStatus(r["status"]).label
            if r.get("raised"):
                out.append(
                    _("The inquiry carries the status %(status)s (raised by its sender).")
                    % {"status": label}
                )
            else:
                out.append(_("The inquiry carries the status %(status)s.") % {"status": label})
        elif code == "wording":
            found = _("; ").join(
                _("“%(text)s” (%(label)s)") % {"text": f["text"], "label": guard.Finding(**f).label}
                if f["start"] >= 0
                else str(guard.Finding(**f).label)
                for f in r["findings"]
            )
            out.append(
                _("The wording reveals a location or the person: %(found)s.") % {"found": found}
            )
        elif code == "blocked":
            out.append(
                _(
                    "The plan concerns a flagged person and its wording reveals a location: "
                    "it is critical and cannot be approved until the wording is changed."
                )
            )
        elif code == "clear":
            out.append(
                _(
                    "Nobody was found in the registry and the wording reveals no location. "
                    "A supervisor other than the author must still approve: a misspelt name "
                    "looks exactly like this."
                )
            )
        elif code == "emergency":
            out.append(_("Emergency: two supervisors must approve."))
    return out


def raised(old_risk: str, new_risk: str, old: Sequence[str], new: Sequence[str]) -> bool:
    """Did the risk or any screened status rise?"""
    if RISK_RANK[Risk(new_risk)] > RISK_RANK[Risk(old_risk)]:
        return True
    return any(_rank(n) > _rank(o) for o, n in zip(old, new, strict=True))

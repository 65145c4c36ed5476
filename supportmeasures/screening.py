"""The screening engine: is this person a protected resident or a counterparty?

One selector serves the search page, the inquiries, the API and the batch upload. It reads the
registry through exact look-ups on the stored match keys (B-tree indexes), so results are
deterministic and a batch costs a few queries, not one per entry.

Rules (issue: screening), applied against every person of every measure in force
(provisional, active, lapsed-not-released; never ended), joint family and aliases included:
- a full-name match (name or any alias) whose dates of birth agree, or where either side has
  none, is a match for that person's role;
- a reading match whose dates of birth agree is a match for that role;
- a full-name match whose dates of birth disagree, or a reading match without an agreeing
  date, is a possible match;
- a person found only through a loose key (issue 10: reading voiced or not, long vowels,
  given name first, romaji, kanji surname with a kana given name, a confusable kanji; see
  names.py) is a possible match, whatever the dates: close enough to check, never proof;
- the overall result is the strongest: counterparty > protected > possible_match > clear.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from supportmeasures import names
from supportmeasures.models import PartyRole, Ward
from supportmeasures.names import KeyKind, QueryKey

# Keys are looked up in chunks so a 10,000-entry batch stays within parameter limits.
CHUNK = 2000
KANA_ONLY = re.compile(r"^[\u30a1-\u30ffー]+$")


class Result(TextChoices):
    """The registry's vocabulary of statuses: the codes every app stores and the labels every
    badge shows (the flags, the search page, the inquiries' status badges)."""

    COUNTERPARTY = "counterparty", _("Counterparty (相手方)")
    PROTECTED = "protected", _("Protected (保護対象)")
    POSSIBLE_MATCH = "possible_match", _("Possible match")
    CLEAR = "clear", _("Not in the registry")


RANK = {Result.CLEAR: 0, Result.POSSIBLE_MATCH: 1, Result.PROTECTED: 2, Result.COUNTERPARTY: 3}


class Reason(TextChoices):
    # Codes are stable: the API returns them and other code explains them in plain words.
    NAME = "name_match", _("Name matches")
    ALIAS = "alias_match", _("Alias or former name matches")
    READING = "reading_match", _("Reading matches")
    # Loose matches (names.query_match_keys), only when nothing above matched.
    MIXED_SCRIPT = "mixed_script_match", _("Name matches, part in kanji, part in kana")
    LOOSE_READING = "loose_reading_match", _("Reading matches loosely (voicing, long vowels)")
    GIVEN_NAME_FIRST = "given_name_first", _("Name matches, given name written first")
    ROMAJI = "romaji_match", _("Name in romaji matches")
    CONFUSABLE_KANJI = "confusable_kanji_match", _("Name matches but for a look-alike kanji")
    BIRTH_DATE_AGREES = "birth_date_match", _("Date of birth matches")
    BIRTH_DATE_DIFFERS = "birth_date_mismatch", _("Date of birth differs")
    BIRTH_DATE_UNKNOWN = "birth_date_unknown", _("Date of birth unknown on one side")


LOOSE_REASONS = (
    Reason.MIXED_SCRIPT,
    Reason.LOOSE_READING,
    Reason.GIVEN_NAME_FIRST,
    Reason.ROMAJI,
    Reason.CONFUSABLE_KANJI,
)
# Which loose key of the query found which stored key, and what that says.
_LOOSE_PAIRS: dict[tuple[str, str], Reason] = {
    (KeyKind.READING, KeyKind.READING): Reason.LOOSE_READING,
    (KeyKind.READING, KeyKind.ROMAJI): Reason.ROMAJI,
    (KeyKind.ROMAJI, KeyKind.READING): Reason.ROMAJI,
    (KeyKind.ROMAJI, KeyKind.ROMAJI): Reason.ROMAJI,
    (KeyKind.MIXED, KeyKind.MIXED): Reason.MIXED_SCRIPT,
    (KeyKind.CONFUSABLE, KeyKind.CONFUSABLE): Reason.CONFUSABLE_KANJI,
}


@dataclass(frozen=True)
class Query:
    name: str = ""
    kana: str = ""
    birth_date: datetime.date | None = None

    @property
    def name_key(self) -> str:
        return names.name_key(self.name)

    @property
    def kana_keys(self) -> frozenset[str]:
        """The reading, and the name itself when it is written in kana only (ワタナベ)."""
        keys = {names.kana_key(self.kana)}
        if KANA_ONLY.match(self.name_key or "-"):
            keys.add(names.kana_key(self.name))
        return frozenset(k for k in keys if k)

    @property
    def loose_keys(self) -> frozenset[QueryKey]:
        return names.query_match_keys(self.name, self.kana)


@dataclass(frozen=True)
class Match:
    person_id: int
    person_public_id: uuid.UUID
    person_name: str
    role: str
    result: str
    measure_ref: str
    owning_ward_code: str
    owning_ward_name: str
    reasons: tuple[str, ...]
    owning_ward: Ward | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Screening:
    result: str
    matches: list[Match] = field(default_factory=list)

    @property
    def is_clear(self) -> bool:
        return self.result == Result.CLEAR

    @property
    def result_label(self) -> str:
        return str(Result(self.result).label)

    def owning_ward_codes(self) -> list[str]:
        return sorted({m.owning_ward_code for m in self.matches})

    def person_ids(self) -> list[str]:
        """The registered people found, as public ids: what the audit log indexes by person."""
        return sorted({str(m.person_public_id) for m in self.matches})


@dataclass(frozen=True)
class _Person:
    pk: int
    public_id: uuid.UUID
    name: str
    name_key: str
    kana_key: str
    birth_date: datetime.date | None


@dataclass(frozen=True)
class _Party:
    role: str
    measure_ref: str
    ward: Ward


@dataclass
class _Candidate:
    person: _Person
    alias_keys: set[str]
    parties: list[_Party]
    # Loose keys found for this person (stored ones, and the confusable keys of their name
    # and of the aliases found), each with the kinds it was stored as.
    loose_keys: dict[str, set[str]] = field(default_factory=dict)


# Hand-written because it is the hot path of every screening (measured in make bench: the
# ORM's query compilation cost more than the database). Portable SQL (PostgreSQL, SQLite);
# every look-up an exact match on an indexed key. First who is found, by name, reading, alias
# (with the alias key that matched) or loose key (with the key and its kind); then, only if
# anyone was, their parties in force.
_FOUND_BY = {
    "names": "SELECT id, NULL, NULL FROM supportmeasures_person WHERE name_key IN ({})"
    " UNION ALL SELECT person_id, name_key, NULL FROM supportmeasures_personalias"
    " WHERE name_key IN ({})",
    "kanas": "SELECT id, NULL, NULL FROM supportmeasures_person WHERE kana_key IN ({})",
    "loose": "SELECT person_id, key, kind FROM supportmeasures_personmatchkey WHERE key IN ({})",
}
_PARTIES_SQL = """
SELECT p.id, p.public_id, p.name, p.name_key, p.kana_key, p.birth_date,
       mp.role, m.ref, w.id, w.code, w.name
FROM supportmeasures_measureparty mp
JOIN supportmeasures_person p ON p.id = mp.person_id
JOIN supportmeasures_supportmeasure m ON m.id = mp.measure_id
JOIN supportmeasures_ward w ON w.id = m.owning_ward_id
WHERE mp.person_id IN ({ids}) AND m.status <> 'ended'
ORDER BY p.id, m.ref
"""


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _as_date(value: object) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _candidates(
    name_keys: set[str], kana_keys: set[str], loose_keys: set[str]
) -> dict[int, _Candidate]:
    """Everyone in a measure in force whose name, alias, reading or loose key is among the
    keys."""
    # Empty keys are dropped: an empty key would match everyone recorded without a reading.
    wanted = {
        "names": sorted(k for k in name_keys if k),
        "kanas": sorted(k for k in kana_keys if k),
        "loose": sorted(k for k in loose_keys if k),
    }
    alias_hits: dict[int, set[str]] = defaultdict(set)
    loose_hits: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    found: set[int] = set()
    rounds = max((len(keys) + CHUNK - 1) // CHUNK for keys in wanted.values())
    with connection.cursor() as cursor:
        # Round i looks up the i-th chunk of each kind of key, all in one statement.
        for i in range(rounds):
            selects: list[str] = []
            params: list[str] = []
            for kind, keys in wanted.items():
                chunk = keys[i * CHUNK : (i + 1) * CHUNK]
                if chunk:
                    selects.append(_FOUND_BY[kind].format(*[_placeholders(chunk)] * 2))
                    params += chunk * _FOUND_BY[kind].count("{}")
            cursor.execute(" UNION ALL ".join(selects), params)
            for person_id, key, kind in cursor.fetchall():
                found.add(person_id)
                if kind:
                    loose_hits[person_id][key].add(kind)
                elif key:
                    alias_hits[person_id].add(key)
        candidates: dict[int, _Candidate] = {}
        ids = sorted(found)
        for i in range(0, len(ids), CHUNK):
            id_chunk = ids[i : i + CHUNK]
            cursor.execute(_PARTIES_SQL.format(ids=_placeholders(id_chunk)), id_chunk)
            for (pk, public_id, name, name_key, kana_key, born, role, ref, ward_id, ward_code,
                 ward_name) in cursor.fetchall():  # fmt: skip
                candidate = candidates.get(pk)
                if candidate is None:
                    person = _Person(
                        pk, uuid.UUID(str(public_id)), name, name_key, kana_key, _as_date(born)
                    )
                    candidate = candidates[pk] = _Candidate(
                        person,
                        alias_hits[pk],
                        [],
                        _with_confusables(loose_hits[pk], person.name_key, alias_hits[pk]),
                    )
                candidate.parties.append(
                    _Party(role, ref, Ward(id=ward_id, code=ward_code, name=ward_name))
                )
    return candidates


def _with_confusables(
    found: dict[str, set[str]], name_key: str, alias_keys: set[str]
) -> dict[str, set[str]]:
    """The loose keys found, plus the confusable keys of the person's name and of the aliases
    found: those are stored only where they differ from name_key, so a query written with
    the other kanji (斉藤 for 斎藤) finds the person by name_key and is judged here."""
    keys = {key: set(kinds) for key, kinds in found.items()}
    for key in (name_key, *alias_keys):
        keys.setdefault(names.confusable_key(key), set()).add(KeyKind.CONFUSABLE)
    return keys


def _loose_reasons(query_keys: frozenset[QueryKey], c: _Candidate) -> list[str]:
    found: set[str] = set()
    for qk in query_keys:
        for stored_kind in c.loose_keys.get(qk.key, ()):
            reason = _LOOSE_PAIRS.get((qk.kind, stored_kind))
            if reason is None:
                continue
            if qk.given_name_first:
                found.add(Reason.GIVEN_NAME_FIRST)
                if reason == Reason.LOOSE_READING:
                    continue  # turned round is the news; the reading is loose by nature
            found.add(reason)
    return [r for r in LOOSE_REASONS if r in found]


def _role_result(role: str) -> str:
    return Result.COUNTERPARTY if role == PartyRole.COUNTERPARTY else Result.PROTECTED


def _judge(query: Query, keys: _Keys, c: _Candidate) -> list[Match]:
    person = c.person
    name_key, kana_keys = keys.name, keys.kanas
    reasons: list[str] = []
    name_hit = bool(name_key) and name_key == person.name_key
    alias_hit = bool(name_key) and not name_hit and name_key in c.alias_keys
    reading_hit = bool(person.kana_key) and person.kana_key in kana_keys
    exact = name_hit or alias_hit or reading_hit
    # Loose keys speak only when no exact key did: exact matches keep their rules.
    loose = [] if exact else _loose_reasons(keys.loose, c)
    if not (exact or loose):
        return []
    if name_hit:
        reasons.append(Reason.NAME)
    if alias_hit:
        reasons.append(Reason.ALIAS)
    if reading_hit:
        reasons.append(Reason.READING)
    reasons += loose
    if query.birth_date and person.birth_date:
        dates_agree: bool | None = query.birth_date == person.birth_date
        reasons.append(Reason.BIRTH_DATE_AGREES if dates_agree else Reason.BIRTH_DATE_DIFFERS)
    else:
        dates_agree = None
        reasons.append(Reason.BIRTH_DATE_UNKNOWN)
    full_name = name_hit or alias_hit
    is_match = (full_name and dates_agree is not False) or (reading_hit and dates_agree is True)
    # A loose match is never is_match: it cannot be a certain hit, dates or not.
    return [
        Match(
            person_id=person.pk,
            person_public_id=person.public_id,
            person_name=person.name,
            role=party.role,
            result=_role_result(party.role) if is_match else Result.POSSIBLE_MATCH,
            measure_ref=party.measure_ref,
            owning_ward_code=party.ward.code,
            owning_ward_name=party.ward.name,
            reasons=tuple(reasons),
            owning_ward=party.ward,
        )
        for party in c.parties
    ]


def _overall(matches: list[Match]) -> str:
    return max((m.result for m in matches), key=lambda r: RANK[Result(r)], default=Result.CLEAR)


@dataclass(frozen=True)
class _Keys:
    """A query's keys, computed once per screening."""

    name: str
    kanas: frozenset[str]
    loose: frozenset[QueryKey]

    @property
    def name_lookups(self) -> set[str]:
        """The name key, and the confusable key, which may be a registered name_key as is."""
        confusable = {k.key for k in self.loose if k.kind == KeyKind.CONFUSABLE}
        return {self.name, *confusable} - {""}


def screen_many(queries: Sequence[Query]) -> list[Screening]:
    """Screen every query against the registry; one result per query, in order."""
    keyed = [(q, _Keys(q.name_key, q.kana_keys, q.loose_keys)) for q in queries]
    candidates = _candidates(
        {k for _, keys in keyed for k in keys.name_lookups},
        {k for _, keys in keyed for k in keys.kanas},
        {qk.key for _, keys in keyed for qk in keys.loose},
    )
    by_name: dict[str, list[_Candidate]] = defaultdict(list)
    by_kana: dict[str, list[_Candidate]] = defaultdict(list)
    by_loose: dict[str, list[_Candidate]] = defaultdict(list)
    for c in candidates.values():
        by_name[c.person.name_key].append(c)
        for key in c.alias_keys:
            by_name[key].append(c)
        if c.person.kana_key:
            by_kana[c.person.kana_key].append(c)
        for key in c.loose_keys:
            by_loose[key].append(c)
    screenings = []
    for query, keys in keyed:
        seen: dict[int, _Candidate] = {}
        for c in by_name.get(keys.name, []) if keys.name else []:
            seen[c.person.pk] = c
        for key in keys.kanas:
            for c in by_kana.get(key, []):
                seen[c.person.pk] = c
        for qk in keys.loose:
            for c in by_loose.get(qk.key, []):
                seen[c.person.pk] = c
        matches = [m for c in seen.values() for m in _judge(query, keys, c)]
        matches.sort(key=lambda m: (-RANK[Result(m.result)], m.measure_ref, m.person_id))
        screenings.append(Screening(_overall(matches), matches))
    return screenings


def screen(query: Query) -> Screening:
    return screen_many([query])[0]

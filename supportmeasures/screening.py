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
- the overall result is the strongest: counterparty > protected > possible_match > clear.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from supportmeasures import names
from supportmeasures.models import PartyRole, Ward

# Keys are looked up in chunks so a 10,000-entry batch stays within parameter limits.
CHUNK = 2000
KANA_ONLY = re.compile(r"^[\u30a1-\u30ffー]+$")


class Result(TextChoices):
    COUNTERPARTY = "counterparty", _("Counterparty")
    PROTECTED = "protected", _("Protected resident")
    POSSIBLE_MATCH = "possible_match", _("Possible match: check before any contact")
    CLEAR = "clear", _("No match in the registry")


RANK = {Result.CLEAR: 0, Result.POSSIBLE_MATCH: 1, Result.PROTECTED: 2, Result.COUNTERPARTY: 3}


class Reason(TextChoices):
    NAME = "name_match", _("Name matches")
    ALIAS = "alias_match", _("Alias or former name matches")
    READING = "reading_match", _("Reading matches")
    BIRTH_DATE_AGREES = "birth_date_match", _("Date of birth matches")
    BIRTH_DATE_DIFFERS = "birth_date_mismatch", _("Date of birth differs")
    BIRTH_DATE_UNKNOWN = "birth_date_unknown", _("Date of birth unknown on one side")


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


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


# Hand-written because it is the hot path of every screening (measured in make bench: the
# ORM's query compilation cost more than the database). Portable SQL (PostgreSQL, SQLite);
# every look-up an exact match on an indexed key. First who is found, by name, reading or
# alias (with the alias keys that matched); then, only if anyone was, their parties in force.
_FOUND_SQL = """
SELECT id, NULL FROM supportmeasures_person WHERE name_key IN ({names})
UNION ALL SELECT id, NULL FROM supportmeasures_person WHERE kana_key IN ({kanas})
UNION ALL SELECT person_id, name_key FROM supportmeasures_personalias WHERE name_key IN ({names})
"""
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


def _candidates(name_keys: set[str], kana_keys: set[str]) -> dict[int, _Candidate]:
    """Everyone in a measure in force whose name, alias or reading key is among the keys."""
    # Keys never contain white space, so " " stands for "no key" and matches nothing (an
    # empty string would match everyone recorded without a reading).
    names_sorted = sorted(k for k in name_keys if k) or [" "]
    kanas_sorted = sorted(k for k in kana_keys if k) or [" "]
    alias_hits: dict[int, set[str]] = defaultdict(set)
    found: set[int] = set()
    with connection.cursor() as cursor:
        for names_chunk in _chunks(names_sorted):
            for kanas_chunk in _chunks(kanas_sorted):
                sql = _FOUND_SQL.format(
                    names=_placeholders(names_chunk), kanas=_placeholders(kanas_chunk)
                )
                cursor.execute(sql, [*names_chunk, *kanas_chunk, *names_chunk])
                for person_id, alias_key in cursor.fetchall():
                    found.add(person_id)
                    if alias_key:
                        alias_hits[person_id].add(alias_key)
        candidates: dict[int, _Candidate] = {}
        ids = sorted(found)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            cursor.execute(_PARTIES_SQL.format(ids=_placeholders(chunk)), chunk)
            for (pk, public_id, name, name_key, kana_key, born, role, ref, ward_id, ward_code,
                 ward_name) in cursor.fetchall():  # fmt: skip
                candidate = candidates.get(pk)
                if candidate is None:
                    person = _Person(
                        pk, uuid.UUID(str(public_id)), name, name_key, kana_key, _as_date(born)
                    )
                    candidate = candidates[pk] = _Candidate(person, alias_hits[pk], [])
                candidate.parties.append(
                    _Party(role, ref, Ward(id=ward_id, code=ward_code, name=ward_name))
                )
    return candidates


def _role_result(role: str) -> str:
    return Result.COUNTERPARTY if role == PartyRole.COUNTERPARTY else Result.PROTECTED


def _judge(query: Query, name_key: str, kana_keys: frozenset[str], c: _Candidate) -> list[Match]:
    person = c.person
    reasons: list[str] = []
    name_hit = bool(name_key) and name_key == person.name_key
    alias_hit = bool(name_key) and not name_hit and name_key in c.alias_keys
    reading_hit = bool(person.kana_key) and person.kana_key in kana_keys
    if not (name_hit or alias_hit or reading_hit):
        return []
    if name_hit:
        reasons.append(Reason.NAME)
    if alias_hit:
        reasons.append(Reason.ALIAS)
    if reading_hit:
        reasons.append(Reason.READING)
    if query.birth_date and person.birth_date:
        dates_agree: bool | None = query.birth_date == person.birth_date
        reasons.append(Reason.BIRTH_DATE_AGREES if dates_agree else Reason.BIRTH_DATE_DIFFERS)
    else:
        dates_agree = None
        reasons.append(Reason.BIRTH_DATE_UNKNOWN)
    full_name = name_hit or alias_hit
    is_match = (full_name and dates_agree is not False) or (reading_hit and dates_agree is True)
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


def screen_many(queries: Sequence[Query]) -> list[Screening]:
    """Screen every query against the registry; one result per query, in order."""
    keyed = [(q, q.name_key, q.kana_keys) for q in queries]
    candidates = _candidates(
        {nk for _, nk, _ in keyed if nk}, {k for _, _, ks in keyed for k in ks}
    )
    by_name: dict[str, list[_Candidate]] = defaultdict(list)
    by_kana: dict[str, list[_Candidate]] = defaultdict(list)
    for c in candidates.values():
        by_name[c.person.name_key].append(c)
        for key in c.alias_keys:
            by_name[key].append(c)
        if c.person.kana_key:
            by_kana[c.person.kana_key].append(c)
    screenings = []
    for query, name_key, kana_keys in keyed:
        seen: dict[int, _Candidate] = {}
        for c in by_name.get(name_key, []) if name_key else []:
            seen[c.person.pk] = c
        for key in kana_keys:
            for c in by_kana.get(key, []):
                seen[c.person.pk] = c
        matches = [m for c in seen.values() for m in _judge(query, name_key, kana_keys, c)]
        matches.sort(key=lambda m: (-RANK[Result(m.result)], m.measure_ref, m.person_id))
        screenings.append(Screening(_overall(matches), matches))
    return screenings


def screen(query: Query) -> Screening:
    return screen_many([query])[0]

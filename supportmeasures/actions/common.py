"""What the registry's actions share: the people and parties they are given, the locked
measure, the refusal raised."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from supportmeasures.models import (
    SupportMeasure,
)
from supportmeasures.refusals import (
    ActionRefused,
)


@dataclass(frozen=True)
class Identity:
    """What the clerk decided about the people already in the registry who may be this one
    (`selectors.identity_candidates`): the same person as one of them (`same_as`), or none of
    those they were shown (`different_from`, every candidate seen). The action screens again
    and refuses a choice that is not among the candidates, or a candidate the clerk did not
    see."""

    same_as: uuid.UUID | None = None
    different_from: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class PersonData:
    name: str
    kana: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    address: str = ""
    phone: str = ""
    resident_number: str = ""
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (AliasKind, name)
    # The registration page always says (Identity); None, for demo data and tests, keeps the
    # old rule: the person with this resident number, or a new one.
    identity: Identity | None = None


@dataclass(frozen=True)
class PartyData:
    person: PersonData
    relationship: str = ""
    is_resident: bool = True
    agent_note: str = ""


@dataclass(frozen=True)
class ProtectedDetails:
    address: str
    phone: str
    resident_number: str


def refuse_if(refusal: ActionRefused | None) -> None:
    """Raise what a rule of `permissions` refused: the one place each rule is written."""
    if refusal is not None:
        raise refusal


def locked_measure(measure: SupportMeasure) -> SupportMeasure:
    return (
        SupportMeasure.objects.select_for_update().select_related("owning_ward").get(pk=measure.pk)
    )

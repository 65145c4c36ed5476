"""What the registry's actions share: the people and parties they are given, the locked
measure, the refusal raised."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from supportmeasures.models import (
    SupportMeasure,
)
from supportmeasures.refusals import (
    ActionRefused,
)


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

"""Shared by the inquiries' actions: the status vocabulary's order and mapping."""

from __future__ import annotations

from inquiries.models import (
    STATUS_RANK,
    ProtectedStatus,
)
from supportmeasures.screening import Result, Screening

RESULT_TO_STATUS = {
    Result.CLEAR: ProtectedStatus.NONE,
    Result.POSSIBLE_MATCH: ProtectedStatus.POSSIBLE_MATCH,
    Result.PROTECTED: ProtectedStatus.PROTECTED,
    Result.COUNTERPARTY: ProtectedStatus.COUNTERPARTY,
}


def strongest(*statuses: str) -> str:
    return max(statuses, key=lambda s: STATUS_RANK[ProtectedStatus(s)])


def status_of(screening: Screening) -> str:
    return RESULT_TO_STATUS[Result(screening.result)]

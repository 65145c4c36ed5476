"""Two counters type the same 発行番号 at once: the second is refused, never a 500. The check
is the database's unique constraint: a look before the insert would let both through."""

from __future__ import annotations

import pytest
from django.db.models import QuerySet

from inquiries.requests import actions
from inquiries.requests.actions import Named, Requester
from supportmeasures.actions import ActionRefused


@pytest.mark.django_db
def test_a_number_recorded_meanwhile_is_refused(record, clerk_a, now, monkeypatch):
    first = record(subjects=[Named("佐藤 花子")], requester=Requester("佐藤 花子", type="self"))
    second = record(subjects=[Named("佐藤 花子")], requester=Requester("佐藤 花子", type="self"))
    actions.record_issuance(
        request=first, by=clerk_a, issued_at=now, place="窓口", pages=1, issue_number="R8-7"
    )
    # The other counter's row is not yet visible to a look (it commits after the look).
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)

    with pytest.raises(ActionRefused):
        actions.record_issuance(
            request=second, by=clerk_a, issued_at=now, place="窓口", pages=1, issue_number="R8-7"
        )
    monkeypatch.undo()
    assert not second.issuances.exists()

"""The propagation tables: what the database itself refuses, and the feed's sequence."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from supportmeasures.models import (
    BlockChange,
    BlockChangeKind,
    ConfirmationTask,
    ConfirmsBy,
    LinkedSystem,
    TaskState,
)


@pytest.mark.django_db
class TestTheDefaultSystems:
    def test_the_migration_seeds_the_ten_systems_in_order(self):
        names = list(LinkedSystem.objects.order_by("order").values_list("name", flat=True))

        assert names[:3] == ["住民記録", "戸籍附票", "税務"]
        assert len(names) == 10
        assert "コンビニ交付" in names


@pytest.mark.django_db
class TestConstraints:
    def test_a_system_confirming_by_api_needs_its_client(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            LinkedSystem.objects.create(code="x", name="x", section="x", confirms_by=ConfirmsBy.API)

    def test_a_lifted_block_restricts_no_one(self, x_measure, now, today):
        with pytest.raises(IntegrityError), transaction.atomic():
            BlockChange.objects.create(
                measure=x_measure,
                kind=BlockChangeKind.ENDED,
                effective_from=today,
                blocks=False,
                persons=[{"id": "p"}],
                created_at=now,
            )

    def test_a_confirmed_task_says_when_and_who(self, x_measure, now):
        change = x_measure.block_changes.order_by("pk").last()
        system = LinkedSystem.objects.create(code="t", name="t", section="t")
        with pytest.raises(IntegrityError), transaction.atomic():
            ConfirmationTask.objects.create(
                change=change,
                system=system,
                due_at=now,
                state=TaskState.CONFIRMED,
                confirmed_at=now,
                confirmed_via=ConfirmsBy.HAND,
            )


@pytest.mark.django_db(transaction=True)
class TestTheFeedSequence:
    def test_changes_are_numbered_at_commit_in_commit_order(self, x_measure):
        sequences = list(
            BlockChange.objects.filter(measure=x_measure)
            .order_by("pk")
            .values_list("sequence", flat=True)
        )

        assert None not in sequences
        assert sequences == sorted(s for s in sequences if s is not None)
        assert len(sequences) == 2  # registered, approved


@pytest.mark.django_db
class TestTheFeedSequenceInATestTransaction:
    def test_changes_are_numbered_at_once_as_the_commit_would(self, x_measure):
        sequences = list(
            BlockChange.objects.filter(measure=x_measure)
            .order_by("pk")
            .values_list("sequence", flat=True)
        )

        assert None not in sequences
        assert sequences == sorted(s for s in sequences if s is not None)

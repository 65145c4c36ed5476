"""The feed's sequence with transactions that do not commit whole (reviewer R12): a rolled-back
transaction, a change in a savepoint rolled back while its transaction commits, and a change in
a savepoint released into its transaction. Real commits (the deferred trigger numbers the row
at commit), so `transaction=True`."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from supportmeasures.models import BlockChange, BlockChangeKind
from supportmeasures.propagation.actions import record_block_change


class Boom(Exception):
    pass


def _record(measure, now) -> BlockChange:
    return record_block_change(
        measure=measure, kind=BlockChangeKind.COVERAGE_CHANGED, acting_user=None, at=now
    )


def _feed(api, token) -> list[int]:
    body = api(token).get("/api/v1/changes", {"after": 0}).json()
    return [c["id"] for c in body["changes"]]


@pytest.mark.django_db(transaction=True)
class TestUncommittedChanges:
    def test_no_row_is_numbered_before_its_commit(self, register, clerk_a, now):
        # The suite runs on PostgreSQL (make test); SQLite numbers at insert, one writer.
        assert connection.vendor == "postgresql"
        measure = register(clerk_a)
        with transaction.atomic():
            change = _record(measure, now)
            change.refresh_from_db(fields=["sequence"])
            assert change.sequence is None  # numbered at commit, not before
        change.refresh_from_db(fields=["sequence"])
        assert change.sequence is not None

    def test_a_rolled_back_change_is_never_served_and_leaves_no_gap(
        self, register, clerk_a, feed_token, api, now
    ):
        measure = register(clerk_a)
        before = _feed(api, feed_token)
        with pytest.raises(Boom), transaction.atomic():
            _record(measure, now)
            raise Boom
        assert _feed(api, feed_token) == before
        with transaction.atomic():
            kept = _record(measure, now)
        kept.refresh_from_db(fields=["sequence"])
        assert _feed(api, feed_token) == [*before, kept.sequence]
        assert kept.sequence == len(before) + 1

    def test_a_savepoint_rolled_back_drops_its_change_the_rest_commits(
        self, register, clerk_a, feed_token, api, now
    ):
        measure = register(clerk_a)
        before = _feed(api, feed_token)
        with transaction.atomic():
            first = _record(measure, now)
            with pytest.raises(Boom), transaction.atomic():
                _record(measure, now)
                raise Boom
            last = _record(measure, now)
        first.refresh_from_db(fields=["sequence"])
        last.refresh_from_db(fields=["sequence"])
        assert BlockChange.objects.filter(sequence__isnull=True).count() == 0
        assert _feed(api, feed_token) == [*before, first.sequence, last.sequence]
        assert (first.sequence, last.sequence) == (len(before) + 1, len(before) + 2)

    def test_a_change_in_a_released_savepoint_is_numbered_with_its_transaction(
        self, register, clerk_a, feed_token, api, now
    ):
        measure = register(clerk_a)
        before = _feed(api, feed_token)
        with transaction.atomic():
            with transaction.atomic():
                inner = _record(measure, now)
            outer = _record(measure, now)
        inner.refresh_from_db(fields=["sequence"])
        outer.refresh_from_db(fields=["sequence"])
        # Numbered in the order the rows were written, all at the one commit.
        assert _feed(api, feed_token) == [*before, inner.sequence, outer.sequence]
        assert inner.sequence is not None and outer.sequence == inner.sequence + 1

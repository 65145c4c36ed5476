"""The feed under concurrent writers (issue 12, done-when): 8 writers, each on its own
connection, record block changes while a reader pages the feed through the API. Every change
is read exactly once, in commit order.

Each writer sleeps a little between recording its change and committing, so transactions that
started (and inserted) earlier often commit later: a cursor built on anything but the commit
order (the row id, the time recorded) would skip those. Commit order is checked against the
clock: when one commit returned before another began, the first has the lower sequence.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import Client

from supportmeasures.models import BlockChange, BlockChangeKind, SupportMeasure
from supportmeasures.propagation.actions import record_block_change

WRITERS = 8
CHANGES_EACH = 12
PAGE = 7


@dataclass(frozen=True)
class Commit:
    pk: int
    began: float  # just before the commit was sent
    returned: float  # once it had returned


@pytest.mark.django_db(transaction=True)
class TestEightWritersAndAReader:
    def test_every_change_is_read_exactly_once_in_commit_order(
        self, register, clerk_a, feed_token, now
    ):
        measures = _measures(register, clerk_a)
        before = set(BlockChange.objects.values_list("pk", flat=True))
        commits: list[Commit] = []
        errors: list[BaseException] = []
        writers_done = threading.Event()
        read: list[int] = []
        pages: list[list[int]] = []

        def writer(measure: SupportMeasure, seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(CHANGES_EACH):
                    with transaction.atomic():
                        change = record_block_change(
                            measure=measure,
                            kind=BlockChangeKind.COVERAGE_CHANGED,
                            acting_user=None,
                            at=now,
                        )
                        time.sleep(rng.uniform(0, 0.01))
                        began = time.monotonic()
                    commits.append(Commit(change.pk, began, time.monotonic()))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        def reader() -> None:
            client = Client(headers={"Authorization": f"Bearer {feed_token}"})
            after = 0
            try:
                while True:
                    done = writers_done.is_set()  # read before the page: no change missed
                    response = client.get("/api/v1/changes", {"after": after, "limit": PAGE})
                    assert response.status_code == 200, response.content
                    body = response.json()
                    ids = [c["id"] for c in body["changes"]]
                    pages.append(ids)
                    read.extend(ids)
                    after = body["next"]
                    if done and not body["more"]:
                        return
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        reading = threading.Thread(target=reader)
        writing = [
            threading.Thread(target=writer, args=(measure, seed))
            for seed, measure in enumerate(measures)
        ]
        reading.start()
        for thread in writing:
            thread.start()
        for thread in writing:
            thread.join()
        writers_done.set()
        reading.join(timeout=120)

        assert errors == []
        assert not reading.is_alive()
        sequence_of: dict[int, int] = {
            pk: sequence
            for pk, sequence in BlockChange.objects.values_list("pk", "sequence")
            if sequence is not None  # every change committed: none is left unnumbered
        }
        assert len(sequence_of) == BlockChange.objects.count()
        written = [c.pk for c in commits]
        assert len(written) == WRITERS * CHANGES_EACH
        # Exactly once: every change, the writers' and the registrations', and no other.
        assert len(read) == len(set(read))
        assert sorted(read) == sorted(sequence_of.values())
        assert {pk for pk in sequence_of if pk not in before} == set(written)
        # In commit order: the feed's order is the sequence, the sequence has no gap...
        assert read == sorted(read) == list(range(1, len(read) + 1))
        # ...and a commit that returned before another began has the lower sequence.
        for first in commits:
            for second in commits:
                if first.returned < second.began:
                    assert sequence_of[first.pk] < sequence_of[second.pk]
        # It read in small pages, many of them while the writers were still writing.
        assert len(pages) > (WRITERS * CHANGES_EACH) // PAGE


def _measures(register, clerk) -> list[SupportMeasure]:
    return [register(clerk) for _ in range(WRITERS)]

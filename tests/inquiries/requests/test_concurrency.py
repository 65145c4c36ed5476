"""The sweep and a clerk issuing at the last second take the same locks in the same order
(the request, then its release): the sweep waits, then finds the release already re-locked by
the issuance, and records nothing more. Neither deadlocks nor re-locks twice."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from auditlog.models import AuditEvent, EventKind
from inquiries.requests import actions
from tests.supportmeasures.test_bulk import _wait_for_a_lock_wait

MINUTE = datetime.timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_waits_for_an_issuance_in_progress(record, x_measure, officer_a, clerk_a, now):
    request = actions.review_request(
        request=record(), by=officer_a, reviewed_at=now, outcome="issue", reason=""
    )
    writing, go, errors, swept = threading.Event(), threading.Event(), [], []
    original = actions.record_event

    def pause_at_the_issued_event(**kwargs):
        if kwargs["kind"] == EventKind.REQUEST_ISSUED:
            writing.set()  # the request is locked, the issuance written, nothing committed
            go.wait(10)
        return original(**kwargs)

    def issue() -> None:
        try:
            actions.record_issuance(
                request=request, by=clerk_a, issued_at=now + 14 * MINUTE, place="窓口",
                pages=1, issue_number="R8-9",
            )  # fmt: skip
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def sweep() -> None:
        try:
            swept.append(actions.relock_expired_releases(now=now + 20 * MINUTE))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    actions.record_event = pause_at_the_issued_event
    try:
        issuing = threading.Thread(target=issue)
        issuing.start()
        assert writing.wait(10)
        sweeping = threading.Thread(target=sweep)
        sweeping.start()
        try:
            _wait_for_a_lock_wait()  # the sweep waits for the request's lock
        finally:
            go.set()
            issuing.join()
            sweeping.join()
    finally:
        actions.record_event = original

    assert errors == []
    assert swept == [0]
    release = request.releases.get()
    assert release.relock_reason == "issued"
    assert AuditEvent.objects.filter(kind=EventKind.RELEASE_RELOCKED).count() == 1

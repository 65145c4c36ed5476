from __future__ import annotations

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker

from auditlog.models import AuditEvent, EventKind
from config.celery import app
from supportmeasures.models import MeasureStatus
from supportmeasures.tasks import lapse_overdue_measures


@pytest.fixture
def celery_worker():
    """A real worker on the real Redis broker, in a thread of this process."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.django_db(transaction=True)
class TestLapseOverdueMeasuresTask:
    def test_a_worker_marks_the_overdue_measure_lapsed_once(
        self, register, decide, clerk_a, supervisor_a, celery_worker
    ):
        measure = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))

        lapse_overdue_measures.delay()
        lapse_overdue_measures.delay()  # run twice, as beat and a retry might
        deadline = time.monotonic() + 30
        while AuditEvent.objects.filter(kind=EventKind.MEASURE_LAPSED).count() < 1:
            assert time.monotonic() < deadline, "the worker did not run the task"
            time.sleep(0.1)
        time.sleep(1)  # let the second run finish too

        measure.refresh_from_db()
        assert measure.status == MeasureStatus.LAPSED
        lapsed = AuditEvent.objects.filter(kind=EventKind.MEASURE_LAPSED)
        assert [(e.actor, e.measure_ref) for e in lapsed] == [(None, measure.ref)]

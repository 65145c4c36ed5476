from __future__ import annotations

import datetime

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

        first = lapse_overdue_measures.delay().get(timeout=30)
        second = lapse_overdue_measures.delay().get(timeout=30)

        assert (first, second) == ([measure.ref], [])
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.LAPSED
        lapsed = AuditEvent.objects.filter(kind=EventKind.MEASURE_LAPSED)
        assert [(e.actor, e.measure_ref) for e in lapsed] == [(None, measure.ref)]

"""Celery: beat calls one task with a job's name; the jobs are defined in config/jobs.py."""

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from auditlog import jobs
from auditlog.models import JobOutcome

# A failed run is retried once; when the retry fails too, the alarm is raised.
RETRIES = 1


# Beat calls it; nothing reads its result but a test that asks (`ignore_result=False`): like
# every task it keeps none, so beat never waits on the result store (config/settings.py).
@shared_task(bind=True, max_retries=RETRIES)
def run_scheduled_job(self: Task, name: str, period: str = "") -> str:
    """Run the named job for its period (the retry keeps the first run's period)."""
    run = jobs.run_scheduled(
        name, now=timezone.now(), period=period, final=self.request.retries >= RETRIES
    )
    if run.outcome == JobOutcome.FAILED:
        raise self.retry(
            args=(name,), kwargs={"period": run.period}, countdown=settings.MAMORI_JOB_RETRY_SECONDS
        )
    return f"{run.job} {run.period}: {run.outcome}"

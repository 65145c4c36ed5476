"""Scheduled jobs: each run recorded (JobRun), idempotent per period, retried once, alarmed.

A job is a function ``fn(now) -> summary`` registered under a name with a cadence. The
cadence turns the time a run starts into its *period* (the day, hour, five minutes or week it
covers); a period that has one succeeded run is done, and running it again does nothing. The
job functions are idempotent on their own as well (row locks, unique constraints), so a run
that crashed half-way can simply be run again.

``auditlog.tasks.run_scheduled_job`` is the Celery task beat calls: it runs the job, retries
a failed run once, and when the retry fails too raises the alarm (the run is marked alarmed
and ``auditlog.signals.job_alarmed`` is sent: the notices app tells the auditors and
administrators, in the app and by email). See docs/jobs.md.

This module is the runner only. The jobs themselves are defined in ``config/jobs.py``, each
one call into the app that owns the work (docs/architecture.md).
"""

from __future__ import annotations

import datetime
import enum
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.models import JobOutcome, JobRun
from auditlog.signals import job_alarmed

logger = logging.getLogger(__name__)

JobFunction = Callable[[datetime.datetime], str]


class Cadence(enum.StrEnum):
    DAILY = "daily"
    HOURLY = "hourly"
    FIVE_MINUTES = "5min"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFunction
    cadence: Cadence


JOBS: dict[str, Job] = {}


class UnknownJob(LookupError):
    pass


class JobFailed(Exception):
    """A job found something wrong that is not a crash (the audit chain does not verify)."""


def register_job(name: str, cadence: Cadence) -> Callable[[JobFunction], JobFunction]:
    """Decorator: make ``fn`` a scheduled job that beat can call by ``name``."""

    def decorate(fn: JobFunction) -> JobFunction:
        JOBS[name] = Job(name, fn, cadence)
        return fn

    return decorate


def period_for(cadence: Cadence, now: datetime.datetime) -> str:
    """The period a run starting at ``now`` covers, in Japan time: its idempotency key."""
    local = timezone.localtime(now)
    if cadence == Cadence.DAILY:
        return local.date().isoformat()
    if cadence == Cadence.HOURLY:
        return local.strftime("%Y-%m-%dT%H")
    if cadence == Cadence.FIVE_MINUTES:
        return local.strftime("%Y-%m-%dT%H:") + f"{local.minute - local.minute % 5:02d}"
    year, week, _day = local.date().isocalendar()
    return f"{year}-W{week:02d}"


# --- the runner ------------------------------------------------------------------------------


def _error_text(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text[-4000:]


def _next_state(
    run: JobRun,
    outcome: str,
    *,
    finished_at: datetime.datetime | None = None,
    summary: str | None = None,
    error: str | None = None,
) -> JobRun:
    """The attempt's next state, as a new row (job runs are append-only)."""
    return JobRun.objects.create(
        job=run.job,
        period=run.period,
        attempt=run.attempt,
        started_at=run.started_at,
        finished_at=finished_at or run.finished_at,
        outcome=outcome,
        summary=run.summary if summary is None else summary,
        error=run.error if error is None else error,
    )


def run_job(name: str, fn: JobFunction, *, now: datetime.datetime, period: str) -> JobRun:
    """Run ``fn(now)`` once for ``period`` and record it; a failure is caught and kept.

    If the period already has a succeeded run, that run is returned and nothing runs.
    Otherwise a new attempt is recorded (a `running` row), then its end as a second row:
    succeeded with the summary ``fn`` returns, or failed with the error. Never raises what
    ``fn`` raises.
    """
    done = JobRun.objects.filter(job=name, period=period, outcome=JobOutcome.SUCCEEDED).first()
    if done is not None:
        return done
    last = JobRun.objects.filter(job=name, period=period).aggregate(n=Max("attempt"))["n"] or 0
    try:
        with transaction.atomic(durable=True):
            run = JobRun.objects.create(job=name, period=period, attempt=last + 1, started_at=now)
    except IntegrityError:
        # Another worker started the same attempt a moment ago: it does the work.
        return JobRun.objects.filter(job=name, period=period).order_by("-attempt", "-pk")[0]
    outcome, summary, error = JobOutcome.SUCCEEDED, "", ""
    try:
        summary = str(fn(now) or "")[:500]
    except Exception as exc:
        logger.exception("scheduled job %s (%s) failed", name, period)
        outcome, error = JobOutcome.FAILED, _error_text(exc)
    finished_at = timezone.now()
    try:
        with transaction.atomic(durable=True):
            return _next_state(run, outcome, finished_at=finished_at, summary=summary, error=error)
    except IntegrityError:
        # A concurrent attempt succeeded first (one success per period): this one is a failure
        # only in the record; the work itself is idempotent.
        with transaction.atomic(durable=True):
            return _next_state(
                run,
                JobOutcome.FAILED,
                finished_at=finished_at,
                error=_("Another attempt for this period succeeded first."),
            )


def job_named(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(name) from None


def run_scheduled(name: str, *, now: datetime.datetime, period: str = "", final: bool) -> JobRun:
    """Run a registered job for its period (computed from ``now`` unless given, as on a
    retry). When ``final`` and the run failed, raise the alarm: the run comes back alarmed."""
    job = job_named(name)
    run = run_job(job.name, job.fn, now=now, period=period or period_for(job.cadence, now))
    if run.outcome == JobOutcome.FAILED and final:
        run = raise_alarm(run, now=now)
    return run


# Who is told of an alarm, by role code (supportmeasures.models.Role), and where it sends them:
# auditors read runs in their workspace, administrators in the admin.
AUDITOR, ADMINISTRATOR = "auditor", "administrator"


@dataclass(frozen=True)
class Alarm:
    """What an alarm says and to whom: the receiver of `job_alarmed` writes the notices."""

    subject: str
    body: str
    recipients: tuple[tuple[str, str], ...]  # (role code, url)


def alarm_of(run: JobRun) -> Alarm:
    return Alarm(
        subject=_("Scheduled job failed twice: %(job)s (%(period)s)")
        % {"job": run.job, "period": run.period},
        body=_(
            "The scheduled job %(job)s failed for %(period)s, and failed again when "
            "retried (attempt %(attempt)d). Until someone fixes the cause and runs it "
            "again, its work is not done.\n\n%(error)s"
        )
        % {
            "job": run.job,
            "period": run.period,
            "attempt": run.attempt,
            "error": run.error_line[:500],
        },
        recipients=(
            (AUDITOR, reverse("auditlog:jobs")),
            (ADMINISTRATOR, reverse("admin:auditlog_jobrun_changelist") + f"?job={run.job}"),
        ),
    )


def raise_alarm(run: JobRun, *, now: datetime.datetime) -> JobRun:
    """Mark a failed run alarmed and send `job_alarmed` in the same transaction: the notices
    (in-app, email) to every auditor and administrator are written with the mark, or neither."""
    with transaction.atomic(durable=True):
        # The attempt's current state, locked (the rows are never updated: the lock only
        # orders two alarms of the same attempt; the unique state makes the second fail).
        run = (
            JobRun.objects.select_for_update()
            .filter(job=run.job, period=run.period, attempt=run.attempt)
            .order_by("-pk")
            .first()
        ) or run
        if run.outcome != JobOutcome.FAILED:
            return run
        run = _next_state(run, JobOutcome.ALARMED)
        if not job_alarmed.has_listeners(JobRun):
            # Fail closed: an alarm nobody hears is not raised (the run stays failed).
            raise ImproperlyConfigured("Nothing receives auditlog.signals.job_alarmed.")
        job_alarmed.send(sender=JobRun, run=run, alarm=alarm_of(run), now=now)
    return run


# --- selectors (the auditors' workspace shows them) ------------------------------------------


def latest_runs() -> list[JobRun]:
    """The last run of each job that has ever run, known jobs first in name order."""
    newest = JobRun.objects.filter(job=OuterRef("job")).order_by("-started_at", "-pk")
    runs = list(JobRun.objects.filter(pk=Subquery(newest.values("pk")[:1])).order_by("job"))
    return sorted(runs, key=lambda r: (r.job not in JOBS, r.job))


def recent_runs(limit: int = 100) -> list[JobRun]:
    """The latest attempts, each in its current state."""
    return list(JobRun.objects.current().order_by("-started_at", "-pk")[:limit])


VERIFY_ON_DEMAND = "verify-auditlog"


def verify_now(*, now: datetime.datetime) -> JobRun:
    """Verify the chain against every checkpoint now (no seal), recorded like the daily job:
    the workspace then shows it as the last verification, and a failure as an alarm."""
    from auditlog.verification import verify_with_checkpoints

    def verify(at: datetime.datetime) -> str:
        report = verify_with_checkpoints()
        if not report.ok:
            raise JobFailed(
                _("The audit log does not verify: %(problem)s") % {"problem": report.problem}
            )
        return _("%(n)d events verified against %(c)d checkpoints") % {
            "n": report.checked,
            "c": report.checkpoints_checked,
        }

    return run_job(VERIFY_ON_DEMAND, verify, now=now, period=timezone.localtime(now).isoformat())


BAD_ENDINGS = (JobOutcome.ALARMED, JobOutcome.FAILED)


def alarms() -> list[JobRun]:
    """Jobs whose last run ended alarmed or failed: what someone must look at."""
    return [r for r in latest_runs() if r.outcome in BAD_ENDINGS]


_TABLE = JobRun._meta.db_table
# The latest finished run of some jobs, and every job's last run if it ended badly: one
# statement (each part ordered as `latest_runs` orders, by start then id). Only the table's
# name and placeholders are formatted into the text.
_LAST_FINISHED_AND_ALARMS = f"""
SELECT * FROM (
  SELECT 1 AS is_finished, r.* FROM {_TABLE} r
  WHERE r.job IN (%s, %s) AND r.outcome <> %s ORDER BY r.started_at DESC, r.id DESC LIMIT 1
) finished
UNION ALL
SELECT 0, r.* FROM {_TABLE} r
WHERE r.outcome IN (%s, %s) AND r.id = (
  SELECT n.id FROM {_TABLE} n WHERE n.job = r.job ORDER BY n.started_at DESC, n.id DESC LIMIT 1
)"""  # noqa: S608


def last_finished_and_alarms(jobs: tuple[str, str]) -> tuple[JobRun | None, list[JobRun]]:
    """The last finished run of either job, and `alarms()`, read together: the auditors'
    workspace shows both at the top of its busiest page."""
    runs = list(
        JobRun.objects.raw(
            _LAST_FINISHED_AND_ALARMS, [*jobs, JobOutcome.RUNNING.value, *map(str, BAD_ENDINGS)]
        )
    )
    finished = next((r for r in runs if getattr(r, "is_finished", 0)), None)
    bad = sorted(
        (r for r in runs if not getattr(r, "is_finished", 0)),
        key=lambda r: (r.job not in JOBS, r.job),
    )
    return finished, bad

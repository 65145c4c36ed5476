"""Scheduled jobs: each run recorded (JobRun), idempotent per period, retried once, alarmed.

A job is a function ``fn(now) -> summary`` registered under a name with a cadence. The
cadence turns the time a run starts into its *period* (the day, hour, five minutes or week it
covers); a period that has one succeeded run is done, and running it again does nothing. The
job functions are idempotent on their own as well (row locks, unique constraints), so a run
that crashed half-way can simply be run again.

``auditlog.tasks.run_scheduled_job`` is the Celery task beat calls: it runs the job, retries
a failed run once, and when the retry fails too raises the alarm (in-app and email notices to
the auditors and administrators; the run is marked alarmed). See docs/jobs.md.
"""

from __future__ import annotations

import datetime
import enum
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.models import JobOutcome, JobRun, day_start
from supportmeasures import wareki
from supportmeasures.models import (
    MeasureReminder,
    MeasureStatus,
    ReminderKind,
    Role,
    Staff,
    SupportMeasure,
)
from supportmeasures.selectors import staff_with_roles

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


def run_job(name: str, fn: JobFunction, *, now: datetime.datetime, period: str) -> JobRun:
    """Run ``fn(now)`` once for ``period`` and record it; a failure is caught and kept.

    If the period already has a succeeded run, that run is returned and nothing runs.
    Otherwise a new attempt is recorded (running), then marked succeeded with the summary
    ``fn`` returns, or failed with the error. Never raises what ``fn`` raises.
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
        return JobRun.objects.filter(job=name, period=period).latest("attempt")
    try:
        summary = fn(now)
    except Exception as exc:
        logger.exception("scheduled job %s (%s) failed", name, period)
        run.outcome = JobOutcome.FAILED
        run.error = _error_text(exc)
    else:
        run.outcome = JobOutcome.SUCCEEDED
        run.summary = str(summary or "")[:500]
    run.finished_at = timezone.now()
    try:
        with transaction.atomic(durable=True):
            run.save(update_fields=["outcome", "summary", "error", "finished_at"])
    except IntegrityError:
        # A concurrent attempt succeeded first (one success per period): this one is a failure
        # only in the record; the work itself is idempotent.
        run.outcome = JobOutcome.FAILED
        run.error = _("Another attempt for this period succeeded first.")
        with transaction.atomic(durable=True):
            run.save(update_fields=["outcome", "summary", "error", "finished_at"])
    return run


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


def raise_alarm(run: JobRun, *, now: datetime.datetime) -> JobRun:
    """Mark a failed run alarmed and tell every auditor and administrator (in-app, email)."""
    with transaction.atomic(durable=True):
        run = JobRun.objects.select_for_update().get(pk=run.pk)
        if run.outcome != JobOutcome.FAILED:
            return run
        run.outcome = JobOutcome.ALARMED
        run.save(update_fields=["outcome"])
        # Auditors read runs in their workspace; administrators in the admin.
        _notify_alarm(run, run.error_line, now)
    return run


def _notify_alarm(run: JobRun, first_line: str, now: datetime.datetime) -> None:
    from inquiries.actions import notify

    for role, url in (
        (Role.AUDITOR, reverse("auditlog:jobs")),
        (Role.ADMINISTRATOR, reverse("admin:auditlog_jobrun_changelist") + f"?job={run.job}"),
    ):
        notify(
            staff_with_roles(role),
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
                "error": first_line[:500],
            },
            url=url,
            critical=True,
            now=now,
        )


# --- selectors (the auditors' workspace shows them) ------------------------------------------


def latest_runs() -> list[JobRun]:
    """The last run of each job that has ever run, known jobs first in name order."""
    newest = JobRun.objects.filter(job=OuterRef("job")).order_by("-started_at", "-pk")
    runs = list(JobRun.objects.filter(pk=Subquery(newest.values("pk")[:1])).order_by("job"))
    return sorted(runs, key=lambda r: (r.job not in JOBS, r.job))


def recent_runs(limit: int = 100) -> list[JobRun]:
    return list(JobRun.objects.order_by("-started_at", "-pk")[:limit])


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


# --- the jobs --------------------------------------------------------------------------------


def _claim_reminder(
    measure_pk: int, kind: ReminderKind, now: datetime.datetime, still_due: Callable[..., bool]
) -> SupportMeasure | None:
    """Lock the measure and record its reminder; None if it is no longer due or was sent.
    Call inside the transaction that also writes the notices."""
    measure = (
        SupportMeasure.objects.select_for_update().select_related("owning_ward").get(pk=measure_pk)
    )
    if measure.ends_on is None or not still_due(measure):
        return None
    # The measure's row lock serialises this; the unique constraint backs it up.
    if MeasureReminder.objects.filter(measure=measure, kind=kind, ends_on=measure.ends_on).exists():
        return None
    MeasureReminder.objects.create(measure=measure, kind=kind, ends_on=measure.ends_on, sent_at=now)
    return measure


def _unreminded(measures: Iterable[int], kind: ReminderKind) -> list[int]:
    return list(
        SupportMeasure.objects.filter(pk__in=list(measures))
        .exclude(
            pk__in=MeasureReminder.objects.filter(
                kind=kind, measure=OuterRef("pk"), ends_on=OuterRef("ends_on")
            ).values("measure")
        )
        .order_by("ends_on", "pk")
        .values_list("pk", flat=True)
    )


@register_job("measure-ending-reminders", Cadence.DAILY)
def remind_measures_ending(now: datetime.datetime) -> str:
    """Measures that end within a month: tell the owning ward once per measure and end date,
    with a link to the printable notice to the protected resident (支援措置期間終了のお知らせ)."""
    from inquiries.actions import notify

    today = timezone.localdate(now)
    # The same rule as the ward's work queue: the measures whose extension has opened.
    due = [m.pk for m in SupportMeasure.objects.extension_open(today)]
    sent = 0
    for pk in _unreminded(due, ReminderKind.ENDING_SOON):
        with transaction.atomic(durable=True):
            measure = _claim_reminder(
                pk,
                ReminderKind.ENDING_SOON,
                now,
                lambda m: m.extension_is_open(today),
            )
            if measure is None:
                continue
            opens = measure.extension_opens_on()
            assert measure.ends_on is not None and opens is not None
            notify(
                staff_with_roles(Role.CLERK, Role.SUPERVISOR, wards=[measure.owning_ward_id]),
                subject=_("Measure %(ref)s ends on %(date)s: send the notice")
                % {
                    "ref": measure.ref,
                    "date": wareki.format_both(measure.ends_on),
                },
                body=_(
                    "Support measure %(ref)s ends on %(date)s. Extension can be applied for "
                    "from %(opens)s. Print the notice to the protected resident (支援措置期間"
                    "終了のお知らせ) from the link; opening it is recorded like opening the "
                    "details.\n\nThe measure: %(measure_url)s"
                )
                % {
                    "ref": measure.ref,
                    "date": wareki.format_both(measure.ends_on),
                    "opens": wareki.format_both(opens),
                    "measure_url": measure.get_absolute_url(),
                },
                url=reverse("supportmeasures:ending_notice", kwargs={"ref": measure.ref}),
                critical=False,
                now=now,
            )
            sent += 1
    return _("%(n)d reminders sent") % {"n": sent}


@register_job("lapse-overdue-measures", Cadence.DAILY)
def lapse_measures_and_ask_supervisors(now: datetime.datetime) -> str:
    """Active measures past their end become lapsed (they keep warning), and a supervisor of
    the owning ward gets a to-do to decide: extend, correct the period, or release."""
    from inquiries.actions import notify
    from supportmeasures.actions import lapse_overdue_measures

    lapsed = lapse_overdue_measures(now=now)
    lapsed_pks = SupportMeasure.objects.filter(status=MeasureStatus.LAPSED).values_list(
        "pk", flat=True
    )
    todos = 0
    for pk in _unreminded(lapsed_pks, ReminderKind.LAPSED):
        with transaction.atomic(durable=True):
            measure = _claim_reminder(
                pk, ReminderKind.LAPSED, now, lambda m: m.status == MeasureStatus.LAPSED
            )
            if measure is None:
                continue
            assert measure.ends_on is not None
            notify(
                staff_with_roles(Role.SUPERVISOR, wards=[measure.owning_ward_id]),
                subject=_("To decide: measure %(ref)s lapsed on %(date)s")
                % {
                    "ref": measure.ref,
                    "date": wareki.format_both(measure.ends_on),
                },
                body=_(
                    "Support measure %(ref)s passed its end (%(date)s) without extension. It "
                    "still protects and warns everywhere until a supervisor decides: extend "
                    "it, correct the period, or release it."
                )
                % {"ref": measure.ref, "date": wareki.format_both(measure.ends_on)},
                url=measure.get_absolute_url(),
                critical=True,
                now=now,
            )
            todos += 1
    return _("%(lapsed)d lapsed, %(todos)d to-dos for supervisors") % {
        "lapsed": len(lapsed),
        "todos": todos,
    }


@register_job("seal-and-verify-auditlog", Cadence.DAILY)
def seal_and_verify_auditlog(now: datetime.datetime) -> str:
    """Seal a checkpoint of the audit chain, then verify the chain against the checkpoints.
    A chain that does not verify fails the job (and so, retried, raises the alarm)."""
    from auditlog.checkpoints import seal_checkpoint
    from auditlog.verification import verify_with_checkpoints

    seal_checkpoint(now=now)
    report = verify_with_checkpoints()
    if not report.ok:
        raise JobFailed(
            _("The audit log does not verify: %(problem)s")
            % {"problem": "; ".join(report.problems)}
        )
    return _("sealed; %(n)d events verified") % {"n": report.checked}


@register_job("notification-digests", Cadence.HOURLY)
def send_notification_digests(now: datetime.datetime) -> str:
    from inquiries.actions import send_digests

    return _("%(n)d digests sent") % {"n": send_digests(now=now)}


@register_job("escalate-waiting-plans", Cadence.FIVE_MINUTES)
def escalate_plans(now: datetime.datetime) -> str:
    from inquiries.actions import escalate_waiting_plans

    return _("%(n)d plans escalated") % {"n": len(escalate_waiting_plans(now=now))}


@register_job("expire-plan-approvals", Cadence.FIVE_MINUTES)
def expire_plan_approvals(now: datetime.datetime) -> str:
    from inquiries.actions import expire_approvals

    return _("%(n)d approvals expired") % {"n": len(expire_approvals(now=now))}


@register_job("reevaluate-open-inquiries", Cadence.HOURLY)
def reevaluate_inquiries(now: datetime.datetime) -> str:
    from inquiries.actions import reevaluate_open_inquiries

    return _("%(n)d inquiries raised") % {"n": len(reevaluate_open_inquiries(now=now))}


def report_week(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The week before the one ``now`` falls in: Monday 00:00 to Monday 00:00, Japan time."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    until = day_start(monday)
    return until - datetime.timedelta(days=7), until


@register_job("weekly-anomaly-reports", Cadence.WEEKLY)
def mail_anomaly_reports(now: datetime.datetime) -> str:
    """Tell every active auditor (in the app, and by mail where they have an address) last
    week's anomaly reports: each report's title and count, and the link to the reports page.
    Once per auditor and week: the notice's link names the week; one already there is not
    sent again."""
    from auditlog.analyses import anomaly_reports
    from inquiries.actions import enqueue_delivery
    from inquiries.models import Notification

    since, until = report_week(now)
    reports = anomaly_reports(since=since, until=until)
    last_day = until.date() - datetime.timedelta(days=1)
    url = (
        f"{reverse('auditlog:reports')}"
        f"?from_date={since.date().isoformat()}&to_date={last_day.isoformat()}"
    )
    lines = [f"- {report.title}: {len(report)}" for report in reports]
    body = "\n".join(
        [
            _("Anomaly reports for %(since)s to %(until)s:")
            % {"since": wareki.format_both(since.date()), "until": wareki.format_both(last_day)},
            "",
            *lines,
        ]
    )
    subject = _("Weekly audit reports: %(n)d findings") % {
        "n": sum(len(report) for report in reports)
    }
    with transaction.atomic(durable=True):
        auditors = list(
            Staff.objects.select_for_update()
            .filter(is_active=True, groups__name=Role.AUDITOR)
            .exclude(notifications__url=url)
            .order_by("pk")
        )
        # In the app for every auditor; mailed in full to those with an address, whatever
        # their ward chose for other notices.
        Notification.objects.bulk_create(
            Notification(
                recipient=auditor,
                created_at=now,
                subject=subject[:200],
                body=body,
                url=url,
                critical=False,
                digest=False,
            )
            for auditor in auditors
        )
        if auditors:
            transaction.on_commit(enqueue_delivery)
    return _("%(reports)d reports mailed to %(n)d auditors") % {
        "reports": len(reports),
        "n": len(auditors),
    }

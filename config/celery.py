"""Celery application. Without REDIS_URL tasks run eagerly (see settings)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mamori")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Notices written while Redis was down are delivered once it is back.
    "deliver-notifications": {
        "task": "inquiries.tasks.deliver_notifications",
        "schedule": 60.0,
    },
    # Scheduled jobs (docs/jobs.md): each run recorded as a JobRun, idempotent per period,
    # retried once, then alarmed. The argument is the job's name in config/jobs.py.
    "notification-digests": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute=0),
        "args": ("notification-digests",),
    },
    "escalate-waiting-plans": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute="*/5"),
        "args": ("escalate-waiting-plans",),
    },
    # A linked system's confirmation past its deadline escalates, once (docs/propagation.md).
    "escalate-unconfirmed-blocks": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute="*/5"),
        "args": ("escalate-unconfirmed-blocks",),
    },
    # A document request's temporary release past its time is recorded as locked again
    # (docs/requests.md; reading never waits for it).
    "relock-expired-releases": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute="*/5"),
        "args": ("relock-expired-releases",),
    },
    # A linked system's API client that has not read the change feed for 10 minutes while
    # changes wait for it is an alarm, once per episode (docs/propagation.md).
    "watch-change-feed": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute="*/5"),
        "args": ("watch-change-feed",),
    },
    # A forwarding (転送) without the receiving side's reply past its deadline escalates, once.
    "escalate-unanswered-forwardings": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute=25),
        "args": ("escalate-unanswered-forwardings",),
    },
    # An approval not acted on within MAMORI_APPROVAL_HOURS expires: recorded, plan re-queued.
    "expire-plan-approvals": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute="*/5"),
        "args": ("expire-plan-approvals",),
    },
    # The registry may change without a task being queued (import, outage): re-screen hourly.
    "reevaluate-open-inquiries": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute=5),
        "args": ("reevaluate-open-inquiries",),
    },
    # Fail-safe: an active measure past its end becomes lapsed (still warning) every morning,
    # and a supervisor of its ward gets a to-do to decide.
    "lapse-overdue-measures": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(hour=0, minute=15),
        "args": ("lapse-overdue-measures",),
    },
    # Reminders before the end: once per measure and end date, with the notice to print.
    "measure-ending-reminders": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(hour=6, minute=0),
        "args": ("measure-ending-reminders",),
    },
    # Hourly: an event removed from the unsealed tail is found within the hour (the records
    # that need events are cross-checked, config/audit_witnesses.py), and the next seal
    # leaves at most an hour of events protected by the chain alone.
    "seal-and-verify-auditlog": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(minute=10),
        "args": ("seal-and-verify-auditlog",),
    },
    # Monday morning: last week's anomaly reports, mailed to the auditors.
    "weekly-anomaly-reports": {
        "task": "auditlog.tasks.run_scheduled_job",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
        "args": ("weekly-anomaly-reports",),
    },
}

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
    "hourly-digests": {
        "task": "inquiries.tasks.send_digests",
        "schedule": crontab(minute=0),
    },
    "escalate-waiting-plans": {
        "task": "inquiries.tasks.escalate_waiting_plans",
        "schedule": 300.0,
    },
    # The registry may change without a task being queued (import, outage): re-screen hourly.
    "reevaluate-open-inquiries": {
        "task": "inquiries.tasks.reevaluate_open_inquiries",
        "schedule": crontab(minute=5),
    },
    # Fail-safe: an active measure past its end becomes lapsed (still warning) every morning.
    "lapse-overdue-measures": {
        "task": "supportmeasures.tasks.lapse_overdue_measures",
        "schedule": crontab(hour=0, minute=15),
    },
}

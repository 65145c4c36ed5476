"""The scheduled jobs: each one registered with the audit log's runner (auditlog/jobs.py) and
each one call into the app that owns the work. Beat calls them by name (config/celery.py);
`manage.py run_job NAME` runs one by hand. Imported at start-up by config/apps.py.

The runner records every run (JobRun), makes it idempotent per period, retries a failure once
and then raises the alarm; the work itself is idempotent too (docs/jobs.md).
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from auditlog.jobs import Cadence, register_job
from auditlog.verification import seal_and_verify
from auditlog.workspace import analyses
from inquiries import actions as inquiries
from inquiries.requests import actions as requests
from supportmeasures import actions as registry
from supportmeasures.propagation import actions as propagation
from supportmeasures.propagation import feed, forwarding


@register_job("lapse-overdue-measures", Cadence.DAILY)
def lapse_overdue_measures(now: datetime.datetime) -> str:
    lapsed, todos = registry.lapse_and_ask_supervisors(now=now)
    return _("%(lapsed)d lapsed, %(todos)d to-dos for supervisors") % {
        "lapsed": len(lapsed),
        "todos": todos,
    }


@register_job("seal-and-verify-auditlog", Cadence.HOURLY)
def seal_and_verify_auditlog(now: datetime.datetime) -> str:
    return seal_and_verify(now=now)


@register_job("measure-ending-reminders", Cadence.DAILY)
def measure_ending_reminders(now: datetime.datetime) -> str:
    return _("%(n)d reminders sent") % {"n": registry.send_end_reminders(now=now)}


@register_job("notification-digests", Cadence.HOURLY)
def notification_digests(now: datetime.datetime) -> str:
    return _("%(n)d digests sent") % {"n": inquiries.send_digests(now=now)}


@register_job("reevaluate-open-inquiries", Cadence.HOURLY)
def reevaluate_open_inquiries(now: datetime.datetime) -> str:
    return _("%(n)d inquiries raised") % {"n": len(inquiries.reevaluate_open_inquiries(now=now))}


@register_job("escalate-waiting-plans", Cadence.FIVE_MINUTES)
def escalate_waiting_plans(now: datetime.datetime) -> str:
    return _("%(n)d plans escalated") % {"n": len(inquiries.escalate_waiting_plans(now=now))}


@register_job("escalate-unconfirmed-blocks", Cadence.FIVE_MINUTES)
def escalate_unconfirmed_blocks(now: datetime.datetime) -> str:
    escalated = propagation.escalate_overdue_tasks(now=now)
    return _("%(n)d linked-system confirmations escalated") % {"n": escalated}


@register_job("relock-expired-releases", Cadence.FIVE_MINUTES)
def relock_expired_releases(now: datetime.datetime) -> str:
    """The safety net: a release past its time already refuses (read at every request); this
    records it as re-locked."""
    return _("%(n)d temporary releases locked again") % {
        "n": requests.relock_expired_releases(now=now)
    }


@register_job("watch-change-feed", Cadence.FIVE_MINUTES)
def watch_change_feed(now: datetime.datetime) -> str:
    readers = feed.watch_change_feed(now=now)
    return _("%(n)d change-feed readers newly stale, %(still)d still stale") % {
        "n": len(readers.stale),
        "still": readers.still_stale,
    }


@register_job("escalate-unanswered-forwardings", Cadence.HOURLY)
def escalate_unanswered_forwardings(now: datetime.datetime) -> str:
    escalated = forwarding.escalate_overdue_forwardings(now=now)
    return _("%(n)d forwardings without a reply escalated") % {"n": escalated}


@register_job("expire-plan-approvals", Cadence.FIVE_MINUTES)
def expire_plan_approvals(now: datetime.datetime) -> str:
    return _("%(n)d approvals expired") % {"n": len(inquiries.expire_approvals(now=now))}


@register_job("weekly-anomaly-reports", Cadence.WEEKLY)
def weekly_anomaly_reports(now: datetime.datetime) -> str:
    """Last week's anomaly reports, told once to every active auditor (in the app, and mailed
    in full): the workspace writes the notice, the notices' owner sends it."""
    notice = analyses.weekly_notice(now=now)
    told = inquiries.notify_auditors_once(
        url=notice.url, subject=notice.subject, body=notice.body, now=now
    )
    return _("%(reports)d reports mailed to %(n)d auditors") % {
        "reports": notice.reports,
        "n": told,
    }

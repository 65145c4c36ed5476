"""In-app notices and their emails: written in the act's transaction, sent after it."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from inquiries.models import (
    Notification,
)
from supportmeasures.models import NoticeMode, Role, Staff, Ward
from supportmeasures.selectors import staff_with_roles, wards_with_codes

logger = logging.getLogger(__name__)


def notify(
    recipients: Iterable[Staff],
    *,
    subject: str,
    body: str,
    url: str,
    critical: bool,
    now: datetime.datetime,
) -> None:
    """Write in-app notices in the act's transaction; their emails go out after commit.

    If Redis is down when the transaction commits, the notice is not lost: it stays unsent in
    the database and the delivery sweep (every minute, and at the next enqueue) sends it once.
    """
    people = {r.pk: r for r in recipients if r.is_active}
    if not people:
        return
    # The same notice still unread is not sent again (a plan edited three times tells its
    # approvers once): repeated notices are how a flag gets clicked past.
    unread_twin = set(
        Notification.objects.filter(
            recipient_id__in=list(people),
            read_at__isnull=True,
            subject=subject[:200],
            body=body,
            url=url,
        ).values_list("recipient_id", flat=True)
    )
    rows = [
        Notification(
            recipient=r,
            created_at=now,
            critical=critical,
            subject=subject[:200],
            body=body,
            url=url,
            # Critical notices are always immediate, whatever the ward chose.
            digest=not critical and r.ward is not None and r.ward.notice_mode == NoticeMode.HOURLY,
        )
        for pk, r in people.items()
        if pk not in unread_twin
    ]
    if not rows:
        return
    Notification.objects.bulk_create(rows)
    transaction.on_commit(enqueue_delivery)


def enqueue_delivery() -> None:
    from inquiries.tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception:  # the broker is down: the sweep delivers later, nothing is lost
        logger.warning("notification delivery not queued; the sweep will send it", exc_info=True)


def deliver_pending_notifications(*, now: datetime.datetime, limit: int = 500) -> int:
    """Email unsent notices once each: rows are locked and marked in one transaction."""
    from django.core.mail import send_mail

    sent = 0
    with transaction.atomic():
        pending = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, digest=False)
            .select_related("recipient")
            .order_by("pk")[:limit]
        )
        for notice in pending:
            if notice.recipient.email:
                prefix = "【重要】" if notice.critical else ""
                send_mail(
                    prefix + notice.subject,
                    f"{notice.body}\n\n{notice.url}",
                    settings.DEFAULT_FROM_EMAIL,
                    [notice.recipient.email],
                )
            notice.emailed_at = now
            notice.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def send_digests(*, now: datetime.datetime) -> int:
    """Hourly: one email per recipient listing their digest notices; each notice once."""
    from django.core.mail import send_mail

    sent = 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, digest=True)
            .select_related("recipient")
            .order_by("recipient_id", "pk")
        )
        by_recipient: dict[int, list[Notification]] = {}
        for notice in pending:
            by_recipient.setdefault(notice.recipient_id, []).append(notice)
        for notices in by_recipient.values():
            recipient = notices[0].recipient
            if recipient.email:
                lines = [f"- {n.subject} {n.url}" for n in notices]
                send_mail(
                    _("Mamori: %(n)d notices") % {"n": len(notices)},
                    "\n".join(lines),
                    settings.DEFAULT_FROM_EMAIL,
                    [recipient.email],
                )
                sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    return sent


def owning_wards(codes: Iterable[str]) -> list[Ward]:
    return wards_with_codes(codes)


def tell_owning_wards(
    codes: Iterable[str],
    exclude: Iterable[Ward],
    *,
    subject: str,
    body: str,
    url: str,
    critical: bool,
    now: datetime.datetime,
) -> None:
    """The owning ward of a protected resident hears of every inquiry and plan about them."""
    skip = {w.pk for w in exclude}
    wards = [w for w in owning_wards(codes) if w.pk not in skip]
    if wards:
        notify(
            staff_with_roles(Role.SUPERVISOR, Role.CLERK, wards=wards),
            subject=subject,
            body=body,
            url=url,
            critical=critical,
            now=now,
        )


def mark_read(*, user: Staff, read_at: datetime.datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=read_at)


def write_requested_notice(
    sender: object,
    *,
    recipients: Iterable[Staff],
    subject: str,
    body: str,
    url: str,
    critical: bool,
    now: datetime.datetime,
    **kwargs: object,
) -> None:
    """Receiver of `supportmeasures.signals.notice_requested`: the registry's reminders and
    to-dos, written in the registry's transaction."""
    notify(recipients, subject=subject, body=body, url=url, critical=critical, now=now)


def write_alarm_notices(
    sender: object, *, alarm: Any, now: datetime.datetime, **kwargs: object
) -> None:
    """Receiver of `auditlog.signals.job_alarmed`: a critical notice (in the app and by email)
    to every active staff member of each role the alarm names, linking where it says."""
    for role, url in alarm.recipients:
        notify(
            staff_with_roles(role),
            subject=alarm.subject,
            body=alarm.body,
            url=url,
            critical=True,
            now=now,
        )


def notify_auditors_once(*, url: str, subject: str, body: str, now: datetime.datetime) -> int:
    """Every active auditor who has no notice linking to `url` yet gets this one: in the app,
    and mailed in full whatever their ward chose for other notices (the weekly reports: the
    link names the week, so a week is told once). Returns how many were told."""
    with transaction.atomic(durable=True):
        auditors = list(
            Staff.objects.select_for_update()
            .filter(pk__in=[s.pk for s in staff_with_roles(Role.AUDITOR)])
            .exclude(notifications__url=url)
            .order_by("pk")
        )
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
    return len(auditors)

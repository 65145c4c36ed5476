from celery import shared_task
from django.utils import timezone

from inquiries import actions


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
def deliver_notifications() -> int:
    """Email notices not yet sent. Also run every minute by beat, so a notice written while
    Redis was down goes out once it is back; the row lock makes each go out once."""
    return actions.deliver_pending_notifications(now=timezone.now())


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
def reevaluate_open_inquiries() -> list[str]:
    """After a registry change: raise open inquiries whose person is now in the registry."""
    return actions.reevaluate_open_inquiries(now=timezone.now())


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
def send_digests() -> int:
    return actions.send_digests(now=timezone.now())


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
def escalate_waiting_plans() -> list[str]:
    return actions.escalate_waiting_plans(now=timezone.now())

import logging

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


def reevaluate_after_registry_change(sender: object, **kwargs: object) -> None:
    """Receiver of `supportmeasures.signals.registry_changed` (sent on commit): queue the
    re-evaluation. Should Redis be down, the hourly sweep (`reevaluate-open-inquiries`) does
    it; the registry's act never fails for it."""
    try:
        reevaluate_open_inquiries.delay()
    except Exception:  # broker down: the beat sweep re-evaluates within the hour
        logging.getLogger(__name__).warning("re-evaluation not queued", exc_info=True)

from celery import shared_task
from django.utils import timezone

from supportmeasures import actions


@shared_task(autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def lapse_overdue_measures() -> list[str]:
    """Daily: active measures past their end become lapsed (and keep warning)."""
    return actions.lapse_overdue_measures(now=timezone.now())

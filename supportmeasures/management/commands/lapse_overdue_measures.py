from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from supportmeasures import actions


class Command(BaseCommand):
    help = (
        "Mark active measures past their end as lapsed (still protecting). Idempotent; "
        "Celery beat runs it daily, cron can run this where there is no Redis."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = actions.lapse_overdue_measures(now=timezone.now())
        self.stdout.write(f"{len(lapsed)} measure(s) lapsed: {', '.join(lapsed) or '-'}")

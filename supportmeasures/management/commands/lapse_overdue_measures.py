"""Kept for older crontabs: the scheduled lapse job itself, through `run_job`."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

JOB = "lapse-overdue-measures"


class Command(BaseCommand):
    help = (
        f"Run the scheduled job {JOB} now, exactly as beat does: overdue measures become "
        "lapsed (still protecting), each owning ward's supervisors get a to-do, and the run is "
        f"recorded. The same as `manage.py run_job {JOB}`, which new crontabs should use."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("run_job", JOB, stdout=self.stdout, stderr=self.stderr)

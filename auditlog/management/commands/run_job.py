"""Run a scheduled job by hand, recorded like beat's runs (docs/jobs.md)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditlog import jobs
from auditlog.models import JobOutcome


class Command(BaseCommand):
    help = (
        "Run a scheduled job now and record it as a JobRun. A period that already succeeded "
        "is not run again. Without a name, list each job's last run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", choices=sorted(jobs.JOBS), help="the job")
        parser.add_argument(
            "--period",
            default="",
            help="the period to run: only the current one (a job does the work of now)",
        )

    def handle(self, *args: Any, name: str | None, period: str, **options: Any) -> None:
        if not name:
            last = {run.job: run for run in jobs.latest_runs()}
            for job in sorted(jobs.JOBS):
                run = last.get(job)
                self.stdout.write(
                    f"{job}\t{run.period}\t{run.outcome}\t{run.summary}" if run else f"{job}\t-"
                )
            return
        now = timezone.now()
        current = jobs.period_for(jobs.job_named(name).cadence, now)
        if period and period != current:
            # A job works out what to do from the time it runs: recording today's work under
            # another period would mark that period done (and clear its alarm) falsely.
            raise CommandError(
                f"{name} can only run for the current period ({current}), not {period}: "
                "run it now; a successful run clears the alarm."
            )
        run = jobs.run_scheduled(name, now=now, final=False)
        if run.outcome != JobOutcome.SUCCEEDED:
            raise CommandError(f"{run.job} {run.period} attempt {run.attempt}: {run.error}")
        self.stdout.write(f"{run.job} {run.period}: {run.summary}")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportmeasures import actions, wareki
from supportmeasures.models import Staff


class Command(BaseCommand):
    help = "Record a completed annual training (dates in ISO or 和暦, e.g. R8.4.1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--on", required=True, dest="completed_on")
        parser.add_argument("--course", default="支援措置事務研修")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            staff = Staff.objects.get(username=options["username"])
            completed_on = wareki.parse_date(options["completed_on"])
            actions.record_training(
                staff=staff,
                acting_user=None,
                completed_on=completed_on,
                course=options["course"],
                recorded_at=timezone.now(),
            )
        except Staff.DoesNotExist as exc:
            raise CommandError(f"No staff member {options['username']}") from exc
        except (wareki.InvalidDate, actions.ActionRefused) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Training of {staff.username} on {completed_on} recorded.")

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from auditlog.verification import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Exits non-zero and names the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at event #{report.first_bad_sequence}: {report.problem} "
                f"({report.checked} events verified before it)"
            )
        self.stdout.write(f"OK: {report.checked} events verified; head {report.last_hash}")

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditlog.verification import verify_with_checkpoints


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain against every checkpoint sealed outside the "
        "database. Prints each problem and exits non-zero if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            default=None,
            help="directory of checkpoint files (default: AUDIT_CHECKPOINT_DIR)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["checkpoints"]
        if directory is not None and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        report = verify_with_checkpoints(directory=directory)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            raise CommandError(
                f"Audit log verification failed: {len(report.problems)} problem(s) "
                f"({report.checked} events read, {report.checkpoints_checked} checkpoints): "
                + report.problem
            )
        unsealed = report.head_sequence - report.sealed_sequence
        self.stdout.write(
            f"OK: {report.checked} events verified against {report.checkpoints_checked} "
            f"checkpoint(s); head #{report.head_sequence} {report.head_hash}"
        )
        if report.checkpoints_checked == 0:
            self.stdout.write("No checkpoint yet: run checkpoint_auditlog.")
        elif unsealed:
            self.stdout.write(
                f"{unsealed} event(s) after #{report.sealed_sequence} not sealed yet."
            )

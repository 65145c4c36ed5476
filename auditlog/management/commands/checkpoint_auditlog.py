from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditlog.checkpoints import CheckpointRefused, describe, public_key_pem, seal_checkpoint


class Command(BaseCommand):
    help = (
        "Seal the audit chain's head into a signed checkpoint file (AUDIT_CHECKPOINT_DIR) and "
        "print it; with --public-key, print the public key to hand to auditors instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public-key",
            action="store_true",
            help="print the checkpoint signing key's public key (PEM) and seal nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public_key"]:
            self.stdout.write(public_key_pem(), ending="")
            return
        try:
            checkpoint = seal_checkpoint(now=timezone.now())
        except CheckpointRefused as exc:
            for problem in exc.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            raise CommandError(
                "Not sealed: the audit log does not verify since the last checkpoint."
            ) from exc
        (line,) = describe([checkpoint])
        self.stdout.write(f"{checkpoint.path}\n{line}")

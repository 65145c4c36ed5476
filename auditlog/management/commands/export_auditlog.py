import os
import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditlog.verification import MAX_SEQUENCE, canonical_data, rows


class Command(BaseCommand):
    help = (
        "Write the whole audit chain as JSON Lines: per event, exactly the hashed content plus "
        "its hash, for auditlog/offline_verify.py. Refuses to overwrite an existing file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="file to create, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        if output == "-":
            count = self.write(sys.stdout)
        else:
            path = Path(output)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            except FileExistsError as exc:
                raise CommandError(f"{path} exists: choose a new file name") from exc
            except OSError as exc:
                raise CommandError(f"cannot create {path}: {exc.strerror}") from exc
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
                count = self.write(stream)
            self.stderr.write(f"{count} events written to {path}")

    def write(self, stream: IO[str]) -> int:
        count = 0
        for _sequence, pre, data, post, _prev, stored in rows(1, MAX_SEQUENCE):
            # The canonical form ends with "}": the hash goes in as its last key.
            stream.write(f'{pre}{canonical_data(data)}{post[:-1]},"hash":"{stored}"}}\n')
            count += 1
        return count

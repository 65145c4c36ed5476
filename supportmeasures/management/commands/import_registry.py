"""import_registry FILE.csv [--encoding utf-8|cp932] [--create-wards] [--dry-run]"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportmeasures import actions, importing


class Command(BaseCommand):
    help = "Import support measures from a CSV export, all or nothing (see docs/registry.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp932"])
        parser.add_argument("--create-wards", action="store_true")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイルを読めません / cannot read {path}: {exc}") from exc
        now = timezone.now()
        try:
            measures = importing.parse(
                importing.decode(raw, options["encoding"]), timezone.localdate(now)
            )
            total = sum(1 for _ in measures)
            summary = actions.import_registry(
                measures=measures,
                file_name=path.name,
                file_sha256=hashlib.sha256(raw).hexdigest(),
                create_wards=options["create_wards"],
                dry_run=options["dry_run"],
                acting_user=None,
                imported_at=now,
                progress=lambda done: self._progress(done, total),
            )
        except importing.ImportFileError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(exc.errors)}件の誤りがあるため、何も取り込みませんでした / "
                f"{len(exc.errors)} error(s): nothing was imported"
            ) from exc
        self.stdout.write(
            ("[dry run: rolled back] " if options["dry_run"] else "")
            + f"measures created {summary.measures_created}, unchanged "
            f"{summary.measures_unchanged}, people created {summary.people_created}, "
            f"wards created {summary.wards_created}"
        )

    def _progress(self, done: int, total: int) -> None:
        if total < 1000:
            return
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")

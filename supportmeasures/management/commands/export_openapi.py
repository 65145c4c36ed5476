import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from supportmeasures.openapi import SCHEMA

TARGET = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def rendered() -> str:
    return json.dumps(SCHEMA, ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = "Write the screening API's OpenAPI description to docs/openapi.json."

    def handle(self, *args: Any, **options: Any) -> None:
        TARGET.write_text(rendered(), encoding="utf-8")
        self.stdout.write(f"Wrote {TARGET}")

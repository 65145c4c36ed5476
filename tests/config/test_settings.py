"""Settings are safe when the environment is empty."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Production needs the checkpoint signing key as much as the secret key (base64 of 32 bytes).
KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
    "s.LANGUAGE_CODE, s.SESSION_COOKIE_SECURE)"
)


def run(**env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestEnvironmentDrivenSettings:
    def test_an_empty_environment_refuses_to_start_without_a_secret_key(self):
        result = run()

        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr

    def test_a_secret_key_and_a_signing_key_give_production_defaults_on_embedded_sqlite(self):
        result = run(SECRET_KEY="x" * 50, AUDIT_CHECKPOINT_KEY=KEY)

        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [
            "False",
            "django.db.backends.sqlite3",
            "True",
            "ja",
            "True",
        ]

    def test_the_demo_needs_no_secret_and_shows_the_apps_own_error_pages(self):
        result = run(MAMORI_DEMO="1")

        assert result.returncode == 0, result.stderr
        # DEBUG off: a clerk sees the app's 404 page, never Django's yellow one; plain HTTP.
        assert result.stdout.split()[0] == "False"
        assert result.stdout.split()[-1] == "False"

    def test_development_needs_no_secret(self):
        result = run(DEBUG="1")

        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[0] == "True"

    def test_database_and_redis_come_from_the_environment(self):
        result = run(
            SECRET_KEY="x" * 50,
            AUDIT_CHECKPOINT_KEY=KEY,
            DATABASE_URL="postgres://u@db.example:5432/m",
            REDIS_URL="redis://cache.example:6379/0",
        )

        assert result.stdout.split()[1:3] == ["auditlog.postgresql", "False"]

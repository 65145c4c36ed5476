"""`manage.py check --deploy` is clean in production settings (docs/running.md).

Each check runs in a fresh interpreter with an environment of its own (nothing from the test
settings), as the service would start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What docs/running.md gives the service, minus the secrets' values.
PRODUCTION = {
    "SECRET_KEY": "a-production-key-of-fifty-or-more-random-characters-0123456789abcdef",
    "AUDIT_CHECKPOINT_KEY": "dGVzdC1vbmx5LWNoZWNrcG9pbnQta2V5LTAwMDAwMDE=",
    "ALLOWED_HOSTS": "mamori.example.lg.jp",
    "DATABASE_URL": "sqlite:///:memory:",
    "BEHIND_PROXY": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def show(**env: str) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD)"
    )
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


class TestDeployCheck:
    def test_the_production_environment_passes_with_no_warning(self):
        done = check_deploy(**PRODUCTION)

        assert done.returncode == 0, done.stderr + done.stdout
        assert "System check identified no issues (0 silenced)." in done.stdout

    def test_without_preloading_asked_for_the_check_says_so(self):
        env = {k: v for k, v in PRODUCTION.items() if k != "SECURE_HSTS_PRELOAD"}

        done = check_deploy(**env)

        assert done.returncode != 0
        assert "security.W021" in done.stderr + done.stdout

    def test_turning_https_off_from_the_environment_is_reported(self):
        done = check_deploy(**PRODUCTION, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")

        out = done.stderr + done.stdout
        assert done.returncode != 0
        assert "security.W004" in out and "security.W008" in out


class TestHttpsSettings:
    def test_production_redirects_to_https_and_sends_hsts_for_a_year(self):
        assert show(**PRODUCTION) == "True 31536000 True True"

    def test_each_is_set_from_the_environment(self):
        out = show(
            **PRODUCTION
            | {
                "SECURE_SSL_REDIRECT": "off",
                "SECURE_HSTS_SECONDS": "3600",
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
                "SECURE_HSTS_PRELOAD": "0",
            }
        )

        assert out == "False 3600 False False"

    def test_development_neither_redirects_nor_sends_hsts(self):
        assert show(DEBUG="1") == "False 0 False False"


class TestHttpsRedirect:
    def test_plain_http_is_sent_to_https_but_the_health_check_answers(self):
        code = (
            "import django; django.setup(); from django.test import Client; c = Client(); "
            "r = c.get('/accounts/login/'); h = c.get('/healthz'); "
            "print(r.status_code, r.headers['Location'], h.status_code, "
            "r.headers['Strict-Transport-Security'] if r.has_header("
            "'Strict-Transport-Security') else '-')"
        )
        env = PRODUCTION | {"ALLOWED_HOSTS": "testserver", "BEHIND_PROXY": "0"}
        clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}

        done = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=clean | env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

        # HSTS is sent on HTTPS answers only (Django's SecurityMiddleware), never on HTTP.
        assert done.stdout.split() == ["301", "https://testserver/accounts/login/", "200", "-"]

    def test_an_https_answer_carries_hsts_for_a_year(self):
        code = (
            "import django; django.setup(); from django.test import Client; "
            "h = Client().get('/healthz', secure=True); "
            "print(h.status_code, h.headers['Strict-Transport-Security'])"
        )
        env = PRODUCTION | {"ALLOWED_HOSTS": "testserver"}
        clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}

        done = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=clean | env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

        assert done.stdout.strip() == "200 max-age=31536000; includeSubDomains; preload"

"""Test settings: real PostgreSQL and Redis, as in production."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mamori")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# A fixed test signing key (base64 of 32 bytes); tests point AUDIT_CHECKPOINT_DIR at tmp_path.
os.environ.setdefault("AUDIT_CHECKPOINT_KEY", "dGVzdC1vbmx5LWNoZWNrcG9pbnQta2V5LTAwMDAwMDE=")
os.environ.setdefault(
    "AUDIT_CHECKPOINT_DIR",
    os.path.join(tempfile.gettempdir(), f"mamori-test-checkpoints-{os.getpid()}"),
)

from config.settings import *  # noqa: F403
from config.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The test client and the browser tests' live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Each test run counts screenings (supportmeasures/throttle.py) in a key space of its own:
# ids start again in a fresh test database, and Redis keeps the last run's counts.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that need a worker start a real one; the rest run tasks through the real broker.
CELERY_TASK_ALWAYS_EAGER = False
# Static files are served by the finders in tests; WhiteNoise would look for collectstatic output.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

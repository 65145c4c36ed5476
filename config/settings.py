"""Mamori settings, driven by the environment and safe when it is empty.

Empty environment: DEBUG off, SQLite under var/, tasks run eagerly, and no secret key
(start-up fails unless DEBUG is on). Production differs only by environment variables.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# The embedded demo (`make run`, `make manage`): development keys and plain HTTP on this
# machine, but the app's own error pages, as a clerk would see them (DEBUG stays off).
DEMO = env_bool("MAMORI_DEMO")
DEVELOPMENT = DEBUG or DEMO

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105

# Audit checkpoints (docs/auditlog.md): the chain's head is sealed with an Ed25519 key the
# database does not hold, into append-only files in AUDIT_CHECKPOINT_DIR. The key is base64 of
# the 32-byte seed or a PEM, in AUDIT_CHECKPOINT_KEY or in the file AUDIT_CHECKPOINT_KEY_FILE.
AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("AUDIT_CHECKPOINT_DIR") or BASE_DIR / "var" / "checkpoints"
)
AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", "")
AUDIT_CHECKPOINT_KEY_FILE = os.environ.get("AUDIT_CHECKPOINT_KEY_FILE", "")
# Public keys of earlier signing keys (base64 of the 32 raw bytes), still trusted to verify.
AUDIT_CHECKPOINT_PUBLIC_KEYS = env_list("AUDIT_CHECKPOINT_PUBLIC_KEYS")
if AUDIT_CHECKPOINT_KEY_FILE and not Path(AUDIT_CHECKPOINT_KEY_FILE).is_file():
    raise ImproperlyConfigured(f"AUDIT_CHECKPOINT_KEY_FILE {AUDIT_CHECKPOINT_KEY_FILE} not found.")
if not AUDIT_CHECKPOINT_KEY and not AUDIT_CHECKPOINT_KEY_FILE:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE must be set when DEBUG is off."
        )
    warnings.warn(
        "Audit checkpoints are signed with the fixed development key: set AUDIT_CHECKPOINT_KEY.",
        stacklevel=1,
    )
    AUDIT_CHECKPOINT_KEY = "bWFtb3JpLWRldmVsb3BtZW50LW9ubHkta2V5LTAwMDE="  # development only
# Each new checkpoint is also mailed here (with the file attached) when set.
MAMORI_AUDITOR_EMAIL = os.environ.get("MAMORI_AUDITOR_EMAIL", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEVELOPMENT else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "axes",
    # Two factors (docs/security.md): TOTP, recovery codes, WebAuthn security keys. Before
    # supportmeasures, whose admin takes their admin pages away (nothing unrecorded).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "supportmeasures",
    "inquiries",
    "auditlog",
    # Last: the top floor wires the apps together (scheduled jobs) once they are all ready.
    "config.apps.MamoriConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): which second factor this session passed, if any.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An idle session ends (docs/security.md): after the messages, which carry its notice.
    "config.middleware.IdleTimeoutMiddleware",
    # A session without its second factor reaches only the second factor's pages (fail closed).
    "config.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.staff",
            ],
            "builtins": ["supportmeasures.templatetags.mamori"],
            # The auditors' workspace's tags live in its sub-package, not in a templatetags/.
            "libraries": {
                "audit_tags": "auditlog.workspace.tags",
                "training_tags": "supportmeasures.training.tags",
            },
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'mamori.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with the commit the audit chain needs (auditlog/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "auditlog.postgresql"
    from psycopg import IsolationLevel

    # The audit chain's commit-time link needs READ COMMITTED, whatever the server's default.
    DATABASES["default"].setdefault("OPTIONS", {})["isolation_level"] = (
        IsolationLevel.READ_COMMITTED
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers, so the audit chain cannot fork on SQLite either.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "supportmeasures.Staff"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no anonymous access to anything

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Breached passwords, offline, however they are decorated (supportmeasures/passwords.py).
    {"NAME": "supportmeasures.passwords.BreachedPasswordValidator"},
]

# Lockout after repeated failed logins (django-axes; docs/security.md). An account (user name)
# is locked after MAMORI_LOGIN_FAILURE_LIMIT failures, an address after
# MAMORI_LOGIN_ADDRESS_FAILURE_LIMIT (from any names), until the cool-off passes or an
# administrator unlocks them (admin: ログイン失敗, recorded).
AXES_FAILURE_LIMIT = int(os.environ.get("MAMORI_LOGIN_FAILURE_LIMIT", "5"))
# An address has its own, higher limit: a ward office's counter PCs often share one address.
MAMORI_LOGIN_ADDRESS_FAILURE_LIMIT = max(
    AXES_FAILURE_LIMIT, int(os.environ.get("MAMORI_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
)
AXES_HANDLER = "supportmeasures.logins.LockoutHandler"
AXES_COOLOFF_TIME = float(os.environ.get("MAMORI_LOGIN_COOLOFF_HOURS", "1")) or None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "config.accounts.locked_out"
# A try while locked does not count again (so it is not a second lockout in the audit log).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The password alone is half a login: failures are cleared when the second factor is passed
# (supportmeasures.logins.clear_failures), so logging in again with a known password never
# buys more guesses at the code.
AXES_RESET_ON_SUCCESS = False
# Unlocking is ours (an audit event); axes' own admin would delete attempts unrecorded.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_PROXY") else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_bool("BEHIND_PROXY") else ["REMOTE_ADDR"]
)

# Two factors (docs/security.md): every member of staff enrols a TOTP authenticator at the
# first login, and may add WebAuthn security keys. The relying party (the site the keys are
# bound to) is the host name users type, and the origins the full URLs (https in production).
OTP_TOTP_ISSUER = os.environ.get("MAMORI_OTP_ISSUER", "Mamori")
# Unset, they follow ALLOWED_HOSTS in production (https://<each host>; the first host is the
# relying party), localhost in development.
_WEBAUTHN_HOSTS = [h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
OTP_WEBAUTHN_RP_ID = os.environ.get("MAMORI_WEBAUTHN_RP_ID") or (
    _WEBAUTHN_HOSTS[0] if _WEBAUTHN_HOSTS and not DEVELOPMENT else "localhost"
)
OTP_WEBAUTHN_RP_NAME = os.environ.get("MAMORI_WEBAUTHN_RP_NAME", "Mamori")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("MAMORI_WEBAUTHN_ORIGINS") or (
    ["http://localhost:8000"] if DEVELOPMENT else [f"https://{h}" for h in _WEBAUTHN_HOSTS]
)
# A key is a second factor only: no login with a key alone.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# How many single-use recovery codes an enrolment (or a renewal) gives.
MAMORI_RECOVERY_CODES = 10

# An idle session ends after this many minutes, even with the browser open; the page warns
# MAMORI_IDLE_WARNING_SECONDS before (static/js/idle.js).
MAMORI_IDLE_MINUTES = int(os.environ.get("MAMORI_IDLE_MINUTES", "30"))
MAMORI_IDLE_WARNING_SECONDS = int(os.environ.get("MAMORI_IDLE_WARNING_SECONDS", "120"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "supportmeasures:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEVELOPMENT
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development serves the files where they are (no collectstatic), through WhiteNoise.
WHITENOISE_USE_FINDERS = DEVELOPMENT

# Sessions: short, and gone with the browser; this is a counter terminal application.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEVELOPMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HTTPS only, outside development (docs/running.md): HTTP is redirected, and browsers are told
# to use HTTPS for a year (HSTS). Both can be set from the environment; preloading is a
# commitment of the whole domain, so it is asked for explicitly. /healthz answers on HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEVELOPMENT)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS") or ("0" if DEVELOPMENT else str(365 * 24 * 3600))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEVELOPMENT)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None

# A batch screening of 10,000 entries with addresses needs more than Django's 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Email: console in development, SMTP from the environment otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEVELOPMENT or not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mamori@localhost")

# Celery: Redis when REDIS_URL is set; otherwise tasks run eagerly in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Availability (docs/security.md): with Redis down no request waits for it more than about a
# second. Publishing is not retried in the request (what is published is also in the database
# and a sweep does it: notices every minute, re-evaluation hourly); connecting and every
# socket read or write give up after BROKER_TIMEOUT seconds. The worker and beat still
# reconnect on their own (broker_connection_retry), outside any request.
BROKER_TIMEOUT = float(os.environ.get("MAMORI_BROKER_TIMEOUT", "1"))
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, float | None] = {
    "socket_connect_timeout": BROKER_TIMEOUT,
    "socket_timeout": BROKER_TIMEOUT,
    "max_retries": 0,
}
# Nothing in the app reads a task's result, so tasks keep none and publishing never subscribes
# to the result store (a paused Redis held that subscription 2 s, and its default retry policy
# 19 s, before the publish could even fail). Whoever wants a result asks for it
# (`send_task(..., ignore_result=False)`, as a test does).
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_TIMEOUT
# Beat is no request: there waiting for Redis is right, so that a scheduled tick (the daily
# lapse, the hourly seal) is sent when Redis is back rather than skipped. Its unit sets
# MAMORI_BROKER_PATIENT=1 (docs/running.md): publishing then retries until Redis answers.
if env_bool("MAMORI_BROKER_PATIENT"):
    CELERY_TASK_PUBLISH_RETRY = True
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": None,
        "interval_start": 1,
        "interval_step": 1,
        "interval_max": 10,
    }
    CELERY_BROKER_TRANSPORT_OPTIONS["max_retries"] = None
    CELERY_BROKER_TRANSPORT_OPTIONS["connect_retries_timeout"] = None
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0}}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": BROKER_TIMEOUT,
                "socket_timeout": BROKER_TIMEOUT,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Mamori's own settings.
# How long an acknowledgement before opening protected details stays valid.
MAMORI_ACKNOWLEDGEMENT_MINUTES = int(os.environ.get("MAMORI_ACKNOWLEDGEMENT_MINUTES", "10"))
# Annual training: how many months a completed training stays valid.
MAMORI_TRAINING_VALID_MONTHS = 12
# How long a supervisor's approval of a contact plan stays valid.
MAMORI_APPROVAL_HOURS = int(os.environ.get("MAMORI_APPROVAL_HOURS", "24"))
# A plan waiting longer than this escalates to the ward's other supervisors.
MAMORI_ESCALATION_MINUTES = int(os.environ.get("MAMORI_ESCALATION_MINUTES", "30"))
# A temporary release (一時解除) of a reviewed document request stays valid this long.
MAMORI_TEMPORARY_RELEASE_MINUTES = int(os.environ.get("MAMORI_TEMPORARY_RELEASE_MINUTES", "15"))
# Linked systems confirm each block by the end of this many business days after the change
# (jpholiday and 29 December to 3 January are not business days; docs/propagation.md).
MAMORI_PROPAGATION_BUSINESS_DAYS = int(os.environ.get("MAMORI_PROPAGATION_BUSINESS_DAYS", "1"))
# A scheduled job that fails is retried once after this many seconds, then alarmed.
MAMORI_JOB_RETRY_SECONDS = int(os.environ.get("MAMORI_JOB_RETRY_SECONDS", "300"))
# Auditors' reports (docs/auditors-reports.md). Working hours are Japan time, HH:MM.
MAMORI_AUDIT_WORKING_HOURS = (
    os.environ.get("MAMORI_AUDIT_WORKING_HOURS_START", "08:30"),
    os.environ.get("MAMORI_AUDIT_WORKING_HOURS_END", "17:15"),
)
# More distinct protected people than this opened by one user in one day is reported.
MAMORI_AUDIT_MANY_RECORDS_PER_DAY = int(os.environ.get("MAMORI_AUDIT_MANY_RECORDS_PER_DAY", "10"))
# A look with no work by the same user on the same person in this many days before is reported.
MAMORI_AUDIT_WORK_LOOKBACK_DAYS = int(os.environ.get("MAMORI_AUDIT_WORK_LOOKBACK_DAYS", "30"))
# A declined warning followed by a look within this many hours is reported.
MAMORI_AUDIT_DECLINE_WINDOW_HOURS = int(os.environ.get("MAMORI_AUDIT_DECLINE_WINDOW_HOURS", "24"))
# Two staff who each approved the other's work at least this many times in the period.
MAMORI_AUDIT_MUTUAL_APPROVALS = int(os.environ.get("MAMORI_AUDIT_MUTUAL_APPROVALS", "3"))
# Screening rate limits (docs/security.md, docs/running.md), per member of staff and per API
# client: at most this many screenings (a search, a mailing list, an API call single or
# batch) per window, and this many people screened per (longer) window. Over either: 429,
# and one audit event per screener, limit and window.
MAMORI_SCREENING_WINDOW_SECONDS = int(os.environ.get("MAMORI_SCREENING_WINDOW_SECONDS", "60"))
MAMORI_SCREENING_LIMIT_STAFF = int(os.environ.get("MAMORI_SCREENING_LIMIT_STAFF", "60"))
MAMORI_SCREENING_LIMIT_CLIENT = int(os.environ.get("MAMORI_SCREENING_LIMIT_CLIENT", "600"))
MAMORI_SCREENING_PEOPLE_WINDOW_SECONDS = int(
    os.environ.get("MAMORI_SCREENING_PEOPLE_WINDOW_SECONDS", "3600")
)
MAMORI_SCREENING_PEOPLE_STAFF = int(os.environ.get("MAMORI_SCREENING_PEOPLE_STAFF", "100000"))
MAMORI_SCREENING_PEOPLE_CLIENT = int(os.environ.get("MAMORI_SCREENING_PEOPLE_CLIENT", "1000000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

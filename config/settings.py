"""The one settings module. Everything that differs between a laptop and production comes from
the environment (see README "Configuration"); a value that does not parse stops start-up."""

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_cache,
    env_choice,
    env_int,
    env_list,
    env_s3_storage,
    env_str,
)
from core.crypto import parse_keys as parse_field_keys

# Lets the code write generic Django classes (admin.ModelAdmin[Case], QuerySet[Case]) at run
# time as mypy reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TIAOJIE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
PRODUCTION = env_bool("PRODUCTION", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = BASE_DIR / ".secret_key"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    raise ImproperlyConfigured(
        "No SECRET_KEY: set the SECRET_KEY environment variable or run scripts/bootstrap.sh "
        "(it writes a local .secret_key)."
    )


SECRET_KEY = _secret_key()
# What `check --deploy` (security.W009) asks of a key: ≥ 50 characters, ≥ 5 different ones, and
# not one that Django's startproject generated ("django-insecure-…").
if PRODUCTION and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters (at least 5 different ones) in production "
        "and not a django-insecure- key: generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not env_str("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("PRODUCTION=1 requires ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Production hardening is switched by one flag, not by a second settings module.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# A load balancer probes the nodes over plain HTTP: health answers are never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The session cookie is never readable by a script (Django's default, stated); the CSRF cookie
# stays readable, as Django recommends (CSRF_COOKIE_HTTPONLY protects nothing), and is Secure in
# production like the session cookie (CSRF_COOKIE_SECURE above).
SESSION_COOKIE_HTTPONLY = True

# SPEC §12 headers. Content-Security-Policy (django-csp): scripts, styles and everything else
# from this origin only, no inline script or style anywhere (a page's script is a static file,
# web/static/tiaojie/*.js); data: images only for the inline favicon. Swagger UI (/api/docs/)
# keeps to it too: drf-spectacular's split view serves its init script as a file (api/docs.py).
# `Cache-Control: private, no-store` on every answer to a logged-in user:
# config.middleware.PrivateNoStoreMiddleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

INSTALLED_APPS = [
    "web",  # first: its templates (login, 403/404) override the libraries'
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "viewflow",
    "viewflow.workflow",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "accounts",
    "cases",
    "screening",
    "county",
    "workflows",
    "documents",
    "rollups",
    "supervision",
    "api",
    "registers",
    "demo",
    "ops",
    "portal",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",  # first: every log line of a request carries its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so static files keep their own cache headers.
    "config.middleware.PrivateNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which parses the body: an upload is limited while it streams (core/uploads.py).
    "core.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session timeouts (SPEC §12): before anything acts on the session's user.
    "accounts.sessions.SessionTimeoutMiddleware",
    # Second factor (SPEC §12): unverified session → code; required but none → set-up.
    "accounts.two_factor.TwoFactorMiddleware",
    # An initial password set by an admin → the password change page until it is changed.
    "accounts.sessions.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who acts, for audit records written by model signals (membership changes, SPEC §12).
    "supervision.middleware.ActingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by a login into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "web.context_processors.nav",
            ],
        },
    },
]

# SQLite file by default; PostgreSQL (production, concurrency tests) via DATABASE_URL.
DATABASES = {
    "default": environ.Env.db_url_config(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing with "database is locked" under gunicorn workers.
    # IMMEDIATE: a transaction takes the write lock at BEGIN, so two writers queue instead of
    # failing with "database is locked" on the read→write upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for every web node and worker (rate limits, the cached list counts): the database by
# default, Redis with CACHE_URL=redis://… (config/env.py).
CACHES = {"default": env_cache("CACHE_URL", table="tiaojie_cache")}
# Sessions are written to the database and read from that cache (a page no longer reads the
# session table); a restarted cache loses nothing, and every node sees the same sessions.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- accounts and security (SPEC §12, docs/SECURITY.md) ------------------------------------
# django-axes checks every login (web form, admin, API token) before the password does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# How many reverse proxies stand in front of the app: X-Forwarded-For is read only that far
# (core/net.py). 0 (default): the header is ignored, REMOTE_ADDR is the client.
TIAOJIE_TRUSTED_PROXIES = env_int("TIAOJIE_TRUSTED_PROXIES", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
# 5 failures for a username, from any address, lock it for 15 minutes (the 6th attempt fails).
AXES_FAILURE_LIMIT = env_int("TIAOJIE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TIAOJIE_LOCKOUT_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every worker and node
# The lock runs from the failure that reached the limit: tries while locked (even with the right
# password) are refused without moving the time the message names.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The answer (Chinese, until when): JSON under /api/, else the login page again; 429.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Its log lines name the username and the address (a login audit needs both); a password is never
# logged nor stored (axes always masks the password field).
AXES_SENSITIVE_PARAMETERS: list[str] = []
# Sessions (accounts/sessions.py): logged out after this long without a request, and this long
# after the login whatever happens.
TIAOJIE_SESSION_IDLE_MINUTES = env_int("TIAOJIE_SESSION_IDLE_MINUTES", 30, minimum=1)
TIAOJIE_SESSION_MAX_HOURS = env_int("TIAOJIE_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = TIAOJIE_SESSION_MAX_HOURS * 3600

# Second factor (accounts/two_factor.py): TOTP for admins and supervisors, required when on
# (default: under PRODUCTION); off, only those who set it up voluntarily are asked for a code.
TIAOJIE_REQUIRE_2FA = env_bool("TIAOJIE_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "调解"  # the account's name in the authenticator app

# API tokens: django-rest-knox, hashed, expiring, one per device (accounts.models.ApiToken).
# knox's own model is swapped out for ours, but its migrations would still create its table (they
# predate the swappable setting), whose foreign key to auth_user then blocks a flush: no migrations.
MIGRATION_MODULES = {"knox": None}
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("TIAOJIE_TOKEN_DAYS", 30, minimum=1)),
    "AUTH_HEADER_PREFIX": "Token",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's check, with the Chinese message its catalog lacks (accounts/passwords.py).
        "NAME": "accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Issued PDFs, signing certificates, kept import uploads (SPEC §12, core/storage.py): no
    # URL, read only through the storage API by the views that check scope.
    "private": {"BACKEND": "core.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.storage.StaticFilesStorage"  # whitenoise's, see there
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The private storage's folder; empty: "private" beside MEDIA_ROOT (var/private by default).
TIAOJIE_PRIVATE_ROOT = env_str("TIAOJIE_PRIVATE_ROOT")
# Several nodes: the private files in a private S3-compatible bucket (SeaweedFS, MinIO, AWS…)
# when TIAOJIE_S3_BUCKET is set (config/env.py::env_s3_storage, core/s3.py, docs/DEPLOY.md).
if _s3 := env_s3_storage():
    STORAGES["private"] = _s3
# Outside production whitenoise serves straight from the app folders: no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, minimum=1024)
# How much of a refused (too large) API body is read and discarded so the client gets its 413
# instead of a reset connection; past it the connection is closed (api.errors.drain_body).
TIAOJIE_DRAIN_MAX_BYTES = env_int("TIAOJIE_DRAIN_MAX_BYTES", 64 * 1024 * 1024, minimum=0)
# Uploads (SPEC §12, core/uploads.py): one file past its purpose's limit is refused while it
# streams; a body declared larger than the limit + DATA_UPLOAD_MAX_MEMORY_SIZE is not read.
TIAOJIE_UPLOAD_MAX_BYTES = {
    "default": env_int("TIAOJIE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
    "import": env_int("TIAOJIE_IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
    "verify": env_int("TIAOJIE_VERIFY_MAX_BYTES", 20 * 1024 * 1024, minimum=1024),
}
# An .xlsx is opened only if its zip entries, as declared, unpack to at most this much in all and
# none is more than RATIO times smaller packed than unpacked (registers/reading.py).
TIAOJIE_XLSX_MAX_UNPACKED_BYTES = env_int(
    "TIAOJIE_XLSX_MAX_UNPACKED_BYTES", 200 * 1024 * 1024, minimum=1024
)
TIAOJIE_XLSX_MAX_RATIO = env_int("TIAOJIE_XLSX_MAX_RATIO", 100, minimum=2)
# Abandoned import uploads (checked, never confirmed) are deleted after this (registers/tasks.py).
TIAOJIE_IMPORT_UPLOAD_HOURS = env_int("TIAOJIE_IMPORT_UPLOAD_HOURS", 24, minimum=1)

# Celery: with no broker, tasks run in-process (the embedded default needs no service).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint's memory climbs across renders: recycle worker processes (STACK.md).
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 100, minimum=1)
CELERY_TIMEZONE = TIME_ZONE
# documents.requeue_stale (beat, every 5 minutes) sends again what is pending longer than this.
TIAOJIE_DOCUMENT_REQUEUE_MINUTES = env_int("TIAOJIE_DOCUMENT_REQUEUE_MINUTES", 10, minimum=1)
# `celery -A config beat` (the schedule is in config/celery.py) keeps its state under var/.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tiaojie@localhost")

# SMS to the parties (SPEC §14, portal/sms.py). `file` appends JSON lines to SMS_OUTBOX (the
# embedded default: nothing leaves the machine); `console` logs them; `aliyun` and `tencent`
# call the providers' HTTPS APIs with the key below. SMS_ENDPOINT overrides the provider's
# endpoint (a regional one, or a test's fake server).
SMS_BACKEND = env_choice("SMS_BACKEND", "file", {"file", "console", "aliyun", "tencent"})
SMS_OUTBOX = Path(env_str("SMS_OUTBOX", str(VAR_DIR / "sms" / "outbox.jsonl")))
SMS_ENDPOINT = env_str("SMS_ENDPOINT")
SMS_ACCESS_KEY_ID = env_str("SMS_ACCESS_KEY_ID")
SMS_ACCESS_KEY_SECRET = env_str("SMS_ACCESS_KEY_SECRET")
SMS_REGION = env_str("SMS_REGION")
SMS_SDK_APP_ID = env_str("SMS_SDK_APP_ID")  # Tencent's SmsSdkAppId
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "人民调解")
# Our message name → the provider's approved template (Aliyun's SMS_… code, Tencent's id).
SMS_TEMPLATES = {
    "verification": env_str("SMS_TEMPLATE_VERIFICATION"),
    "application_registered": env_str("SMS_TEMPLATE_APPLICATION_REGISTERED"),
    "application_declined": env_str("SMS_TEMPLATE_APPLICATION_DECLINED"),
    "sign_invitation": env_str("SMS_TEMPLATE_SIGN_INVITATION"),
    "intake_notice": env_str("SMS_TEMPLATE_INTAKE_NOTICE"),
    "session_notice": env_str("SMS_TEMPLATE_SESSION_NOTICE"),
    "follow_up": env_str("SMS_TEMPLATE_FOLLOW_UP"),
}
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10, minimum=1)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header is what makes an anonymous request a 401, not 403.
    # knox's hashed, expiring tokens (accounts/tokens.py); DRF's clear-text ones are gone.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # For any DRF code that asks for the client address: the same trusted-proxy count as
    # core/net.py (our throttles call core.net.client_ip itself).
    "NUM_PROXIES": TIAOJIE_TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": env_str("API_TOKEN_RATE", "10/minute"),
        "auth_token_user": env_str("API_TOKEN_USER_RATE", "20/hour"),
        # The parties' endpoints, per client address (the per-phone SMS limits are portal's).
        "public": env_str("API_PUBLIC_RATE", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tiaojie API",
    "DESCRIPTION": "人民调解案件管理 REST API (v1). Errors: "
    '{"error": {"code", "message", "fields"}}.',
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.transition_body_any_of",
    ],
    # Several enumerations share a field name ("status", "kind", "level"): name each one.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.choices.Status",
        "DocumentStatusEnum": "documents.models.Document.Status",
        "EventKindEnum": "workflows.models.CaseEvent.Kind",
        "PartyKindEnum": "cases.choices.PartyKind",
        "AgreementKindEnum": "cases.choices.AgreementKind",
        "ApplicationKindEnum": "cases.choices.ApplicationKind",
        "RegionLevelEnum": "cases.choices.RegionLevel",
        "RiskLevelEnum": "cases.choices.RiskLevel",
        "MediatorKindEnum": "county.models.MediatorKind",
        "DifficultyEnum": "county.models.Difficulty",
        "ClaimStatusEnum": "county.models.ClaimStatus",
    },
    # Swagger UI assets from drf-spectacular-sidecar when installed (api/urls.py), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
# text: the message alone, as before; json: one JSON object a line (config/log.py).
LOG_FORMAT = env_choice("LOG_FORMAT", "text", {"text", "json"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.log.RequestIdFilter"}},
    "formatters": {"json": {"()": "config.log.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"]}
        | ({"formatter": "json"} if LOG_FORMAT == "json" else {})
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # WeasyPrint is chatty about CSS it ignores; the renderer listens to it for missing glyphs.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "ERROR"},
        "celery": {"level": "WARNING"},
    },
}

# Domain settings (SPEC §6): defaults an admin may override per deployment.
TIAOJIE_NUMBER_FORMAT = "（{year}）{org}人调字第{seq:04d}号"
TIAOJIE_AGREEMENT_NUMBER_FORMAT = "（{year}）{org}调协字第{seq:04d}号"
TIAOJIE_SIGNING_ENABLED = env_bool("TIAOJIE_SIGNING_ENABLED", False)
# The key that encrypts the signing certificate's passphrase in the database (core/crypto.py):
# a Fernet key, or "new,old" while rotating. Unset: derived from SECRET_KEY, outside production.
TIAOJIE_FIELD_KEY = env_str("TIAOJIE_FIELD_KEY")
if PRODUCTION and not TIAOJIE_FIELD_KEY.strip():
    raise ImproperlyConfigured(
        "PRODUCTION=1 requires TIAOJIE_FIELD_KEY (a Fernet key; generate one with "
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
    )
if TIAOJIE_FIELD_KEY.strip():
    try:
        parse_field_keys(TIAOJIE_FIELD_KEY)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None
# SPEC §11: an export showing more cases' personal data than this notifies the supervisors.
TIAOJIE_BULK_EXPORT_ALERT = env_int("TIAOJIE_BULK_EXPORT_ALERT", 200, minimum=0)
# The §7 roll-up (rollups/) is kept exact in every change; the dashboards of the tree's first
# levels (a city, a province, their counties: rollups.models.GRAINS) read its region layer
# ("auto", supervision.stats.use_rollup). 0 reads every figure live from the cases.
TIAOJIE_STATS_ROLLUP_READS = env_bool("TIAOJIE_STATS_ROLLUP_READS", True)
# models.W047: nulls_distinct is enforced on PostgreSQL. axes.W006: SPEC §12 locks a username
# from any address; locking an address would lock out a whole village office behind one NAT
# (the token endpoint also has its per-address rate limit, api/throttling.py).
SILENCED_SYSTEM_CHECKS = ["models.W047", "axes.W006"]

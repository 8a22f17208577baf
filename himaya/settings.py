"""Himaya's one settings module, read from the environment.

HIMAYA_ENV=production switches on the secure defaults that `check --deploy`
expects; see docs/operations.md for every variable.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from himaya.environment import ConfigurationError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("HIMAYA_VAR_DIR", str(REPO_DIR / "var")))

HIMAYA_ENV = env_str("HIMAYA_ENV", "development")
if HIMAYA_ENV not in {"development", "test", "production"}:
    raise ConfigurationError(f"HIMAYA_ENV={HIMAYA_ENV!r}: use development, test or production")
PRODUCTION = HIMAYA_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigurationError("SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Demo mode relaxes the second factor so that the demo logins work at once.
# It can never be on in production.
DEMO_MODE = env_bool("HIMAYA_DEMO_MODE", default=False)
if DEMO_MODE and PRODUCTION:
    raise ConfigurationError("HIMAYA_DEMO_MODE cannot be on in production")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Himaya, bottom layer first (see ARCHITECTURE: which app may use which).
    "himaya.reference",
    "himaya.organisations",
    "himaya.accounts",
    "himaya.audit",
    "himaya.jobs",
    "himaya.registry",
    "himaya.assistance",
    "himaya.vouchers",
    "himaya.intake",
    "himaya.protection",
    "himaya.capacity",
    "himaya.monitoring",
    "himaya.dedup",
    "himaya.reporting",
    "himaya.portal",
    "himaya.scenario",
    "himaya.operations",
]

MIDDLEWARE = [
    # API calls with a personal token take a shorter chain: this list without
    # TOKEN_CALL_SKIPS (docs/decisions/0504-api-token-fast-path.md).
    "himaya.accounts.token_requests.TokenCallRouter",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Row-level security setting of the request (P4): after the user is known.
    "himaya.protection.middleware.RowLevelScopeMiddleware",
    "himaya.accounts.middleware.SessionLifetimeMiddleware",
    "himaya.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the header of an ordinary response built once per process.
    "himaya.accounts.security_headers.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "himaya.accounts.middleware.NoStoreForSignedInMiddleware",
    "axes.middleware.AxesMiddleware",
]

# What only a browser's request needs — its session, CSRF, the signed-in user, the second
# factor, messages, htmx, login lock-outs — and static files (never under /api/). A call
# to /api/ with `Authorization: Bearer` (or `Token`) skips them; DRF authenticates it.
TOKEN_CALL_SKIPS = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "himaya.accounts.middleware.SessionLifetimeMiddleware",
    "himaya.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "himaya.urls"
WSGI_APPLICATION = "himaya.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "himaya.accounts.navigation.navigation",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default, DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "himaya.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Lock-out by user name, not by address: field offices share one IP.
AXES_FAILURE_LIMIT = env_int("HIMAYA_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("HIMAYA_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# axes warns that user-name-only lock-out ignores the address; that is the point here.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "Himaya"
# The second factor is required for staff and partner roles outside demo mode.
HIMAYA_REQUIRE_SECOND_FACTOR = env_bool("HIMAYA_REQUIRE_SECOND_FACTOR", default=not DEMO_MODE)

# Server-side sessions with an idle and an absolute time-out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("HIMAYA_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
HIMAYA_SESSION_ABSOLUTE_SECONDS = env_int("HIMAYA_SESSION_ABSOLUTE_HOURS", 10) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- E-mail: printed to the console unless configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "himaya@localhost")

# --- Languages: French by default, Arabic (right to left) and English.
LANGUAGE_CODE = "fr"
# Shown by their own names in the switcher, so they need no translation.
LANGUAGES = [("fr", "Français"), ("ar", "العربية"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Africa/Casablanca"
LANGUAGE_COOKIE_NAME = "himaya_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files, served locally by WhiteNoise (no CDN).
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files live outside the web root and are served only through views.
MEDIA_ROOT = VAR_DIR / "private"
# Large uploads spill to disk while they arrive: keep them in the private folder, not /tmp.
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "private" / "uploads-in-progress")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
FILE_UPLOAD_PERMISSIONS = 0o600
HIMAYA_IMPORT_MAX_BYTES = env_int("HIMAYA_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# Vouchers: the signing key of codes (derived from SECRET_KEY when empty; set its own in
# production so that rotating SECRET_KEY does not void printed vouchers), the failed
# look-ups a vendor may make per minute, and whether vendors see a first name.
HIMAYA_VOUCHER_KEY = env_str("HIMAYA_VOUCHER_KEY")
HIMAYA_VOUCHER_FAILURES_PER_MINUTE = env_int("HIMAYA_VOUCHER_FAILURES_PER_MINUTE", 10)
HIMAYA_VOUCHER_SHOW_FIRST_NAME = env_bool("HIMAYA_VOUCHER_SHOW_FIRST_NAME", default=False)

# Retention (P16), in days, per category of docs/data-inventory.md; `himaya purge-expired`
# anonymises people with no activity for `caseload` and deletes the rest once expired.
# Audit events, deliveries and aggregates are kept (docs/decisions/0902-retention-and-erasure.md).
HIMAYA_RETENTION_DAYS = {
    "caseload": env_int("HIMAYA_RETENTION_CASELOAD_DAYS", 5 * 365),
    "replay": env_int("HIMAYA_RETENTION_REPLAY_DAYS", 30),
    "security_log": env_int("HIMAYA_RETENTION_SECURITY_LOG_DAYS", 180),
    "files": env_int("HIMAYA_RETENTION_FILES_DAYS", 90),
}

# --- Background work: django-tasks with the database backend.
# Tests run tasks at once, in the test's thread; elsewhere a worker (`himaya db_worker`) runs them.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if HIMAYA_ENV == "test"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}
# Jobs beat a heartbeat; one silent this long lost its worker (`himaya jobs-reap`, issue 9).
HIMAYA_JOB_HEARTBEAT_SECONDS = env_int("HIMAYA_JOB_HEARTBEAT_SECONDS", 30)
HIMAYA_JOB_STALE_SECONDS = env_int("HIMAYA_JOB_STALE_SECONDS", 600)

# --- API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "himaya.accounts.api_auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["himaya.accounts.access.RoleAccessPermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Himaya API",
    "DESCRIPTION": "Registry, assistance, vouchers and results for migrant protection programmes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the sidecar package, served locally: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each enum after its model so clients see which.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "himaya.jobs.models.Job.Status",
        "VoucherStatusEnum": "himaya.vouchers.lifecycle.Status",
        "StatementStatusEnum": "himaya.vouchers.models.Statement.Status",
        "ConsentStatusEnum": "himaya.registry.models.Consent.Status",
        "DistributionStatusEnum": "himaya.assistance.models.Distribution.Status",
        "DistributionTargetStatusEnum": "himaya.assistance.models.DistributionTarget.Status",
        "ReferralStatusEnum": "himaya.assistance.models.Referral.Status",
        "ImportBatchStatusEnum": "himaya.intake.models.ImportBatch.Status",
        "RoadmapStatusEnum": "himaya.capacity.models.RoadmapStatus",
        "ActionStatusEnum": "himaya.capacity.models.ActionStatus",
        "PairStatusEnum": "himaya.dedup.models.PairStatus",
        "PairBandEnum": "himaya.dedup.models.CandidatePair.Band",
        "DedupRunStatusEnum": "himaya.dedup.models.DedupRun.Status",
    },
}

# --- Security headers; production switches on HTTPS-only behaviour.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# A strict Content-Security-Policy: nothing from any other host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging to stdout; never personal data (views log ids, not names).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Query strings may carry what someone typed in a search box: never written out.
    "filters": {"no_query_strings": {"()": "himaya.protection.log_filters.RedactQueryStrings"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain",
                            "filters": ["no_query_strings"]}},
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    # At DEBUG the template engine logs whole contexts (decrypted identifiers included) and the
    # database layer logs SQL with its parameters (a searched name or phone): never below INFO,
    # whatever LOG_LEVEL says (tests/protection/test_no_personal_data_in_urls_or_logs.py).
    "loggers": {"axes": {"level": "WARNING"}, "django.template": {"level": "INFO"},
                "django.db.backends": {"level": "INFO"},
                # runserver's access lines go through the same filtered handler.
                "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False}},
}

"""OpenCIS settings, read from the environment. See README "Configuration"."""

import base64
import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cis.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Production is the default: DEBUG only when asked for (`make run` asks).
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "opencis-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # The unaccent lookup and extension (accent-insensitive panel search, issue 8 item 13);
    # on SQLite accounts.apps registers the same UNACCENT() function in Python.
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_fsm_log",
    "django_htmx",
    "axes",
    "cis",
    "accounts",
    "payments",
    "autopay",
    "delinquency",
    "serviceorders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cis.api.errors.NulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last: turns a sign-in lockout into the "locked out" page (issue 7 item 17)
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself; `runserver` does it under DEBUG.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "cis.urls"
WSGI_APPLICATION = "cis.wsgi.application"

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
            ],
        },
    },
]

# No DATABASE_URL: an embedded SQLite file, so `make run` works with nothing installed.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'opencis.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "cis.auth_backends.LockoutBackend",  # django-axes: refuses locked-out sign-ins
    "cis.auth_backends.PermissionsBackend",  # permissions in one query; no sign-ins
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout (django-axes): after this many wrong passwords for one user name from one
# address (sign-in page, admin, basic auth, the panel's SSN-reveal prompt) sign-ins are
# refused for the cool-off time; failures and lockouts are recorded (admin: Axes).
AXES_FAILURE_LIMIT = env_int("OPENCIS_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OPENCIS_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("OPENCIS_TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("OPENCIS_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Transport security, secure by default in production (issue 7 item 24). HSTS is only
    # sent on HTTPS responses; subdomains and preload are decisions about the whole
    # domain, so they are the operator's to switch on.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy: the header (as in request.META) and value it sets on
# HTTPS requests, e.g. "HTTP_X_FORWARDED_PROTO,https". Only if the proxy always sets or
# strips it, or clients could claim HTTPS.
_proxy_ssl_header = env_list("DJANGO_SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured("DJANGO_SECURE_PROXY_SSL_HEADER must be 'HEADER,value'")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if _proxy_ssl_header else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "billing@opencis.example")


# Field encryption (bank account numbers, SSN, driver's license). A comma-separated list of
# Fernet keys, newest first: data is written with the first and read with any, so a key
# is rotated by putting a new one in front (`manage.py rotate_field_keys` re-encrypts).
def _derived_dev_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG and not env_bool("OPENCIS_ALLOW_DERIVED_KEYS", False):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off")
    FIELD_ENCRYPTION_KEYS = [_derived_dev_key(SECRET_KEY)]

# Celery. No broker configured: tasks run eagerly in-process (the `make run` default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "django-db-less")
if CELERY_RESULT_BACKEND == "django-db-less":
    # Results are read from BatchRun rows, not from a result backend; the broker's Redis
    # serves as one when present so callers can wait on a task.
    CELERY_RESULT_BACKEND = (
        CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "cache+memory://"
    )
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Batch jobs
BATCH_CHUNK_SIZE = env_int("OPENCIS_BATCH_CHUNK_SIZE", 500)
# Payments: a cash-only score at or above this refuses checks, cards and ACH (seed 003 4.3).
OPENCIS_CASH_ONLY_THRESHOLD = env_int("OPENCIS_CASH_ONLY_THRESHOLD", 100)
# Delinquency: medical certificate renewals allowed per rolling year (issue 12 item 7).
OPENCIS_MEDICAL_RENEWALS_PER_YEAR = env_int("OPENCIS_MEDICAL_RENEWALS_PER_YEAR", 2)
# The largest amount one payment, tender, adjustment or bill segment may carry (the API
# refuses more); the ledger refuses any posting that would overflow a cached balance.
OPENCIS_MAX_AMOUNT = Decimal(env_str("OPENCIS_MAX_AMOUNT", "9999999.99"))
# The panel asks the CSR to confirm a payment above this amount, or above this many times
# the account's (positive) balance, before posting it (issue 8 item 3).
OPENCIS_CONFIRM_AMOUNT = Decimal(env_str("OPENCIS_CONFIRM_AMOUNT", "10000.00"))
OPENCIS_CONFIRM_BALANCE_MULTIPLE = env_int("OPENCIS_CONFIRM_BALANCE_MULTIPLE", 10)
# Payment, accounting and bill dates the API takes, in days around today.
OPENCIS_DATE_WINDOW_DAYS_PAST = env_int("OPENCIS_DATE_WINDOW_DAYS_PAST", 366 * 2)
OPENCIS_DATE_WINDOW_DAYS_FUTURE = env_int("OPENCIS_DATE_WINDOW_DAYS_FUTURE", 366)

# Work per online request: bigger jobs go through the payment upload (the bulk path).
OPENCIS_MAX_PAYMENTS_PER_EVENT = env_int("OPENCIS_MAX_PAYMENTS_PER_EVENT", 100)
OPENCIS_MAX_TENDERS_PER_EVENT = env_int("OPENCIS_MAX_TENDERS_PER_EVENT", 20)

# Payment files waiting for the nightly `payment_files_import` job (issue 9): drop files in
# its format subfolders (bai2/, lockbox/, csv/, processor-csv/); they move to done/ or
# rejected/.
OPENCIS_PAYMENT_INBOX = Path(
    env_str("OPENCIS_PAYMENT_INBOX", str(BASE_DIR / "var" / "inbox" / "payments"))
)

# Payment upload (issue 9): the account unidentified payments go to (an account number;
# empty: the first account flagged "suspense"), and how long Complete staging is kept.
OPENCIS_SUSPENSE_ACCOUNT = env_str("OPENCIS_SUSPENSE_ACCOUNT", "")
OPENCIS_STAGING_KEEP_DAYS = env_int("OPENCIS_STAGING_KEEP_DAYS", 90)
# The demographic item whose account-level value is the budget amount (seed 004).
# Autopay (README "Autopay"). When the payment is created: at bill completion, or stored on
# the bill for the create job on the extract date (seed 001 steps 1.7, 2.8).
OPENCIS_AUTOPAY_CREATE_AT = env_str("OPENCIS_AUTOPAY_CREATE_AT", "extract_date")
# Customer types that may pay by autopay (empty: all).
OPENCIS_AUTOPAY_CUSTOMER_TYPES = env_list("OPENCIS_AUTOPAY_CUSTOMER_TYPES", [])
OPENCIS_ACH_OUTBOX = Path(env_str("OPENCIS_ACH_OUTBOX", str(BASE_DIR / "var" / "outbox" / "ach")))
# Refunds paid by check: the check register CSVs (README "Refunds").
OPENCIS_CHECK_OUTBOX = Path(
    env_str("OPENCIS_CHECK_OUTBOX", str(BASE_DIR / "var" / "outbox" / "checks"))
)
OPENCIS_ACH_INBOX = Path(env_str("OPENCIS_ACH_INBOX", str(BASE_DIR / "var" / "inbox" / "ach")))
# Stop autopay after this many NSF returns within OPENCIS_AUTOPAY_NSF_MONTHS months.
OPENCIS_AUTOPAY_NSF_STOP_COUNT = env_int("OPENCIS_AUTOPAY_NSF_STOP_COUNT", 2)
OPENCIS_AUTOPAY_NSF_MONTHS = env_int("OPENCIS_AUTOPAY_NSF_MONTHS", 12)
# A returned entry may be presented again within this many days of the original.
OPENCIS_AUTOPAY_REPRESENT_DAYS = env_int("OPENCIS_AUTOPAY_REPRESENT_DAYS", 180)
# The most one autopay may draft (empty: no limit); larger amounts are cut with a To Do.
OPENCIS_AUTOPAY_MAX_WITHDRAWAL = env_str("OPENCIS_AUTOPAY_MAX_WITHDRAWAL", "")
# Banking days between the file going to the bank and settlement; days of advance notice.
OPENCIS_AUTOPAY_LEAD_DAYS = env_int("OPENCIS_AUTOPAY_LEAD_DAYS", 2)
OPENCIS_AUTOPAY_NOTICE_DAYS = env_int("OPENCIS_AUTOPAY_NOTICE_DAYS", 10)
# The nightly sweep evaluates bills completed this many days back that no bill-completion
# delivery evaluated (a crash between the bills' commit and the receiver).
OPENCIS_AUTOPAY_SWEEP_DAYS = env_int("OPENCIS_AUTOPAY_SWEEP_DAYS", 7)
OPENCIS_CARD_EXPIRY_NOTICE_DAYS = env_int("OPENCIS_CARD_EXPIRY_NOTICE_DAYS", 30)
OPENCIS_BUDGET_DEMOGRAPHIC_ITEM = env_str("OPENCIS_BUDGET_DEMOGRAPHIC_ITEM", "BUDGET")
# Card processors by code: "code=dotted.Class,..." (payments/processors); each real
# processor's class reads its own secrets from the environment.
OPENCIS_CARD_PROCESSORS = dict(
    item.split("=", 1)
    for item in env_list(
        "OPENCIS_CARD_PROCESSORS", ["sandbox=payments.processors.sandbox.SandboxProcessor"]
    )
)

# Processor webhooks (payments/processors/webhooks.py): "processor=TENDER_SOURCE,...", and
# per processor OPENCIS_WEBHOOK_SECRET_<PROCESSOR> (+ _PREVIOUS during a rotation). Without
# a secret every delivery is refused (401), except that sandbox secrets
# (`sandbox-<processor>-secret`) stand in when OPENCIS_WEBHOOK_SANDBOX_SECRETS (default: DEBUG).
OPENCIS_WEBHOOK_PROCESSORS = dict(
    item.split("=", 1)
    for item in env_list(
        "OPENCIS_WEBHOOK_PROCESSORS",
        ["paymentus=PAYMENTUS", "cdsglobal=CDSGLOBAL", "webselfcare=WEB"],
    )
)
OPENCIS_WEBHOOK_SANDBOX_SECRETS = env_bool("OPENCIS_WEBHOOK_SANDBOX_SECRETS", DEBUG)
OPENCIS_WEBHOOK_SECRETS = {
    name: [
        secret
        for secret in (
            env_str(
                f"OPENCIS_WEBHOOK_SECRET_{name.upper()}",
                f"sandbox-{name}-secret" if OPENCIS_WEBHOOK_SANDBOX_SECRETS else None,
            ),
            env_str(f"OPENCIS_WEBHOOK_SECRET_{name.upper()}_PREVIOUS"),
        )
        if secret
    ]
    for name in OPENCIS_WEBHOOK_PROCESSORS
}
# A delivery whose timestamp is further than this from now (past or future) is refused.
OPENCIS_WEBHOOK_TOLERANCE_SECONDS = env_int("OPENCIS_WEBHOOK_TOLERANCE_SECONDS", 300)

# Stored Idempotency-Key results are kept this many days (batch job purge_idempotency_keys).
OPENCIS_IDEMPOTENCY_KEY_DAYS = env_int("OPENCIS_IDEMPOTENCY_KEY_DAYS", 7)
# Seconds a process keeps code tables (tender types, sources, default rules) it read
# (cis.codetables; 0: no cache). A save in the admin clears its own process's at once.
OPENCIS_CODE_TABLE_CACHE_SECONDS = env_int("OPENCIS_CODE_TABLE_CACHE_SECONDS", 10)

# API authentication (issue 7 item 17): API keys for integrations, the session for the
# browser. HTTP basic auth costs a full password hash per request: off unless asked for.
OPENCIS_API_BASIC_AUTH = env_bool("OPENCIS_API_BASIC_AUTH", DEBUG)
# Requests per client address; "auth_failure" counts failed API authentications.
OPENCIS_THROTTLE_RATES = {
    "anon": env_str("OPENCIS_THROTTLE_ANON", "60/min"),
    "auth_failure": env_str("OPENCIS_THROTTLE_AUTH_FAILURES", "10/min"),
}
# Shared cache for throttle counters across web workers (else per process).
_cache_url = env_str("OPENCIS_CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The first class's challenge is the WWW-Authenticate header of a 401; the last one
    # only rate-limits requests nobody authenticated.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cis.authentication.ApiKeyAuthentication",
        "cis.authentication.StaffSessionAuthentication",  # never a /my/ web login
        *(["cis.authentication.ThrottledBasicAuthentication"] if OPENCIS_API_BASIC_AUTH else []),
        "cis.throttling.AnonymousRateLimit",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "cis.api.parsers.DecimalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "cis.api.errors.exception_handler",
    # Client address for throttles: REMOTE_ADDR, or the last N X-Forwarded-For entries
    # behind N proxies (a client can't choose its address to escape a limit).
    "NUM_PROXIES": env_int("OPENCIS_NUM_PROXIES", 0),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenCIS API",
    "DESCRIPTION": "Customer Information System for utilities: accounts, ledger, payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps every endpoint: only for authenticated callers (issue 7 item 18).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # AnonymousRateLimit authenticates nobody: not a security scheme.
    "AUTHENTICATION_WHITELIST": [
        c
        for c in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
        if c != "cis.throttling.AnonymousRateLimit"
    ],
    # Swagger UI from drf-spectacular-sidecar's static files, never from a public CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cis.api.errors.error_responses_hook",
    ],
    # Several models have a `status`; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "PaymentStatusEnum": "payments.models.events.Payment.Status",
        "TenderStatusEnum": "payments.models.events.Tender.Status",
        "ControlStatusEnum": "payments.models.controls.ControlStatus",
        "ReceiptLayoutEnum": "payments.models.events.ReceiptPrint.Format",
        "BillStatusEnum": "accounts.models.ledger.Bill.Status",
        "AdjustmentStatusEnum": "accounts.models.ledger.Adjustment.Status",
        "AutopayKindEnum": "autopay.models.Enrollment.Kind",
        "AutopayStopReasonEnum": "autopay.models.Enrollment.StopReason",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("OPENCIS_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

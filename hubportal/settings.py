"""Settings of the Hub Portal, read from the environment.

One file for every environment: what differs between a laptop, CI and production comes
from environment variables, each with a default that suits local development.
"""

import os
import sys
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def load_env_file(path: Path) -> None:
    """Read KEY=VALUE lines of a local `.env` (written by `make`); the real environment wins."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


load_env_file(BASE_DIR / ".env")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules

# A development key is generated only while DEBUG is on; production must set its own.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# The portal's own apps come first: for a message both we and a third-party app translate
# (django_celery_beat's "Name" is 任务名), the first app's catalog wins.
INSTALLED_APPS = [
    "hubportal",
    "accounts",
    "orgs",
    "reporting",
    "incubation",
    "training",
    "evaluation",
    "cobuilding",
    "cards",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below) and Permissions-Policy.
    "csp.middleware.CSPMiddleware",
    "hubportal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sessions end after HUB_SESSION_IDLE_MINUTES idle or HUB_SESSION_MAX_HOURS in all.
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cache-Control: no-store on every answer to a signed-in user (personal data).
    "hubportal.personal.NoStoreMiddleware",
    # A control character in a query string (?q=%00) is a 400 with a message, never a 500.
    "hubportal.querystring.ControlCharactersInQueryMiddleware",
    # The change stamp behind cached figures read once per GET (hubportal.freshness).
    "hubportal.freshness.StampPerRequestMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Lock-out after repeated failed logins; must stay last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hubportal.urls"
WSGI_APPLICATION = "hubportal.wsgi.application"

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
                "hubportal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hubportal"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# No JIT: the portal's queries are short and many, and PostgreSQL's JIT compiles any plan whose
# estimated cost passes jit_above_cost — on the province's home counters and dashboards that
# compilation took 5.0 s of a 7.3 s query (seed_scale data), far more than it ever saves.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The Hub Portal runs on PostgreSQL only (DATABASE_URL=postgres://...)")
# A streaming read replica (DATABASE_REPLICA_URL): dashboards, exports and the API's lists read
# from it, everything else from the primary (hubportal.replica). Under pytest the alias mirrors
# the test database so the router can be tested; it is used only where a test turns it on.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["OPTIONS"] = {"options": "-c jit=off", "connect_timeout": 2}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
elif TESTING:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
HUB_REPLICA_READS = bool(DATABASE_REPLICA_URL)
# Pages and API lists served again from the cache while no tracked table changed since they
# were drawn for the same user (hubportal.pagecache); HUB_PAGE_CACHE=0 draws every page.
HUB_PAGE_CACHE = env_bool("HUB_PAGE_CACHE", True)
DATABASE_ROUTERS = ["hubportal.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses while an address or account has failed too often this hour (accounts.throttle).
    "accounts.throttle.LoginThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Lock-out: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The 429 of a lock-out or of a limit below: a page, or JSON under /api/.
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_VERBOSE = False

# Credential endpoints, per hour, counted in the cache (accounts.throttle): failed log-ins per
# client address (whatever the usernames) and per account (whatever the addresses), token
# requests, password resets per address and reset mails per e-mail address.
HUB_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("HUB_LOGIN_FAILURES_PER_ADDRESS", "30"))
HUB_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("HUB_LOGIN_FAILURES_PER_ACCOUNT", "20"))
HUB_TOKEN_REQUESTS_PER_ADDRESS = int(os.environ.get("HUB_TOKEN_REQUESTS_PER_ADDRESS", "60"))
HUB_TOKEN_REQUESTS_PER_ACCOUNT = int(os.environ.get("HUB_TOKEN_REQUESTS_PER_ACCOUNT", "20"))
HUB_PASSWORD_RESETS_PER_ADDRESS = int(os.environ.get("HUB_PASSWORD_RESETS_PER_ADDRESS", "10"))
HUB_PASSWORD_RESETS_PER_EMAIL = int(os.environ.get("HUB_PASSWORD_RESETS_PER_EMAIL", "3"))

# API tokens (accounts.ApiToken): days of validity, valid tokens an account may hold.
HUB_API_TOKEN_DAYS = int(os.environ.get("HUB_API_TOKEN_DAYS", "30"))
HUB_API_TOKENS_PER_USER = int(os.environ.get("HUB_API_TOKENS_PER_USER", "20"))

# Sessions end after this long without a request, and this long after the log-in however
# busy (accounts.middleware); the cookie does not outlive the second.
HUB_SESSION_IDLE_MINUTES = int(os.environ.get("HUB_SESSION_IDLE_MINUTES", "120"))
HUB_SESSION_MAX_HOURS = int(os.environ.get("HUB_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = HUB_SESSION_MAX_HOURS * 3600

# Chinese first; English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["hubportal.formats"]  # thousands separators in Chinese too
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from the npm registry (package.json) and are served from here.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/zxing", NODE_MODULES / "@zxing" / "browser" / "umd"),
]


def file_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """Where uploaded and generated files live (documents, photos, evidence, import uploads
    and result workbooks, certificates, ZIP bundles): every app reaches them through Django's
    storage API, so the folder MEDIA_ROOT (STORAGE_BACKEND=local, the default) and an
    S3-compatible store (STORAGE_BACKEND=s3: MinIO, Ceph, a cloud's object storage) are
    interchangeable — the web processes and workers of several machines share the store.

    S3 reads S3_BUCKET (required), S3_ENDPOINT_URL (empty for AWS itself), S3_REGION,
    S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (else boto3's own chain: AWS_* variables, an
    instance role), S3_PREFIX (a folder inside the bucket) and S3_ADDRESSING_STYLE (`path` for
    most self-hosted stores). Files stay private: no public ACL, links signed for an hour, and
    a name already taken gets a suffix as on disk (django-storages would overwrite it)."""
    backend = environ.get("STORAGE_BACKEND", "local").strip().lower() or "local"
    if backend == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {backend!r}")
    bucket = environ.get("S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL unless on AWS)")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": environ.get("S3_PREFIX", "").strip("/"),
        "default_acl": None,  # the bucket's own, private
        "querystring_auth": True,
        "querystring_expire": 3600,
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    for option, name in (
        ("endpoint_url", "S3_ENDPOINT_URL"),
        ("region_name", "S3_REGION"),
        ("access_key", "S3_ACCESS_KEY_ID"),
        ("secret_key", "S3_SECRET_ACCESS_KEY"),
        ("addressing_style", "S3_ADDRESSING_STYLE"),
    ):
        if environ.get(name, "").strip():
            options[option] = environ[name].strip()
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def file_storage_origins(storage: Mapping[str, Any]) -> list[str]:
    """The origins a page's <img> loads stored photos from (the storage's signed links): none
    for the local folder (this server); for S3 the endpoint, or the bucket's host when the
    bucket is addressed as a subdomain (AWS's default), for the Content-Security-Policy."""
    options = storage.get("OPTIONS", {})
    if "bucket_name" not in options:
        return []
    bucket, style = options["bucket_name"], options.get("addressing_style")
    endpoint = options.get("endpoint_url")
    if endpoint:
        parsed = urllib.parse.urlsplit(endpoint)
        origins = [f"{parsed.scheme}://{parsed.netloc}"]
        if style != "path":
            origins.append(f"{parsed.scheme}://{bucket}.{parsed.netloc}")
        return origins
    # AWS itself: boto3 links to the global host, or to the region's (China's on .com.cn)
    region = options.get("region_name")
    hosts = ["s3.amazonaws.com"]
    if region:
        hosts.append(f"s3.{region}.amazonaws.com{'.cn' if region.startswith('cn-') else ''}")
    return [f"https://{bucket}.{host}" for host in hosts] + [f"https://{host}" for host in hosts]


STORAGES = {
    "default": file_storage(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "亲青汇 <noreply@hubportal.local>")

# PDFs embed this CJK TrueType font (Debian's fonts-wqy-microhei, installed by `make setup`): it has
# Latin letters, digits and “·” too, which Droid Sans Fallback lacks.
HUB_PDF_FONT = os.environ.get("HUB_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# The portal's public address, for links in messages and on certificates (no trailing slash).
HUB_SITE_URL = os.environ.get("HUB_SITE_URL", "http://127.0.0.1:8000")
# Outgoing messages: attempts before a message is left as failed for an administrator.
HUB_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("HUB_OUTBOX_MAX_ATTEMPTS", "5"))

# Security headers; HTTPS-only cookies wherever the portal is not in DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The production switch: with secure cookies the portal is served over HTTPS only, so plain
# http is redirected and browsers are told to come back over HTTPS only (HSTS) for a year.
# Behind a proxy that ends TLS, set SECURE_PROXY_SSL_HEADER=1 (it must set X-Forwarded-Proto).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if SESSION_COOKIE_SECURE else "0"))
# `preload` only consents to the browsers' preload list: a domain is on it once submitted by hand.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# /healthz is asked by monitors over plain http inside the host.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts and styles only from this server, never inline
# (the pages keep their behaviour in static files and their sizes in classes; a computed width
# is a data-width attribute applied by portal.js through the CSSOM; charts draw their tooltips
# on the canvas). `tests/hubportal/test_security_headers.py` holds them to it. Only the API
# documentation pages (ReDoc, Swagger UI, staff only) add 'unsafe-inline' styles (hubportal.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws its icons (select arrows, the menu button) as data: SVGs.
        # Photos on an S3-compatible store come from its signed links (file_storage_origins).
        "img-src": ["'self'", "data:", "blob:", *file_storage_origins(STORAGES["default"])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # ReDoc builds its search index in a worker made from a blob.
        "worker-src": ["'self'", "blob:"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (hubportal.middleware): no page uses these features but the camera, which
# the training check-in page asks for to scan QR codes (this origin only, never a frame's).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": ["self"],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# The cache holds the rate-limit counters every process must share: Redis, unless
# REDIS_CACHE=0 (one process on a laptop) or under pytest (each test starts empty; one test
# proves the counters are shared on Redis). A Redis that is away reads as a miss.
REDIS_CACHE_SETTINGS = {
    "BACKEND": "hubportal.cache.ResilientRedisCache",
    "LOCATION": REDIS_URL,
    "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "hubportal"),
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}
CACHES = {
    "default": REDIS_CACHE_SETTINGS
    if env_bool("REDIS_CACHE", not TESTING)
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# Celery: broker and results on Redis; schedules in the database (django-celery-beat).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
# Named queues, so that a province runs workers per queue on other machines (`celery worker
# -Q imports`); `bin/run` starts one worker consuming them all. A task not routed here goes to
# the default queue (CELERY_QUEUE, "default"); /healthz names a queue that no worker consumes.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "default")
CELERY_TASK_ROUTES = {
    # imports: workbooks applied row by row
    "orgs.apply_import": {"queue": "imports"},
    "cards.apply_card_import": {"queue": "imports"},
    # documents: PDF, Word, certificates, ZIP bundles
    "training.generate_certificates": {"queue": "documents"},
    "evaluation.certificate_bundle": {"queue": "documents"},
    # tracking: target snapshots over the whole province
    "reporting.track_targets": {"queue": "tracking"},
    "reporting.track_targets_job": {"queue": "tracking"},
    "reporting.track_previous_quarter": {"queue": "tracking"},
    # messages: the outbox and the reminders that fill it
    "hubportal.deliver_messages": {"queue": "messages"},
    "hubportal.deliver_due_messages": {"queue": "messages"},
    "reporting.send_reminders": {"queue": "messages"},
}
HUB_QUEUES = ("imports", "documents", "tracking", "messages", CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# An unacknowledged task goes back to the queue after `visibility_timeout` seconds: longer
# than the longest task (a 200,000-row import, a province's certificates: a few minutes),
# shorter than the hour Redis would otherwise wait after a worker died.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "max_retries": 1, "visibility_timeout": 900}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "hubportal.drf.PinyinOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "hubportal.drf.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "hubportal.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "1200/min", "registration": "10/hour"},
    "EXCEPTION_HANDLER": "hubportal.drf.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "亲青汇 Hub Portal API",
    "DESCRIPTION": "The registry, incubation, training, rating and reporting API of the league's hub portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation also declares its error answers (hubportal.schema.document_errors).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hubportal.schema.document_errors",
    ],
    # One name per choice set that several fields share (a unit's level, a list of levels...).
    "ENUM_NAME_OVERRIDES": {
        "LeagueUnitLevelEnum": "orgs.models.LeagueUnit.Level",
        "LeagueUnitKindEnum": "orgs.models.LeagueUnit.Kind",
        "ServiceFieldEnum": "orgs.models.Organization.ServiceField",
        "BaseServiceEnum": "incubation.models.Service",
        "OrganizationStatusEnum": "orgs.models.Organization.Status",  # a status, and a change's `to`
        # A fund movement's body takes these two kinds; its answers every kind (reversals too).
        "FundMovementEntryKindEnum": "incubation.api.serializers.ENTRY_KINDS",
    },
}

# pghistory: inserts, updates and deletes of tracked models are written by triggers.
PGHISTORY_DEFAULT_TRACKERS = None  # set per model through hubportal.history.track
# The request's context (who, which page) only for the methods that change data: on a GET it
# prefixed every query with set_config() calls (about a tenth of a list page's time). Every
# write goes through a service, which opens a context of its own (hubportal.history).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

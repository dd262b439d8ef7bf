"""Settings for the portal, read from the environment (see README, "Configuration")."""

from datetime import date, timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.security import check_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# A development key only while DEBUG is on: a production deployment must set its own.
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key" if DEBUG else "")
if not DEBUG:
    check_secret_key(SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts.lockouts.LockoutsConfig",  # django-axes
    "accounts",
    "exchange",
    "booking",
    "workspace",
]

MIDDLEWARE = [
    # Answers /healthz before anything else runs: no host check, redirect, session or CSRF.
    "portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the answer of the sign-in view and can replace it with the lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction begins, so two writers queue up
    # instead of one failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30}
    )
    DATA_DIR.mkdir(exist_ok=True)
else:
    # A sync worker keeps its connection (checked before reuse) instead of opening one per
    # request: opening it cost PostgreSQL more CPU than a booking's own queries (the bench's
    # load scenario: 22 of 39 ms a booking). `?conn_max_age=0` in DATABASE_URL turns it off.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (portal.jobs): a Procrastinate queue on PostgreSQL, run by
# `python manage.py procrastinate worker`. Without PostgreSQL (the zero-setup SQLite) there
# is no queue: jobs run in the web process once their transaction commits.
ON_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if ON_POSTGRESQL:
    INSTALLED_APPS.append("procrastinate.contrib.django")
JOBS_IN_PROCESS = env.bool("JOBS_IN_PROCESS", default=not ON_POSTGRESQL)
if not JOBS_IN_PROCESS and not ON_POSTGRESQL:
    raise ImproperlyConfigured("The job queue needs PostgreSQL: unset JOBS_IN_PROCESS=0.")

AUTH_USER_MODEL = "accounts.User"
# The lockout check comes first: a locked-out sign-in must not reach the password check.
AUTHENTICATION_BACKENDS = [
    "accounts.throttling.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Patients' pages are Russian whatever the browser asks; the source strings are English, so
# offering English later is a matter of a language switch (LocaleMiddleware).
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
# WhiteNoise serves `collectstatic`'s output with hashed names, compressed, cached for ever;
# the files in WHITENOISE_ROOT (favicon.ico) at the site's root.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_ROOT = BASE_DIR / "portal" / "root"
# Logos and photos the clinics' staff upload. Served by Django only with DEBUG: in production
# the web server serves MEDIA_URL from MEDIA_ROOT (an nginx `location /media/`).
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=DATA_DIR / "media")

# One line per record on stderr: `key=value` text, or JSON for a log collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"portal": {"()": "portal.logging.make_formatter", "kind": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "portal"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers would print its records a second time, unformatted.
        "django": {"handlers": [], "level": env("LOG_LEVEL", default="INFO")},
        # Task registration, said (twice) by every process at start.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    },
}

# The MIS exchange.
DEFAULT_CLINIC_TIMEZONE = env("DEFAULT_CLINIC_TIMEZONE", default="Europe/Moscow")
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=64 * 1024 * 1024)
# The test console on /services/ (a dry run for integrators) takes smaller documents.
CONSOLE_MAX_BYTES = env.int("CONSOLE_MAX_BYTES", default=2 * 1024 * 1024)
# Django's own body limit must not answer first (it says 400): the import endpoint answers
# 413 itself at IMPORT_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES
# The dates an import may carry: from IMPORT_EARLIEST_DATE to the clinic's today plus
# IMPORT_YEARS_AHEAD years. A date outside is unreadable (docs/protocol.md, "Reading").
IMPORT_EARLIEST_DATE = date.fromisoformat(env("IMPORT_EARLIEST_DATE", default="2000-01-01"))
IMPORT_YEARS_AHEAD = env.int("IMPORT_YEARS_AHEAD", default=5)

# Booking.
BOOKING_LEAD_MINUTES = env.int("BOOKING_LEAD_MINUTES", default=60)
BOOKING_MAX_ACTIVE_ORDERS = env.int("BOOKING_MAX_ACTIVE_ORDERS", default=3)
# What may pause a clinic's online booking: the stale-data guard of clinics with an MIS.
BOOKING_PAUSE_CHECKS = ["workspace.sync.booking_paused"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "booking:home"
LOGOUT_REDIRECT_URL = "booking:home"
# The operator of patients' personal data (152-ФЗ), as the privacy page (/privacy/) names it.
PRIVACY_OPERATOR_NAME = env("PRIVACY_OPERATOR_NAME", default="ООО «Медихост»")
PRIVACY_OPERATOR_CONTACTS = env(
    "PRIVACY_OPERATOR_CONTACTS", default="privacy@medihost.ru, +7 800 000-00-00"
)
# The portal's address as patients reach it: the links in emails and text messages, which
# jobs send without a request to take it from.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")
# Text messages (reminders): a class with send(phone, text), by dotted path (booking/sms.py).
SMS_BACKEND = env("SMS_BACKEND", default="booking.sms.ConsoleBackend")

# The clinics' workspace.
WORKSPACE_IMAGE_MAX_BYTES = env.int("WORKSPACE_IMAGE_MAX_BYTES", default=2 * 1024 * 1024)
WORKSPACE_INVITATION_DAYS = env.int("WORKSPACE_INVITATION_DAYS", default=7)
# How many weeks ahead the schedules of clinics without an MIS are made from their templates.
WORKSPACE_TEMPLATE_WEEKS = env.int("WORKSPACE_TEMPLATE_WEEKS", default=8)

# Failed sign-ins (django-axes, both sign-in pages): AXES_FAILURE_LIMIT failures within the
# cool-off lock out that account from every address, and that address for every account.
# Details and the reasons in accounts/throttling.py.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# A successful sign-in clears the failures of its account only (accounts.throttling): axes'
# own reset would clear the address's failures against every other account too.
AXES_RESET_ON_SUCCESS = False
# Tries during a lockout are refused without being counted, so it ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No journal of every successful sign-in and its address: throttling does not need one.
AXES_DISABLE_ACCESS_LOG = True
# Reverse proxies in front of the portal that append the client's address to
# X-Forwarded-For; 0 trusts no header, so a client cannot choose the address it is counted by.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Mail: printed to the console unless EMAIL_URL names an SMTP server
# (smtp+tls://user:password@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Medihost <noreply@medihost.ru>")

# Security. Safe by default in production; each variable can relax its setting for a
# deployment that needs it (a proxy that already redirects, a first test without HSTS).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and Prometheus call a node directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages load only the portal's own files: no inline script or style, no frames, forms post
# only here. While developing, violations are reported in the browser's console instead,
# so that Django's debug pages (inline styles) still work.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None

# Observability: /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`, and not
# at all (404) without a token set. Errors go to Sentry when SENTRY_DSN is set.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        # Orders carry patients' names and phones: nothing personal leaves the portal.
        send_default_pii=False,
    )

# Data retention: the personal details of orders whose visit ended longer ago than this
# are blanked every night (booking.tasks); 0 keeps them.
ANONYMIZE_ORDERS_AFTER_DAYS = env.int("ANONYMIZE_ORDERS_AFTER_DAYS", default=365)

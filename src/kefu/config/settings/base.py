"""Kefu settings: everything lives here; the environment chooses the mode (see env.py)."""

from __future__ import annotations

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from kefu.config import env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.var_dir()

SECRET_KEY = env.secret_key()
DEBUG = env.env_bool("KEFU_DEBUG", False)
ALLOWED_HOSTS = env.env_list("KEFU_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.env_list("KEFU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "kefu.core",
    "kefu.tenancy",
    "kefu.web",
    "kefu.cli",
    "kefu.workforce",
    "kefu.analytics",
    "kefu.desk",
    "kefu.knowledge",
    "kefu.routing",
    "kefu.connectors",
    "kefu.quality",
    "kefu.reports",
    "kefu.floor",
    "kefu.engagements",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.web.middleware.NoStoreWhenSignedInMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kefu.tenancy.middleware.AccessMiddleware",
    "kefu.web.errors.KefuErrorMiddleware",
    "kefu.config.api_fallbacks.ApiFallbackErrorsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the 429 page
]

ROOT_URLCONF = "kefu.config.urls"
ASGI_APPLICATION = "kefu.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kefu.web.context_processors.shell",
            ],
        },
    },
]

# --- Database: DATABASE_URL, default SQLite under var/ (WAL, see core.apps) ---
DATABASE_URL = env.env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env.env_int("KEFU_DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI each request may run in its own thread: a pool bounds the connections
    # (persistent per-thread connections would pile up to PostgreSQL's limit).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.env_int("KEFU_DB_POOL_MIN", 2),
        "max_size": env.env_int("KEFU_DB_POOL_MAX", 20),
        "timeout": 10,
    }
# Message ingest keeps its few statements prepared on its own PostgreSQL connections; turn it
# off behind a transaction-pooling pgbouncer older than 1.21.
KEFU_DB_PREPARE = env.env_bool("KEFU_DB_PREPARE", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Realtime and jobs: REDIS_URL switches to the distributed mode ---
REDIS_URL = env.env_str("REDIS_URL")
# Messages a channel holds before further ones are dropped. With Redis every channel of one server
# process shares one key, so this bounds the messages waiting for a whole process (its fan-out
# channel, its widget sockets), not one socket: channels' default of 100 dropped a batch of offers
# (docs/routing.md, "One channel per process").
CHANNEL_CAPACITY = env.env_int("KEFU_CHANNEL_CAPACITY", 5000)
REDIS_SOCKET_TIMEOUT_S = env.env_int("KEFU_REDIS_SOCKET_TIMEOUT_S", 30)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times socket reads out after 5 s, exactly how long channels_redis blocks
            # waiting for a message: an idle server's every wait failed ("Timeout reading")
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": REDIS_SOCKET_TIMEOUT_S}],
                "capacity": CHANNEL_CAPACITY,
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work: django-tasks on the database; `kefu worker` runs tasks and periodic jobs ---
# (docs/architecture.md "Background work", docs/decisions.md)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# {name: (dotted path of a no-argument callable, or "command:<management command>", every seconds)}
KEFU_PERIODIC_JOBS = {
    "webhooks.deliver": ("kefu.connectors.webhooks.deliver_due", env.env_int("KEFU_WEBHOOKS_EVERY_S", 10)),
    "desk.sla_check": ("command:sla_check", env.env_int("KEFU_SLA_CHECK_EVERY_S", 60)),
    "email.poll": ("kefu.connectors.email.poll_mailboxes", env.env_int("KEFU_EMAIL_POLL_EVERY_S", 60)),
    "email.send": ("kefu.connectors.email.send_due", env.env_int("KEFU_EMAIL_SEND_EVERY_S", 15)),
    "routing.presence": ("kefu.routing.services.presence_sweep", env.env_int("KEFU_PRESENCE_EVERY_S", 15)),
    # the event log's hash chain and daily digests (docs/event-log.md); never on the write path
    "analytics.seal": ("kefu.analytics.sealing.seal_due", env.env_int("KEFU_EVENT_SEAL_EVERY_S", 30)),
    # auto-QA of every closed conversation, incremental (docs/quality-autoqa.md)
    "quality.autoqa": (
        "kefu.quality.autoqa_services.inspect_closed",
        env.env_int("KEFU_AUTOQA_EVERY_S", 300),
    ),
    # yesterday's report (and last month's review) per engagement, made and mailed once (docs/reports.md)
    "reports.due": ("kefu.reports.services.reports_due", env.env_int("KEFU_REPORTS_EVERY_S", 300)),
    # renewal and termination dates within a contract's notice, announced once to both sides
    # (docs/engagements-contracts.md)
    "engagements.contract_reminders": (
        "kefu.engagements.contracts.services.contract_reminders_due",
        env.env_int("KEFU_CONTRACT_REMINDERS_EVERY_S", 3600),
    ),
    # yesterday's review tasks per client (idempotent: reruns add only what is missing)
    "quality.sample": (
        "kefu.quality.reviews.sampling.sample_due",
        env.env_int("KEFU_QA_SAMPLE_EVERY_S", 3600),
    ),
    # survey links by e-mail and SMS and their one reminder and the automatic links after e-mails and calls
    # (docs/quality-surveys.md)
    "quality.surveys": (
        "kefu.quality.surveys.delivery.deliver_due",
        env.env_int("KEFU_SURVEYS_EVERY_S", 60),
    ),
    # overdue complaints, due callbacks, coaching due or overdue: a notice to the owner / agent and coach
    "quality.reminders": (
        "kefu.quality.reminders.reminders_due",
        env.env_int("KEFU_QUALITY_REMINDERS_EVERY_S", 300),
    ),
    # floor alarms: thresholds per queue and missed offers (docs/floor.md)
    "floor.alarms": ("kefu.floor.services.alarms_job", env.env_int("KEFU_FLOOR_ALARMS_EVERY_S", 10)),
    # 15-minute rollups folded up to the sealer's safe horizon (docs/metrics.md "Rollups")
    "analytics.rollups": ("kefu.analytics.rollups.fold_due", env.env_int("KEFU_ROLLUPS_EVERY_S", 15)),
    # automatic assignment: offer timeouts, overflow, what wake-ups missed (docs/routing.md)
    "routing.assign": ("kefu.desk.services.assignment.routing_sweep", env.env_int("KEFU_ROUTING_EVERY_S", 2)),
    # onboarding: start the handover phases whose day has come; remind of risk reviews that are due
    "engagements.handover": (
        "kefu.engagements.onboarding.services.handover_due",
        env.env_int("KEFU_HANDOVER_EVERY_S", 600),
    ),
    "engagements.risk_reviews": (
        "kefu.engagements.onboarding.services.risk_reviews_due",
        env.env_int("KEFU_RISK_REVIEWS_EVERY_S", 3600),
    ),
}
# Reports: made after this local hour of the client's day; the SLA compliance goal (%) a month's
# timers are held to until contracts carry the agreed figure; the language of the mailed reports.
KEFU_REPORTS_HOUR = env.env_int("KEFU_REPORTS_HOUR", 7)
KEFU_REPORTS_SLA_GOAL_PERCENT = env.env_int("KEFU_REPORTS_SLA_GOAL_PERCENT", 95)
KEFU_REPORTS_LANGUAGE = env.env_str("KEFU_REPORTS_LANGUAGE") or "zh-hans"
# Assign at once after a change (a contact queued, an agent freed); off: only the periodic sweep.
KEFU_ROUTING_ON_EVENTS = env.env_bool("KEFU_ROUTING_ON_EVENTS", True)
# Where those passes run (docs/routing.md, "Wake-ups"): `inline` on the committing thread; `thread`
# on one thread per process that gathers the wake-ups committed meanwhile; `leader` (PostgreSQL):
# told through NOTIFY to the one process holding the router lock, a worker if one runs (a server
# waits KEFU_ROUTING_LEADER_DEFER_S seconds before it competes). Default: `leader` with
# PostgreSQL, `inline` with SQLite (one writer).
KEFU_ROUTING_WAKE = env.env_choice(
    "KEFU_ROUTING_WAKE",
    ("inline", "thread", "leader"),
    "leader" if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else "inline",
)
KEFU_ROUTING_LEADER_DEFER_S = env.env_int("KEFU_ROUTING_LEADER_DEFER_S", 5)
# Routing's configuration (queues, shares, skills, certifications, capacities) is cached in each
# process across passes until a write changes its version; a cache older than this many seconds is
# re-read anyway (covers raw SQL by an operator). 0: re-read on every pass.
KEFU_ROUTING_CONFIG_MAX_AGE_S = env.env_int("KEFU_ROUTING_CONFIG_MAX_AGE_S", 60)
# Auto-QA: closed conversations of this many days back are inspected (again after a rules change);
# one run inspects at most this many, the next run continues.
KEFU_AUTOQA_LOOKBACK_DAYS = env.env_int("KEFU_AUTOQA_LOOKBACK_DAYS", 35)
KEFU_AUTOQA_MAX_PER_RUN = env.env_int("KEFU_AUTOQA_MAX_PER_RUN", 5000)
# Surveys: the class that sends SMS (docs/quality-surveys.md "SMS"); the default logs and delivers
# nothing (Kefu has no SMS gateway), so SMS invitations read "logged", never "sent".
KEFU_SMS_BACKEND = env.env_str("KEFU_SMS_BACKEND") or "kefu.quality.surveys.sms.LoggingBackend"
# `kefu.quality.surveys.sms.HttpBackend`: the gateway (or the provider's relay to its SMS vendor)
# that takes {"to", "text"} as JSON with this bearer token.
KEFU_SMS_HTTP_URL = env.env_str("KEFU_SMS_HTTP_URL")
KEFU_SMS_HTTP_TOKEN = env.env_str("KEFU_SMS_HTTP_TOKEN")
KEFU_SMS_HTTP_TIMEOUT_S = env.env_int("KEFU_SMS_HTTP_TIMEOUT_S", 10)
# Presence: after-contact work ends by itself after this many seconds; an agent whose workspace
# closed goes offline after the grace period (a reload or a short network drop keeps the state).
KEFU_ACW_SECONDS = env.env_int("KEFU_ACW_SECONDS", 120)
KEFU_PRESENCE_GRACE_S = env.env_int("KEFU_PRESENCE_GRACE_S", 90)
KEFU_WIDGET_QUEUE_EVERY_S = env.env_int("KEFU_WIDGET_QUEUE_EVERY_S", 10)  # widget's place in line refresh
# Inbox hints of one group and type within this window are merged into one on a server (the
# first goes at once): a busy provider's inboxes hear a few hints a second, not one per chat.
KEFU_HINT_MERGE_S = env.env_int("KEFU_HINT_MERGE_MS", 250) / 1000
# a workspace socket tells its page "your lists changed" at most this often (the page re-fetches)
KEFU_INBOX_HINT_S = env.env_int("KEFU_INBOX_HINT_MS", 1000) / 1000
# ...and less often when many sockets of one server hear one inbox: at most this many a second
KEFU_INBOX_REFETCHES_PER_S = env.env_int("KEFU_INBOX_REFETCHES_PER_S", 200)
# An event is sealed only once it is this old (and, on PostgreSQL, every transaction running when
# the sealer last looked has ended): ids from a sequence commit out of order.
KEFU_EVENT_SEAL_LAG_S = env.env_int("KEFU_EVENT_SEAL_LAG_S", 5)

# --- Auth ---
AUTH_USER_MODEL = "tenancy.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.env_int("KEFU_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: the age counts from the last request
LOGIN_THROTTLE_ATTEMPTS = env.env_int("KEFU_LOGIN_THROTTLE_ATTEMPTS", 5)
LOGIN_THROTTLE_WINDOW_SECONDS = env.env_int("KEFU_LOGIN_THROTTLE_WINDOW", 15 * 60)
# Sign-in throttling: django-axes (kefu.tenancy.throttle, docs/decisions.md). The count is per
# username, kept in the database (the cache when REDIS_URL is set), shared by every process.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = "kefu.tenancy.throttle.failure_limit"
AXES_COOLOFF_TIME = "kefu.tenancy.throttle.cooloff"
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that locking by username alone lets one address try many accounts; that is the choice
# made (locking an address would lock every agent behind an outsourcing floor's one NAT address).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "kefu.tenancy.throttle.username_of"
AXES_CLIENT_IP_CALLABLE = "kefu.tenancy.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "kefu.tenancy.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in Kefu's own audit log
AXES_VERBOSE = False
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler" if REDIS_URL else "axes.handlers.database.AxesDatabaseHandler"
)
OTP_TOTP_ISSUER = "Kefu"
PASSWORD_RESET_TIMEOUT = 3600

# --- Email: console by default; SMTP when KEFU_EMAIL_HOST is set ---
if env.env_str("KEFU_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.env_str("KEFU_EMAIL_HOST")
    EMAIL_PORT = env.env_int("KEFU_EMAIL_PORT", 25)
    EMAIL_HOST_USER = env.env_str("KEFU_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env.env_str("KEFU_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env.env_bool("KEFU_EMAIL_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
KEFU_BASE_URL = env.env_str("KEFU_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.env_str("KEFU_FROM_EMAIL", "kefu@localhost")

# --- Security: safe by default; HTTPS settings follow KEFU_HTTPS ---
HTTPS = env.env_bool("KEFU_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env.env_bool("KEFU_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.env_bool("KEFU_BEHIND_PROXY") else None
SECURE_HSTS_SECONDS = env.env_int("KEFU_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp, docs/decisions.md): scripts only from our own origin (the
# vendored htmx and ECharts, the apps' static files) or inline blocks carrying the request's nonce
# (`{{ request.csp_nonce }}`); no inline event handlers (data attributes and web/behaviours.js
# instead). Inline style attributes stay allowed: they cannot run code. The API's Swagger page
# loads its assets from a CDN and runs inline code, so it is left without a policy.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- i18n ---
LANGUAGE_CODE = env.env_str("KEFU_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "kefu" / "locale"]
TIME_ZONE = env.env_str("KEFU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files: vendored, served by WhiteNoise (no CDN) ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.env_str("KEFU_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

"""Example Shoppe settings.

With no environment at all the site runs on embedded defaults: SQLite, the in-memory
channel layer and a Celery worker thread inside the server process on kombu's
in-memory transport. Production services are switched on by environment variables
(see README): DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS. DEBUG (Django's
debug pages) is off unless set.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from shoppe.env import env_bool, env_choice, env_float, env_int, env_list, env_str, env_url, secret_key_persisted


def llm_variable(name: str) -> str:
    """`LLM_<name>`, or `GEMINI_<name>` where only that is set: the name deployments used before LLM_PROVIDER."""
    new, old = f"LLM_{name}", f"GEMINI_{name}"
    return old if not os.environ.get(new, "").strip() and os.environ.get(old, "").strip() else new


BASE_DIR = Path(__file__).resolve().parent.parent
# Created at start-up (shoppe.apps), not here: reading settings changes nothing on disk.
DATA_DIR = Path(env_str("SHOPPE_DATA_DIR", str(BASE_DIR / ".data")))
# The embedding model exported to ONNX: derived from the package, shared by every data dir.
MODEL_DIR = Path(env_str("SHOPPE_MODEL_DIR", str(BASE_DIR / ".data" / "models")))

DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
PRODUCTION = bool(DATABASE_URL or REDIS_URL)

# Embedded mode is the demo `make run` serves on a developer's machine: plain HTTP,
# loopback host names and a secret key generated into the data dir. DEBUG=0 hardens it
# as production always is (HTTPS settings, SECRET_KEY required); DEBUG=1 is development anywhere.
DEVELOPMENT = env_bool("DEBUG", default=not PRODUCTION)
# Django's debug pages list every URL pattern and show tracebacks and settings to whoever
# gets an error, and a demo can be reachable from other machines: only when asked for.
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = secret_key_persisted(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEVELOPMENT else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "axes",
    "csp",
    "shoppe",
    "support",
    "rag",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shoppe.locale_middleware.ShopLocaleMiddleware",  # after sessions, before common (Django's order)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "shoppe.urls"
ASGI_APPLICATION = "shoppe.asgi.application"

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
                "shoppe.context_processors.cart",
                "shoppe.context_processors.chat_limits",
                "support.context_processors.socket_contract",
                "support.context_processors.chat_owner",
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "shoppe.sqlite",  # Django's SQLite, with writers queueing on a lock
            "NAME": DATA_DIR / "db.sqlite3",
            # Keep each thread's connection: opening one costs more than a chat message's queries.
            "CONN_MAX_AGE": None,
            # The chat writes from several threads; wait for the lock instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            # A file, not memory: the chat answers from worker threads that need to see the test's data.
            "TEST": {"NAME": str(DATA_DIR / "test-db.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SQL_DEBUG = env_bool("SQL_DEBUG", default=False)  # keep every query in connection.queries (SQLite)

if REDIS_URL:
    CHANNEL_LAYERS = {
        # The sockets of one server process share one queue in Redis, and channels_redis
        # drops events beyond its capacity (100 by default): too few for hundreds of sockets.
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                    "CONFIG": {"hosts": [REDIS_URL], "capacity": env_int("CHANNEL_CAPACITY", 10_000, minimum=100)}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "shoppe.channel_layers.InMemoryChannelLayer"}}

# The cache holds the per-address rate limits: in Redis they hold across server processes.
if REDIS_URL:
    # Short time-outs: the cache is asked on the event loop, which must never hang on it.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}

# Time-outs, retries and concurrency, the same for every provider (GEMINI_* names still read);
# read once, here, because Celery's redelivery below waits for the longest reply.
LLM_FIRST_TOKEN_TIMEOUT_S = env_float(llm_variable("FIRST_TOKEN_TIMEOUT_S"), 15.0, minimum=0.1)
LLM_TOTAL_TIMEOUT_S = env_float(llm_variable("TOTAL_TIMEOUT_S"), 60.0, minimum=0.1)
LLM_MAX_RETRIES = env_int(llm_variable("MAX_RETRIES"), 3, minimum=0)
LLM_RETRY_BASE_S = env_float(llm_variable("RETRY_BASE_S"), 0.5, minimum=0.0)
LLM_RETRY_MAX_S = env_float(llm_variable("RETRY_MAX_S"), 8.0, minimum=0.0)
LLM_MAX_CONCURRENCY = env_int(llm_variable("MAX_CONCURRENCY"), 4, minimum=1)  # calls at once per worker process

# Celery: Redis in production; in embedded mode kombu's in-memory transport and a
# worker thread inside the server process (started by shoppe.asgi).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# How long a task stays with a worker before Redis gives it to another: just longer than the
# longest LLM reply may take (see support.tasks). Also how long a queued escalation may wait
# for a worker before the stranded-message sweep hands it to staff (support.services.recovery).
CELERY_VISIBILITY_TIMEOUT_S = int(2 * LLM_TOTAL_TIMEOUT_S + env_float("CELERY_REDELIVERY_MARGIN_S", 30.0, minimum=1.0))
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # Embedded: the in-process worker polls its in-memory queue. Every poll takes the GIL
    # from the server answering chat, so 50 ms (not 5): an escalation waits for an LLM
    # that takes far longer anyway.
    {"polling_interval": 0.05} if not REDIS_URL
    # Redis: a task whose worker died is redelivered after the visibility timeout, just
    # longer than the longest LLM reply may take (see support.tasks). Kombu
    # looks for such tasks only every 100 s by default (a drill measured 94 s extra), so
    # look every 2 s.
    # CELERY_REDELIVERY_MARGIN_S is how much longer than that it waits (30 s).
    else {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT_S, "unacked_restore_interval": 2,
          "unacked_restore_throttle": 1}
)
# Celery closes every database connection before and after each task unless told to
# reuse them: a new PostgreSQL connection per escalation cost 11-23 ms of the hop.
# Connections are kept, and each task starts by dropping one that is broken or too old
# (shoppe.celery), as Django does at the start of a request.
CELERY_DB_REUSE_MAX = 1000
CELERY_EMBEDDED_WORKER = env_bool("CELERY_EMBEDDED_WORKER", default=not REDIS_URL)
CELERY_EMBEDDED_CONCURRENCY = env_int("CELERY_EMBEDDED_CONCURRENCY", 4, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes) on every sign-in form, the shop's and the admin's: after
# LOGIN_FAILURE_LIMIT wrong passwords the account is locked for LOGIN_COOLOFF_MINUTES,
# per username and address for customers, per username for staff (shoppe/sign_in.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = "shoppe.sign_in.lockout_parameters"
AXES_LOCKOUT_CALLABLE = "shoppe.sign_in.locked_out_page"
AXES_RESET_ON_SUCCESS = True  # a customer who gets in after a typo starts again from zero
LOGIN_URL = "login"
PASSWORD_RESET_TIMEOUT = 3600  # a reset link works for an hour, as the help centre says
LOGIN_REDIRECT_URL = "orders"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
# The storefront and the widget speak these eight, as the assistant does (rag/router/languages.py), and the help
# centre is written in all of them (rag/documents.py HELP_LANGUAGES; a staff article is shown in English, with a line
# saying so, until it is translated).
LANGUAGES = [
    ("en-gb", "English"),
    ("nl", "Nederlands"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pl", "Polski"),
    ("pt", "Português"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]  # the templates' and the widget's catalogues; apps keep their own
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
# Development serves static files straight from the source (no collectstatic), DEBUG or not.
WHITENOISE_USE_FINDERS = DEVELOPMENT
WHITENOISE_AUTOREFRESH = DEBUG

# Content-Security-Policy on every response (django-csp): only the site's own files run
# and style the pages. No inline script, event-handler attribute, javascript: URL, style
# attribute or <style> element: templates use none (tests/security/test_content_security_policy.py),
# so HTML that slipped past escaping could still run nothing. 'self' in connect-src also
# covers the same-origin chat and console WebSockets (ws:/wss:), as CSP Level 3 says.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if not DEVELOPMENT:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    # Joining the browsers' HSTS preload list is the operator's decision (SECURE_HSTS_PRELOAD=1).
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True

# The chat's limits: what one message and one connection may do.
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 2000, minimum=1)
CHAT_MESSAGES_PER_MINUTE = env_int("CHAT_MESSAGES_PER_MINUTE", 20, minimum=1)
# Per client address, over every connection and (with Redis) every server process;
# 0 switches a limit off. An office or a mobile carrier can put many shoppers behind
# one address, so these are far above what one person sends.
CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS = env_int("CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS", 120, minimum=0)
CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS = env_int("CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS", 60, minimum=0)
# How long the widget waits before resending a message the server could not save.
CHAT_RETRY_AFTER_MS = env_int("CHAT_RETRY_AFTER_MS", 2000, minimum=100)
CHAT_HISTORY_LIMIT = env_int("CHAT_HISTORY_LIMIT", 200, minimum=1)
# What staff write in the console: one reply, internal note or draft to translate, and the note
# that tells a customer why their refund was rejected. The console's boxes take them from its page.
CONSOLE_MAX_MESSAGE_CHARS = env_int("CONSOLE_MAX_MESSAGE_CHARS", 4000, minimum=1)
CONSOLE_MAX_REJECT_NOTE_CHARS = env_int("CONSOLE_MAX_REJECT_NOTE_CHARS", 2000, minimum=1)
# Waiting handoffs a console is sent at once, the first to take (by priority, then the oldest); when
# one of them is taken the console asks for the queue again, so the next one shows.
CONSOLE_QUEUE_WAITING_SENT = env_int("CONSOLE_QUEUE_WAITING_SENT", 200, minimum=1)
# Photos customers attach to their conversation (support/services/photos.py): stored through Django's
# storage API (the default FileSystemStorage under the data dir; no URL serves it: only the photo
# view, which checks who asks), decoded and re-encoded so no metadata (EXIF, GPS) is kept.
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000, minimum=1)  # a decompression bomb is refused unread
PHOTO_MAX_EDGE = env_int("PHOTO_MAX_EDGE", 2048, minimum=64)  # stored photos are scaled down to this
PHOTOS_PER_CONVERSATION_PER_HOUR = env_int("PHOTOS_PER_CONVERSATION_PER_HOUR", 10, minimum=1)
PHOTOS_PER_CONVERSATION = env_int("PHOTOS_PER_CONVERSATION", 30, minimum=1)
# A conversation the assistant holds (no one waiting for or with staff) ends after this much
# silence: the customer's next question starts a new one (support.services.conversations).
CONVERSATION_IDLE_HOURS = env_float("CONVERSATION_IDLE_HOURS", 24.0, minimum=0.01)
# Help answers chosen on the customer's device (issue #19, support.services.device_answers): off, the
# widget never loads its assistant (the server names no device version) and every message is the server's.
DEVICE_ANSWERS = env_bool("DEVICE_ANSWERS", default=True)
# With this
# on, the customer's question and the passage shown stay on their device; the server stores only the
# decision (intent, passage id, model version, latency) and the conversation shows that it was answered there.
DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER = env_bool("DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER", default=False)
# Transcripts a customer may have emailed to themselves per hour (support.services.transcripts).
TRANSCRIPT_EMAILS_PER_HOUR = env_int("TRANSCRIPT_EMAILS_PER_HOUR", 3, minimum=1)
SERVER_THREADS = env_int("SERVER_THREADS", 8, minimum=1)  # threads saving and answering messages, per process
# How long daphne waits for a browser to answer a closing frame before it resets the connection
# (shoppe/startup.py `websocket_close_patience`; autobahn's own 1 s lost the close codes of busy pages).
WEBSOCKET_CLOSE_HANDSHAKE_S = env_float("WEBSOCKET_CLOSE_HANDSHAKE_S", 10.0, minimum=1.0)
SERVER_GIL_SWITCH_INTERVAL_S = env_float("SERVER_GIL_SWITCH_INTERVAL_S", 0.0005, minimum=0.00001)
# A customer message with no outcome yet, held by no live process for this long, was left by a
# process that died; every server process looks for such messages at start-up and every
# STRANDED_MESSAGE_SWEEP_S (0: never, in this process) and finishes each once (support.services.recovery).
STRANDED_MESSAGE_AFTER_S = env_float("STRANDED_MESSAGE_AFTER_S", 30.0, minimum=1.0)
STRANDED_MESSAGE_SWEEP_S = env_float("STRANDED_MESSAGE_SWEEP_S", 30.0, minimum=0.0)

# The local tier.
RAG_ENCODERS = ("use-m3", "onnx-int8", "onnx", "torch")  # rag/encoder.py
RAG_ENCODER = env_choice("RAG_ENCODER", "onnx-int8", choices=RAG_ENCODERS)  # a bad value stops start-up
# Messages in the shop's other languages (nl de fr es it pl pt) go to the multilingual router
# (rag/router/multilingual.py, USE multilingual v3 from its package: about 150 MB more memory).
RAG_MULTILINGUAL = env_bool("RAG_MULTILINGUAL", default=True)
RAG_ENCODER_THREADS = env_int("RAG_ENCODER_THREADS", 1, minimum=1)
# MiniLM calls that may run at once in a process (rag/encoder.py), each on RAG_ENCODER_THREADS threads: one per core.
RAG_ENCODER_RUNNERS = env_int("RAG_ENCODER_RUNNERS", os.cpu_count() or 1, minimum=1)
RAG_KNOWLEDGE_DIR = BASE_DIR / "rag" / "knowledge"
RAG_EXEMPLARS_DIR = BASE_DIR / "rag" / "exemplars"
RAG_WARM_UP = env_bool("RAG_WARM_UP", default=True)
RAG_RELOAD_CHECK_SECONDS = env_float("RAG_RELOAD_CHECK_SECONDS", 2.0, minimum=0.1)
# Labelled messages the router also trains on: ops' corrections of misrouted messages.
RAG_EXTRA_EXEMPLARS = "support.services.feedback.route_label_pairs"
# How the router reads a message: without its personal data (e-mail, phone, card, IBAN, street address),
# which says nothing about what the customer needs ("" reads it as typed).
RAG_ROUTING_TEXT = "support.llm.pii.personal_data_removed"

# The human tier.
SUPPORT_HOURS = env_str("SUPPORT_HOURS", "mon-fri 09:00-18:00; sat 10:00-14:00")  # Amsterdam time
REFUND_SUPERVISOR_LIMIT_EUR = env_float("REFUND_SUPERVISOR_LIMIT_EUR", 200.0, minimum=0.0)
REFUND_RETURN_WINDOW_DAYS = env_int("REFUND_RETURN_WINDOW_DAYS", 30, minimum=0)

# The LLM tier: Gemini through google-genai, or a model the shop serves itself behind an
# OpenAI-compatible chat API (vLLM, Ollama, llama.cpp's server, a gateway) through openai.
LLM_PROVIDERS = ("gemini", "openai-compatible")
LLM_PROVIDER = env_choice("LLM_PROVIDER", "gemini", choices=LLM_PROVIDERS)
# Gemini. Without a key, `llm` decisions go to staff.
GEMINI_API_KEY = env_str("GEMINI_API_KEY")
GEMINI_MODEL = env_str("GEMINI_MODEL", "gemini-2.5-flash")
GEMINI_THINKING_BUDGET = env_int("GEMINI_THINKING_BUDGET", 0, minimum=0)  # 0: no thinking, fastest first token
GEMINI_BASE_URL = env_url("GEMINI_BASE_URL", schemes=("http", "https"))
# An OpenAI-compatible server: its /v1 address and the model name it serves; a key only if it asks for one.
LLM_BASE_URL = env_url("LLM_BASE_URL", schemes=("http", "https"))
LLM_MODEL = env_str("LLM_MODEL").strip()
LLM_API_KEY = env_str("LLM_API_KEY")
if LLM_PROVIDER == "openai-compatible" and not (LLM_BASE_URL and LLM_MODEL):
    raise ImproperlyConfigured("LLM_PROVIDER=openai-compatible needs LLM_BASE_URL (the server's /v1 address) "
                               "and LLM_MODEL (the model name it serves)")
# Offer the model its tools (order look-up, help-centre search, handoff). Off for a model served
# without function calling; a server that refuses tools is also asked again without them.
LLM_TOOLS = env_bool("LLM_TOOLS", default=True)
# (Its time-outs, retries and concurrency are read above, before the Celery settings that depend on them.)
# What a call costs (support/llm/pricing.py): EUR per million tokens (input, output), plus the serving
# machine's EUR per hour shared by the streams it runs at once. Gemini defaults to Gemini 2.5 Flash's
# list prices (GEMINI_PRICE_* still read); a self-hosted model to nothing until the shop says.
token_prices = (0.0, 0.0)
if LLM_PROVIDER == "gemini":
    token_prices = (env_float("GEMINI_PRICE_INPUT_PER_MTOK", 0.30, minimum=0.0),
                    env_float("GEMINI_PRICE_OUTPUT_PER_MTOK", 2.50, minimum=0.0))
LLM_PRICE_INPUT_PER_MTOK = env_float("LLM_PRICE_INPUT_PER_MTOK", token_prices[0], minimum=0.0)
LLM_PRICE_OUTPUT_PER_MTOK = env_float("LLM_PRICE_OUTPUT_PER_MTOK", token_prices[1], minimum=0.0)
LLM_PRICE_PER_HOUR_EUR = env_float("LLM_PRICE_PER_HOUR_EUR", 0.0, minimum=0.0)
LLM_CONCURRENT_STREAMS = env_int("LLM_CONCURRENT_STREAMS", 1, minimum=1)
LLM_CONTEXT_CHAR_BUDGET = env_int("LLM_CONTEXT_CHAR_BUDGET", 6000, minimum=500)
# Photos an escalation may carry (only with a key and the customer's consent): the conversation's
# newest ones, at most this many and this many bytes together (Gemini takes 20 MB of inline data).
LLM_PHOTOS_PER_REQUEST = env_int("LLM_PHOTOS_PER_REQUEST", 3, minimum=0)
LLM_PHOTO_BYTES_PER_REQUEST = env_int("LLM_PHOTO_BYTES_PER_REQUEST", 4 * 1024 * 1024, minimum=0)
LLM_BUDGET_TOKENS_PER_CONVERSATION = env_int("LLM_BUDGET_TOKENS_PER_CONVERSATION", 30000, minimum=0)
LLM_BUDGET_EUR_PER_DAY = env_float("LLM_BUDGET_EUR_PER_DAY", 20.0, minimum=0.0)

# /metrics and the /healthz details: `Authorization: Bearer <METRICS_TOKEN>`. Without a token
# (embedded demo only) /metrics is served to this machine and staff sessions (support/health.py).
METRICS_TOKEN = env_str("METRICS_TOKEN")
if not METRICS_TOKEN and (PRODUCTION or not DEVELOPMENT):
    raise ImproperlyConfigured("METRICS_TOKEN must be set in production mode (DATABASE_URL/REDIS_URL set, or "
                               "DEBUG=0): /metrics and the /healthz details are served only with it")

# JSON lines with the conversation id, personal data scrubbed (LOG_FORMAT=plain for humans).
LOG_FORMAT = env_choice("LOG_FORMAT", "json", choices=("json", "plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"conversation": {"()": "support.logs.ConversationFilter"},
                "starting_health_check": {"()": "support.logs.StartingHealthCheckFilter"}},
    "formatters": {
        "plain": {"()": "support.logs.PlainFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s [%(conversation_id)s] %(message)s"},
        "json": {"()": "support.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["conversation"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give these loggers handlers of their own that print raw, unscrubbed
        # lines (with DEBUG on): everything goes to the one scrubbing handler on the root instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # /healthz's 503 while the assistant gets ready is expected, not an error
        "django.request": {"handlers": [], "filters": ["starting_health_check"], "propagate": True},
        "django.channels.server": {"level": "WARNING"},
        "faiss.loader": {"level": "WARNING"},
        # failed sign-ins and lockouts are warnings; every successful one would be an INFO line
        "axes": {"level": "WARNING"},
    },
}
# The Celery worker (standalone, or the thread inside the embedded server) keeps this
# configuration instead of replacing the root logger's handlers with its own, unscrubbed ones.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Email: the one-time codes that let a guest change an order in the chat (support.services.proofs).
# EMAIL_URL (smtp://user:pass@host:port, smtp+tls://, smtp+ssl://, console://) or Django's own EMAIL_*
# variables; with neither, embedded mode prints mail to the console and production sends through SMTP
# on localhost:25.
from shoppe.env import CONSOLE_BACKEND, SMTP_BACKEND, env_email_url  # noqa: E402 - kept with its block

_EMAIL = env_email_url("EMAIL_URL")
EMAIL_BACKEND = _EMAIL.get("EMAIL_BACKEND") or env_str(
    "EMAIL_BACKEND", SMTP_BACKEND if PRODUCTION or env_str("EMAIL_HOST") else CONSOLE_BACKEND)
EMAIL_HOST = _EMAIL.get("EMAIL_HOST") or env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT") or env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", env_str("EMAIL_HOST_USER"))
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", env_str("EMAIL_HOST_PASSWORD"))
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", env_bool("EMAIL_USE_TLS", default=False))
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", env_bool("EMAIL_USE_SSL", default=False))
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one of them")
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0, minimum=0.1)  # seconds; the customer waits for the code's email
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Example Shoppe <support@example-shoppe.test>")

# The team's replies to a customer who has left the chat (support.services.away): emailed after
# REPLY_EMAIL_DELAY_S (a burst of replies travels in one email), then at most one email per
# conversation every REPLY_EMAIL_EVERY_MINUTES. The link in it points at SITE_URL (e.g.
# https://shop.example.com); unset, at the address the team's console was opened on.
REPLY_EMAIL_DELAY_S = env_float("REPLY_EMAIL_DELAY_S", 60.0, minimum=0.0)
REPLY_EMAIL_EVERY_MINUTES = env_float("REPLY_EMAIL_EVERY_MINUTES", 10.0, minimum=0.0)
REPLY_LINK_DAYS = env_int("REPLY_LINK_DAYS", 14, minimum=1)  # how long the link back to the conversation works
SITE_URL = (env_url("SITE_URL", schemes=("http", "https")) or "").rstrip("/")
# A customer socket counts as connected until its process stops renewing it this long (support.services.presence).
CUSTOMER_SOCKET_LEASE_S = env_float("CUSTOMER_SOCKET_LEASE_S", 90.0, minimum=3.0)

# Proving an order in the chat without an account (support.services.proofs).
ORDER_CODE_TTL_MINUTES = env_int("ORDER_CODE_TTL_MINUTES", 10, minimum=1)
ORDER_CODE_ATTEMPTS = env_int("ORDER_CODE_ATTEMPTS", 5, minimum=1)  # wrong tries before a code is void
# Codes emailed for one order in an hour (support.services.proofs `order_code_send`). Each requester (its
# conversation, and its client address across conversations) gets ORDER_CODES_PER_REQUESTER_PER_HOUR, so a stranger
# who knows the order's number and email uses up their own codes, not the owner's. The order's own cap is what
# bounds guessing: with every address an attacker has, at most ORDER_CODES_PER_ORDER_PER_HOUR codes of
# ORDER_CODE_ATTEMPTS tries each, 10 x 5 = 50 guesses an hour at a 6-digit code (1 in 20,000 an hour, each hour
# of it 10 emails to the owner), against 3 x 5 = 15 before; keeping the owner out now takes 4 client addresses.
ORDER_CODES_PER_REQUESTER_PER_HOUR = env_int("ORDER_CODES_PER_REQUESTER_PER_HOUR", 3, minimum=1)
ORDER_CODES_PER_ORDER_PER_HOUR = env_int("ORDER_CODES_PER_ORDER_PER_HOUR", 10, minimum=1)
# Failed proofs (number and email, or a code) per hour, counted in the cache like the chat's limits.
ORDER_PROOF_FAILURES_PER_CONVERSATION = env_int("ORDER_PROOF_FAILURES_PER_CONVERSATION", 5, minimum=1)
ORDER_PROOF_FAILURES_PER_ADDRESS = env_int("ORDER_PROOF_FAILURES_PER_ADDRESS", 20, minimum=1)
# ... and per email address given with an order number, whatever the connection.
ORDER_PROOF_FAILURES_PER_EMAIL = env_int("ORDER_PROOF_FAILURES_PER_EMAIL", 10, minimum=1)

# Gift-card balance checks that found no card, per client address per hour (shoppe.gift_cards): past it,
# nothing is looked up, so codes cannot be guessed by trying many.
GIFT_CARD_FAILURES_PER_ADDRESS = env_int("GIFT_CARD_FAILURES_PER_ADDRESS", 10, minimum=1)
# Newsletter double opt-in (shoppe/newsletter.py): confirmation emails one address gets a day, and sign-ups one
# client address may send an hour through the footer form or the account page.
NEWSLETTER_CONFIRMATIONS_PER_ADDRESS_PER_DAY = env_int("NEWSLETTER_CONFIRMATIONS_PER_ADDRESS_PER_DAY", 2, minimum=1)
NEWSLETTER_SIGNUPS_PER_CLIENT_PER_HOUR = env_int("NEWSLETTER_SIGNUPS_PER_CLIENT_PER_HOUR", 10, minimum=1)
# New accounts from one client (network address) an hour: each emails a confirmation to the address given.
ACCOUNT_SIGNUPS_PER_CLIENT_PER_HOUR = env_int("ACCOUNT_SIGNUPS_PER_CLIENT_PER_HOUR", 10, minimum=1)
# Other emails a person can make the shop send to an address that is not verified (shoppe/limits.py): password
# resets per address a day and per client an hour; conversation transcripts per address a day.
PASSWORD_RESETS_PER_ADDRESS_PER_DAY = env_int("PASSWORD_RESETS_PER_ADDRESS_PER_DAY", 3, minimum=1)
PASSWORD_RESETS_PER_CLIENT_PER_HOUR = env_int("PASSWORD_RESETS_PER_CLIENT_PER_HOUR", 10, minimum=1)
TRANSCRIPT_EMAILS_PER_ADDRESS_PER_DAY = env_int("TRANSCRIPT_EMAILS_PER_ADDRESS_PER_DAY", 6, minimum=1)
EMAIL_CONFIRMATIONS_PER_ADDRESS_PER_DAY = env_int("EMAIL_CONFIRMATIONS_PER_ADDRESS_PER_DAY", 3, minimum=1)
# Order confirmations and gift card emails one address gets a day (anyone can give any address at checkout).
ORDER_EMAILS_PER_ADDRESS_PER_DAY = env_int("ORDER_EMAILS_PER_ADDRESS_PER_DAY", 20, minimum=1)
GIFT_CARD_EMAILS_PER_ADDRESS_PER_DAY = env_int("GIFT_CARD_EMAILS_PER_ADDRESS_PER_DAY", 10, minimum=1)

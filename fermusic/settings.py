"""FerMusic settings, read from the environment (see README, "Configuration").

With no variables set this is the embedded profile: SQLite, Celery tasks run by a
worker thread inside the web process over an in-memory broker, and the in-memory
channel layer. DATABASE_URL and REDIS_URL switch to PostgreSQL, Celery over Redis
with separate workers, and the Redis channel layer.
"""

import os
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from fermusic import env
from fermusic.lib.storage import private_directory

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Environment --------------------------------------------------------------------

DEBUG = env.boolean("DEBUG", False)
VAR_DIR = env.path("FERMUSIC_VAR_DIR", BASE_DIR / "var")
DATA_DIR = env.path("FERMUSIC_DATA_DIR", (BASE_DIR.parent / "shared" / "data").resolve())
DATABASES = {"default": env.database("DATABASE_URL", VAR_DIR / "fermusic.sqlite3")}
REDIS_URL = env.redis_url("REDIS_URL")
HTTPS = env.boolean("HTTPS", False)
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])
MEDIA_ROOT = env.path("MEDIA_ROOT", VAR_DIR / "media")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", VAR_DIR / "private")
STATIC_ROOT = env.path("STATIC_ROOT", VAR_DIR / "static")
MAX_UPLOAD_MB = env.integer("MAX_UPLOAD_MB", 10, minimum=1, maximum=100)
PHOTO_RETENTION_DEFAULT = env.choice("PHOTO_RETENTION_DEFAULT", "delete", ("delete", "24h", "keep"))
UPLOADS_PER_MINUTE = env.integer("UPLOADS_PER_MINUTE", 20, minimum=1)
EMOTION_MODEL_DIR = env.path("EMOTION_MODEL_DIR", BASE_DIR / "emotions" / "weights" / "current")
# Face detector for uploaded photos (emotions.engine.detector.DETECTORS). MTCNN stays
# the default: BlazeFace is 4x faster and matches it on real photos, but finds fewer of
# the pasted FER2013 crops in bench/detectors.py (emotions/weights/README.md).
FACE_DETECTOR = env.choice("FACE_DETECTOR", "mtcnn", ("mtcnn", "blazeface", "haar"))
DETECTION_TIMEOUT_SECONDS = env.integer("DETECTION_TIMEOUT_SECONDS", 300, minimum=10)
# How often Celery beat refits the recommender's taste factors from every rating.
TASTE_REFIT_SECONDS = env.integer("TASTE_REFIT_SECONDS", 3600, minimum=60)
SPOTIFY_CLIENT_ID = env.string("SPOTIFY_CLIENT_ID")
SPOTIFY_CLIENT_SECRET = env.string("SPOTIFY_CLIENT_SECRET")
globals().update(env.email("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "FerMusic <no-reply@fermusic.local>")
# The embedded database, the secret key and the photos live here: this user's alone.
private_directory(VAR_DIR)


def _secret_key() -> str:
    key = env.string("SECRET_KEY")
    if key:
        if len(key) < 50 or len(set(key)) < 5:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with at least 5 distinct ones")
        return key
    # Embedded profile: a random key generated once and kept in VAR_DIR, so sessions
    # survive restarts without anyone having to invent a key.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        with os.fdopen(os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w") as handle:
            handle.write(get_random_secret_key())
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# --- Applications -------------------------------------------------------------------

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "accounts",
    "emotions",
    "music",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fermusic.lib.headers.PrivacyHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fermusic.lib.errors.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "fermusic.urls"
ASGI_APPLICATION = "fermusic.asgi.application"
WSGI_APPLICATION = "fermusic.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.CaseInsensitiveUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

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
                "fermusic.context_processors.navigation",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Files --------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Face photos: a separate root with no URL; only an owner-checked view serves them.
    "private": {
        "BACKEND": "fermusic.lib.storage.PrivateStorage",
        "OPTIONS": {
            "location": PRIVATE_MEDIA_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Whole request bodies above the upload limit are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_MB * 1024 * 1024 + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Cache, Celery, Channels --------------------------------------------------------

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
    EMBEDDED_WORKER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # The ASGI process runs the same Celery tasks in a worker thread of its own.
    EMBEDDED_WORKER = True

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = DETECTION_TIMEOUT_SECONDS
CELERY_TASK_SOFT_TIME_LIMIT = DETECTION_TIMEOUT_SECONDS - 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": DETECTION_TIMEOUT_SECONDS * 2}
if EMBEDDED_WORKER:
    # The in-memory transport polls; its default of once a second would add up to a
    # second to every photo and cap live mode near 1 frame per second.
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = 0.01
CELERY_BEAT_SCHEDULE = {
    "sweep-detections": {"task": "emotions.tasks.sweep_detections", "schedule": 60.0},
    "refit-taste-model": {"task": "music.tasks.refit_taste_model", "schedule": float(TASTE_REFIT_SECONDS)},
}
CELERY_TIMEZONE = TIME_ZONE

# --- REST framework -----------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an unauthenticated API call gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API speaks JSON; only photo uploads are multipart (set on their view).
    "DEFAULT_PARSER_CLASSES": ["fermusic.lib.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fermusic.lib.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": "600/minute", "anon": "60/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FerMusic API",
    "DESCRIPTION": "Facial-expression emotion detection and music recommendations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc assets come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security -----------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # read by our fetch() calls to send the token
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts, styles, fonts and connections (WebSockets included) come from this origin
# only, and no page runs an inline script. Inline style attributes are allowed, not
# <style> blocks: templates set per-element CSS variables (a bar's width, an emotion's
# colour) that way. The API docs pages widen the policy for their own bundles (api.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        # Webcam snapshots and upload previews are blob: and data: URLs.
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        # Spotify's embed player, created only when a listener presses play (static/js/music/player.js).
        "frame-src": ["https://open.spotify.com"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "WARNING"}},
}

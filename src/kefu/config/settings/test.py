"""Test settings: only what makes tests faster or hermetic."""

from kefu.config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": CHANNEL_CAPACITY}}  # noqa: F405
}
LANGUAGE_CODE = "zh-hans"
# Routing wake-ups run on the committing thread, so a test sees the offer when its request
# returns (tests of the background runner switch it on themselves).
KEFU_ROUTING_WAKE = "inline"

# Tests call the ASGI application through a new event loop per request, and each request's
# thread-sensitive thread ends with the loop: a connection it took from the pool is then never
# returned (a served process keeps its threads and shows no such loss). Without the pool, such
# a connection closes with its thread, so many in-process ASGI calls cannot exhaust it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["OPTIONS"].pop("pool", None)  # noqa: F405

# WhiteNoise looks a static file up when it is asked for, instead of listing every finder's
# files (Django admin's included) whenever a middleware chain is built. The test client builds
# one per `Client()`, so the isolation matrix listed them thousands of times.
WHITENOISE_AUTOREFRESH = True

"""The portal's settings with what only tests want: a known secret and a fast hasher."""

import os

# Long enough for the production start-up check, which tests run under (DEBUG off).
os.environ.setdefault("SECRET_KEY", "tests-only-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2)

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each test run gets its own PostgreSQL test database, so runs side by side do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_portal_{os.getpid()}"}  # noqa: F405
    # Tests start threads and servers of their own: each request's connection is closed,
    # so that none outlives its thread and the test database can be dropped.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Jobs run in-process after commit, so tests see their effects at once; the queue's own tests
# (tests/test_jobs.py) switch it on and run a real worker.
JOBS_IN_PROCESS = True

# The test client and the browser speak plain HTTP (tests/portal/test_security.py checks
# the production values).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# No `collectstatic` before tests: plain names, and WhiteNoise finds files per request.
STORAGES = STORAGES | {  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
}
WHITENOISE_AUTOREFRESH = True

"""The portal's settings with what only tests want: a known secret and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-tests-only")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each test run gets its own PostgreSQL test database, so runs side by side do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_portal_{os.getpid()}"}  # noqa: F405

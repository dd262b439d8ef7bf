"""The portal's settings with what only tests want: a known secret and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-tests-only")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

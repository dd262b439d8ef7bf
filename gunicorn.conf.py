"""Gunicorn's settings for the portal: `gunicorn portal.wsgi -c gunicorn.conf.py`.

Read from the environment like the portal's own settings (README, "Deployment").
"""

from __future__ import annotations

import os

_cores = os.cpu_count() or 1

# BIND wins ("0.0.0.0:8000", "unix:/run/portal/gunicorn.sock"); else PORT on loopback, for
# a proxy on the same host (honcho and platforms that set PORT).
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

# Sync workers: the requests are short database work, except imports, which are CPU. The
# usual 2 x cores + 1, capped so that a big machine does not open a hundred connections.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * _cores + 1, 12)))

# The largest import allowed (IMPORT_MAX_BYTES, 64 MiB) takes about two minutes at ~2 s of
# CPU per MB; a worker is killed only well past that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 180))
graceful_timeout = 30
keepalive = 5
# Gunicorn 24+'s runtime control socket has one default path per host, which a second
# instance on the host would contend for; nothing here uses it.
control_socket_disable = True

# Recycled now and then, so that a slow leak or a fragmented heap never builds up; the
# jitter keeps the workers from restarting all at once.
max_requests = 1000
max_requests_jitter = 100

# The proxy in front sets X-Forwarded-For/-Proto; Django reads the protocol itself
# (SECURE_PROXY_SSL_HEADER). Trust the headers from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One access line per request, written after the body is sent, so its duration covers the
# whole streamed export too. portal.logging turns it into `key=value` or JSON fields
# (method, path without the query, which may hold a client key; status, bytes, duration_ms).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "portal": {
            "()": "portal.logging.make_formatter",
            "kind": os.environ.get("LOG_FORMAT", "text"),
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "portal"},
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}

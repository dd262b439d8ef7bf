"""The portal served by gunicorn, as in production, against the benchmark's database."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"


def production_environment() -> dict[str, str]:
    """Production settings, whatever this process runs with, relaxed only for plain HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "bench-" + "k3y-" * 16,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "JOBS_IN_PROCESS": "1",
        "EMAIL_URL": "dummymail://",
        "BOOKING_MAX_ACTIVE_ORDERS": "1000000",
        "LOG_LEVEL": "WARNING",
    }


@functools.cache
def collected_static() -> tempfile.TemporaryDirectory:
    """`collectstatic` into a directory of this run, once, as a deployment does before it
    starts the web processes: production settings name static files by their hashes from
    its manifest, and without one every HTML page answers 500."""
    static = tempfile.TemporaryDirectory(prefix="bench-static-")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env={**production_environment(), "STATIC_ROOT": static.name},
        check=True,
    )
    return static


class Server:
    """`gunicorn portal.wsgi` with `workers` sync workers, for the length of a `with`."""

    def __init__(self, *, workers: int, timeout: int = 600) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**production_environment(), "STATIC_ROOT": collected_static().name}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v1/clinics", timeout=2)
                return self
            except urllib.error.HTTPError as error:
                # It is up, and broken: say so now rather than after the deadline.
                self.process.kill()
                raise RuntimeError(f"gunicorn answers {error.code} to /api/v1/clinics") from error
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc_info) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def peak_rss_mib(self) -> float:
        """The largest peak resident memory (VmHWM) among the workers."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def rss_mib(self) -> float:
        """The largest current resident memory (VmRSS) among the workers."""
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return max(sizes)

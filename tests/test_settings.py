"""What the README promises of configuration, checked in a fresh interpreter each time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2
SHOW = (
    "import portal.settings as s; db = s.DATABASES['default'];"
    "print(db['ENGINE'], db['NAME'], db.get('OPTIONS', {}).get('transaction_mode'))"
)


def settings_of(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean | env, capture_output=True, text=True
    )


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = settings_of()

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in result.stderr


def test_it_runs_on_an_sqlite_file_with_immediate_transactions_by_default():
    result = settings_of(DEBUG="1")

    assert result.returncode == 0, result.stderr
    engine, name, mode = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "var" / "portal.sqlite3"
    assert mode == "IMMEDIATE"


def test_it_takes_postgresql_from_database_url():
    result = settings_of(SECRET_KEY=STRONG_KEY, DATABASE_URL="postgres://u@db.example:5432/portal")

    assert result.stdout.split() == ["django.db.backends.postgresql", "portal", "None"]

"""The workspace's periodic jobs (see portal.jobs). Without the queue (SQLite), cron runs
the management commands of the same names instead."""

from __future__ import annotations

from procrastinate.contrib.django import app

from workspace.sync import sync_watch
from workspace.weekly import schedules_materialize


# Daily, early in the morning of the clinics' zones: the eighth week ahead opens each day.
@app.periodic(cron="30 0 * * *")
@app.task(queue="workspace", queueing_lock="materialize_schedules")
def materialize_schedules(timestamp: int) -> None:
    schedules_materialize()


# A pause starts at most a few minutes after the limit, and ends as soon after a good import.
@app.periodic(cron="*/5 * * * *")
@app.task(queue="workspace", queueing_lock="watch_sync", lock="watch_sync")
def watch_sync(timestamp: int) -> None:
    sync_watch()

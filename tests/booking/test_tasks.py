"""The housekeeping jobs are registered with the queue's periodic deferrer."""

from __future__ import annotations

from croniter import croniter
from procrastinate.contrib.django import app

import booking.tasks  # noqa: F401  (registers the tasks, as the worker's autodiscovery does)


def test_the_housekeeping_tasks_run_every_night():
    periodic = {
        task_name: entry.cron
        for (task_name, _periodic_id), entry in app.periodic_registry.periodic_tasks.items()
        if app.tasks[task_name].queue == "housekeeping"
    }

    assert set(periodic) == {
        "booking.tasks.anonymize_old_orders",
        "booking.tasks.remove_old_jobs",
    }
    for cron in periodic.values():
        assert croniter(cron).get_next(float) - croniter(cron).get_prev(float) == 24 * 3600
    assert app.tasks["booking.tasks.remove_old_jobs"].queue == "housekeeping"

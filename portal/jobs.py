"""Background jobs, deferred in the transaction of the change that causes them.

On PostgreSQL a job is a Procrastinate row written in that transaction: it exists exactly
when the change commits, and a worker (`python manage.py procrastinate worker`) runs it,
retrying with backoff. Where there is no queue (SQLite, the zero-setup default, and tests
that do not test the queue itself) the job runs in this process once the transaction
commits, and a failure is logged.

A job for a later instant (`defer_at`) waits in the queue until then. Without the queue
nothing waits: a job whose time has come runs after the commit like any other, and a later
one is not kept anywhere, so work planned that way must also be found by a sweep (a periodic
task on the queue, its management command from cron without one).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from procrastinate.tasks import Task

logger = logging.getLogger(__name__)


def defer(task: Task, **kwargs) -> None:
    if settings.JOBS_IN_PROCESS:
        transaction.on_commit(partial(_run_in_process, task, kwargs))
    else:
        task.defer(**kwargs)


def defer_at(task: Task, when: datetime, **kwargs) -> None:
    """Defers `task` to run at `when` (see above for what happens without the queue)."""
    if when <= timezone.now():
        defer(task, **kwargs)
    elif not settings.JOBS_IN_PROCESS:
        task.configure(schedule_at=when).defer(**kwargs)


def _run_in_process(task: Task, kwargs: dict) -> None:
    try:
        task(**kwargs)
    except Exception:
        # The change has committed; the job's failure must not surface there.
        logger.exception("job %s failed", task.name)

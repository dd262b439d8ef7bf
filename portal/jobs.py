"""Background jobs, deferred in the transaction of the change that causes them.

On PostgreSQL a job is a Procrastinate row written in that transaction: it exists exactly
when the change commits, and a worker (`python manage.py procrastinate worker`) runs it,
retrying with backoff. Where there is no queue (SQLite, the zero-setup default, and tests
that do not test the queue itself) the job runs in this process once the transaction
commits, and a failure is logged.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from procrastinate.tasks import Task

logger = logging.getLogger(__name__)


def defer(task: Task, **kwargs) -> None:
    if settings.JOBS_IN_PROCESS:
        transaction.on_commit(partial(_run_in_process, task, kwargs))
    else:
        task.defer(**kwargs)


def _run_in_process(task: Task, kwargs: dict) -> None:
    try:
        task(**kwargs)
    except Exception:
        # The change has committed; the job's failure must not surface there.
        logger.exception("job %s failed", task.name)

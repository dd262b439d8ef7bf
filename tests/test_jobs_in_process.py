"""Jobs without the queue (SQLite, tests): run in this process after the commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.jobs import defer_at

pytestmark = pytest.mark.django_db


class Recorder:
    """Stands in for a task: records its calls."""

    name = "tests.recorder"

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, **kwargs) -> None:
        self.calls.append(kwargs)


def test_a_job_whose_time_has_come_runs_after_the_commit(django_capture_on_commit_callbacks):
    task = Recorder()

    with django_capture_on_commit_callbacks(execute=True):
        defer_at(task, timezone.now() - timedelta(seconds=1), timestamp=1)
        assert task.calls == []

    assert task.calls == [{"timestamp": 1}]


def test_a_later_job_is_left_to_the_sweep(django_capture_on_commit_callbacks):
    task = Recorder()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        defer_at(task, timezone.now() + timedelta(hours=1), timestamp=1)

    assert (callbacks, task.calls) == ([], [])

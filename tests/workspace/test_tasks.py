"""The workspace's periodic jobs run on a real Procrastinate worker (PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.db import connection
from procrastinate.contrib.django import app

from exchange.models import ImportRecord, Schedule
from tests.factories import make_resource
from tests.test_jobs import run_worker
from workspace.models import ScheduleTemplate, SyncFlip, WeeklyHours
from workspace.tasks import materialize_schedules, watch_sync

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(on_postgres, settings):
    settings.JOBS_IN_PROCESS = False
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")


def test_both_jobs_are_periodic():
    periodic = {task.task.name for task in app.periodic_registry.periodic_tasks.values()}

    assert {materialize_schedules.name, watch_sync.name} <= periodic


def test_the_worker_runs_them(queue, clinic):
    room = make_resource(clinic, mis_id=None)
    template = ScheduleTemplate.objects.create(resource=room)
    WeeklyHours.objects.create(template=template, weekday=0, starts_at=time(9), ends_at=time(10))
    ImportRecord.objects.create(
        clinic=clinic, received_at=datetime(2020, 1, 1, tzinfo=clinic.tzinfo), size=1,
        outcome="applied", counts={"appointments": {}}, duration_ms=1,
    )  # fmt: skip
    materialize_schedules.defer(timestamp=0)
    watch_sync.defer(timestamp=0)

    run_worker(queues=("workspace",))

    assert Schedule.objects.filter(resource=room).count() == 8
    assert SyncFlip.objects.get().new_state == "late"

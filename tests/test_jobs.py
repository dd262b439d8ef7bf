"""The job queue on PostgreSQL: a job is written in the transaction of the change that
causes it, and a real Procrastinate worker runs it, retrying what fails."""

from __future__ import annotations

import json
import smtplib
import threading
from datetime import UTC, datetime

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.periodic import PeriodicRegistry

from booking.models import Reminder
from booking.services import PatientDetails, order_create
from exchange.models import Clinic, Order, OrderEvent
from exchange.orders import Actor, order_decide
from tests.booking.conftest import FORM, make_schedule, when
from tests.exchange.conftest import document
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(on_postgres, settings):
    settings.JOBS_IN_PROCESS = False
    # Tests that commit leave jobs behind, and the flush between them keeps Django's tables.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")


@pytest.fixture
def order(clinic):
    return make_order(make_resource(clinic), email="petrova@example.ru")


def accept(client, order, query: str = "") -> None:
    body = document(f'<Orders><o id="{order.pk}" status="1"/></Orders>')
    response = client.post("/services/import.php" + query, body, content_type="application/xml")
    assert response.status_code == 200, response.content


NOTICES = "booking.tasks.send_order_notices"


def jobs(task: str = "%") -> list[tuple]:
    """The queue's jobs (of the task named, or all), oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, status::text, attempts, args FROM procrastinate_jobs"
            " WHERE task_name LIKE %s ORDER BY id",
            [task],
        )
        # Django reads jsonb as text.
        return [(*row[:3], json.loads(row[3])) for row in cursor.fetchall()]


def run_worker(queues: tuple[str, ...] = ("emails",)) -> None:
    """What `manage.py procrastinate worker` runs, until the queue is empty.

    In a thread of its own: the worker runs its own event loop, and the browser tests may
    have left one running in this thread. Without the periodic tasks: their deferrer writes
    through Django's connection in a pool thread of its own, which would outlive the test and
    keep the test database from being dropped. The tests defer what they want run.
    """
    worker_app = app.with_connector(app.connector.get_worker_connector())
    worker_app.periodic_registry = PeriodicRegistry()
    options = {"queues": list(queues), "wait": False, "install_signal_handlers": False}
    worker = threading.Thread(
        target=worker_app.run_worker, kwargs=options | {"listen_notify": False}
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the worker did not stop"


def test_an_accepting_import_enqueues_exactly_one_email_job(queue, client, order, mailoutbox):
    accept(client, order)

    [(task, status, attempts, args)] = jobs(NOTICES)
    assert (task, status, attempts) == (NOTICES, "todo", 0)
    assert args == {"event_ids": [OrderEvent.objects.get().pk]}
    assert mailoutbox == []  # nothing is sent in the MIS's request


def test_a_rolled_back_import_enqueues_nothing(queue, client, order):
    accept(client, order, "?dry_run=1")

    assert jobs() == []
    assert Order.objects.get().status == Order.Status.RECEIVED


def test_the_worker_sends_the_email(queue, client, order, mailoutbox):
    accept(client, order)

    run_worker()

    [message] = mailoutbox
    assert message.to == ["petrova@example.ru"]
    assert [status for _, status, _, _ in jobs(NOTICES)] == ["succeeded"]
    assert OrderEvent.objects.get().notified_at is not None


def test_a_failing_mail_server_is_retried(queue, client, order, mailoutbox, monkeypatch):
    accept(client, order)
    real_send = EmailMessage.send

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    run_worker()

    [(_, status, attempts, _)] = jobs(NOTICES)
    assert (status, attempts) == ("todo", 1)  # scheduled again, with backoff
    assert mailoutbox == []
    assert OrderEvent.objects.get().notified_at is None

    monkeypatch.setattr(EmailMessage, "send", real_send)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    run_worker()

    assert len(mailoutbox) == 1
    assert [status for _, status, _, _ in jobs(NOTICES)] == ["succeeded"]


def scheduled() -> list[tuple[str, object, dict]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, scheduled_at, args FROM procrastinate_jobs"
            " WHERE task_name = 'booking.tasks.send_due_reminders' ORDER BY scheduled_at"
        )
        return [(name, at, json.loads(args)) for name, at, args in cursor.fetchall()]


def test_an_acceptance_plans_reminder_jobs_on_the_clinics_clock(queue, client):
    # Berlin changes to summer time on 31 March 2030: the day before a 10:00 visit that day
    # is 23 hours before it.
    clinic = Clinic.objects.create(name="Klinik Berlin", timezone="Europe/Berlin")
    visit = datetime(2030, 3, 31, 10, 0, tzinfo=clinic.tzinfo)
    order = make_order(make_resource(clinic), starts_at=visit)

    order_decide(actor=Actor.mis(), order=order, status=Order.Status.ACCEPTED)

    day_before, two_hours_before = (
        datetime(2030, 3, 30, 9, 0, tzinfo=UTC),
        datetime(2030, 3, 31, 6, 0, tzinfo=UTC),
    )
    assert scheduled() == [
        (name, at, {"timestamp": int(at.timestamp())})
        for name, at in [
            ("booking.tasks.send_due_reminders", day_before),
            ("booking.tasks.send_due_reminders", two_hours_before),
        ]
    ]


def test_a_booking_enqueues_its_email_in_its_transaction(queue, clinic, patient):
    resource = make_resource(clinic)
    make_schedule(resource)
    order = order_create(
        patient=patient,
        resource=resource,
        starts_at=when(clinic, "10:00"),
        now=when(clinic, "08:00"),
        details=PatientDetails(**{name: FORM[name] for name in FORM if name != "consent"}),
    )

    own = [args for _, _, _, args in jobs("booking.tasks.send_own_change")]
    assert own == [{"order_id": order.pk, "change": "received"}]


def test_the_worker_sends_a_reminder_when_its_time_comes(queue, order, mailoutbox):
    order_decide(actor=Actor.mis(), order=order, status=Order.Status.ACCEPTED)
    with connection.cursor() as cursor:
        # Time passes: the two-hours reminder is due, and so is its job.
        cursor.execute("UPDATE booking_reminder SET due_at = now() WHERE kind = 'hours'")
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")

    run_worker()

    subjects = [message.subject for message in mailoutbox]
    assert sum(subject.startswith("Напоминание о приёме") for subject in subjects) == 1
    assert Reminder.objects.get(kind="hours").sent_at is not None


def test_the_sweep_runs_every_five_minutes():
    periodic = {
        entry.task.name: entry.cron for entry in app.periodic_registry.periodic_tasks.values()
    }
    assert periodic["booking.tasks.send_due_reminders"] == "*/5 * * * *"


def test_a_password_reset_enqueues_its_email_for_an_account_and_for_none(queue, client, patient):
    for email in (patient.email, "nobody@example.ru"):
        response = client.post("/accounts/password_reset/", {"email": email})
        assert response.status_code == 302

    assert [task for task, *_ in jobs()] == ["accounts.tasks.send_email"] * 2

"""The job queue on PostgreSQL: a job is written in the transaction of the change that
causes it, and a real Procrastinate worker runs it, retrying what fails."""

from __future__ import annotations

import json
import smtplib
import threading

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.periodic import PeriodicRegistry

from exchange.models import Order, OrderEvent
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


def jobs() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, status::text, attempts, args FROM procrastinate_jobs ORDER BY id"
        )
        # Django reads jsonb as text.
        return [(*row[:3], json.loads(row[3])) for row in cursor.fetchall()]


def run_worker(queues: tuple[str, ...] = ("emails",)) -> None:
    """What `manage.py procrastinate worker` runs, until the queue is empty.

    In a thread of its own: the worker runs its own event loop, and the browser tests may
    have left one running in this thread.
    """
    worker_app = app.with_connector(app.connector.get_worker_connector())
    # No periodic deferrer: it would defer jobs from a database connection of its own that
    # outlives the test. The tests defer what they want run.
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

    [(task, status, attempts, args)] = jobs()
    assert (task, status, attempts) == ("booking.tasks.send_order_notices", "todo", 0)
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
    assert [status for _, status, _, _ in jobs()] == ["succeeded"]
    assert OrderEvent.objects.get().notified_at is not None


def test_a_failing_mail_server_is_retried(queue, client, order, mailoutbox, monkeypatch):
    accept(client, order)
    real_send = EmailMessage.send

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    run_worker()

    [(_, status, attempts, _)] = jobs()
    assert (status, attempts) == ("todo", 1)  # scheduled again, with backoff
    assert mailoutbox == []
    assert OrderEvent.objects.get().notified_at is None

    monkeypatch.setattr(EmailMessage, "send", real_send)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    run_worker()

    assert len(mailoutbox) == 1
    assert [status for _, status, _, _ in jobs()] == ["succeeded"]

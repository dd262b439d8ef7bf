"""/healthz: ready when the database answers and every migration is applied."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from portal import health

pytestmark = pytest.mark.django_db


def test_it_answers_ok_in_plain_text_without_a_session_or_a_write(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    statements = [query["sql"].lstrip().split()[0].upper() for query in queries]
    assert statements and set(statements) <= {"SELECT"}, statements


def test_it_answers_a_load_balancer_that_calls_the_node_by_address_over_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200


def test_it_answers_503_while_a_migration_is_not_applied(client):
    MigrationRecorder.Migration.objects.filter(app="exchange", name="0005_value_bounds").delete()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert b"migrations not applied: exchange.0005_value_bounds" in response.content


def test_it_answers_503_when_the_database_does_not(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.MigrationExecutor, "__init__", refuse)

    response = client.get("/healthz")

    assert (response.status_code, response.content) == (503, b"database unavailable\n")


def test_it_refuses_other_methods(client):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"

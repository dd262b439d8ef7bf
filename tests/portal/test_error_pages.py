"""Error pages in Russian, in the portal's layout; the 500 page needs nothing but itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.views.defaults import permission_denied, server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_answered_in_russian_in_the_layout(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Страница не найдена" in page
    assert 'class="site-header"' in page
    assert 'href="/favicon.ico"' in page


def test_a_forbidden_page_is_answered_in_russian(rf):
    response = permission_denied(rf.get("/"), PermissionDenied())

    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


def test_a_host_not_allowed_gets_the_bad_request_page(client):
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "Неверный запрос" in response.content.decode()


def test_a_form_without_its_csrf_token_gets_the_expired_page():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})

    assert response.status_code == 403
    assert "Страница устарела" in response.content.decode()


@pytest.mark.django_db(databases=[])
def test_the_server_error_page_needs_no_database(rf):
    # Without a database (pytest-django blocks it here): any query would fail the test.
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Что-то пошло не так" in page
    assert "booking/portal.css" in page


def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")

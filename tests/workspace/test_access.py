"""Only the clinic's staff see its workspace; outsiders cannot tell that it exists."""

from __future__ import annotations

import pytest

from tests.factories import make_order
from workspace.models import ResourceProfile

pytestmark = pytest.mark.django_db

# Pages every member opens, and pages for managers only, by their path under the clinic.
MEMBER_PAGES = ["", "orders/", "orders/{order}/", "schedule/", "schedule/{doctor}/"]
MANAGER_PAGES = [
    "profile/",
    "resources/",
    "resources/new/",
    "resources/{doctor}/profile/",
    "staff/",
]


@pytest.fixture
def paths(clinic, doctor):
    order = make_order(doctor)
    return lambda page: f"/clinic/{clinic.pk}/" + page.format(order=order.pk, doctor=doctor.pk)


@pytest.mark.parametrize("page", MEMBER_PAGES + MANAGER_PAGES)
def test_it_sends_the_anonymous_to_sign_in(client, paths, page):
    response = client.get(paths(page))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", MEMBER_PAGES + MANAGER_PAGES)
@pytest.mark.parametrize("who", ["patient", "outsider"])
def test_it_answers_404_to_anyone_off_the_staff(client, paths, page, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(paths(page)).status_code == 404


@pytest.mark.parametrize("page", MEMBER_PAGES)
def test_it_shows_the_members_pages_to_a_registrar(client, registrar, paths, page):
    client.force_login(registrar)

    assert client.get(paths(page)).status_code == 200


@pytest.mark.parametrize("page", MANAGER_PAGES)
def test_it_tells_a_registrar_that_a_page_is_for_managers(client, registrar, paths, page):
    client.force_login(registrar)

    response = client.get(paths(page))

    assert response.status_code == 403
    assert "Только менеджеры" in response.content.decode()


@pytest.mark.parametrize("page", MEMBER_PAGES + MANAGER_PAGES)
def test_it_shows_every_page_to_a_manager(client, manager, paths, page):
    client.force_login(manager)

    assert client.get(paths(page)).status_code == 200


def test_a_registrar_cannot_edit_a_profile(client, registrar, clinic, doctor):
    client.force_login(registrar)

    response = client.post(
        f"/clinic/{clinic.pk}/resources/{doctor.pk}/profile/", {"full_name": "Взломщик"}
    )

    assert response.status_code == 403
    assert not ResourceProfile.objects.exists()


def test_a_member_of_one_clinic_gets_404_for_a_clinic_that_does_not_exist(client, manager, clinic):
    client.force_login(manager)

    assert client.get(f"/clinic/{clinic.pk + 1000}/").status_code == 404


def test_an_outsider_gets_404_for_the_clinics_orders_through_their_own_clinic(
    client, outsider, other_clinic, doctor
):
    order = make_order(doctor)
    client.force_login(outsider)

    assert client.get(f"/clinic/{other_clinic.pk}/orders/{order.pk}/").status_code == 404

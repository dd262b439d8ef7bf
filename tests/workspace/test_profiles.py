"""The clinic's manager writes what patients read about the clinic and its doctors; the
patient pages show it when it is there, and nothing odd when it is not."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.booking.conftest import week_url
from workspace.models import ClinicProfile, ResourceProfile

pytestmark = pytest.mark.django_db


def image(kind: str = "PNG", size=(40, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, kind)
    return SimpleUploadedFile(f"logo.{kind.lower()}", buffer.getvalue())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_manager_writes_the_clinics_profile_and_patients_read_it(client, manager, clinic):
    client.force_login(manager)
    response = client.post(
        f"/clinic/{clinic.pk}/profile/",
        {
            "address": "ул. Ленина, 10",
            "phone": "+7 495 123-45-67",
            "website": "lenina-clinic.ru",
            "opening_hours": "Пн–Пт 8:00–20:00",
            "directions": "От метро «Площадь Ленина» пять минут пешком.",
            "description": "Многопрофильная клиника.",
            "logo": image(),
        },
    )
    assert response.status_code == 302
    profile = ClinicProfile.objects.get(clinic=clinic)
    assert profile.website == "https://lenina-clinic.ru"
    client.logout()

    page = client.get(f"/clinics/{clinic.pk}/").content.decode()

    assert "ул. Ленина, 10" in page and "+7 495 123-45-67" in page
    assert "От метро «Площадь Ленина»" in page and profile.logo.url in page
    assert "приостановлена" not in page


def test_a_clinic_without_a_profile_shows_no_empty_frame(client, clinic):
    page = client.get(f"/clinics/{clinic.pk}/").content.decode()

    assert "clinic-profile" not in page and "public.css" not in page


def test_it_refuses_a_file_that_is_not_an_image(client, manager, clinic):
    client.force_login(manager)
    fake = SimpleUploadedFile("logo.png", b"<?php echo 'hi'; ?>")

    response = client.post(f"/clinic/{clinic.pk}/profile/", {"logo": fake})

    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert not ClinicProfile.objects.exists()


def test_it_refuses_a_gif_and_a_large_image(client, manager, clinic, settings):
    client.force_login(manager)

    gif = client.post(f"/clinic/{clinic.pk}/profile/", {"logo": image("GIF")})
    settings.WORKSPACE_IMAGE_MAX_BYTES = 100
    large = client.post(f"/clinic/{clinic.pk}/profile/", {"logo": image()})

    assert "JPEG, PNG или WebP" in str(gif.context["form"].errors["logo"])
    assert "слишком большое" in str(large.context["form"].errors["logo"])
    assert not ClinicProfile.objects.exists()


def test_a_manager_writes_a_doctors_profile_and_patients_read_it(client, manager, clinic, doctor):
    client.force_login(manager)
    client.post(
        f"/clinic/{clinic.pk}/resources/{doctor.pk}/profile/",
        {
            "full_name": "Нестеров Олег Петрович",
            "specialty": "Кардиолог, аритмолог",
            "photo": image("JPEG"),
            "biography": "Врач высшей категории, стаж 20 лет.",
            "first_visit_price": "2500",
            "patients": "both",
            "accepts_oms": "on",
        },
    )
    profile = ResourceProfile.objects.get(resource=doctor)
    assert profile.first_visit_price == Decimal("2500")
    client.logout()

    page = client.get(week_url(doctor)).content.decode()

    assert "Нестеров Олег Петрович" in page and "стаж 20 лет" in page
    assert "Кардиолог, аритмолог" in page
    assert re.search(r"Первичный приём: 2\s500 ₽", page)  # a no-break space groups digits
    assert "Принимает взрослых и детей" in page and "Принимает по ОМС" in page
    assert "ДМС" not in page


def test_an_import_leaves_the_profiles(client, manager, clinic, doctor, post_xml):
    from tests.exchange.conftest import document

    ResourceProfile.objects.create(resource=doctor, full_name="Нестеров Олег Петрович")
    ClinicProfile.objects.create(clinic=clinic, phone="+7 495 123-45-67")

    post_xml(document('<Resources><r id="369" name="Нестеров О." time_step="20"/></Resources>'))

    doctor.refresh_from_db()
    assert doctor.name == "Нестеров О."
    assert ResourceProfile.objects.get(resource=doctor).full_name == "Нестеров Олег Петрович"
    assert ClinicProfile.objects.get(clinic=clinic).phone == "+7 495 123-45-67"

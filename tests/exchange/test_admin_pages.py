"""Every admin page reads in Russian, names its model in the right case and says whose time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from lxml import html

from exchange.models import Appointment, ImportRecord, Schedule
from exchange.orders import Actor, order_decide
from tests.factories import make_group, make_order, make_resource

# Latin words a Russian admin may show: the brand, zone names, UTC, the zone database, and the
# keys to hold for a multiple choice ("Удерживайте Control (или Command на Mac)").
ALLOWED_LATIN = {"Medihost", "UTC", "Europe", "Moscow", "IANA", "Control", "Command", "Mac"}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# What a page says about its model: its titles, column headers, filters, labels and help.
WORDING = (
    "//title",
    "//h1",
    "//h2",
    "//div[@class='breadcrumbs']",
    "//table[@id='result_list']/thead//th",
    "//div[@id='changelist-filter']//h3",
    "//ul[@class='object-tools']//a",
    "//select[@name='action']/option",
    "//form//label",
    "//form//div[@class='help']",
)
SUPERUSER_EMAIL = "root@example.org"


@pytest.fixture
def superuser(client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_superuser(SUPERUSER_EMAIL, "pw-root-1"))
    return client


@pytest.fixture
def one_of_everything(clinic):
    """A row of every registered model, with data in Russian."""
    group = make_group(clinic, name="Терапевты")
    resource = make_resource(clinic, group=group)
    make_resource(clinic, mis_id=None, name="Кабинет УЗИ")
    starts_at = datetime(2030, 7, 1, 7, 0, tzinfo=UTC)
    Schedule.objects.create(
        clinic=clinic,
        resource=resource,
        date=date(2030, 7, 1),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=9),
        break_starts_at=starts_at + timedelta(hours=4),
        break_ends_at=starts_at + timedelta(hours=5),
    )
    Appointment.objects.create(
        clinic=clinic,
        resource=resource,
        table="приёмы",
        mis_id=7,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        title="Первичный приём",
    )
    order = make_order(resource, starts_at=starts_at)
    order_decide(actor=Actor.mis(None), order=order, status=1)
    ImportRecord.objects.create(
        clinic=clinic,
        received_at=starts_at,
        size=100,
        outcome=ImportRecord.Outcome.REJECTED,
        counts={"errors": 1},
        errors=[{"line": 3, "element": "a", "attribute": "Duration", "message": "bad"}],
        duration_ms=5,
    )
    Group.objects.create(name="Операторы")


def wording(page: str) -> list[str]:
    tree = html.fromstring(page)
    return [" ".join(e.text_content().split()) for path in WORDING for e in tree.xpath(path)]


def latin_words(texts: list[str]) -> set[str]:
    found = set()
    for text in texts:
        found |= set(LATIN_WORD.findall(text.replace(SUPERUSER_EMAIL, "")))
    return found - ALLOWED_LATIN


ADMIN_PAGES = [
    pytest.param(model, model_admin, id=model._meta.label)
    for model, model_admin in admin.site._registry.items()
]


@pytest.mark.parametrize(("model", "model_admin"), ADMIN_PAGES)
def test_it_shows_every_page_in_russian(superuser, one_of_everything, model, model_admin):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    request = superuser.get(base).wsgi_request
    urls = [base, f"{base}add/"] if model_admin.has_add_permission(request) else [base]
    # A model another app registers may have no row here: its list and form are still read.
    obj = model._default_manager.first()
    if obj is not None:
        urls += [f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/"]
        if model_admin.has_delete_permission(request, obj):
            urls.append(f"{base}{obj.pk}/delete/")

    for url in urls:
        response = superuser.get(url)
        assert response.status_code == 200, url
        assert latin_words(wording(response.content.decode())) == set(), url


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/admin/exchange/clinic/", "Выберите клинику для изменения"),
        ("/admin/exchange/clinic/add/", "Добавить клинику"),
        ("/admin/exchange/resourcegroup/", "Выберите группу ресурсов для просмотра"),
        ("/admin/exchange/order/", "Выберите заявку для изменения"),
        ("/admin/exchange/importrecord/", "Выберите загрузку для просмотра"),
        ("/admin/accounts/user/", "Выберите пользователя для изменения"),
        ("/admin/accounts/user/add/", "Добавить пользователя"),
        ("/admin/auth/group/", "Выберите группу для изменения"),
    ],
)
def test_it_names_the_model_in_the_accusative(superuser, url, title):
    tree = html.fromstring(superuser.get(url).content.decode())

    assert tree.findtext(".//h1") == title
    assert tree.findtext(".//title").startswith(f"{title} | Medihost — администрирование")


def test_it_titles_a_change_page_and_its_add_button_in_the_accusative(superuser, clinic):
    listing = html.fromstring(superuser.get("/admin/exchange/clinic/").content.decode())
    change = html.fromstring(
        superuser.get(f"/admin/exchange/clinic/{clinic.pk}/change/").content.decode()
    )

    add_button = listing.xpath("normalize-space(//ul[@class='object-tools']//a)")
    assert add_button == "Добавить клинику"
    assert change.findtext(".//h1") == "Изменить клинику"


def test_it_says_the_admin_is_medihosts(superuser):
    page = html.fromstring(superuser.get("/admin/").content.decode())

    assert page.xpath("normalize-space(//div[@id='site-name'])") == "Medihost — администрирование"
    assert page.findtext(".//title") == "Управление порталом | Medihost — администрирование"


def test_it_words_a_saved_clinic_without_agreeing_in_gender(superuser, clinic):
    form = {
        "name": "Клиника на Ленина",
        "timezone": "Europe/Moscow",
        "dialect": "sample",
        "cancelled_status": 2,
        "is_active": "on",
    }

    response = superuser.post(f"/admin/exchange/clinic/{clinic.pk}/change/", form, follow=True)

    page = html.fromstring(response.content.decode())
    assert page.xpath("normalize-space(//ul[@class='messagelist'])") == (
        "Сохранено: клиника «Клиника на Ленина»."
    )


def test_it_shows_a_clinics_data_in_its_zone_and_other_times_in_utc(
    superuser, clinic, one_of_everything
):
    orders = superuser.get("/admin/exchange/order/").content.decode()
    appointments = superuser.get("/admin/exchange/appointment/").content.decode()
    schedules = superuser.get("/admin/exchange/schedule/").content.decode()
    journal = superuser.get("/admin/exchange/importrecord/").content.decode()
    clinics = superuser.get("/admin/exchange/clinic/").content.decode()

    # 07:00 UTC is 10:00 in Moscow.
    assert "01.07.2030 10:00 (Europe/Moscow)" in orders
    assert "01.07.2030 10:00 (Europe/Moscow)" in appointments
    assert "10:00–19:00 (Europe/Moscow)" in schedules
    assert "14:00–15:00 (Europe/Moscow)" in schedules
    assert "01.07.2030 10:00:00 (Europe/Moscow)" in journal
    assert f"{clinic.created_at:%d.%m.%Y %H:%M} UTC" in clinics


def test_it_edits_an_orders_time_in_the_clinics_zone(superuser, clinic, one_of_everything):
    order = clinic.orders.get()
    page = superuser.get(f"/admin/exchange/order/{order.pk}/change/").content.decode()

    assert 'name="starts_at_1" value="10:00:00"' in page
    assert "Время клиники, Europe/Moscow." in page

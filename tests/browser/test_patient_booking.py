"""A patient finds an ENT doctor by "лор", books, gets the email and cancels, on a desktop and
on a phone; a patient in another time zone also reads the time on their own clock.

Each step's screen is saved in test-artifacts/ (patient-booking-<width>-<step>.png), to look
at the pages as a patient sees them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exchange.models import Order
from tests.booking.conftest import make_schedule
from tests.browser.conftest import ARTIFACTS
from tests.factories import make_group, make_resource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ent_doctor(clinic):
    """An ENT doctor of the Moscow clinic, free 09:00–12:00 the day after tomorrow."""
    day = timezone.localdate(timezone=clinic.tzinfo) + timedelta(days=2)
    group = make_group(clinic, name="Врач-оториноларинголог")
    doctor = make_resource(clinic, name="Ларинов П. М.", group=group, time_step=30)
    make_schedule(doctor, "09:00", "12:00", day=day)
    return doctor


@pytest.mark.parametrize(
    ("width", "zone", "own_clock"),
    [
        (1200, "Europe/Moscow", None),  # the clinic's zone: no line about the patient's clock
        (375, "Asia/Novosibirsk", "13:00"),  # MSK+4
    ],
)
def test_a_patient_finds_books_and_cancels(
    live_server, browser, ent_doctor, patient, mailoutbox, width, zone, own_clock
):
    context = browser.new_context(
        locale="ru-RU", timezone_id=zone, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    def screen(step: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"patient-booking-{width}-{step}.png", full_page=True)

    page.goto(live_server.url + "/")
    page.get_by_label("Специальность или врач").fill("лор")
    page.keyboard.press("Enter")
    results = page.locator("section.results-group", has_text="Оториноларинголог (ЛОР)")
    results.wait_for()
    screen("1-search")
    results.get_by_role("link", name="Ларинов П. М.").click()

    page.get_by_role("heading", name="Ларинов П. М.", level=1).wait_for()
    page.wait_for_load_state()  # the page's script has run
    assert "московское время (МСК)" in page.locator("main").inner_text()
    assert page.get_by_text("по вашему времени").is_visible() == bool(own_clock)
    screen("2-week")
    page.locator(".week a.slot").first.click()

    # Signing in comes first, then the form for the chosen time.
    page.fill("input[name=username]", patient.email)
    page.fill("input[name=password]", "pw-petrova-1")
    page.click("main form [type=submit]")
    page.get_by_role("heading", name="Запись на приём").wait_for()
    page.wait_for_load_state()  # the page's script has run
    time = page.locator(".summary dd", has_text="московское время (МСК)")
    assert ", 09:00" in time.inner_text()
    own = time.locator(".local-time")
    if own_clock:
        assert own.is_visible() and own.inner_text().endswith(f" в {own_clock}.")
    else:
        assert own.is_hidden()
    page.fill("input[name=name1]", "Петрова")
    page.fill("input[name=name2]", "Анна")
    page.fill("input[name=phone]", "+7 900 123-45-67")
    screen("3-form")
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Записаться").click()

    page.get_by_role("heading", name="Ваша заявка получена").wait_for()
    screen("4-order")
    [message] = mailoutbox
    assert message.to == [patient.email]
    assert message.subject.startswith("Вы записались на приём: Клиника на Ленина, ")
    assert ", московское время (МСК)" in message.body

    page.get_by_role("link", name="Отменить запись").click()
    page.get_by_role("heading", name="Отменить запись на").wait_for()
    assert Order.objects.get().status == Order.Status.RECEIVED  # asking is not cancelling
    screen("5-cancel")
    page.get_by_role("button", name="Да, отменить запись").click()

    page.get_by_text("Запись отменена.").wait_for()
    assert "Отменена вами" in page.locator("main").inner_text()
    screen("6-cancelled")
    assert Order.objects.get().status == Order.Status.CANCELLED
    context.close()

"""Every page a patient sees passes axe-core, and fits a 320 px wide phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from tests.booking.conftest import make_schedule, when
from tests.browser.accessibility import assert_accessible, violations
from tests.factories import make_group, make_order, make_resource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked(clinic, patient):
    """An ENT doctor working the day after tomorrow, and the patient's booking at 10:00."""
    day = timezone.localdate(timezone=clinic.tzinfo) + timedelta(days=2)
    group = make_group(clinic, name="Врач-оториноларинголог")
    doctor = make_resource(clinic, name="Ларинов П. М.", group=group, time_step=30)
    make_schedule(doctor, "09:00", "12:00", day=day)
    order = make_order(doctor, starts_at=when(clinic, "10:00", day), patient=patient)
    return doctor, order, when(clinic, "11:00", day)


def patient_pages(doctor, order, free) -> list[str]:
    """The addresses of every page a patient may see, the signed-in ones last."""
    clinic = f"/clinics/{doctor.clinic_id}/"
    week = f"{clinic}resources/{doctor.pk}/"
    at = int(free.timestamp())
    return [
        "/",
        "/?q=лор",
        clinic,
        week,
        "/privacy/",
        "/no-such-page/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        f"{week}book/?at={at}",
        f"{week}book/?at={at + 60}",  # off the grid: the nearest free times instead
        "/orders/",
        f"/orders/{order.pk}/",
        f"/orders/{order.pk}/cancel/",
        f"/orders/{order.pk}/reschedule/",
        f"/orders/{order.pk}/reschedule/?at={at}",
    ]


@pytest.mark.parametrize("width", [320, 1200])
def test_every_patient_page_passes_axe_and_fits_the_screen(
    live_server, browser, booked, patient, width
):
    context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    found = violations(page)
    page.fill("input[name=username]", patient.email)
    page.fill("input[name=password]", "pw-petrova-1")
    page.click("main form [type=submit]")
    page.wait_for_url(live_server.url + "/")

    too_wide = []
    for address in patient_pages(*booked):
        page.goto(live_server.url + address)
        found += violations(page)
        # No page scrolls sideways: everything fits the phone's width.
        if page.evaluate("document.documentElement.scrollWidth") > width:
            too_wide.append(address)
    context.close()

    assert not found, "axe-core found:\n" + "\n".join(found)
    assert not too_wide, f"wider than {width} px: {too_wide}"


@pytest.mark.parametrize("template", ["403.html", "403_csrf.html", "500.html"])
def test_the_error_pages_pass_axe_and_fit_the_screen(live_server, browser, template):
    # Rendered as Django renders them when it fails (no request), then shown from the
    # portal's address, so that its stylesheet and its CSP apply.
    page = browser.new_page(locale="ru-RU", viewport={"width": 320, "height": 800})
    page.goto(live_server.url + "/privacy/")
    page.set_content(render_to_string(template))

    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()


def test_the_check_finds_what_axe_calls_serious(browser, live_server):
    # Under the portal's CSP, as the pages above: a form field without a label.
    page = browser.new_page()
    page.goto(live_server.url + "/privacy/")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")

    found = violations(page)
    page.close()

    assert len(found) == 1 and " label (critical): " in found[0], found

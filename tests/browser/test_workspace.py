"""A clinic's manager signs in, finds the order on the schedule grid and accepts it; the
patient's page shows it accepted. Screenshots of each page go to test-artifacts/."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from exchange.importing import import_document
from exchange.protocol import parse_document
from tests.browser.conftest import ARTIFACTS
from tests.exchange.conftest import document
from tests.factories import make_order
from workspace.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day(clinic):
    """The day after tomorrow, when a therapist and a cardiologist work 9 to 12."""
    day = timezone.localdate(timezone=clinic.tzinfo) + timedelta(days=2)
    body = f"""
        <ResourceGroups><rg id="2" name="Врач-терапевт" pos="0"/></ResourceGroups>
        <Resources>
            <r id="380" name="Ларинов П. М." group_id="2" time_step="30" pos="0"/>
            <r id="381" name="Соколова Е. В." group_id="2" time_step="30" pos="1"/>
        </Resources>
        <Schedules>
            <s id="1" date="{day:%d.%m.%Y}" resource_id="380">
                <time_rules w_start="9:00" w_end="12:00" b_start="10:30" b_end="11:00"/></s>
            <s id="2" date="{day:%d.%m.%Y}" resource_id="381">
                <time_rules w_start="9:00" w_end="12:00"/></s>
        </Schedules>
        <Appointments SyncMode="full">
            <a tablename="TICKETS" id="7" resource_id="380" Duration="30"
               ReceptionDateTime="{day:%d.%m.%Y} 9:00:00" Title="Сидоров П. И., повторный приём"/>
        </Appointments>"""
    import_document(clinic=clinic, document=parse_document(document(body)))
    return day


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"workspace-{name}.png", full_page=True)


def test_a_manager_accepts_an_order_from_the_grid(
    live_server, new_page, clinic, day, patient, django_user_model
):
    manager = django_user_model.objects.create_user(
        email="manager@lenina.ru", password="Manager-2026-x"
    )
    Membership.objects.create(user=manager, clinic=clinic, role=Membership.Role.MANAGER)
    doctor = clinic.resources.get(mis_id=380)
    starts_at = datetime.combine(day, time(10), tzinfo=clinic.tzinfo)
    order = make_order(
        doctor, starts_at=starts_at, patient=patient, name1="Петрова", name2="Анна",
        name3="Сергеевна", phone="+7 900 123-45-67", email=patient.email,
    )  # fmt: skip

    staff = new_page()
    staff.goto(f"{live_server.url}/clinic/{clinic.pk}/schedule/?date={day:%Y-%m-%d}")
    staff.fill("input[name=username]", manager.email)
    staff.fill("input[name=password]", "Manager-2026-x")
    staff.click("main form [type=submit]")
    grid = staff.locator("table.ws-grid")
    grid.wait_for()
    assert "Сидоров П. И., повторный приём" in grid.inner_text()
    assert "+7 900 123-45-67" in grid.inner_text()
    shoot(staff, "grid")

    staff.click("text=Петрова Анна Сергеевна")
    staff.locator("h1", has_text=f"Заявка № {order.pk}").wait_for()
    shoot(staff, "order")
    staff.click("button:has-text('Принять')")
    staff.locator(".message--success").wait_for()
    assert "Принята" in staff.locator("h1").inner_text()
    assert "Принята" in staff.locator(".ws-history").inner_text()
    shoot(staff, "accepted")

    staff.goto(f"{live_server.url}/clinic/{clinic.pk}/")
    shoot(staff, "dashboard")
    staff.goto(f"{live_server.url}/clinic/{clinic.pk}/orders/")
    assert "Петрова Анна Сергеевна" in staff.locator("table.orders").inner_text()
    shoot(staff, "orders")

    own = new_page()
    own.goto(f"{live_server.url}/accounts/login/?next=/orders/")
    own.fill("input[name=username]", patient.email)
    own.fill("input[name=password]", "pw-petrova-1")
    own.click("main form [type=submit]")
    row = own.locator("tr", has_text="Ларинов П. М.")
    assert "Подтверждена" in row.inner_text()
    assert "Сидоров" not in own.content()
    shoot(own, "patient")

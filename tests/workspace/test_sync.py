"""The MIS sync state comes from the import journal; a clinic whose appointments are stale
stops offering slots, and its managers and the portal's admins hear of it once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from booking.errors import BookingPaused
from booking.selectors import resource_slots
from booking.services import order_create
from exchange.models import Clinic, ImportRecord
from tests.booking.conftest import DAY, week_url, when
from workspace.models import ClinicProfile, SyncFlip, SyncPolicy
from workspace.sync import SyncState, sync_state, sync_watch, with_sync

pytestmark = pytest.mark.django_db

APPLIED, REJECTED, DRY_RUN = "applied", "rejected", "dry_run"
WITH_APPOINTMENTS = {"appointments": {"total": 3}, "warnings": 2, "conflicts": 0}
ORDERS_ONLY = {"orders": {"updated": 1}, "warnings": 0, "conflicts": 0}


def record(clinic, at: datetime, outcome: str = APPLIED, counts=None, errors=()) -> ImportRecord:
    return ImportRecord.objects.create(
        clinic=clinic,
        received_at=at,
        size=100,
        outcome=outcome,
        counts=WITH_APPOINTMENTS if counts is None else counts,
        errors=list(errors),
        duration_ms=5,
    )


def state(clinic, now) -> SyncState:
    return sync_state(with_sync(Clinic.objects.filter(pk=clinic.pk)).get(), now=now)


@pytest.fixture
def now(clinic) -> datetime:
    """Three days before DAY, when the doctor's slots are all ahead."""
    return when(clinic, "12:00", DAY - timedelta(days=3))


def test_a_clinic_without_imports_was_never_connected(clinic, now):
    assert state(clinic, now) == SyncState.NEVER


# Imports by how long ago they came (minutes) and what came of them.
GOOD = (APPLIED, WITH_APPOINTMENTS)
NO_APPOINTMENTS = (APPLIED, ORDERS_ONLY)
BAD = (REJECTED, {"errors": 1})


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([(60, GOOD)], SyncState.HEALTHY),
        ([(179, GOOD)], SyncState.HEALTHY),
        ([(181, GOOD)], SyncState.LATE),
        ([(240, GOOD), (5, NO_APPOINTMENTS)], SyncState.LATE),
        ([(5, BAD)], SyncState.LATE),
        ([(60, GOOD), (10, BAD)], SyncState.FAILING),
        ([(60, GOOD), (10, ("failed", {}))], SyncState.FAILING),
        ([(60, GOOD), (10, BAD), (5, NO_APPOINTMENTS)], SyncState.HEALTHY),
        ([(60, GOOD), (10, BAD), (5, (DRY_RUN, WITH_APPOINTMENTS))], SyncState.FAILING),
        ([(240, (DRY_RUN, WITH_APPOINTMENTS))], SyncState.LATE),
    ],
)
def test_the_state_follows_the_journal(clinic, now, history, expected):
    for minutes_ago, (outcome, counts) in history:
        record(clinic, now - timedelta(minutes=minutes_ago), outcome, counts)

    assert state(clinic, now) == expected


def test_the_limit_is_the_clinics(clinic, now):
    SyncPolicy.objects.create(clinic=clinic, late_after=timedelta(minutes=30))
    record(clinic, now - timedelta(minutes=45))

    assert state(clinic, now) == SyncState.LATE


def test_another_clinics_journal_does_not_count(clinic, other_clinic, now):
    record(other_clinic, now - timedelta(minutes=5))

    assert state(clinic, now) == SyncState.NEVER


@pytest.fixture
def stale(clinic, now):
    """The clinic's MIS last sent appointments four hours ago."""
    record(clinic, now - timedelta(hours=4))
    return clinic


def test_a_stale_clinic_offers_no_slots(doctor, stale, now):
    assert resource_slots(resource=doctor, first_day=DAY, days=1, now=now) == {}


def test_a_fresh_clinic_offers_its_slots(doctor, clinic, now):
    record(clinic, now - timedelta(minutes=30))

    assert len(resource_slots(resource=doctor, first_day=DAY, days=1, now=now)[DAY]) == 6


def test_the_booking_service_refuses_while_paused(doctor, stale, now, patient):
    from booking.services import PatientDetails
    from tests.booking.conftest import FORM

    fields = {name: value for name, value in FORM.items() if name != "consent"}
    details = PatientDetails(**{**fields, "name3": "", "aim": ""})
    with pytest.raises(BookingPaused):
        order_create(
            patient=patient, resource=doctor, starts_at=when(doctor.clinic, "09:00"),
            details=details, now=now,
        )  # fmt: skip


def test_the_patient_pages_say_booking_is_paused_and_give_the_phone(client, doctor, clinic):
    record(clinic, datetime(2020, 1, 1, tzinfo=clinic.tzinfo))
    ClinicProfile.objects.create(clinic=clinic, phone="+7 495 123-45-67")

    for url in (f"/clinics/{clinic.pk}/", week_url(doctor) + f"?from={DAY.isoformat()}"):
        # The phone is kept on one line with no-break spaces and hyphens.
        page = client.get(url).content.decode().replace("\u00a0", " ").replace("\u2011", "-")
        assert "Онлайн-запись в эту клинику временно приостановлена" in page, url
        assert "+7 495 123-45-67" in page, url
    slots = client.get(reverse("booking:api-slots", args=[doctor.pk]), {"from": DAY.isoformat()})
    assert slots.json()["slots"] == []


@pytest.fixture
def watchers(django_user_model, manager, registrar):
    admin = django_user_model.objects.create_user(
        email="admin@medihost.ru", password="pw-admin-1", is_staff=True
    )
    return sorted([manager.email, admin.email])


def test_it_emails_the_managers_and_admins_once_per_pause_and_once_on_resuming(
    clinic, now, watchers, mailoutbox
):
    record(clinic, now - timedelta(hours=2))
    sync_watch(now=now)
    assert mailoutbox == []  # never → healthy concerns nobody

    sync_watch(now=now + timedelta(hours=2))
    sync_watch(now=now + timedelta(hours=2, minutes=5))

    [paused] = mailoutbox
    assert sorted(paused.bcc) == watchers and paused.to == []
    assert "приостановлена" in paused.subject and clinic.name in paused.subject

    record(clinic, now + timedelta(hours=3))
    sync_watch(now=now + timedelta(hours=3, minutes=1))
    sync_watch(now=now + timedelta(hours=3, minutes=6))

    assert len(mailoutbox) == 2
    assert "возобновлена" in mailoutbox[1].subject
    assert [(f.old_state, f.new_state) for f in SyncFlip.objects.order_by("at")] == [
        ("never", "healthy"), ("healthy", "late"), ("late", "healthy")
    ]  # fmt: skip
    assert not SyncFlip.objects.filter(processed_at__isnull=True).exists()


def test_a_failing_mail_server_leaves_the_flip_to_the_next_run(
    clinic, now, watchers, monkeypatch, mailoutbox
):
    record(clinic, now - timedelta(hours=4))

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        sync_watch(now=now)
    assert SyncFlip.objects.get().processed_at is None

    monkeypatch.undo()
    sync_watch(now=now + timedelta(minutes=5))

    assert len(mailoutbox) == 1
    assert SyncFlip.objects.count() == 1


def test_the_command_runs_the_watcher(clinic, watchers, mailoutbox, capsys):
    record(clinic, datetime(2020, 1, 1, tzinfo=clinic.tzinfo))

    call_command("watch_sync")

    assert len(mailoutbox) == 1


def test_the_dashboard_shows_the_sections_and_the_last_failure(client, registrar, clinic):
    from django.utils import timezone

    moment = timezone.now()
    record(clinic, moment - timedelta(minutes=20))
    record(
        clinic,
        moment - timedelta(minutes=10),
        REJECTED,
        {"errors": 1},
        errors=[{"line": 7, "element": "s", "attribute": "date", "message": "not a date"}],
    )
    client.force_login(registrar)

    response = client.get(f"/clinic/{clinic.pk}/")

    health = response.context["health"]
    assert health.state == SyncState.FAILING
    assert health.warnings_24h == 2 and health.imports_24h == 1
    page = response.content.decode()
    assert "not a date" in page
    assert "строка 7" in page


def test_the_admin_lists_every_clinics_state(admin_client, clinic, other_clinic, now):
    record(clinic, datetime(2020, 1, 1, tzinfo=clinic.tzinfo))

    page = admin_client.get("/admin/workspace/clinicsync/").content.decode()

    assert clinic.name in page and other_clinic.name in page
    assert "опаздывает" in page and "не подключалась" in page


def test_the_admin_sets_a_clinics_limit(admin_client, clinic):
    url = f"/admin/workspace/clinicsync/{clinic.pk}/change/"
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        {
            "sync_policy-TOTAL_FORMS": 1,
            "sync_policy-INITIAL_FORMS": 0,
            "sync_policy-0-late_after": "01:30:00",
            "sync_flips-TOTAL_FORMS": 0,
            "sync_flips-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert SyncPolicy.objects.get(clinic=clinic).late_after == timedelta(hours=1, minutes=30)

"""The order services: every change is checked, stamped and recorded in the order's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from exchange.models import Order, OrderEvent
from exchange.orders import (
    Actor,
    CancelledByPatient,
    NotCancellable,
    OrderChangeRefused,
    OtherClinicsResource,
    StaleChange,
    StatusNotAllowed,
    TimeHeld,
    order_cancel,
    order_changes,
    order_correct,
    order_create,
    order_decide,
    order_move,
)
from exchange.signals import order_events_recorded
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db

AT = datetime(2030, 7, 1, 7, 0, tzinfo=UTC)
STAFF = Actor(OrderEvent.Actor.STAFF, 7, "registrar@clinic.ru")
PATIENT = Actor(OrderEvent.Actor.PATIENT, 5, "ivanov@example.ru")
MIS = Actor.mis(41)


@pytest.fixture
def resource(clinic):
    return make_resource(clinic)


@pytest.fixture
def order(resource):
    return make_order(resource, starts_at=AT, last_changed_at=timezone.now() - timedelta(days=30))


def history(order: Order) -> list[tuple]:
    return list(
        order.events.values_list("actor_kind", "actor_id", "actor_label", "action", "changes")
    )


def test_it_creates_an_order_with_its_first_history_row(resource):
    before = timezone.now()

    order = order_create(
        actor=PATIENT,
        resource=resource,
        starts_at=AT,
        ends_at=AT + timedelta(minutes=30),
        details={"name1": "Иванов", "name2": "Иван", "phone": "+7 900 000-00-00"},
    )

    assert (order.status, order.name1, order.name3) == (Order.Status.RECEIVED, "Иванов", "")
    assert order.last_changed_at >= before
    [(kind, actor_id, label, action, changes)] = history(order)
    assert (kind, actor_id, label, action) == ("patient", 5, "ivanov@example.ru", "created")
    assert changes == {
        "status": [None, 0],
        "resource_id": [None, resource.pk],
        "starts_at": [None, AT.isoformat()],
        "ends_at": [None, (AT + timedelta(minutes=30)).isoformat()],
    }


def test_it_creates_an_order_without_a_patient_account_with_no_user_name(resource):
    order = order_create(
        actor=STAFF,
        resource=resource,
        starts_at=AT,
        ends_at=AT + timedelta(minutes=30),
        details={"name1": "Иванов"},
    )

    order.refresh_from_db()
    assert (order.patient, order.user_name, order.name1) == (None, "", "Иванов")


def test_it_refuses_to_create_an_order_over_a_holding_one(resource, order):
    with pytest.raises(TimeHeld):
        order_create(
            actor=PATIENT,
            resource=resource,
            starts_at=AT + timedelta(minutes=15),
            ends_at=AT + timedelta(minutes=45),
            details={},
        )
    assert Order.objects.count() == 1
    assert not OrderEvent.objects.exists()


def test_it_records_who_decided_and_moves_the_stamp(order):
    decided = order_decide(actor=STAFF, order=order, status=Order.Status.ACCEPTED)

    assert decided.status == Order.Status.ACCEPTED
    assert decided.last_changed_at > order.last_changed_at
    [(kind, actor_id, label, action, changes)] = history(order)
    assert (kind, actor_id, label, action) == ("staff", 7, "registrar@clinic.ru", "accepted")
    assert changes == {"status": [0, 1]}
    assert OrderEvent.objects.get().at == Order.objects.get().last_changed_at


def test_it_changes_nothing_and_records_nothing_on_an_echo(order):
    order_decide(actor=MIS, order=order, status=Order.Status.RECEIVED)

    assert Order.objects.get().last_changed_at == order.last_changed_at
    assert history(order) == []


@pytest.mark.parametrize("kind", ["staff", "admin"])
def test_it_names_the_clinics_staff_and_the_admin_in_the_history(order, django_user_model, kind):
    user = django_user_model.objects.create_user(email="registrar@clinic.ru")

    order_decide(actor=getattr(Actor, kind)(user), order=order, status=Order.Status.ACCEPTED)

    [(actor_kind, actor_id, label, action, _)] = history(order)
    assert (actor_kind, actor_id, label, action) == (
        kind,
        user.pk,
        "registrar@clinic.ru",
        "accepted",
    )


def test_it_names_the_patient_in_the_history(order, patient):
    order_cancel(actor=Actor.patient(patient), order=order, now=AT - timedelta(days=1))

    [(kind, actor_id, label, action, _)] = history(order)
    assert (kind, actor_id, label, action) == (
        "patient",
        patient.pk,
        "petrova@example.ru",
        "cancelled",
    )


@pytest.mark.parametrize(("journal_entry_id", "label"), [(41, "import #41"), (None, "import")])
def test_it_names_the_import_in_the_history(order, journal_entry_id, label):
    order_decide(actor=Actor.mis(journal_entry_id), order=order, status=Order.Status.ACCEPTED)

    [(kind, actor_id, actor_label, _, _)] = history(order)
    assert (kind, actor_id, actor_label) == ("mis", journal_entry_id, label)


def test_it_cuts_a_long_actor_name_to_what_the_history_holds(order):
    actor = Actor(OrderEvent.Actor.STAFF, 7, "регистратура " * 30)

    order_decide(actor=actor, order=order, status=Order.Status.ACCEPTED)

    assert OrderEvent.objects.get().actor_label == actor.label[:255]


@pytest.mark.parametrize("actor", [STAFF, MIS, Actor(OrderEvent.Actor.ADMIN, 1, "admin")])
def test_it_lets_only_the_patient_cancel(order, actor):
    # The MIS reads these words in the import's conflict report.
    message = "status 2 (cancelled by the patient) is set only by the patient"
    with pytest.raises(StatusNotAllowed) as refused:
        order_decide(actor=actor, order=order, status=Order.Status.CANCELLED)
    assert str(refused.value) == refused.value.message == message
    assert Order.objects.get().status == Order.Status.RECEIVED


def test_it_lets_a_patient_do_nothing_but_cancel(order):
    with pytest.raises(StatusNotAllowed) as refused:
        order_decide(actor=PATIENT, order=order, status=Order.Status.ACCEPTED)
    assert (
        str(refused.value) == refused.value.message == "a patient can only cancel or move an order"
    )


def test_it_keeps_the_patients_cancellation_final(order):
    order_cancel(actor=PATIENT, order=order, now=AT - timedelta(days=1))

    with pytest.raises(CancelledByPatient):
        order_decide(actor=STAFF, order=order, status=Order.Status.ACCEPTED)
    assert [row[3] for row in history(order)] == ["cancelled"]


def test_it_cancels_only_before_the_visit_and_while_holding(order):
    with pytest.raises(NotCancellable):
        order_cancel(actor=PATIENT, order=order, now=AT)
    order_decide(actor=STAFF, order=order, status=Order.Status.REJECTED)
    with pytest.raises(NotCancellable):
        order_cancel(actor=PATIENT, order=order, now=AT - timedelta(days=1))


def test_it_refuses_a_change_made_before_the_portals_last_change(order):
    order_decide(actor=STAFF, order=order, status=Order.Status.ACCEPTED)

    with pytest.raises(StaleChange):
        order_decide(
            actor=MIS,
            order=order,
            status=Order.Status.REJECTED,
            seen_at=timezone.now() - timedelta(days=1),
        )
    assert Order.objects.get().status == Order.Status.ACCEPTED


def test_it_refuses_a_move_or_correction_made_before_the_portals_last_change(resource, order):
    order_decide(actor=STAFF, order=order, status=Order.Status.ACCEPTED)
    seen_at = timezone.now() - timedelta(days=1)

    with pytest.raises(StaleChange):
        order_move(
            actor=MIS,
            order=order,
            resource=resource,
            starts_at=AT + timedelta(hours=2),
            ends_at=AT + timedelta(hours=3),
            seen_at=seen_at,
        )
    with pytest.raises(StaleChange):
        order_correct(actor=MIS, order=order, details={"name1": "Петров"}, seen_at=seen_at)
    assert (Order.objects.get().starts_at, Order.objects.get().name1) == (AT, "Иванов")


def test_it_moves_onto_free_time_only(resource, order):
    holder = make_order(resource, starts_at=AT + timedelta(hours=1))
    other = make_resource(resource.clinic, mis_id=370)

    with pytest.raises(TimeHeld):
        order_move(
            actor=STAFF,
            order=order,
            resource=resource,
            starts_at=holder.starts_at + timedelta(minutes=10),
            ends_at=holder.ends_at + timedelta(minutes=10),
        )
    moved = order_move(
        actor=STAFF,
        order=order,
        resource=other,
        starts_at=holder.starts_at,
        ends_at=holder.ends_at,
    )

    assert (moved.resource_id, moved.starts_at) == (other.pk, holder.starts_at)
    [(_, _, _, action, changes)] = history(order)
    assert action == "moved"
    assert changes["resource_id"] == [resource.pk, other.pk]


def test_it_moves_an_order_to_touch_another_end_to_start(resource, order):
    make_order(resource, starts_at=AT + timedelta(hours=1))

    moved = order_move(
        actor=STAFF,
        order=order,
        resource=resource,
        starts_at=AT + timedelta(minutes=30),
        ends_at=AT + timedelta(hours=1),
    )

    assert moved.starts_at == AT + timedelta(minutes=30)


def test_it_rejects_a_cancelled_time_that_was_booked_again_without_a_time_check(resource, order):
    # Rejecting frees time: that another order took it since must not stand in the way.
    order_decide(actor=STAFF, order=order, status=Order.Status.REJECTED)
    make_order(resource, starts_at=AT)

    order_decide(actor=STAFF, order=order, status=Order.Status.REJECTED)  # an echo
    with pytest.raises(TimeHeld):
        order_decide(actor=STAFF, order=order, status=Order.Status.ACCEPTED)


@pytest.mark.parametrize("status", [Order.Status.RECEIVED, Order.Status.ACCEPTED])
def test_it_lets_a_patient_move_a_booking_back_to_received_for_the_clinic(resource, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    stamp = Order.objects.get().last_changed_at

    moved = order_move(
        actor=PATIENT,
        order=order,
        resource=resource,
        starts_at=AT + timedelta(hours=1),
        ends_at=AT + timedelta(hours=1, minutes=30),
    )

    assert (moved.status, moved.starts_at) == (Order.Status.RECEIVED, AT + timedelta(hours=1))
    assert moved.last_changed_at > stamp
    [(kind, _, _, action, changes)] = history(order)
    assert (kind, action) == ("patient", "moved")
    assert changes["starts_at"] == [AT.isoformat(), (AT + timedelta(hours=1)).isoformat()]
    assert ("status" in changes) == (status == Order.Status.ACCEPTED)
    assert OrderEvent.objects.get().notify_patient is False


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.REJECTED])
def test_it_lets_no_patient_move_a_booking_that_holds_no_time(resource, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)

    with pytest.raises(OrderChangeRefused):
        order_move(
            actor=PATIENT,
            order=order,
            resource=resource,
            starts_at=AT + timedelta(hours=1),
            ends_at=AT + timedelta(hours=1, minutes=30),
        )
    assert Order.objects.get().status == status
    assert history(order) == []


def test_it_never_moves_an_order_to_another_clinic(order, other_clinic):
    with pytest.raises(OtherClinicsResource):
        order_move(
            actor=STAFF,
            order=order,
            resource=make_resource(other_clinic),
            starts_at=AT,
            ends_at=AT + timedelta(minutes=30),
        )


def test_it_corrects_the_patients_details_and_records_old_and_new(order):
    corrected = order_correct(
        actor=MIS, order=order, details={"name1": "Петров", "phone": "+7 912 000-00-00"}
    )

    assert (corrected.name1, corrected.phone) == ("Петров", "+7 912 000-00-00")
    [(kind, actor_id, label, action, changes)] = history(order)
    assert (kind, actor_id, label, action) == ("mis", 41, "import #41", "corrected")
    assert changes == {
        "name1": ["Иванов", "Петров"],
        "phone": ["+7 900 000-00-00", "+7 912 000-00-00"],
    }


def test_it_refuses_to_correct_what_is_not_a_patients_detail(order):
    with pytest.raises(ValueError) as refused:
        order_correct(actor=MIS, order=order, details={"status": 1, "resource_id": 2})
    assert str(refused.value) == "not a patient's detail: resource_id, status"
    assert history(order) == []


@pytest.mark.parametrize(
    ("actor", "action", "told"),
    [
        (STAFF, "accepted", True),
        (MIS, "rejected", True),
        (PATIENT, "cancelled", False),
        # Back to "received": nothing the patient needs to hear about.
        (STAFF, "received", False),
    ],
)
def test_it_marks_what_the_patient_must_be_told(order, actor, action, told):
    if action == "cancelled":
        order_cancel(actor=actor, order=order, now=AT - timedelta(days=1))
    elif action == "received":
        Order.objects.filter(pk=order.pk).update(status=Order.Status.ACCEPTED)
        order_decide(actor=actor, order=order, status=Order.Status.RECEIVED)
    else:
        order_decide(actor=actor, order=order, status=3 if action == "rejected" else 1)

    event = OrderEvent.objects.get()
    assert (event.action, event.notify_patient, event.notified_at) == (action, told, None)


def test_it_does_not_mark_an_order_the_clinic_creates(resource):
    order_create(
        actor=STAFF, resource=resource, starts_at=AT, ends_at=AT + timedelta(hours=1), details={}
    )

    assert OrderEvent.objects.get().notify_patient is False


def test_it_announces_the_recorded_events_once_per_unit_of_work(order, resource):
    other = make_order(resource, starts_at=AT + timedelta(hours=1))
    announced = []

    def receiver(sender, *, event_ids, **kwargs):
        announced.append((sender, sorted(event_ids)))

    order_events_recorded.connect(receiver, sender=OrderEvent)
    try:
        with order_changes(actor=STAFF) as changes:
            locked = changes.lock(clinic=resource.clinic, ids=[order.pk, other.pk])
            changes.change(locked[order.pk], status=Order.Status.ACCEPTED)
            changes.change(locked[other.pk], status=Order.Status.REJECTED)
    finally:
        order_events_recorded.disconnect(receiver, sender=OrderEvent)

    assert announced == [(OrderEvent, sorted(OrderEvent.objects.values_list("pk", flat=True)))]
    assert len(announced[0][1]) == 2


def test_it_locks_only_the_clinics_orders_among_those_asked(
    order, resource, other_clinic, django_assert_num_queries
):
    make_order(resource, starts_at=AT + timedelta(hours=1))
    elsewhere = make_order(make_resource(other_clinic), starts_at=AT)

    with order_changes(actor=MIS) as changes:
        locked = changes.lock(clinic=resource.clinic, ids=[order.pk, elsewhere.pk, order.pk + 99])

    assert locked == {order.pk: order}
    # With its clinic and resource: reading them costs no further query.
    with django_assert_num_queries(0):
        assert (locked[order.pk].clinic, locked[order.pk].resource) == (resource.clinic, resource)

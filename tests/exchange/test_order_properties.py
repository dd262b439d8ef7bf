"""The order-change rules hold for any sequence of decisions by anyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.models import Order, OrderEvent
from exchange.orders import Actor, OrderChangeRefused, order_cancel, order_decide
from tests.factories import make_order, make_resource

AT = datetime(2030, 7, 1, 7, tzinfo=UTC)
ACTORS = {
    "patient": Actor(OrderEvent.Actor.PATIENT, 5, "p@example.ru"),
    "staff": Actor(OrderEvent.Actor.STAFF, 7, "s@clinic.ru"),
    "mis": Actor.mis(1),
}
STEPS = st.lists(st.tuples(st.sampled_from(sorted(ACTORS)), st.sampled_from([0, 1, 2, 3])))


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_decisions_keeps_the_rules(clinic, steps):
    with transaction.atomic():
        order = make_order(make_resource(clinic, mis_id=None), starts_at=AT)
        for who, status in steps:
            before = Order.objects.get(pk=order.pk)
            events = OrderEvent.objects.filter(order=order).count()
            try:
                if who == "patient" and status == Order.Status.CANCELLED:
                    order_cancel(actor=ACTORS[who], order=order, now=AT - timedelta(days=1))
                else:
                    order_decide(actor=ACTORS[who], order=order, status=status)
            except OrderChangeRefused:
                assert Order.objects.get(pk=order.pk).status == before.status
                assert OrderEvent.objects.filter(order=order).count() == events
                continue
            after = Order.objects.get(pk=order.pk)
            changed = after.status != before.status
            # One history row per change, none for an echo; the stamp moves with a change.
            assert OrderEvent.objects.filter(order=order).count() == events + changed
            assert (after.last_changed_at != before.last_changed_at) == changed
            # Only the patient cancels; once cancelled, nobody changes the status.
            if after.status == Order.Status.CANCELLED and changed:
                assert who == "patient"
            if before.status == Order.Status.CANCELLED:
                assert after.status == Order.Status.CANCELLED
            # The patient does nothing but cancel.
            if who == "patient":
                assert after.status in (before.status, Order.Status.CANCELLED)
        transaction.set_rollback(True)

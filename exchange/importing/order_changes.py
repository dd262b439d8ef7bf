"""The Orders section: the MIS's decisions, moves and corrections, through the order services."""

from __future__ import annotations

from datetime import timedelta

from exchange import protocol
from exchange.importing.run import ImportRun
from exchange.models import Order
from exchange.orders import OrderChangeRefused, order_changes


class ConflictingResources(OrderChangeRefused):
    code = "conflicting_resource"
    message = "MW_Resource_ID and Resource_ID name different resources"


def apply_order_changes(run: ImportRun) -> None:
    items = run.document.orders
    updated = 0
    with order_changes(actor=run.actor) as changes:
        orders = changes.lock(clinic=run.clinic, ids=(item.order_id for item in items))
        for item in items:
            order = orders.get(item.order_id)
            if order is None:
                # The same words whether the id is unknown or another clinic's: no probing.
                run.warn(item.line, "o", "unknown order", item.order_id, code="unknown_order")
                continue
            try:
                updated += changes.change(order, **wanted_change(run, order, item))
            except OrderChangeRefused as refusal:
                message = f"{refusal.message}; not applied"
                run.conflict(item.line, "o", message, order.pk, code=refusal.code)
    run.summary.orders = {"updated": updated, "conflicts": len(run.summary.conflicts)}


def wanted_change(run: ImportRun, order: Order, item: protocol.OrderChange) -> dict:
    """What the MIS's element asks of the order, in the order services' terms."""
    status = item.status
    if order.status == Order.Status.CANCELLED and status == run.clinic.cancelled_status:
        status = None  # the export's own word for the patient's cancellation, echoed back
    starts_at = order.starts_at if item.starts_at is None else run.instant(item.starts_at)
    duration = timedelta(minutes=item.duration or order.duration)
    return {
        "status": status,
        "resource_id": wanted_resource(run, order, item),
        "starts_at": starts_at,
        "ends_at": starts_at + duration,
        "details": item.details,
        "seen_at": None if item.last_changed_on is None else run.instant(item.last_changed_on),
    }


def wanted_resource(run: ImportRun, order: Order, item: protocol.OrderChange) -> int:
    """The resource the MIS names, by its own id or by the portal's; an echo of the export
    names the current one both ways. Naming two different new ones is a conflict."""
    named = []
    if item.mis_resource_id is not None:
        named.append((item.mis_resource_id, run.resource_ids.get(item.mis_resource_id)))
    if item.resource_id is not None:
        portal_pk = item.resource_id if item.resource_id in run.portal_resource_ids else None
        named.append((item.resource_id, portal_pk))
    moves = set()
    for given, resource_pk in named:
        if resource_pk is None:
            message = f"unknown resource {given}: the order stays on its resource"
            run.warn(item.line, "o", message, order.pk, code="unknown_resource")
        elif resource_pk != order.resource_id:
            moves.add(resource_pk)
    if len(moves) > 1:
        raise ConflictingResources
    return moves.pop() if moves else order.resource_id

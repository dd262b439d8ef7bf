"""The export document as an MIS's parser meets it: one order a line, and nothing between
the elements but the indentation. No database."""

from __future__ import annotations

from datetime import date, datetime

from exchange.protocol import XML_DECLARATION, ExportedOrder, render_export


def order(number: int) -> ExportedOrder:
    return ExportedOrder(
        id=number, status=0, user_id=None, user_name="ivanov", order_date=date(2010, 7, 1),
        mis_resource_id=369, resource_name="Нестеров О. П.", resource_id=12,
        starts_at=datetime.fromisoformat("2010-07-01 17:00"), duration=30, name1="Иванов",
        name2="Иван", name3="", aim="", phone="+7 900", city="", address="", email="",
        comment="", last_changed_on=datetime.fromisoformat("2010-07-01 12:11:02"),
    )  # fmt: skip


def test_it_writes_one_order_a_line_inside_the_orders_element():
    # Two batches, each of more than one order.
    chunks = render_export("KEY", [order(n) for n in range(1, 6)], dialect="table", batch=3)

    text = b"".join(chunks).decode()

    lines = text.splitlines()
    assert text.endswith("</MediExchange>\n")
    assert lines[:3] == [XML_DECLARATION.strip(), '<MediExchange ClientKey="KEY">', "  <Orders>"]
    assert lines[-2:] == ["  </Orders>", "</MediExchange>"]
    orders = lines[3:-2]
    assert [line[: line.index(" status=")] for line in orders] == [
        f'    <o id="{n}"' for n in range(1, 6)
    ]
    assert all(line.endswith(' LastChangedOn="01.07.2010 12:11:02"/>') for line in orders)

"""Each row of the protocol's import semantics, and the rules that keep data safe."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.utils import timezone
from lxml import etree

from exchange import protocol
from exchange.importing import import_document
from exchange.models import (
    Appointment,
    Clinic,
    ImportRecord,
    Order,
    Resource,
    ResourceGroup,
    Schedule,
)
from exchange.protocol import parse_document
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL, document
from tests.exchange.snapshots import clinic_state
from tests.factories import local, make_group, make_order, make_resource

RESOURCES = (
    "<Resources>"
    '<r id="369" name="Нестеров О. П." time_step="30"/>'
    '<r id="370" name="Баева" time_step="20"/>'
    "</Resources>"
)


def import_ok(post_xml, body: str, query: str = ""):
    """Imports `body` over HTTP and returns the parsed `<ImportResult status="ok">`."""
    response, result = post_xml(document(body), query)
    assert response.status_code == 200, response.content
    assert result.get("status") == "ok"
    return result


def warnings_of(result) -> list[tuple[str | None, ...]]:
    return [(w.get("element"), w.get("id"), w.text) for w in result.iter("Warning")]


def exported_orders(client) -> list[etree._Element]:
    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})
    assert response.status_code == 200
    return list(etree.fromstring(b"".join(response.streaming_content)).find("Orders"))


def shifts(clinic) -> list[tuple]:
    """The clinic's schedules as (MIS resource id, date, "HH:MM-HH:MM") in its wall clock."""
    zone = clinic.tzinfo
    return sorted(
        (
            schedule.resource.mis_id,
            f"{schedule.date:%d.%m.%Y}",
            f"{schedule.starts_at.astimezone(zone):%H:%M}-{schedule.ends_at.astimezone(zone):%H:%M}",
        )
        for schedule in Schedule.objects.filter(clinic=clinic).select_related("resource")
    )


def appointments(clinic) -> list[tuple]:
    """The clinic's appointments as (table, MIS id, MIS resource id, start, minutes, title)."""
    zone = clinic.tzinfo
    return sorted(
        (
            a.table,
            a.mis_id,
            a.resource.mis_id,
            f"{a.starts_at.astimezone(zone):%d.%m.%Y %H:%M}",
            (a.ends_at - a.starts_at).seconds // 60,
            a.title,
        )
        for a in Appointment.objects.filter(clinic=clinic).select_related("resource")
    )


def appointment(table: str, mis_id: int, at: str, duration: int = 30, resource: int = 369) -> str:
    return (
        f'<a tablename="{table}" id="{mis_id}" resource_id="{resource}" '
        f'ReceptionDateTime="01.07.2030 {at}" Duration="{duration}" Title="{table} {mis_id}"/>'
    )


@pytest.fixture
def sample(clinic, sample_xml, post_xml) -> dict[str, list]:
    """The sample imported; its state."""
    response, _ = post_xml(sample_xml)
    assert response.status_code == 200
    return clinic_state(clinic)


@pytest.fixture
def resources(clinic) -> tuple[Resource, Resource]:
    return (
        make_resource(clinic, mis_id=369),
        make_resource(clinic, mis_id=370, name="Баева", time_step=20),
    )


@pytest.fixture
def order(resources) -> Order:
    """A received order for 10:00 on 01.07.2030 on resource 369, last changed long ago."""
    clinic = resources[0].clinic
    return make_order(
        resources[0],
        starts_at=local(clinic, "01.07.2030 10:00"),
        last_changed_at=local(clinic, "01.06.2024 12:00:05").replace(microsecond=678000),
    )


# --- Sections -------------------------------------------------------------------------


def test_it_replaces_groups(clinic, post_xml):
    make_group(clinic, mis_id=1, name="Врач-кардиолог")
    kept = make_group(clinic, mis_id=2, name="Врач-терапевт")

    result = import_ok(
        post_xml,
        '<ResourceGroups><rg id="2" name="Терапевты" pos="3"/><rg id="3" name="Хирурги"/>'
        "</ResourceGroups>",
    )

    assert result.find("ResourceGroups").attrib == {"total": "2"}
    assert clinic_state(clinic)["groups"] == [(2, "Терапевты", 3), (3, "Хирурги", 0)]
    assert ResourceGroup.objects.get(clinic=clinic, mis_id=2).pk == kept.pk


@pytest.mark.parametrize(
    ("section", "part"),
    [
        ("<ResourceGroups/>", "groups"),
        ("<Schedules></Schedules>", "schedules"),
        ('<Appointments SyncMode="full"/>', "appointments"),
    ],
)
def test_it_empties_a_section_that_is_present_but_empty(clinic, sample, post_xml, section, part):
    import_ok(post_xml, section)

    state = clinic_state(clinic)
    assert sample[part] != []
    assert state[part] == []
    assert Resource.objects.filter(clinic=clinic, is_retired=False).count() == 70


@pytest.mark.parametrize("body", ["", "<Orders/>", '<Appointments SyncMode="diff"/>'])
def test_it_keeps_what_an_absent_section_holds(clinic, sample, post_xml, body):
    result = import_ok(post_xml, body)

    assert clinic_state(clinic) == sample
    assert result.find("Resources") is None
    assert result.find("Schedules") is None


def test_it_retires_a_resource_that_disappears_and_keeps_exporting_its_orders(
    clinic, client, post_xml
):
    import_ok(post_xml, RESOURCES)
    gone = Resource.objects.get(clinic=clinic, mis_id=369)
    order = make_order(gone)

    result = import_ok(post_xml, '<Resources><r id="370" name="Баева" time_step="20"/></Resources>')

    assert result.find("Resources").attrib == {
        "total": "1", "created": "0", "updated": "0", "retired": "1"
    }  # fmt: skip
    gone.refresh_from_db()
    assert gone.is_retired
    assert Order.objects.get(pk=order.pk).resource_id == gone.pk
    exported = exported_orders(client)
    assert [(o.get("id"), o.get("resource_id"), o.get("mw_resource_id")) for o in exported] == [
        (str(order.pk), str(gone.pk), "369")
    ]


def test_it_brings_a_returning_resource_back_under_its_portal_id(clinic, post_xml):
    import_ok(post_xml, RESOURCES)
    portal_ids = dict(Resource.objects.filter(clinic=clinic).values_list("mis_id", "pk"))
    import_ok(post_xml, "<Resources/>")
    assert not Resource.objects.filter(clinic=clinic, is_retired=False).exists()

    result = import_ok(post_xml, RESOURCES)

    assert result.find("Resources").attrib == {
        "total": "2", "created": "0", "updated": "2", "retired": "0"
    }  # fmt: skip
    back = Resource.objects.filter(clinic=clinic, is_retired=False)
    assert dict(back.values_list("mis_id", "pk")) == portal_ids


@pytest.mark.parametrize(("body", "retired"), [("<Resources/>", "2"), (RESOURCES, "0")])
def test_it_leaves_resources_made_by_hand_alone(clinic, post_xml, body, retired):
    by_hand = make_resource(clinic, mis_id=None, name="Кабинет на портале", time_step=15)
    import_ok(post_xml, RESOURCES)

    result = import_ok(post_xml, body)

    assert result.find("Resources").get("retired") == retired
    assert Resource.objects.filter(pk=by_hand.pk).values_list(
        "mis_id", "name", "time_step", "is_retired"
    ).get() == (None, "Кабинет на портале", 15, False)  # fmt: skip


def test_it_replaces_schedules(clinic, resources, post_xml):
    import_ok(
        post_xml,
        "<Schedules>"
        '<s date="01.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="17:00"/></s>'
        '<s date="02.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="17:00"/></s>'
        "</Schedules>",
    )

    result = import_ok(
        post_xml,
        "<Schedules>"
        '<s date="02.07.2030" resource_id="369"><time_rules w_start="9:00" w_end="12:00"/></s>'
        '<s date="03.07.2030" resource_id="370"><time_rules w_start="8:00" w_end="24:00"/></s>'
        "</Schedules>",
    )

    assert result.find("Schedules").attrib == {"total": "2"}
    assert shifts(clinic) == [
        (369, "02.07.2030", "09:00-12:00"),
        (370, "03.07.2030", "08:00-00:00"),
    ]


def test_it_rewrites_only_the_schedules_that_changed(clinic, resources, post_xml):
    monday = '<s date="01.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="17:00"/></s>'
    tuesday = (
        '<s date="02.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="17:00"/></s>'
    )
    import_ok(post_xml, f"<Schedules>{monday}{tuesday}</Schedules>")
    kept = Schedule.objects.get(date="2030-07-01").pk

    import_ok(post_xml, f"<Schedules>{monday}{tuesday.replace('17:00', '13:00')}</Schedules>")

    assert Schedule.objects.get(date="2030-07-01").pk == kept
    assert shifts(clinic) == [
        (369, "01.07.2030", "08:00-17:00"),
        (369, "02.07.2030", "08:00-13:00"),
    ]


def test_it_imports_the_schedules_that_follow_one_of_an_unknown_resource(
    clinic, resources, post_xml
):
    rules = '<time_rules w_start="8:00" w_end="9:00"/>'
    result = import_ok(
        post_xml,
        f'<Schedules><s id="4" date="01.07.2030" resource_id="999">{rules}</s>'
        f'<s date="01.07.2030" resource_id="998">{rules}</s>'
        f'<s id="5" date="01.07.2030" resource_id="369">{rules}</s></Schedules>',
    )

    # A schedule without an id is named by none.
    assert warnings_of(result) == [
        ("s", "4", "unknown resource 999: schedule skipped"),
        ("s", None, "unknown resource 998: schedule skipped"),
    ]
    assert shifts(clinic) == [(369, "01.07.2030", "08:00-09:00")]


@pytest.mark.parametrize(
    "schedules",
    [
        '<s date="01.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="12:00"/>'
        '<time_rules w_start="14:00" w_end="18:00"/></s>',
        '<s id="1" date="01.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="12:00"/>'
        '</s><s id="2" date="01.07.2030" resource_id="369">'
        '<time_rules w_start="14:00" w_end="18:00"/></s>',
    ],
    ids=["two-time_rules", "two-s"],
)
def test_it_unites_split_shifts(clinic, resources, post_xml, schedules):
    import_ok(post_xml, f"<Schedules>{schedules}</Schedules>")

    assert shifts(clinic) == [
        (369, "01.07.2030", "08:00-12:00"),
        (369, "01.07.2030", "14:00-18:00"),
    ]


@pytest.mark.parametrize(
    ("opening", "mode", "kept"),
    [
        ('<Appointments SyncMode="diff">', "diff", True),
        ("<Appointments>", "diff", True),
        ('<Appointments SyncMode="full">', "full", False),
    ],
    ids=["diff", "default", "full"],
)
def test_it_syncs_appointments_by_table_and_id(clinic, resources, post_xml, opening, mode, kept):
    import_ok(
        post_xml,
        '<Appointments SyncMode="full">'
        + appointment("SchedEvent", 1, "10:00")
        + appointment("SchedEvent", 2, "11:00")
        + "</Appointments>",
    )

    result = import_ok(
        post_xml,
        opening
        + appointment("SchedEvent", 1, "12:00", duration=60)
        + appointment("Visit", 2, "13:00", resource=370)
        + "</Appointments>",
    )

    assert result.find("Appointments").attrib == {
        "mode": mode, "created": "1", "updated": "1", "deleted": "0" if kept else "1"
    }  # fmt: skip
    untouched = [("SchedEvent", 2, 369, "01.07.2030 11:00", 30, "SchedEvent 2")] if kept else []
    assert appointments(clinic) == sorted(
        [
            ("SchedEvent", 1, 369, "01.07.2030 12:00", 60, "SchedEvent 1"),
            ("Visit", 2, 370, "01.07.2030 13:00", 30, "Visit 2"),
            *untouched,
        ]
    )


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        (
            '<Resources><r id="369" group_id="77" name="Нестеров" time_step="30"/></Resources>',
            ("r", "369", "unknown group 77: the resource is kept without a group"),
        ),
        (
            '<Schedules><s id="4" date="01.07.2030" resource_id="999">'
            '<time_rules w_start="8:00" w_end="9:00"/></s></Schedules>',
            ("s", "4", "unknown resource 999: schedule skipped"),
        ),
        (
            f"<Appointments>{appointment('SchedEvent', 8, '10:00', resource=999)}</Appointments>",
            ("a", "8", "unknown resource 999: appointment skipped"),
        ),
        (
            '<Orders><o id="{order}" mw_resource_id="999"/></Orders>',
            ("o", "{order}", "unknown resource 999: the order stays on its resource"),
        ),
    ],
    ids=["group_id", "schedule-resource_id", "appointment-resource_id", "mw_resource_id"],
)
def test_it_skips_unknown_references_with_a_warning(
    clinic, other_clinic, order, post_xml, body, warning
):
    # Known elsewhere is still unknown here.
    make_group(other_clinic, mis_id=77)
    make_resource(other_clinic, mis_id=999)
    before = clinic_state(clinic)
    element, key, message = warning

    result = import_ok(post_xml, body.replace("{order}", str(order.pk)))

    assert warnings_of(result) == [(element, key.replace("{order}", str(order.pk)), message)]
    assert result.find("Error") is None
    assert result.find("Warning").get("line") == "3"
    # The machine-readable reason, the same whichever section names the unknown thing.
    assert result.find("Warning").get("code") == (
        "unknown_group" if element == "r" else "unknown_resource"
    )
    if element != "r":
        assert clinic_state(clinic) == before


def test_it_applies_sections_in_dependency_order(clinic, order, post_xml):
    result = import_ok(
        post_xml,
        f'<Orders><o id="{order.pk}" mw_resource_id="5"/></Orders>'
        f"<Appointments>{appointment('SchedEvent', 1, '10:00', resource=5)}</Appointments>"
        '<Schedules><s date="01.07.2030" resource_id="5">'
        '<time_rules w_start="8:00" w_end="12:00"/></s></Schedules>'
        '<Resources><r id="5" group_id="7" name="Бассейн" time_step="45"/></Resources>'
        '<ResourceGroups><rg id="7" name="Кабинеты"/></ResourceGroups>',
    )

    assert warnings_of(result) == []
    pool = Resource.objects.get(clinic=clinic, mis_id=5)
    assert pool.group.mis_id == 7
    assert shifts(clinic) == [(5, "01.07.2030", "08:00-12:00")]
    assert [a[:3] for a in appointments(clinic)] == [("SchedEvent", 1, 5)]
    assert Order.objects.get(pk=order.pk).resource_id == pool.pk


def test_it_reads_times_on_the_clinics_wall_clock(clinic, post_xml):
    clinic.timezone = "Asia/Yekaterinburg"
    clinic.save(update_fields=["timezone"])
    resource = make_resource(clinic, mis_id=369)
    booked = make_order(resource, starts_at=datetime(2030, 7, 1, 10, tzinfo=UTC))
    seven_local = datetime(2030, 7, 1, 2, 0, tzinfo=UTC)

    import_ok(
        post_xml,
        '<Schedules><s date="01.07.2030" resource_id="369">'
        '<time_rules w_start="07:00" w_end="12:00" b_start="07:30" b_end="08:00"/></s></Schedules>'
        f"<Appointments>{appointment('SchedEvent', 1, '07:00')}</Appointments>"
        f'<Orders><o id="{booked.pk}" reception_datetime="01.07.2030 07:30"/></Orders>',
    )

    schedule = Schedule.objects.get(clinic=clinic)
    assert schedule.starts_at == seven_local
    assert schedule.break_starts_at == datetime(2030, 7, 1, 2, 30, tzinfo=UTC)
    assert schedule.ends_at == datetime(2030, 7, 1, 7, 0, tzinfo=UTC)
    assert Appointment.objects.get(clinic=clinic).starts_at == seven_local
    assert Order.objects.get(pk=booked.pk).starts_at == datetime(2030, 7, 1, 2, 30, tzinfo=UTC)


# --- Orders ---------------------------------------------------------------------------


@pytest.mark.parametrize(("previous", "decided"), [(0, 1), (0, 3), (1, 0), (3, 1)])
def test_it_applies_a_decision_and_moves_the_last_change(clinic, order, previous, decided):
    Order.objects.filter(pk=order.pk).update(status=previous)
    parsed = parse_document(document(f'<Orders><o id="{order.pk}" status="{decided}"/></Orders>'))
    before = timezone.now()

    summary = import_document(clinic=clinic, document=parsed)

    assert summary.orders == {"updated": 1, "conflicts": 0}
    order.refresh_from_db()
    assert order.status == decided
    assert before <= order.last_changed_at <= timezone.now()
    assert order.starts_at == local(clinic, "01.07.2030 10:00")


@pytest.mark.parametrize(
    ("last_changed_on", "applied"),
    [
        ('LastChangedOn="01.06.2024 12:00:04"', False),
        ('LastChangedOn="01.06.2024 12:00:05"', True),
        ('LastChangedOn="01.06.2024 12:00:06"', True),
        ("", True),
    ],
    ids=["older", "equal-in-whole-seconds", "newer", "absent"],
)
def test_it_applies_a_decision_unless_the_order_changed_after_it(
    clinic, order, post_xml, last_changed_on, applied
):
    started = timezone.now()

    result = import_ok(
        post_xml, f'<Orders><o id="{order.pk}" status="1" {last_changed_on}/></Orders>'
    )

    assert result.find("Orders").attrib == {
        "updated": "1" if applied else "0", "conflicts": "0" if applied else "1"
    }  # fmt: skip
    conflicts = [
        (c.get("line"), c.get("element"), c.get("id"), c.get("code"), c.text)
        for c in result.iter("Conflict")
    ]
    message = "the order changed on the portal after LastChangedOn; not applied"
    assert conflicts == ([] if applied else [("3", "o", str(order.pk), "stale_change", message)])
    assert ImportRecord.objects.get().counts["conflicts"] == (0 if applied else 1)
    order.refresh_from_db()
    if applied:
        assert order.status == 1
        assert order.last_changed_at >= started
    else:
        assert order.status == 0
        assert order.last_changed_at < started


def test_it_applies_a_decision_made_on_the_exported_last_change(
    clinic, client, resources, post_xml
):
    # A real last change has microseconds; the export shows whole seconds.
    order = make_order(resources[0])
    [exported] = exported_orders(client)

    result = import_ok(
        post_xml,
        f'<Orders><o id="{order.pk}" status="3" '
        f'LastChangedOn="{exported.get("LastChangedOn")}"/></Orders>',
    )

    assert result.find("Orders").attrib == {"updated": "1", "conflicts": "0"}
    assert Order.objects.get(pk=order.pk).status == 3


@pytest.mark.parametrize(
    ("move", "holder_resource", "holder_at", "moved_to"),
    [
        ('reception_datetime="01.07.2030 10:30:00"', 369, "10:30", (369, "10:30", 30)),
        ('duration="60"', 369, "10:30", (369, "10:00", 60)),
        ('mw_resource_id="370"', 370, "10:00", (370, "10:00", 30)),
    ],
    ids=["reception_datetime", "duration", "mw_resource_id"],
)
@pytest.mark.parametrize(("holder_status", "holds"), [(0, True), (1, True), (2, False), (3, False)])
def test_it_moves_an_order_only_onto_a_free_time(
    clinic, resources, order, post_xml, move, holder_resource, holder_at, moved_to, holder_status,
    holds,
):  # fmt: skip
    by_mis_id = {resource.mis_id: resource for resource in resources}
    make_order(
        by_mis_id[holder_resource],
        starts_at=local(clinic, f"01.07.2030 {holder_at}"),
        status=holder_status,
    )
    before = Order.objects.filter(pk=order.pk).values().get()

    result = import_ok(post_xml, f'<Orders><o id="{order.pk}" {move}/></Orders>')

    order.refresh_from_db()
    if holds:
        assert result.find("Orders").attrib == {"updated": "0", "conflicts": "1"}
        assert result.find("Conflict").text == "another order holds that time; not applied"
        assert result.find("Conflict").get("code") == "slot_held"
        assert Order.objects.filter(pk=order.pk).values().get() == before
    else:
        assert result.find("Orders").attrib == {"updated": "1", "conflicts": "0"}
        mis_id, at, minutes = moved_to
        assert (order.resource.mis_id, order.starts_at, order.duration) == (
            mis_id, local(clinic, f"01.07.2030 {at}"), minutes
        )  # fmt: skip


@pytest.mark.parametrize(
    ("before", "sent", "after", "counts"),
    [
        # The export's own 3 for the patient's cancellation, echoed back: nothing to do.
        (Order.Status.CANCELLED, 3, Order.Status.CANCELLED, {"updated": "0", "conflicts": "0"}),
        (Order.Status.RECEIVED, 3, Order.Status.REJECTED, {"updated": "1", "conflicts": "0"}),
        (Order.Status.CANCELLED, 1, Order.Status.CANCELLED, {"updated": "0", "conflicts": "1"}),
    ],
    ids=["echo-of-a-cancellation", "rejection", "acceptance-of-a-cancelled-order"],
)
def test_it_reads_3_from_a_clinic_whose_export_says_3_for_a_cancellation(
    clinic, order, post_xml, before, sent, after, counts
):
    Clinic.objects.filter(pk=clinic.pk).update(cancelled_status=Clinic.CancelledStatus.REJECTED)
    Order.objects.filter(pk=order.pk).update(status=before)

    result = import_ok(post_xml, f'<Orders><o id="{order.pk}" status="{sent}"/></Orders>')

    assert result.find("Orders").attrib == counts
    assert Order.objects.get(pk=order.pk).status == after


def changing(order: Order, **change) -> protocol.Document:
    """A parsed Orders section with one change to `order`."""
    unsaid = dict.fromkeys(
        ("status", "starts_at", "duration", "mis_resource_id", "last_changed_on")
    )
    item = protocol.OrderChange(line=3, order_id=order.pk, **(unsaid | change))
    return protocol.Document(orders=[item])


def test_it_changes_nothing_when_both_resource_ids_name_the_current_one(clinic, order):
    summary = import_document(
        clinic=clinic, document=changing(order, mis_resource_id=369, resource_id=order.resource_id)
    )

    assert (summary.orders, summary.warnings) == ({"updated": 0, "conflicts": 0}, [])


def test_it_moves_an_order_to_a_resource_made_on_the_portal_by_its_portal_id(clinic, order):
    cabinet = make_resource(clinic, mis_id=None, name="Процедурный кабинет")

    summary = import_document(clinic=clinic, document=changing(order, resource_id=cabinet.pk))

    assert (summary.orders, summary.warnings) == ({"updated": 1, "conflicts": 0}, [])
    assert Order.objects.get(pk=order.pk).resource == cabinet


def test_it_keeps_the_resource_when_the_portal_id_is_another_clinics(clinic, other_clinic, order):
    theirs = make_resource(other_clinic, mis_id=None)

    summary = import_document(clinic=clinic, document=changing(order, resource_id=theirs.pk))

    [warning] = summary.warnings
    assert (warning.id, warning.code) == (str(order.pk), "unknown_resource")
    assert warning.message == f"unknown resource {theirs.pk}: the order stays on its resource"
    assert Order.objects.get(pk=order.pk).resource_id == order.resource_id


def test_it_refuses_a_move_whose_two_resource_ids_disagree(clinic, resources, order):
    cabinet = make_resource(clinic, mis_id=None, name="Процедурный кабинет")

    summary = import_document(
        clinic=clinic, document=changing(order, mis_resource_id=370, resource_id=cabinet.pk)
    )

    [conflict] = summary.conflicts
    assert (conflict.id, conflict.code) == (str(order.pk), "conflicting_resource")
    assert summary.orders == {"updated": 0, "conflicts": 1}
    assert Order.objects.get(pk=order.pk).resource_id == order.resource_id


def test_it_changes_nothing_on_an_echo_of_the_current_values(clinic, order, post_xml):
    Order.objects.filter(pk=order.pk).update(status=1)
    before = clinic_state(clinic)

    result = import_ok(
        post_xml,
        f'<Orders><o id="{order.pk}" status="1" reception_datetime="01.07.2030 10:00:00" '
        'duration="30" mw_resource_id="369" LastChangedOn="01.01.2024 00:00:00"/></Orders>',
    )

    assert result.find("Orders").attrib == {"updated": "0", "conflicts": "0"}
    assert clinic_state(clinic) == before


def test_it_answers_another_clinics_order_like_a_missing_one(clinic, other_clinic, post_xml):
    theirs = make_order(make_resource(other_clinic, mis_id=369))
    missing = theirs.pk + 1000
    before = clinic_state(other_clinic)

    result = import_ok(
        post_xml,
        f'<Orders>\n<o id="{theirs.pk}" status="3"/>\n<o id="{missing}" status="3"/>\n</Orders>',
    )

    first, second = result.iter("Warning")
    assert (first.get("id"), second.get("id")) == (str(theirs.pk), str(missing))
    assert first.text == second.text == "unknown order"
    assert first.attrib.keys() == second.attrib.keys()
    assert first.get("element") == second.get("element")
    assert result.find("Orders").attrib == {"updated": "0", "conflicts": "0"}
    assert clinic_state(other_clinic) == before


def test_it_applies_the_mis_corrections_of_patient_data_and_ignores_the_portals_own(
    clinic, order, post_xml
):
    patient = ("name1", "name2", "name3", "phone", "email", "city", "address", "aim", "comment")
    before = Order.objects.filter(pk=order.pk).values_list(*patient).get()

    import_ok(
        post_xml,
        f'<Orders><o id="{order.pk}" status="1" Name1="Петров" Name2="Пётр" Name3="" '
        'Phone="+7 912 000-00-00" Email="petrov@example.ru" City="Тула" Address="-" Aim="-" '
        'Comment="-" user_name="petrov" user_id="99"/></Orders>',
    )

    after = Order.objects.filter(pk=order.pk).values_list(*patient).get()
    # An empty attribute says nothing: the patronymic stays.
    assert after == ("Петров", "Пётр", before[2], "+7 912 000-00-00", "petrov@example.ru",
                     "Тула", "-", "-", "-")  # fmt: skip
    changed = Order.objects.get(pk=order.pk)
    assert (changed.status, changed.user_name) == (1, order.user_name)


# --- Whole documents ------------------------------------------------------------------


def test_it_leaves_the_same_state_when_a_document_comes_twice(clinic, order, post_xml):
    body = (
        '<ResourceGroups><rg id="7" name="Кабинеты"/></ResourceGroups>'
        + RESOURCES.replace('id="370"', 'id="370" group_id="7"')
        + '<Schedules><s date="01.07.2030" resource_id="369">'
        '<time_rules w_start="8:00" w_end="12:00"/><time_rules w_start="13:00" w_end="17:00"/>'
        '</s><s date="01.07.2030" resource_id="369"><time_rules w_start="8:00" w_end="12:00"/>'
        "</s></Schedules>"
        + f"<Appointments>{appointment('SchedEvent', 1, '11:00')}</Appointments>"
        + f'<Orders><o id="{order.pk}" status="1" mw_resource_id="370"/></Orders>'
    )
    import_ok(post_xml, body)
    once = clinic_state(clinic)

    result = import_ok(post_xml, body)

    assert clinic_state(clinic) == once
    assert result.find("Resources").attrib == {
        "total": "2", "created": "0", "updated": "0", "retired": "0"
    }  # fmt: skip
    assert result.find("Appointments").attrib == {
        "mode": "diff", "created": "0", "updated": "0", "deleted": "0"
    }  # fmt: skip
    assert result.find("Orders").attrib == {"updated": "0", "conflicts": "0"}


def test_it_never_applies_a_document_with_errors(clinic):
    # Busy time that cannot be read refuses the document (a bad `r` would only be skipped).
    parsed = parse_document(
        document(
            '<Resources><r id="1" name="Иванов" time_step="30"/></Resources><Appointments>'
            '<a tablename="T" id="x" resource_id="1" ReceptionDateTime="01.07.2030 10:00" '
            'Duration="30"/></Appointments>'
        )
    )
    assert parsed.errors

    with pytest.raises(ValueError) as refused:
        import_document(clinic=clinic, document=parsed)
    assert str(refused.value) == "a document with errors is rejected, never applied"
    assert not Resource.objects.exists()


def test_it_reports_the_conflicts_found_while_reading_with_its_own(clinic, order):
    read = protocol.Problem(2, "o", "read twice", id=str(order.pk), code="duplicate")
    parsed = changing(order, status=Order.Status.ACCEPTED)
    parsed.conflicts.append(read)

    summary = import_document(clinic=clinic, document=parsed)

    assert summary.conflicts == [read]
    assert summary.orders == {"updated": 1, "conflicts": 1}


def test_it_refuses_to_run_inside_another_transaction(clinic):
    # All of it or nothing, on its own: an outer transaction could still undo an import whose
    # result already said "ok".
    parsed = parse_document(document(RESOURCES))

    with transaction.atomic(), pytest.raises(RuntimeError):
        import_document(clinic=clinic, document=parsed)
    assert not Resource.objects.exists()


def dry_run_by_query(client, post_xml, data: bytes):
    return post_xml(data, "?dry_run=1")[0]


def dry_run_by_multipart(client, post_xml, data: bytes):
    return client.post(IMPORT_URL, {"xml": data.decode(), "dry_run": "1"})


def dry_run_by_urlencoded(client, post_xml, data: bytes):
    form = urlencode({"xml": data.decode(), "dry_run": "1"})
    return client.post(IMPORT_URL, form, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize(
    "dry_run", [dry_run_by_query, dry_run_by_multipart, dry_run_by_urlencoded],
    ids=["query", "multipart-field", "urlencoded-field"],
)  # fmt: skip
def test_it_computes_a_dry_run_and_writes_nothing(
    clinic, client, order, sample_xml, post_xml, dry_run
):
    # The sample's first order becomes this clinic's order, accepted and moved.
    data = sample_xml.replace(b'ID="1" Status="0"', f'ID="{order.pk}" Status="1"'.encode())
    data = data.replace(b'LastChangedOn="01.07.2010 12:11:02"', b"")
    before = clinic_state(clinic)

    response = dry_run(client, post_xml, data)

    assert response.status_code == 200
    assert clinic_state(clinic) == before
    assert ImportRecord.objects.get(clinic=clinic).outcome == ImportRecord.Outcome.DRY_RUN
    dry = etree.fromstring(response.content)
    assert dry.attrib == {"status": "ok", "dry_run": "1"}
    _, applied = post_xml(data)
    assert applied.attrib == {"status": "ok"}
    assert [(e.tag, e.attrib, e.text) for e in dry] == [(e.tag, e.attrib, e.text) for e in applied]
    assert applied.find("Orders").attrib == {"updated": "1", "conflicts": "0"}

"""Every case the hardening issue found, replayed against the live server on both databases:
each gets a 4xx in the endpoint's own format within its time bound, and the clinic keeps
working afterwards."""

from __future__ import annotations

import os

import pytest

from tests.conftest import OTHER_KEY, SAMPLE_KEY
from tests.exchange.conftest import document
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db(transaction=True)

XML = "application/xml; charset=utf-8"
# The bound: ~2 s of CPU per MB; doubled for a shared CI machine, plus a second.
SECONDS_PER_MB = 4
# Under `make mutate` every call of the protocol's functions goes through mutmut's
# trampoline (and, while it learns which tests cover what, is recorded): several times
# slower, still linear. A mutant that makes the cost grow faster than the size still fails.
SLOWDOWN = 5 if "MUTANT_UNDER_TEST" in os.environ else 1


def within_bound(answer, size: int) -> bool:
    return answer.seconds <= SLOWDOWN * (1 + SECONDS_PER_MB * size / 2**20)


def assert_clinic_works(portal) -> None:
    """The next export and a plain import still answer 200."""
    assert portal.export().status == 200
    answer = portal.post_xml(
        document('<ResourceGroups><rg id="1" name="Терапия"/></ResourceGroups>')
    )
    assert answer.status == 200, answer.body


@pytest.fixture
def resource(clinic):
    return make_resource(clinic)


@pytest.mark.parametrize(
    "body",
    [
        '<Orders><o id="{order}" reception_datetime="01.01.0001 00:00:00"/></Orders>',
        '<Schedules><s date="01.01.0001" resource_id="369">'
        '<time_rules w_start="9:00" w_end="12:00"/></s></Schedules>',
        '<Orders><o id="{order}" LastChangedOn="31.12.9999 24:00"/></Orders>',
        '<ResourceGroups><rg id="' + "9" * 5000 + '" name="x"/></ResourceGroups>',
    ],
)
def test_a_value_off_the_calendar_or_the_id_range_never_breaks_the_clinic(portal, resource, body):
    order = make_order(resource)

    answer = portal.post_xml(document(body.replace("{order}", str(order.pk))))

    assert answer.status == 200, answer.body
    assert answer.content_type == XML
    assert_clinic_works(portal)


@pytest.mark.parametrize(
    "body",
    [
        '<Appointments SyncMode="diff"><a tablename="T" id="1" resource_id="369" '
        'ReceptionDateTime="01.01.0001 00:00:00" Duration="30"/></Appointments>',
        '<Appointments><a tablename="T" id="' + "9" * 5000 + '" resource_id="369" '
        'ReceptionDateTime="01.07.2030 10:00" Duration="30"/></Appointments>',
        '<Appointments><a tablename="T" id="1" resource_id="369" '
        'ReceptionDateTime="31.12.9999 24:00" Duration="30"/></Appointments>',
    ],
)
def test_an_unreadable_busy_time_or_id_is_refused_with_its_line(portal, resource, body):
    answer = portal.post_xml(document(body))

    assert answer.status == 400, answer.body
    assert answer.content_type == XML
    error = answer.xml().find("Error")
    assert error.get("line") and error.get("code")
    assert_clinic_works(portal)


def test_a_time_in_a_dst_gap_is_not_a_database_failure(portal, clinic, resource):
    clinic.timezone = "Europe/Berlin"
    clinic.save()

    answer = portal.post_xml(
        document(
            '<Schedules><s date="29.03.2026" resource_id="369">'
            '<time_rules w_start="2:30" w_end="3:00"/></s></Schedules>'
        )
    )

    assert answer.status == 200, answer.body
    assert answer.xml().find("Warning") is not None
    assert_clinic_works(portal)


def distinct_names(count: int) -> str:
    return "".join(f"<u{n}/>" for n in range(count))


WRONG_KEY = OTHER_KEY.replace("1", "7")
COSTLY = {
    "40k-element-names": distinct_names(40_000),
    "100k-attributes": (
        "<ResourceGroups><rg "
        + " ".join(f'a{n}="1"' for n in range(100_000))
        + "/></ResourceGroups>"
    ),
}


@pytest.mark.parametrize("key", [WRONG_KEY, SAMPLE_KEY])
@pytest.mark.parametrize("body", COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_document_is_refused_within_its_bound(portal, key, body):
    data = document(body, key=key)

    answer = portal.post_xml(data)

    assert answer.status == (403 if key == WRONG_KEY else 400), answer.body[:500]
    assert answer.content_type == XML
    assert within_bound(answer, len(data)), f"{answer.seconds:.1f} s for {len(data)} bytes"
    assert_clinic_works(portal)


@pytest.mark.parametrize(
    ("key", "megabytes", "status"), [(WRONG_KEY, 30, 403), (SAMPLE_KEY, 3, 200)]
)
def test_megabytes_of_unknown_elements_cost_time_in_proportion(portal, key, megabytes, status):
    # Without the key nothing past the root is read; with it, each unknown element is a
    # warning (the first 1000 listed) and the rest of the document still applies.
    data = document("<x/>" * (megabytes * 2**20 // 4), key=key)

    answer = portal.post_xml(data)

    assert answer.status == status, answer.body[:500]
    assert within_bound(answer, len(data)), f"{answer.seconds:.1f} s for {len(data)} bytes"
    assert_clinic_works(portal)


def test_contradicting_spellings_of_one_attribute_are_a_located_error(portal, resource):
    answer = portal.post_xml(
        document('<ResourceGroups><rg id="1" ID="2" name="x"/></ResourceGroups>')
    )

    assert answer.status == 400
    assert answer.xml().find("Error").get("line") == "3"


def test_contradicting_keys_are_refused(portal):
    data = document("<ResourceGroups/>").replace(b"ClientKey=", b'clientkey="junk" ClientKey=', 1)

    assert portal.post_xml(data).status in (400, 403)


def test_the_api_answers_json_whatever_is_asked(portal):
    assert portal.get("/api/v1/unknown").content_type == "application/json"
    answer = portal.get("/api/v1/clinics", method="POST", data=b"")
    assert (answer.status, answer.content_type) == (405, "application/json")


def test_head_works_where_get_does(portal):
    answer = portal.get(f"/services/export.php?client_key={SAMPLE_KEY}&start=0", method="HEAD")

    assert answer.status == 200
    assert answer.body == b""


def test_the_book_page_answers_a_time_off_the_calendar_with_a_russian_page(
    portal, resource, client, patient
):
    client.force_login(patient)
    cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    path = f"/clinics/{resource.clinic_id}/resources/{resource.pk}/book/?at=253402300799"

    answer = portal.get(path, headers=cookie)

    assert answer.status == 404
    assert "text/html" in answer.content_type

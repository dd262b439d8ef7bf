"""Bounded work: the key is read from the first bytes, the rest is parsed only for a valid
key, and a document over a documented limit is refused before it costs more than a pass."""

from __future__ import annotations

import pytest

from exchange.models import ImportRecord
from exchange.protocol import (
    HEAD_LIMIT,
    MAX_ATTRIBUTES,
    MAX_ELEMENT_NAMES,
    MAX_REPORTED_PROBLEMS,
    DocumentHead,
    SourceLines,
    parse_document,
    read_head,
)
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import document
from tests.exchange.snapshots import clinic_state


def attributes(count: int) -> str:
    return " ".join(f'a{n}="1"' for n in range(count))


# --- The key first ----------------------------------------------------------------------


def test_it_reads_the_key_from_the_head_alone():
    # Everything after the first HEAD_LIMIT bytes is broken: the head never looks at it.
    data = document("<Resources>" + " " * HEAD_LIMIT) + b"<<<\x00 not XML"

    head = read_head(data)

    assert (head.client_key, head.errors) == (SAMPLE_KEY, [])


@pytest.mark.parametrize(
    "data",
    [
        b'<MediExchange clientkey="  K  "/>',
        b'<?xml version="1.0" encoding="windows-1251"?>\n<mediexchange CLIENTKEY="K">\xc0',
        b"\xef\xbb\xbf<!-- exported -->\n<MediExchange ClientKey='K'><Resources>",
    ],
    ids=["lower-case", "windows-1251-truncated", "bom-and-comment"],
)
def test_it_reads_the_key_however_the_root_is_spelled(data):
    assert read_head(data).client_key == "K"


@pytest.mark.parametrize("key_at", [4090, 4096, 8190])
def test_it_reads_a_key_whole_where_the_head_is_cut_into_pieces(key_at):
    # The head is parsed in 4 KiB pieces: a key that one piece's edge cuts is read whole.
    opening = b'<MediExchange ClientKey="'
    padding = b"x" * (key_at - len(opening) - len(b"<!---->"))
    data = b"<!--" + padding + b"-->" + opening + SAMPLE_KEY.encode() + b'"><Resources/>'

    assert read_head(data) == DocumentHead(SAMPLE_KEY)


def test_it_reads_no_key_from_a_root_without_one():
    head = read_head(b"<MediExchange><Resources/></MediExchange>")

    assert (head.client_key, head.errors) == (None, [])


@pytest.mark.parametrize(
    ("data", "line", "element", "code"),
    [
        (b"", None, "", "not_well_formed"),
        (b"\x00\xff\xfe", 1, "", "not_well_formed"),
        (b'<?xml version="1.0"?>\n\n<MediExchange ClientKey="K"', None, "", "not_well_formed"),
        (b'<?xml version="1.0"?>\n<Medi ClientKey="K"/>', 2, "Medi", "wrong_root"),
        (b'<!DOCTYPE MediExchange>\n<MediExchange ClientKey="K"/>', 2, "MediExchange", "doctype"),
        (
            b'<MediExchange clientkey="junk"\n ClientKey="K"/>',
            1, "MediExchange", "conflicting_spellings",
        ),
        (b"<<MediExchange/>", 1, "", "not_well_formed"),
        (
            b"<MediExchange ClientKey='K' " + attributes(MAX_ATTRIBUTES).encode() + b"/>",
            1, "MediExchange", "too_many_attributes",
        ),
    ],
    ids=[
        "empty", "binary", "unfinished-root", "wrong-root", "doctype", "two-keys",
        "broken-before-the-root", "too-many-attributes",
    ],
)  # fmt: skip
def test_it_answers_a_head_it_cannot_read_with_located_errors(data, line, element, code):
    head = read_head(data)

    assert head.client_key is None
    [error] = head.errors
    assert (error.element, error.code) == (element, code)
    if line is not None:
        assert error.line == line


def test_it_refuses_a_root_that_begins_after_the_head():
    data = b"<!--" + b"x" * HEAD_LIMIT + b'-->\n<MediExchange ClientKey="K"/>'

    [error] = read_head(data).errors

    assert (error.line, error.element, error.code) == (None, "", "not_well_formed")
    assert f"{HEAD_LIMIT // 1024} KiB" in error.message


def test_it_reads_the_key_from_a_root_at_the_limit_of_attributes():
    data = b"<MediExchange ClientKey='K' " + attributes(MAX_ATTRIBUTES - 1).encode() + b"/>"

    assert read_head(data) == DocumentHead("K")


def test_it_judges_a_document_that_ends_within_the_head_as_a_whole():
    # Exactly HEAD_LIMIT bytes, and no root: what is wrong is the unfinished comment.
    data = b"<!--" + b"x" * (HEAD_LIMIT - 4)

    [error] = read_head(data).errors

    assert error.code == "not_well_formed"
    assert error.message.startswith("not well-formed XML: Comment not terminated")


def test_it_answers_403_to_an_unknown_key_without_parsing_the_rest(client, clinic, post_xml):
    data = document("<Resources>\n<r id='x'/>\n<broken", key="0F0F0F0F-0000-4000-8000-000000000000")

    response, result = post_xml(data)

    assert response.status_code == 403
    [error] = result.iter("Error")
    assert error.get("code") == "bad_key"
    assert not ImportRecord.objects.exists()


def test_it_answers_403_to_a_missing_key_whatever_follows(client, clinic, post_xml):
    response, result = post_xml(b"<MediExchange>\n<Resources><r id='x'/></Resources><broken")

    assert response.status_code == 403
    assert result.find("Error").get("code") == "bad_key"


def test_it_answers_400_to_a_root_it_cannot_read_whatever_the_key(client, clinic, post_xml):
    response, result = post_xml(
        b'<MediExchange clientkey="junk" ClientKey="' + SAMPLE_KEY.encode() + b'"/>'
    )

    assert response.status_code == 400
    error = result.find("Error")
    assert (error.get("line"), error.get("element"), error.get("attribute"), error.get("code")) == (
        "1", "MediExchange", "clientkey, ClientKey", "conflicting_spellings"
    )  # fmt: skip
    assert not ImportRecord.objects.exists()


# --- Limits on a document ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        f'<Resources><r id="1" name="Баева" time_step="30" {attributes(MAX_ATTRIBUTES - 3)}/>'
        "</Resources>",
        "<Doctors>" + "".join(f"<d{n}/>" for n in range(MAX_ELEMENT_NAMES - 2)) + "</Doctors>",
    ],
    ids=["attributes", "element-names"],
)
def test_it_reads_a_document_at_the_limits(body):
    parsed = parse_document(document(body))

    assert parsed.errors == []


@pytest.mark.parametrize(
    ("body", "line", "element", "code", "limit"),
    [
        (
            f'<Resources>\n<r id="1" name="Баева" time_step="30" {attributes(MAX_ATTRIBUTES - 2)}/>'
            "</Resources>",
            4, "r", "too_many_attributes", f"more than {MAX_ATTRIBUTES} attributes",
        ),
        (
            "<Doctors>\n" + "".join(f"<d{n}/>" for n in range(MAX_ELEMENT_NAMES)) + "</Doctors>",
            4, f"d{MAX_ELEMENT_NAMES - 2}", "too_many_element_names",
            f"more than {MAX_ELEMENT_NAMES} distinct element names",
        ),
        (
            f'<Resources/>\n<Orders><o id="1" {attributes(100_000)}/></Orders>',
            4, "o", "too_many_attributes", f"more than {MAX_ATTRIBUTES} attributes",
        ),
    ],
    ids=["attributes", "element-names", "hundred-thousand-attributes"],
)  # fmt: skip
def test_it_refuses_a_document_over_a_limit(
    client, clinic, post_xml, body, line, element, code, limit
):
    # The root, the section and the record count as names too: three more.
    response, result = post_xml(document(body))

    assert response.status_code == 400
    [error] = result.iter("Error")
    assert (error.get("line"), error.get("element"), error.get("code")) == (
        str(line),
        element,
        code,
    )
    assert limit in error.text
    assert "documented limit" in error.text
    assert clinic_state(clinic)["resources"] == []


def test_it_lists_the_first_warnings_and_locates_no_more(monkeypatch):
    located = []
    line_of = SourceLines.line_of

    def counting(self, rank):
        located.append(rank)
        return line_of(self, rank)

    monkeypatch.setattr(SourceLines, "line_of", counting)
    body = "<Resources>" + "<x/>\n" * (3 * MAX_REPORTED_PROBLEMS) + "</Resources>"

    parsed = parse_document(document(body))

    assert len(parsed.warnings) == MAX_REPORTED_PROBLEMS
    assert parsed.warnings[-1].line == MAX_REPORTED_PROBLEMS + 2
    # The root, the section, and the elements warned about; none after the list is full.
    assert len(located) == 2 + MAX_REPORTED_PROBLEMS


def test_it_stops_reading_at_the_thousandth_error():
    record = (
        '<a tablename="T" id="{}" resource_id="x" ReceptionDateTime="01.07.2010 08:00" '
        'Duration="5"/>'
    )
    body = "<Appointments>" + "\n".join(record.format(n) for n in range(5000)) + "</Appointments>"

    parsed = parse_document(document(body))

    assert len(parsed.errors) == MAX_REPORTED_PROBLEMS
    assert parsed.errors[-1].line == MAX_REPORTED_PROBLEMS + 2


# --- Locating problems ------------------------------------------------------------------


def test_it_locates_elements_on_a_line_of_any_length():
    junk = "<x/>" * 200_000
    data = document(
        f"<Unknown>{junk}</Unknown><Resources><r id='x' name='Баева' time_step='30'/></Resources>"
    )

    parsed = parse_document(data.replace(b"\n", b"", 2))

    assert [(p.line, p.element, p.code) for p in parsed.warnings] == [
        (1, "Unknown", "unknown_element"),
        (1, "r", "bad_integer"),
    ]


def test_it_locates_an_element_that_follows_elements_it_does_not_locate():
    # Elements below a record are counted but not located: the search for the next record
    # passes their start and end tags, over more than one window of bytes.
    paragraphs = "".join(f"<p>строка {n}</p>\n" for n in range(30))
    data = document(
        '<ResourceGroups><rg id="9" name="Врачи"></rg></ResourceGroups>\n<Resources>\n'
        f'<r id="1" name="А" time_step="30"><note>\n{paragraphs}</note></r>\n'
        '<r id="x"\nname="Б" time_step="30"/>\n</Resources>'
    )

    parsed = parse_document(data)

    assert [(p.line, p.element, p.code) for p in parsed.warnings] == [
        (5, "note", "unknown_element"),
        (37, "r", "bad_integer"),
    ]


def test_it_locates_an_element_where_it_begins_beyond_line_65535():
    # libxml2 stops counting at 65 535 for an element whose neighbours are gone.
    data = document(
        "\n" * 200_000 + '<Resources><r id="x"\n\nname="Баева" time_step="30"/></Resources>'
    )

    parsed = parse_document(data)

    assert [(p.line, p.element, p.attribute) for p in parsed.warnings] == [(200_003, "r", "id")]


@pytest.mark.parametrize(
    "hidden",
    [
        # Each ends in a `<` just before its closing, where a miscounted end would see a tag.
        "<!-- <r id='1'> <Resources> <r-->",
        "<![CDATA[ <r id='1'/> <r]]>",
        "<?mis <r id='1'/> <r?>",
    ],
    ids=["comment", "cdata", "pi"],
)
def test_it_counts_no_tag_inside_comments_cdata_or_instructions(hidden):
    data = document(
        f"{hidden}\n<Resources>\n  <r id='1' name='А' time_step='30'/>\n{hidden}\n"
        "  <r\n   id='x' name='Б' time_step='30'/>\n</Resources>"
    )

    parsed = parse_document(data)

    assert [(p.line, p.element, p.attribute) for p in parsed.warnings] == [(7, "r", "id")]


@pytest.mark.parametrize(
    "hidden",
    ["<!--\n <r id='1'>\n\n-->", "<![CDATA[\n<r id='1'/>\n\n]]>", "<?mis\n<r id='1'/>\n\n?>"],
    ids=["comment", "cdata", "pi"],
)
def test_it_counts_the_lines_of_comments_cdata_and_instructions(hidden):
    data = document(
        f"<Resources>\n  <r id='1' name='А' time_step='30'>{hidden}</r>\n{hidden}\n"
        "  <r\n   id='x' name='Б' time_step='30'/>\n</Resources>"
    )

    parsed = parse_document(data)

    assert [(p.line, p.element, p.attribute) for p in parsed.warnings] == [(12, "r", "id")]


def test_it_locates_problems_in_a_document_of_many_lines():
    records = "".join(f'<r id="{n}" name="Р{n}" time_step="30"/>\n' for n in range(70_000))
    data = document(f'<Resources>\n{records}<r id="x" name="Б" time_step="30"/></Resources>')

    parsed = parse_document(data)

    assert [(p.line, p.attribute) for p in parsed.warnings] == [(70_004, "id")]
    assert parsed.resources[-1].line == 70_003

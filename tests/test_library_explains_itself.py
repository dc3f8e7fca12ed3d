"""The library explains itself (issue 13, part 7): what the new user's review ran into.

Each test here failed on the code the review was made on: an input given as text or a path gave
an internal error, ``model_dump_json`` gave JSON cjx rejects, ``Envelope.model_validate_json``
failed on canonical JSON, and ``translate`` needed ``from_format``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.messages import COURT, invalid_court_result

import cjx
from cjx.model import envelope_type

(ENVELOPE,) = cjx.get_adapter("libra-spi").decode(COURT)


@pytest.mark.parametrize(
    "call",
    [
        cjx.validate,
        cjx.sniff,
        lambda d: cjx.translate(d, to_format="canonical-json"),
        lambda d: cjx.translate(d, from_format="libra-spi", to_format="canonical-json"),
        lambda d: cjx.get_adapter("libra-spi").decode(d),
        lambda d: cjx.get_adapter("libra-spi").validate(d),
        lambda d: cjx.get_adapter("libra-spi").translate(d),
        lambda d: cjx.get_adapter("libra-spi").sniff(d),
        lambda d: cjx.get_adapter("hmpps-events").sniff(d),
        cjx.decode_xml,
        cjx.decode_json,
    ],
)
def test_a_path_is_a_clear_type_error(call: object, tmp_path: Path) -> None:
    path = tmp_path / "court.xml"
    path.write_bytes(COURT)
    with pytest.raises(TypeError, match=r"not a path: pass Path\(\.\.\.\)\.read_bytes\(\)"):
        call(path)  # type: ignore[operator]
    with pytest.raises(TypeError, match="not int"):
        call(42)  # type: ignore[operator]


def test_text_is_accepted_as_utf8_everywhere() -> None:
    text = COURT.decode()
    assert cjx.validate(text).ok
    assert cjx.sniff(text) is cjx.get_adapter("libra-spi")
    (decoded,) = cjx.get_adapter("libra-spi").decode(text)
    assert (decoded.message_id, decoded.body) == (ENVELOPE.message_id, ENVELOPE.body)
    assert cjx.decode_xml(cjx.encode_xml(ENVELOPE).decode()) == ENVELOPE
    assert cjx.decode_json(bytearray(cjx.encode_json(ENVELOPE))) == ENVELOPE
    assert cjx.translate(text, from_format="libra-spi", to_format="canonical-xml").ok


def test_xml_text_declaring_another_encoding_is_refused() -> None:
    with pytest.raises(TypeError, match="declares the encoding 'ISO-8859-1'"):
        cjx.validate('<?xml version="1.0" encoding="ISO-8859-1"?><a/>')


def test_encoding_something_else_than_an_envelope_is_a_type_error() -> None:
    for encode in (cjx.encode_json, cjx.encode_xml):
        with pytest.raises(TypeError, match="takes a cjx Envelope"):
            encode(ENVELOPE.model_dump())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="format name"):
        cjx.get_adapter(b"libra-spi")  # type: ignore[arg-type]
    assert cjx.get_adapter.__doc__


def test_translate_recognises_the_source_format_when_not_told() -> None:
    told = cjx.translate(COURT, from_format="libra-spi", to_format="canonical-json")
    sniffed = cjx.translate(COURT, to_format="canonical-json")
    assert sniffed.ok
    assert [e.message_id for e in sniffed.envelopes] == [e.message_id for e in told.envelopes]
    bad = cjx.translate(invalid_court_result(1), to_format="canonical-json")
    assert "asn.check-character" in bad.report.codes
    unknown = cjx.translate(b"name,date\n", to_format="canonical-json")
    assert not unknown.ok
    assert unknown.report.codes == ("format.unknown",)
    assert cjx.translate(b"", to_format="canonical-json").report.codes == ("input.empty",)


def test_pydantic_model_dump_json_is_canonical_json() -> None:
    """It gave JSON cjx rejected with 53 issues (its nulls)."""
    dumped = ENVELOPE.model_dump_json()
    assert cjx.validate(dumped).ok
    assert dumped.encode() == cjx.encode_json(ENVELOPE, indent=None)
    assert not cjx.validate(ENVELOPE.model_dump_json(exclude_none=False)).ok  # opting out


def test_pydantic_model_validate_json_reads_canonical_json() -> None:
    """``Envelope.model_validate_json(encode_json(env))`` failed with extra_forbidden."""
    assert cjx.Envelope.model_validate_json(cjx.encode_json(ENVELOPE)) == ENVELOPE
    typed = envelope_type("court.case-resulted")
    assert typed.model_validate_json(ENVELOPE.model_dump_json()) == ENVELOPE
    with pytest.raises(cjx.ValidationFailed) as caught:
        envelope_type("custody.prisoner-received").model_validate_json(cjx.encode_json(ENVELOPE))
    assert caught.value.report.codes == ("canonical.message-type",)
    secret = b'{"message_type": "court.case-resulted", "body": {"x": "SECRET-VALUE"}}'
    with pytest.raises(cjx.ValidationFailed) as caught:
        cjx.Envelope.model_validate_json(secret)
    assert "SECRET-VALUE" not in caught.value.report.to_text()
    with pytest.raises(TypeError, match="takes no options"):
        cjx.Envelope.model_validate_json(cjx.encode_json(ENVELOPE), strict=True)


# -- the model documents itself: field descriptions reach help(), the JSON Schema and the docs --

DOCUMENTED_MODULES = (
    "cjx.model._envelope",
    "cjx.model._subject",
    "cjx.model._court",
    "cjx.model._events",
)


def _models() -> list[type[Any]]:
    import cjx.model

    return sorted(
        {
            c
            for c in vars(cjx.model).values()
            if isinstance(c, type)
            and issubclass(c, cjx.model.CanonicalModel)
            and c.__module__ in DOCUMENTED_MODULES
        },
        key=lambda c: c.__name__,
    )


def test_every_field_of_the_1_0_messages_has_a_description() -> None:
    """0 of the model's fields had one (issue 13): version 1.0's are all described now."""
    missing = [
        f"{c.__name__}.{name}"
        for c in _models()
        for name, field in c.model_fields.items()
        if not field.description
    ]
    assert missing == []
    assert len([c for c in _models() if c.model_fields]) >= 20


def test_every_1_0_model_class_has_a_docstring_of_its_own() -> None:
    assert [c.__name__ for c in _models() if not c.__dict__.get("__doc__")] == []


def test_descriptions_reach_the_json_schema_and_help() -> None:
    from cjx.schema_export import canonical_json_schema

    offence = canonical_json_schema()["$defs"]["Offence"]
    assert offence["properties"]["plea"]["description"] == "The defendant's plea."
    assert offence["description"].startswith("One offence dealt with at the hearing")
    import pydoc

    from cjx.model import Offence

    shown = pydoc.render_doc(Offence, renderer=pydoc.plaintext)
    assert "One offence dealt with at the hearing" in shown  # not the base class's words
    assert Offence.model_fields["final_disposal"].description == (
        "Whether the results dispose of the offence finally."
    )


def test_the_model_reference_page_is_up_to_date() -> None:
    """docs/model-reference.md is generated from the descriptions: regenerate it after a change
    (scripts/regenerate-schemas)."""
    from cjx.model_reference import main, render

    assert main(["--check"]) == 0
    page = render()
    assert "| `plea` | [Plea](#plea) | yes | The defendant's plea. |" in page

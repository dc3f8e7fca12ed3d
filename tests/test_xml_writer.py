"""The canonical XML text writer writes exactly what lxml's pretty printer writes for the tree."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from lxml import etree
from tests.strategies import envelopes

from cjx.codec import encode_xml, encode_xml_element


@settings(max_examples=60, deadline=None)
@given(envelope=envelopes())
def test_text_writer_matches_the_lxml_tree(envelope: Any) -> None:
    """encode_xml (generated per model class) equals serialising encode_xml_element."""
    tree = etree.tostring(
        encode_xml_element(envelope), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    assert encode_xml(envelope) == tree

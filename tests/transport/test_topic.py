"""``topic_matches`` keeps RabbitMQ's topic rules: ``*`` is exactly one word, ``#`` zero or more.

The reference below is written independently of the code under test (a regular expression over
the key with a dot before every word). It encodes what RabbitMQ 3.10 does, checked against the
real broker: a routing key or binding key of ``""`` has **no** words (``split_topic_key(<<>>)`` is
``[]``), while ``"a."`` has two, the second empty.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cjx.transport import topic_matches


def reference(pattern: str, routing_key: str) -> bool:
    """RabbitMQ's topic match, as a regular expression over ``"." + word`` per key word."""
    parts = []
    for word in pattern.split(".") if pattern else []:
        if word == "#":
            parts.append(r"(?:\.[^.]*)*")
        elif word == "*":
            parts.append(r"\.[^.]*")
        else:
            parts.append(re.escape("." + word))
    words = routing_key.split(".") if routing_key else []
    return re.fullmatch("".join(parts), "".join("." + w for w in words)) is not None


PATTERN_WORDS = st.sampled_from(["a", "b", "ab", "", "*", "#"])
KEY_WORDS = st.sampled_from(["a", "b", "ab", ""])


@given(
    st.lists(PATTERN_WORDS, max_size=6).map(".".join),
    st.lists(KEY_WORDS, max_size=8).map(".".join),
)
def test_topic_matches_agrees_with_the_reference(pattern: str, routing_key: str) -> None:
    assert topic_matches(pattern, routing_key) == reference(pattern, routing_key)


@pytest.mark.parametrize(
    ("pattern", "routing_key", "expected"),
    [
        ("#", "", True),  # "#" matches zero words
        ("#", "a", True),
        ("#", "a.b.c", True),
        ("a.#", "a", True),  # ... so "a.#" matches "a" itself
        ("a.#", "a.b.c", True),
        ("a.#", "b", False),
        ("#.a", "a", True),
        ("#.a", "b.a", True),
        ("a.#.b", "a.b", True),
        ("a.#.b", "a.x.y.b", True),
        ("#.#", "", True),
        ("*", "a", True),  # "*" needs exactly one word
        ("*", "a.b", False),
        ("*.*", "a", False),
        ("a.*", "a", False),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("*.b.*", "a.b.c", True),
        ("a.*", "a.", True),  # "a." has an empty second word, and "*" takes it
        ("*.*", ".", True),
        ("a", "a", True),
        ("a", "ab", False),
        ("", "", True),
        ("", "a", False),
    ],
)
def test_topic_literal_cases(pattern: str, routing_key: str, expected: bool) -> None:
    assert topic_matches(pattern, routing_key) is expected
    assert reference(pattern, routing_key) is expected


@pytest.mark.parametrize("pattern", ["*", "#.*", "*.#", "#.*.#", "#."])
def test_empty_routing_key_has_no_words(pattern: str) -> None:
    """RabbitMQ 3.10 routes key ``""`` as zero words: nothing that needs a word matches it."""
    assert topic_matches(pattern, "") is False


def test_deep_hash_patterns_stay_fast() -> None:
    pattern = ".".join(["#"] * 30 + ["x"])
    assert topic_matches(pattern, ".".join(["a"] * 60)) is False

"""The publish path's header-size judgement (`_surely_fits`), without a broker.

Before publishing, AmqpBroker makes sure a message's content header fits in one frame (RabbitMQ
closes the connection otherwise; ``test_amqp.py`` shows both). Marshalling the header only to
measure it costs as much as the publish's own marshalling, so a header made of ASCII texts and
small scalars is judged by counting instead. The judgement may only say "fits" when the
marshalled header does fit; anything it cannot count is marshalled as before.
"""

from __future__ import annotations

import string

import pamqp.frame
from hypothesis import given, settings
from hypothesis import strategies as st
from pamqp.header import ContentHeader

from cjx.transport import Message
from cjx.transport.amqp import _properties, _surely_fits

FRAME_MAX = 131072  # RabbitMQ's default


def header_size(message: Message) -> int:
    return len(pamqp.frame.marshal(ContentHeader(0, len(message.body), _properties(message)), 1))


def test_a_canonical_output_is_judged_without_marshalling() -> None:
    """What an inbound service publishes: the common case takes the counted path."""
    message = Message(
        body=b"<Envelope/>",
        message_id="0b6f4d8e-1c1f-5b7a-9e0e-3f5c2a1d7c3e",
        correlation_id="EXTERNAL_CORRELATION_ID",
        content_type="application/xml",
        type="court.case-resulted",
        headers={"cjx-source-format": "libra-spi", "cjx-ordering-key": "f" * 64},
    )
    assert _surely_fits(_properties(message), FRAME_MAX)
    assert header_size(message) <= FRAME_MAX


def test_a_header_over_the_frame_is_never_judged_to_fit() -> None:
    big = Message(b"x", headers={"cjx-error-report": "e" * 200 * 1024})
    assert not _surely_fits(_properties(big), FRAME_MAX)
    assert header_size(big) > FRAME_MAX


def test_what_it_cannot_count_is_left_to_marshalling() -> None:
    """Not ASCII, a float, a nested table, a short string too long: marshal and see."""
    for headers in ({"a": "é"}, {"é": "a"}, {"a": 1.5}, {"a": {"b": "c"}}, {"a": b"x"}):
        assert not _surely_fits(_properties(Message(b"x", headers=headers)), FRAME_MAX)
    long_id = Message(b"x", message_id="m" * 256, headers={"a": "b"})
    assert not _surely_fits(_properties(long_id), FRAME_MAX)


_ascii = st.text(alphabet=string.ascii_letters + string.digits + "-.:", max_size=300)
_texts = st.one_of(_ascii, st.text(max_size=20))
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    _texts,
    st.integers(min_value=1000, max_value=70_000).map(lambda n: "a" * n),  # near a frame's size
    st.floats(allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(
    headers=st.dictionaries(_texts.filter(bool), _values, max_size=4),
    message_id=st.one_of(st.none(), _texts),
    correlation_id=st.one_of(st.none(), _texts),
    frame_max=st.sampled_from([4096, 65536, FRAME_MAX]),
)
def test_judged_to_fit_means_it_marshals_within_the_frame(
    headers: dict[str, object],
    message_id: str | None,
    correlation_id: str | None,
    frame_max: int,
) -> None:
    message = Message(
        b"x",
        message_id=message_id,
        correlation_id=correlation_id,
        content_type="application/xml",
        type="court.case-resulted",
        headers=headers,
    )
    if _surely_fits(_properties(message), frame_max):
        assert header_size(message) <= frame_max

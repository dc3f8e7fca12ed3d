"""Putting raw inputs onto the bus as cjx does: ``cjx publish`` and library callers.

A raw input goes to the ``cjx.inbound`` exchange with its format as the routing key, where the
format's inbound service takes it. Its AMQP properties are set as cjx sets them
(:func:`inbound_message`):

* ``message_id``: ``sha256:`` and the SHA-256 of the bytes, the id an inbound service gives an
  input that has none, so de-duplication treats a file sent twice as one input and a corrected
  file as a new one;
* ``content_type``: the format's media type;
* header ``cjx-ordering-key`` (given the deployment's ordering secret): the keyed digest of
  the person the input is about (:func:`ordering_key_digest`, HMAC-SHA-256 as
  :mod:`cjx.service._ordering` says), the same key a service puts on the canonical messages it
  publishes, so a partitioned inbound service's consistent-hash exchange keeps one person's
  inputs in one partition without seeing the identifier. Without a secret no header is set
  (a plain digest of an identifier could be reversed). A service does not trust the header
  beyond choosing the partition (it strips every ``cjx-*`` header a sender writes and orders
  by what it decodes itself).

The bytes are sent as they are: judging them is the services' job, so an invalid input reaches
its service and is dead-lettered there with its report. A caller that wants to keep invalid
inputs off the bus checks them first (``cjx publish --validate``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cjx.adapter import Adapter, get_adapter
from cjx.errors import ValidationFailed
from cjx.service._ordering import HEADER_ORDERING_KEY, ordering_key_of
from cjx.transport import Message

__all__ = ["inbound_message", "input_id", "ordering_key", "ordering_key_digest"]


def input_id(data: bytes) -> str:
    """``sha256:<hex>``: the id an inbound service gives an input that carries none."""
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def ordering_key(data: bytes, format: str | Adapter) -> str | None:
    """The ordering key of a raw input: what the person it is about is known by (an ASN, a
    NOMS number, a CRN...), as the canonical envelopes it decodes to say
    (:attr:`cjx.model.Envelope.ordering_key`). ``None`` when it does not decode, or decodes to
    envelopes about different people or none. Personal data: never log it; headers carry
    :func:`ordering_key_digest`."""
    adapter = get_adapter(format) if isinstance(format, str) else format
    try:
        envelopes = adapter.translate(data, source="<publish>").envelopes
    except ValidationFailed:
        return None
    keys = {e.ordering_key for e in envelopes}
    if len(keys) != 1:
        return None
    (key,) = keys
    return key


def ordering_key_digest(data: bytes, format: str | Adapter, secret: str | bytes) -> str | None:
    """The ``cjx-ordering-key`` header of a raw input: the keyed digest of
    :func:`ordering_key` (the same key a service writes on what it publishes), or ``None``."""
    key = ordering_key(data, format)
    return None if key is None else ordering_key_of(key, secret)


def inbound_message(
    data: bytes, format: str | Adapter, *, ordering_secret: str | bytes | None = None
) -> Message:
    """``data`` as cjx publishes a raw input of ``format`` to ``cjx.inbound`` (the routing key
    is the format's name): id, content type and ordering header as the module docstring says."""
    adapter = get_adapter(format) if isinstance(format, str) else format
    headers: dict[str, Any] = {}
    digest = (
        None if ordering_secret is None else ordering_key_digest(data, adapter, ordering_secret)
    )
    if digest is not None:
        headers[HEADER_ORDERING_KEY] = digest
    return Message(
        body=data,
        message_id=input_id(data),
        content_type=adapter.media_type,
        headers=headers,
        persistent=True,
    )

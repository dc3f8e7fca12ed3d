"""What cjx's public functions accept as an input's content, and the error when it is not that.

Every public function that reads an input (``cjx.validate``, ``cjx.sniff``, ``cjx.translate``,
``cjx.decode_xml``, ``cjx.decode_json`` and every adapter's ``sniff``, ``translate``, ``decode``
and ``validate``) takes:

* ``bytes`` (also ``bytearray`` and ``memoryview``): the input as it was received;
* ``str``: text, encoded as UTF-8 first. XML text whose declaration names another encoding is
  refused (the bytes would not be in the encoding they declare): pass its bytes.

Anything else is a :class:`TypeError` that says what to pass; a path in particular, because cjx
never opens files behind a caller's back (``Path(p).read_bytes()`` reads one).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any, Final, TypeVar

__all__ = ["InputData", "input_bytes", "takes_input"]

#: What an input's content may be given as.
InputData = bytes | bytearray | memoryview | str

_DECLARED: Final = re.compile(r"""\A\ufeff?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_UTF8: Final = frozenset({"utf-8", "utf8"})


def input_bytes(data: object, function: str) -> bytes:
    """``data`` as bytes, or a :class:`TypeError` naming ``function`` and what it takes."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        declared = _DECLARED.match(data[:200])
        if declared is not None and declared.group(1).lower() not in _UTF8:
            raise TypeError(
                f"{function}() was given XML text that declares the encoding "
                f"{declared.group(1)[:20]!r}: pass the document's bytes instead"
            )
        try:
            return data.encode("utf-8")
        except UnicodeEncodeError:
            raise TypeError(
                f"{function}() was given text that cannot be encoded as UTF-8 (a lone "
                "surrogate): pass the input's bytes instead"
            ) from None
    if isinstance(data, os.PathLike):
        raise TypeError(
            f"{function}() takes the input's content (bytes or str), not a path: "
            "pass Path(...).read_bytes()"
        )
    raise TypeError(
        f"{function}() takes the input's content as bytes or str, not {type(data).__name__}"
    )


F = TypeVar("F", bound=Callable[..., Any])


_UTF8_BOM: Final = b"\xef\xbb\xbf"


def takes_input(method: F, *, sniffing: bool = False) -> F:
    """Wrap an adapter method whose first argument after ``self`` is an input's content.
    ``sniffing`` (an adapter's ``sniff``): a leading UTF-8 byte order mark is not shown to it, so
    that JSON with one is recognised as XML with one is (the readers ignore it too)."""
    if getattr(method, "__cjx_takes_input__", False):
        return method
    name = method.__qualname__

    @functools.wraps(method)
    def checked(self: object, data: object, *args: Any, **kwargs: Any) -> Any:
        content = input_bytes(data, name)
        if sniffing and content[:3] == _UTF8_BOM:
            content = content[3:]
        return method(self, content, *args, **kwargs)

    checked.__cjx_takes_input__ = True  # type: ignore[attr-defined]
    return checked  # type: ignore[return-value]

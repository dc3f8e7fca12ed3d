"""cjx, the Criminal Justice eXchange (placeholder until the public surface is assembled)."""

from cjx._version import __version__

__all__ = ["__version__"]

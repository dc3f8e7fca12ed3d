"""Whole-file extracts (issue 9): streaming import, snapshot diff and a generator.

See ``docs/extracts.md`` for the operator's guide.
"""

from __future__ import annotations

from ._generate import DEFECT_KINDS, GeneratedRow, generate_rows, next_day

__all__ = ["DEFECT_KINDS", "GeneratedRow", "generate_rows", "next_day"]

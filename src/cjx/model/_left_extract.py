"""``custody.prisoner-left-extract`` (version 1.1): a person no longer in a daily extract.

A whole-estate extract (the NOMIS CDE file) lists everyone a prison holds, or held in the last
few days; ``cjx extract diff`` compares two of them. A person in the older file and not in the
newer one has left the extract: released more than the selection window ago, transferred out
of the estate, dead, merged into another NOMS number, or dropped by the extract job. The file
does not say which, so this message says only what is known: who, the last extract that listed
them and the first that did not. It is a fact about the extract, not a release: a consumer that
needs the reason asks the prison's own system.
"""

from __future__ import annotations

import datetime as dt

from pydantic import model_validator

from cjx.model._base import Body
from cjx.model._identifiers import NomsNumber

__all__ = ["PrisonerLeftExtract"]


class PrisonerLeftExtract(Body):
    """``custody.prisoner-left-extract``: in the extract of ``last_listed``, not in that of
    ``first_missing`` (a later date)."""

    message_type = "custody.prisoner-left-extract"
    schema_version = "1.1"

    noms_number: NomsNumber
    last_listed: dt.date
    """The extract date of the last file that listed the person."""
    first_missing: dt.date
    """The extract date of the first file that did not list them (a later date)."""

    @model_validator(mode="after")
    def _in_order(self) -> PrisonerLeftExtract:
        if self.first_missing <= self.last_listed:
            raise ValueError("first_missing is a later extract date than last_listed")
        return self

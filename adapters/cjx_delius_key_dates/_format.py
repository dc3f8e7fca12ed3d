"""The ReplaceCustodyKeyDates call as one document, and how it maps to the canonical body.

This table is the only place the mapping lives; decoding and encoding both read it.

The document is community-api's ``POST /secure/offenders/nomsNumber/{nomsNumber}/bookingNumber/
{bookingNumber}/custody/keyDates`` written as one JSON object: the two path parameters and the
body, ``{"nomsNumber": ..., "bookingNumber": ..., "keyDates": {...}}``.

* ``nomsNumber`` -> ``noms_number`` (and the subject's ``NOMS`` identifier);
* ``bookingNumber`` (the NOMIS book number, Delius's custody prisoner number) -> ``book_number``;
* ``keyDates`` -> ``key_dates``: each member is one Delius key date, by community-api's name
  (its ``CustodyKeyDatesMapper``), in the order community-api declares them:

  ====================================  =======
  member                                code
  ====================================  =======
  ``conditionalReleaseDate``            ``ACR``
  ``licenceExpiryDate``                 ``LED``
  ``hdcEligibilityDate``                ``HDE``
  ``paroleEligibilityDate``             ``PED``
  ``sentenceExpiryDate``                ``SED``
  ``expectedReleaseDate``               ``EXP``
  ``postSentenceSupervisionEndDate``    ``PSSED``
  ====================================  =======

* ``scope`` is always those seven codes (:data:`cjx.model.CUSTODY_MANAGED_KEY_DATES`):
  community-api removes every one of them the call does not supply, and leaves other key dates
  (the POM handover dates, ``POM1`` and ``POM2``) alone.
"""

from __future__ import annotations

from typing import Final

from cjx.model import COMMUNITY_API_KEY_DATES, CUSTODY_MANAGED_KEY_DATES, KeyDateCode

__all__ = ["FORMAT_NAME", "KEY_DATES", "KEY_DATES_BY_CODE", "SCHEMA", "SCOPE", "SYSTEM"]

FORMAT_NAME: Final = "delius-key-dates"
SCHEMA: Final = "formats/delius-key-dates/replace-custody-key-dates.schema.json"
#: ``Source.system`` of the canonical envelope: the system whose custody record it replaces.
SYSTEM: Final = "delius"

#: ``keyDates`` member -> Delius key-date code, in community-api's order: the seven of
#: :data:`cjx.model.COMMUNITY_API_KEY_DATES` the call replaces.
KEY_DATES: Final[dict[str, KeyDateCode]] = {
    key: code for key, code in COMMUNITY_API_KEY_DATES.items() if code in CUSTODY_MANAGED_KEY_DATES
}
KEY_DATES_BY_CODE: Final[dict[str, str]] = {code.value: key for key, code in KEY_DATES.items()}
#: What every replacement this call makes covers.
SCOPE: Final = CUSTODY_MANAGED_KEY_DATES

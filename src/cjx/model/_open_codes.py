"""Open code lists (version 1.1): codes owned by a source system, whose lists grow upstream.

Rules kept here:

* The wire value of a code is the code of the system that owns the list (Delius ``B``,
  key-date ``ACR``, NOMIS ``SENTENCED``, CVL ``AP_PSS``); the Python members have readable names
  (``CustodialStatus.RELEASED_ON_LICENCE == "B"``). Version 1.0 code lists (``cjx.model._codes``)
  are cjx's own and keep values equal to their names.
* A field of an open list holds a member, or **an unknown code kept exactly as sent**, as a plain
  ``str``: ``Annotated[CustodialStatus | str, OpenCode(CustodialStatus)]``. One new code upstream
  never stops the traffic. A code is a token, :data:`CODE_PATTERN` (a letter or digit, then
  up to 63 letters, digits, ``_ . / -``); anything else is ``code.format``.
* In JSON Schema such a field is ``anyOf`` (the known codes, a token); in the XSD the union of the
  list's enumeration (``<List>Type``) and ``CodeTokenType`` (``<List>CodeType``).
* Adapters report an unknown code with :func:`check_code`: a **warning**
  ``<format>.unknown-code`` at the field's path. The message shows the code: a value of a code
  list is reference data, not personal data, and the operator needs it to extend the list. (A
  value that is not a token is never shown; the schemas reject it.)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Annotated, Any, Final

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from cjx.errors import Issue, warning

__all__ = [
    "CODE_PATTERN",
    "BookingActivity",
    "ConvictedStatus",
    "AdditionalConditionType",
    "CustodialStatus",
    "ElectronicMonitoringType",
    "InOutStatus",
    "KeyDateCode",
    "LegalStatus",
    "LengthUnit",
    "LicenceKind",
    "LicenceStatus",
    "LicenceType",
    "NomisIdentifierType",
    "NonDtoReleaseDateType",
    "OPEN_CODE_LISTS",
    "OpenBookingActivity",
    "OpenAdditionalConditionType",
    "OpenCode",
    "OpenConvictedStatus",
    "OpenCustodialStatus",
    "OpenElectronicMonitoringType",
    "OpenInOutStatus",
    "OpenKeyDateCode",
    "OpenLegalStatus",
    "OpenLengthUnit",
    "OpenLicenceKind",
    "OpenLicenceStatus",
    "OpenLicenceType",
    "OpenNomisIdentifierType",
    "OpenNonDtoReleaseDateType",
    "OpenPolicyVersion",
    "OpenSmokerStatus",
    "PolicyVersion",
    "SmokerStatus",
    "check_code",
    "code_order",
]

#: The form of any code, known or not.
CODE_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9_./-]{0,63}"
_CODE: Final = re.compile(CODE_PATTERN)


class LegalStatus(enum.StrEnum):
    """NOMIS legal status of a prisoner (prison-api ``LegalStatus``)."""

    RECALL = "RECALL"
    DEAD = "DEAD"
    INDETERMINATE_SENTENCE = "INDETERMINATE_SENTENCE"
    SENTENCED = "SENTENCED"
    CONVICTED_UNSENTENCED = "CONVICTED_UNSENTENCED"
    CIVIL_PRISONER = "CIVIL_PRISONER"
    IMMIGRATION_DETAINEE = "IMMIGRATION_DETAINEE"
    REMAND = "REMAND"
    UNKNOWN = "UNKNOWN"
    OTHER = "OTHER"


class InOutStatus(enum.StrEnum):
    """NOMIS in/out status of a booking."""

    IN = "IN"
    OUT = "OUT"
    TRANSFER = "TRN"


class NonDtoReleaseDateType(enum.StrEnum):
    """Which NOMIS date the release date of a non-DTO sentence is (``nonDtoReleaseDateType``)."""

    AUTOMATIC_RELEASE = "ARD"
    CONDITIONAL_RELEASE = "CRD"
    NON_PAROLE = "NPD"
    POST_RECALL_RELEASE = "PRRD"


class BookingActivity(enum.StrEnum):
    """Whether a NOMIS booking is active: the first word of a Prisoner document's ``status``."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ConvictedStatus(enum.StrEnum):
    """NOMIS convicted status of a prisoner (hmpps-prisoner-search ``convictedStatus``)."""

    CONVICTED = "Convicted"
    REMAND = "Remand"


class SmokerStatus(enum.StrEnum):
    """NOMIS smoker profile (hmpps-prisoner-search ``smoker``)."""

    SMOKER = "Y"
    NON_SMOKER = "N"
    VAPES = "V"


class NomisIdentifierType(enum.StrEnum):
    """Type of a NOMIS offender identifier (hmpps-prisoner-search ``identifiers[].type``)."""

    PNC = "PNC"
    CRO = "CRO"
    NATIONAL_INSURANCE_NUMBER = "NINO"
    DRIVING_LICENCE = "DL"


class CustodialStatus(enum.StrEnum):
    """Delius custodial status of a custody (``CustodialStatusCode``)."""

    SENTENCED_IN_CUSTODY = "A"
    RELEASED_ON_LICENCE = "B"
    RECALLED = "C"
    IN_CUSTODY = "D"
    IN_CUSTODY_IRC = "I"
    POST_SENTENCE_SUPERVISION = "P"
    CUSTODY_ROTL = "R"
    TERMINATED = "T"
    AUTO_TERMINATED = "AT"


class KeyDateCode(enum.StrEnum):
    """Delius key-date types of a custody (``KEY_DATE.KEY_DATE_TYPE``)."""

    AUTOMATIC_CONDITIONAL_RELEASE = "ACR"
    LICENCE_EXPIRY = "LED"
    HOME_DETENTION_CURFEW_ELIGIBILITY = "HDE"
    PAROLE_ELIGIBILITY = "PED"
    SENTENCE_EXPIRY = "SED"
    EXPECTED_RELEASE = "EXP"
    POST_SENTENCE_SUPERVISION_END = "PSSED"
    POM_HANDOVER_START = "POM1"
    POM_HANDOVER = "POM2"
    SUSPENSION_DATE_IF_RESET = "PR1"
    FINAL_THIRD_START = "FTHRD"


class LengthUnit(enum.StrEnum):
    """Delius units of a length (``UNITS`` reference list), sent by their description: a
    sentence's ``originalLengthUnits``, a SentenceStatus's ``lengthUnit``."""

    DAYS = "Days"
    WEEKS = "Weeks"
    MONTHS = "Months"
    YEARS = "Years"
    HOURS = "Hours"


class LicenceKind(enum.StrEnum):
    """CVL licence kind (``LicenceKind``)."""

    POST_RECALL_RELEASE = "PRRD"
    CONDITIONAL_RELEASE = "CRD"
    VARIATION = "VARIATION"
    HARD_STOP = "HARD_STOP"
    HOME_DETENTION_CURFEW = "HDC"
    HDC_VARIATION = "HDC_VARIATION"
    TIME_SERVED = "TIME_SERVED"


class LicenceType(enum.StrEnum):
    """CVL licence type: all-purpose licence, post-sentence supervision, or both."""

    ALL_PURPOSE = "AP"
    POST_SENTENCE_SUPERVISION = "PSS"
    ALL_PURPOSE_AND_PSS = "AP_PSS"


class LicenceStatus(enum.StrEnum):
    """CVL licence status (``LicenceStatus``, "non exhaustive and subject to change")."""

    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    INACTIVE = "INACTIVE"
    RECALLED = "RECALLED"
    VARIATION_IN_PROGRESS = "VARIATION_IN_PROGRESS"
    VARIATION_SUBMITTED = "VARIATION_SUBMITTED"
    VARIATION_REJECTED = "VARIATION_REJECTED"
    VARIATION_APPROVED = "VARIATION_APPROVED"
    NOT_STARTED = "NOT_STARTED"
    TIMED_OUT = "TIMED_OUT"


class PolicyVersion(enum.StrEnum):
    """CVL licence policy version, serialised as the enum name (``V2_1`` is policy 2.1)."""

    V1_0 = "V1_0"
    V2_0 = "V2_0"
    V2_1 = "V2_1"
    V3_0 = "V3_0"
    V4_0 = "V4_0"


class AdditionalConditionType(enum.StrEnum):
    """CVL additional licence condition type: the ``type`` that chooses its members."""

    #: ``{id, category, type, code, text}``
    STANDARD = "STANDARD"
    #: adds ``restrictions``: what the electronic monitoring is for
    ELECTRONIC_MONITORING = "ELECTRONIC_MONITORING"
    #: adds ``hasImageUpload`` (deprecated in CVL for ``MULTIPLE_UPLOADS``)
    MULTIPLE_EXCLUSION_ZONE = "MULTIPLE_EXCLUSION_ZONE"
    #: adds ``hasImageUpload``
    MULTIPLE_UPLOADS = "MULTIPLE_UPLOADS"
    #: adds ``hasImageUpload``
    SINGLE_UPLOAD = "SINGLE_UPLOAD"


class ElectronicMonitoringType(enum.StrEnum):
    """What a CVL electronic monitoring condition monitors (``ElectronicMonitoringType``)."""

    EXCLUSION_ZONE = "EXCLUSION_ZONE"
    CURFEW = "CURFEW"
    LOCATION_MONITORING = "LOCATION_MONITORING"
    ATTENDANCE_AT_APPOINTMENTS = "ATTENDANCE_AT_APPOINTMENTS"
    ALCOHOL_MONITORING = "ALCOHOL_MONITORING"
    ALCOHOL_ABSTINENCE = "ALCOHOL_ABSTINENCE"
    RESTRICTION_ZONE = "RESTRICTION_ZONE"


class OpenCode:
    """Annotation metadata of an open code field: a member of ``enum``, else a token as sent.

    ``Annotated[CustodialStatus | str, OpenCode(CustodialStatus)]``.
    """

    __slots__ = ("by_value", "enum")

    def __init__(self, codes: type[enum.StrEnum]) -> None:
        self.enum = codes
        self.by_value: dict[str, enum.StrEnum] = {m.value: m for m in codes}

    def parse(self, value: Any) -> enum.StrEnum | str:
        if isinstance(value, self.enum):
            return value
        if isinstance(value, str):
            member = self.by_value.get(value)
            if member is not None:
                return member
            if _CODE.fullmatch(value):
                return str(value)
        raise PydanticCustomError(
            "code.format",
            "expected a code: a letter or digit, then up to 63 letters, digits, _ . / -",
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema(), when_used="always"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"enum": [m.value for m in self.enum], "description": "the known codes"},
                {
                    "type": "string",
                    "pattern": f"^{CODE_PATTERN}$",
                    "description": "a code cjx does not know yet, kept exactly as sent",
                },
            ],
            "description": f"{self.enum.__name__}: an open code list of the source system",
        }

    def __repr__(self) -> str:
        return f"OpenCode({self.enum.__name__})"


def check_code(
    codes: type[enum.StrEnum],
    raw: str,
    path: str | Callable[[], str],
    *,
    format_name: str,
) -> tuple[enum.StrEnum | str, Issue | None]:
    """For adapters: the member for a known code; an unknown one kept with a warning.

    ``raw`` must be a token (the source schema's pattern); the warning is
    ``<format_name>.unknown-code`` at ``path``.
    """
    member = next((m for m in codes if m.value == raw), None)
    if member is not None:
        return member, None
    known = ", ".join(m.value for m in codes)
    return raw, warning(
        f"{format_name}.unknown-code",
        path() if callable(path) else path,
        f"code {raw!r} is not in cjx's {codes.__name__} list ({known}); it is kept as sent",
    )


def code_order(codes: type[enum.StrEnum]) -> Callable[[enum.StrEnum | str], tuple[int, str]]:
    """A sort key for codes of one list: known codes in list order, then unknown ones by text."""
    index = {m.value: i for i, m in enumerate(codes)}
    last = len(index)

    def key(code: enum.StrEnum | str) -> tuple[int, str]:
        text = str(code)
        return (index.get(text, last), text)

    return key


#: Fields of the open lists: ``Annotated[<List> | str, OpenCode(<List>)]``.
OpenLegalStatus = Annotated[LegalStatus | str, OpenCode(LegalStatus)]
OpenInOutStatus = Annotated[InOutStatus | str, OpenCode(InOutStatus)]
OpenNonDtoReleaseDateType = Annotated[NonDtoReleaseDateType | str, OpenCode(NonDtoReleaseDateType)]
OpenBookingActivity = Annotated[BookingActivity | str, OpenCode(BookingActivity)]
OpenConvictedStatus = Annotated[ConvictedStatus | str, OpenCode(ConvictedStatus)]
OpenSmokerStatus = Annotated[SmokerStatus | str, OpenCode(SmokerStatus)]
OpenNomisIdentifierType = Annotated[NomisIdentifierType | str, OpenCode(NomisIdentifierType)]
OpenCustodialStatus = Annotated[CustodialStatus | str, OpenCode(CustodialStatus)]
OpenKeyDateCode = Annotated[KeyDateCode | str, OpenCode(KeyDateCode)]
OpenLengthUnit = Annotated[LengthUnit | str, OpenCode(LengthUnit)]
OpenLicenceKind = Annotated[LicenceKind | str, OpenCode(LicenceKind)]
OpenLicenceType = Annotated[LicenceType | str, OpenCode(LicenceType)]
OpenLicenceStatus = Annotated[LicenceStatus | str, OpenCode(LicenceStatus)]
OpenPolicyVersion = Annotated[PolicyVersion | str, OpenCode(PolicyVersion)]
OpenAdditionalConditionType = Annotated[
    AdditionalConditionType | str, OpenCode(AdditionalConditionType)
]
OpenElectronicMonitoringType = Annotated[
    ElectronicMonitoringType | str, OpenCode(ElectronicMonitoringType)
]

#: Every open code list, in the order the XSD declares them.
OPEN_CODE_LISTS: Final[tuple[type[enum.StrEnum], ...]] = (
    LegalStatus,
    InOutStatus,
    NonDtoReleaseDateType,
    BookingActivity,
    ConvictedStatus,
    SmokerStatus,
    NomisIdentifierType,
    CustodialStatus,
    KeyDateCode,
    LicenceKind,
    LicenceType,
    LicenceStatus,
    PolicyVersion,
    LengthUnit,
    AdditionalConditionType,
    ElectronicMonitoringType,
)

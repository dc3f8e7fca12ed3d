"""The "large case": core-input-message-001 with 50 offences, built deterministically.

The real court sample ``core-input-message-001.xml`` has one defendant with three offences. This
module repeats those three offences, round robin, to 50, renumbers ``OffenceSequenceNumber``
``001``..``050``, varies the plea/finding pair and gives each offence one of the result shapes
seen in the libra-spi samples (fine, penalty points, disqualification, custody with a secondary
duration, community order dates, qualifiers, adjournment with a next hearing...). Every seventh
offence carries two results. No randomness: the same bytes on every run, on every machine.

``python bench/large_case.py [PATH]`` writes the generated message (default
``bench/data/core-input-message-001-x50.xml``); the benchmark itself builds it in memory, so the
committed copy is for reading and for other tools only.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Final

from lxml import etree

REPO: Final = Path(__file__).resolve().parents[1]
SAMPLE: Final = REPO / "adapters/cjx_libra_spi/tests/fixtures/samples/core-input-message-001.xml"
DEFAULT_OUTPUT: Final = REPO / "bench/data/core-input-message-001-x50.xml"
OFFENCES: Final = 50

DC: Final = "http://www.dca.gov.uk/xmlschemas/libra"
_Q = "{" + DC + "}"

# Result shapes taken from the libra-spi samples (values kept realistic and schema-valid).
_RESULTS: Final = (
    "<ResultCode>1015</ResultCode><ResultText>Fined 100.</ResultText>"
    "<Outcome><ResultAmountSterling>100.00</ResultAmountSterling></Outcome>",
    "<ResultCode>3008</ResultCode><ResultText>Licence or counterpart endorsed with 7 points"
    "</ResultText><Outcome><PenaltyPoints>7</PenaltyPoints></Outcome>",
    "<ResultCode>3071</ResultCode><ResultText>Disqualified for holding or obtaining a driving "
    "licence for 18 month(s).</ResultText>"
    "<Outcome><Duration><DurationValue>18</DurationValue><DurationUnit>M</DurationUnit>"
    "</Duration></Outcome>",
    "<ResultCode>1115</ResultCode><ResultText>Committed to prison for 3 months suspended for "
    "12 months.</ResultText>"
    "<ResultCodeQualifier>RB</ResultCodeQualifier><ResultCodeQualifier>WC</ResultCodeQualifier>"
    "<Outcome><Duration><DurationValue>3</DurationValue><DurationUnit>M</DurationUnit>"
    "<SecondaryDurationValue>12</SecondaryDurationValue>"
    "<SecondaryDurationUnit>M</SecondaryDurationUnit></Duration></Outcome>",
    "<ResultCode>1116</ResultCode><ResultText>Community Order</ResultText>"
    "<Outcome><Duration><DurationStartDate>2011-09-26</DurationStartDate>"
    "<DurationEndDate>2012-05-21</DurationEndDate></Duration></Outcome>",
    "<ResultCode>4506</ResultCode><ResultText>Adjourned to 24/10/2011 at 10:00. Reason: for "
    "advance disclosure (Either way case).</ResultText>"
    "<ResultCodeQualifier>GB</ResultCodeQualifier>"
    "<NextHearing><NextHearingDetails><CourtHearingLocation>B01EF01</CourtHearingLocation>"
    "<DateOfHearing>2011-10-24</DateOfHearing><TimeOfHearing>10:00:00</TimeOfHearing>"
    "</NextHearingDetails><NextHearingReason>for advance disclosure (Either way case);"
    "</NextHearingReason><BailStatusOffence>U</BailStatusOffence></NextHearing>",
    "<ResultCode>3078</ResultCode><ResultText>Travel Restriction Order</ResultText>",
    "<ResultCode>1002</ResultCode><ResultText>Imprisonment for 12 Months</ResultText>"
    "<ResultCodeQualifier>F</ResultCodeQualifier>"
    "<Outcome><Duration><DurationValue>12</DurationValue><DurationUnit>M</DurationUnit>"
    "</Duration></Outcome>",
    "<ResultCode>3068</ResultCode><ResultText>Football Banning Order</ResultText>"
    "<ResultCodeQualifier>AV</ResultCodeQualifier><ResultCodeQualifier>AW</ResultCodeQualifier>"
    "<NextHearing><NextHearingDetails><CourtHearingLocation>B01EF01</CourtHearingLocation>"
    "<DateOfHearing>2011-11-08</DateOfHearing><TimeOfHearing>13:30:00</TimeOfHearing>"
    "</NextHearingDetails><NextHearingReason>to continue the hearing;</NextHearingReason>"
    "<BailStatusOffence>B</BailStatusOffence></NextHearing>"
    "<Outcome><Duration><DurationEndDate>2013-07-02</DurationEndDate></Duration></Outcome>",
    "<ResultText>Granted.</ResultText>",
)
# (plea, finding): guilty (both SPI codes), not guilty and convicted, not guilty and acquitted.
_PLEAS: Final = (("1", "G"), ("2", "G"), ("6", "G"), ("2", "N"), ("1", "G"))


def _result(index: int) -> etree._Element:
    xml = f'<Result xmlns="{DC}">{_RESULTS[index % len(_RESULTS)]}</Result>'
    return etree.fromstring(xml)


def build(sample: bytes | None = None, offences: int = OFFENCES) -> bytes:
    """The large DeliverRequest as UTF-8 bytes (deterministic)."""
    data = SAMPLE.read_bytes() if sample is None else sample
    root = etree.fromstring(data)
    defendant = next(root.iter(_Q + "Defendant"))
    templates = defendant.findall(_Q + "Offence")
    if not templates:
        raise ValueError("the sample has no offences to repeat")
    for offence in templates:
        defendant.remove(offence)
    for n in range(1, offences + 1):
        offence = copy.deepcopy(templates[(n - 1) % len(templates)])
        details = offence.find(_Q + "BaseOffenceDetails")
        assert details is not None
        seq = details.find(_Q + "OffenceSequenceNumber")
        assert seq is not None
        seq.text = f"{n:03d}"
        plea, finding = _PLEAS[(n - 1) % len(_PLEAS)]
        plea_el = offence.find(_Q + "Plea")
        finding_el = offence.find(_Q + "Finding")
        assert plea_el is not None
        assert finding_el is not None
        plea_el.text, finding_el.text = plea, finding
        conviction = offence.find(_Q + "ConvictionDate")
        if finding == "N" and conviction is not None:
            offence.remove(conviction)
        for old in offence.findall(_Q + "Result"):
            offence.remove(old)
        offence.append(_result(n - 1))
        if n % 7 == 0:
            offence.append(_result(n + 3))
        defendant.append(offence)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build())
    print(f"wrote {target} ({target.stat().st_size} bytes, {OFFENCES} offences)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

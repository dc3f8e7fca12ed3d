"""Recognising a format by content: every adapter claims its own documents and no one else's.

``cjx validate`` picks the adapter whose ``sniff`` says yes (canonical forms first, then by
name), so two adapters claiming one document would send it to the wrong one. Checked on:

* every golden input and sample of every installed adapter (new adapters are picked up from
  ``adapters/<package>/tests/golden/*.input.*`` and ``tests/fixtures/samples/``): an input the
  adapter accepts is claimed by it and by no other; a rejected one by no other;
* the shared samples of the formats whose documents resemble each other (``tests/fixtures/
  samples/``): the Prisoner document, community-api's Conviction and OffenderDetail, a CVL
  licence and CVL's policy catalogue, prison-api's InmateDetail and sentence terms. Each may be
  claimed by its own format's adapter (when it is installed) and by no other.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cjx
from cjx.adapter import Adapter
from cjx.errors import ValidationFailed

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "tests/fixtures/samples"

#: Shared sample -> the formats that may claim it (none: no format of cjx reads that document).
FOREIGN_SAMPLES: dict[str, frozenset[str]] = {
    "hmpps-prisoner-search__get_prisoner_A7089EY.json": frozenset({"prisoner-search"}),
    "hmpps-prisoner-search-indexer__released.json": frozenset({"prisoner-search"}),
    "hmpps-prisoner-search__prisonerA9999RB.index-document.json": frozenset({"prisoner-search"}),
    "court-case-service__GET_conviction_X320741_2500295343.json": frozenset({"delius-custody"}),
    # an OffenderDetail alone is no custody record (delius-custody reads its otherIds only
    # composed with a Conviction)
    "court-case-service__GET_offender_all_X320741.json": frozenset(),
    "court-case-service__GET_sentenceStatus_OnLicence_X320741.json": frozenset(),
    "court-case-service__GET_licence_conditions_X320741.json": frozenset(),
    "create-and-vary-a-licence-api__licence-by-id.json": frozenset({"cvl-licence"}),
    # CVL's policy catalogue: the conditions of a licence, but not a licence
    "create-and-vary-a-licence-api__policyV2_1.json": frozenset(),
    "prison-api__released_prisoner.json": frozenset(),
    "prison-api__sentences-and-offences-details.json": frozenset(),
    "prison-to-probation-update__getSentenceTerms_1200835.wiremock.json": frozenset(),
}


def _package_dir(adapter: Adapter) -> Path | None:
    module = sys.modules.get(type(adapter).__module__.split(".")[0])
    file = getattr(module, "__file__", None)
    return Path(file).parent if file else None


def _own_inputs() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for name, adapter in cjx.adapters().items():
        package = _package_dir(adapter)
        if package is None or name.startswith("canonical"):
            continue
        tests = package / "tests"
        for path in sorted(tests.glob("golden/*.input.*")) + sorted(
            tests.glob("fixtures/samples/*.xml")
        ):
            found.append((name, path))
    return found


OWN_INPUTS = _own_inputs()


def _claimers(data: bytes) -> set[str]:
    return {name for name, adapter in cjx.adapters().items() if adapter.sniff(data)}


def test_every_installed_adapter_has_inputs_here() -> None:
    formats = {name for name, _ in OWN_INPUTS}
    assert {
        "libra-spi",
        "hmpps-events",
        "prison-api-sentence",
        "delius-key-dates",
        "prisoner-search",
        "delius-custody",
        "cvl-licence",
    } <= formats


@pytest.mark.parametrize(
    ("owner", "path"), OWN_INPUTS, ids=[f"{o}:{p.name}" for o, p in OWN_INPUTS]
)
def test_an_adapters_own_inputs_are_claimed_by_it_alone(owner: str, path: Path) -> None:
    data = path.read_bytes()
    adapter = cjx.get_adapter(owner)
    try:
        adapter.translate(data)
        accepted = True
    except ValidationFailed:
        accepted = False
    claimers = _claimers(data)
    assert claimers - {owner} == set(), f"also claimed by {claimers - {owner}}"
    if accepted:
        assert claimers == {owner}
        sniffed = cjx.sniff(data)
        assert sniffed is not None
        assert sniffed.name == owner


@pytest.mark.parametrize("name", sorted(FOREIGN_SAMPLES))
def test_other_formats_documents_are_claimed_only_by_their_own_format(name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    claimers = _claimers(data)
    assert claimers <= FOREIGN_SAMPLES[name], f"claimed by {claimers}"


def test_every_foreign_sample_is_listed() -> None:
    assert {p.name for p in SAMPLES.glob("*.json")} == set(FOREIGN_SAMPLES)


@pytest.mark.parametrize(
    ("data", "owner"),
    [
        (b'{"bookingId": 1}', "prison-api-sentence"),
        (b'  {"releaseDate": "2022-11-26", "bookingId": -37}', "prison-api-sentence"),
        (
            b'{"nomsNumber": "A5089DY", "bookingNumber": "38339A", "keyDates": {}}',
            "delius-key-dates",
        ),
        (b'{"bookingId": "1900836", "prisonerNumber": "A7089EY"}', "prisoner-search"),
        (b'{"_class": "x.PrisonerB", "prisonerNumber": "A9999RB"}', "prisoner-search"),
        (b'{"eventType": "prisoner.updated", "prisonerNumber": "A1234AA"}', "hmpps-events"),
        (b'{"bookingNumber": "38339A", "custody": {"keyDates": {}}}', None),
        (b'{"sentenceDetail": {"bookingId": -3}, "offenderNo": "A1234AC"}', None),
        (b'{"convictionId": 2500283547, "index": "3"}', "delius-custody"),
        (b'{"otherIds": {"crn": "X142620"}, "conviction": {"convictionId": 1}}', "delius-custody"),
        (b'{"request": {}, "response": {"jsonBody": [{"convictionId": 1}]}}', None),
        (b'{"otherIds": {"crn": "X320741"}, "offenderId": 2500343964}', None),
        (
            b'{"id": 1, "licenceType": "AP", "prisonNumber": "A1234AA", "bookingId": 2}',
            "cvl-licence",
        ),
        (b'{"version": "V2_1", "conditions": {"AP": {"standard": []}}}', None),
    ],
)
def test_minimal_documents_are_recognised(data: bytes, owner: str | None) -> None:
    sniffed = cjx.sniff(data)
    assert (sniffed.name if sniffed else None) == owner

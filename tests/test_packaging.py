"""Packaging: a built wheel carries everything, and works with no checkout beside it.

The editable install is what the rest of the suite runs on; here the wheel is built, unpacked
into a folder of its own and used from a directory outside the checkout, with the checkout's
``src`` and ``adapters`` kept off the import path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import cjx

ROOT = Path(__file__).parents[1]
#: Building needs no package index: hatchling comes with the development dependencies.
_PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*_PIP_WHEEL, "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("cjx-*.whl")
    return built


def test_version_agrees_with_metadata() -> None:
    """``cjx.__version__`` is the installed distribution's version."""
    assert cjx.__version__ == version("cjx")


def test_wheel_carries_schemas_examples_adapters_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "cjx/py.typed",
        "cjx/_schemas/canonical/v1/cjx-canonical.xsd",
        "cjx/_schemas/canonical/v1/cjx-canonical.schema.json",
        "cjx/_schemas/canonical/1.0/cjx-canonical.xsd",
        "cjx/_schemas/canonical/1.0/cjx-canonical.schema.json",
        "cjx/_schemas/canonical/1.1/cjx-canonical.xsd",
        "cjx/_schemas/canonical/1.1/cjx-canonical.schema.json",
        "cjx/_schemas/canonical/1.2/cjx-canonical.xsd",
        "cjx/_schemas/canonical/1.2/cjx-canonical.schema.json",
        "cjx/_schemas/canonical/1.2/cjx-canonical-ext.xsd",
        "cjx/_schemas/canonical/v1/cjx-canonical-ext.xsd",
        "cjx/_schemas/formats/libra-spi/deliver-request.xsd",
        "cjx/_schemas/formats/libra-spi/route-data.xsd",
        "cjx/_schemas/formats/libra-spi/resulted-case-message.xsd",
        "cjx/_schemas/formats/hmpps-events/envelope.schema.json",
        "cjx/_schemas/formats/prison-api-sentence/sentence-calc-dates.schema.json",
        "cjx/_schemas/formats/delius-key-dates/replace-custody-key-dates.schema.json",
        "cjx/_schemas/formats/prisoner-search/prisoner.schema.json",
        "cjx/_schemas/formats/delius-custody/conviction.schema.json",
        "cjx/_schemas/formats/delius-custody/custody-record.schema.json",
        "cjx/_schemas/formats/cvl-licence/licence.schema.json",
        "cjx/_examples/demo.toml",
        "cjx_libra_spi/__init__.py",
        "cjx_hmpps_events/__init__.py",
        "cjx_prison_api_sentence/__init__.py",
        "cjx_delius_key_dates/__init__.py",
        "cjx_prisoner_search/__init__.py",
        "cjx_delius_custody/__init__.py",
        "cjx_cvl_licence/__init__.py",
    ):
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "libra-spi = cjx_libra_spi:adapter" in text
    assert "hmpps-events = cjx_hmpps_events:adapter" in text
    assert "prison-api-sentence = cjx_prison_api_sentence:adapter" in text
    assert "delius-key-dates = cjx_delius_key_dates:adapter" in text
    assert "prisoner-search = cjx_prisoner_search:adapter" in text
    assert "delius-custody = cjx_delius_custody:adapter" in text
    assert "cvl-licence = cjx_cvl_licence:adapter" in text
    assert "cjx = cjx.cli:main" in text


def test_installed_wheel_works_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """Unpacked alone: schemas and examples come from the package, the CLI runs."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sample = ROOT / "adapters/cjx_libra_spi/tests/fixtures/samples/core-input-message-001.xml"
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    script = (
        "import sys, cjx, cjx._resources as r, cjx_libra_spi;"
        f"assert cjx.__file__.startswith({str(site)!r}), cjx.__file__;"
        f"assert str(r.schemas_root()).startswith({str(site)!r});"
        f"assert cjx_libra_spi.__file__.startswith({str(site)!r});"
        "from cjx.cli import main;"
        f"sys.exit(main(['validate', {str(sample)!r}]) or main(['schema', 'check'])"
        " or main(['schema', 'diff', '--against-released'])"
        f" or main(['schema', 'export', '--version', '1.0', {str(tmp_path / 'v10')!r}])"
        f" or main(['demo', '--out-dir', {str(tmp_path / 'demo')!r}]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def test_wheel_leaves_the_adapter_tests_out(wheel: Path) -> None:
    """Fixtures and golden files are for the source tree, not for installations."""
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if "/tests/" in n]

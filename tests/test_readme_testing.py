"""The README's example for library users' tests runs as written, as a user would run it.

It is taken out of README.md and run by pytest in a subprocess with an empty configuration
(so pytest-asyncio is in its default strict mode, as in a user's project), from the checkout
root (the example reads ``examples/``), with the ``cjx.testing`` plugin loaded from the
installed entry point. Both its tests must pass.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    mention = text.index("tests/test_readme_testing.py")
    match = re.compile(r"```python\n(.*?)```", re.S).search(text, mention)
    assert match is not None, "README: no python block after the mention of this test"
    return match.group(1)


def test_readme_harness_example_runs_as_written(tmp_path: Path) -> None:
    example = tmp_path / "test_readme_example.py"
    example.write_text(readme_example())
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # a user's project: strict mode
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(tmp_path / "pytest.ini"),
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(example),
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout


def test_the_testing_extra_brings_pytest_asyncio() -> None:
    """``pip install cjx[testing]`` is all the example needs."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    names = {re.split(r"[<>=\[; ]", r, maxsplit=1)[0] for r in extras["testing"]}
    assert {"pytest", "pytest-asyncio"} <= names

"""Print the commands of the README's Quick start code block, one a line.

`.ci/run` runs exactly these, so the README and CI cannot drift apart.
"""

import re
import sys
from pathlib import Path

text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
if section is None:
    sys.exit("README.md has no '## Quick start' section")
block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", section.group(1), re.DOTALL)
if block is None:
    sys.exit("README.md Quick start has no code block")
for line in block.group(1).splitlines():
    if line.strip() and not line.lstrip().startswith("#"):
        print(line.strip())

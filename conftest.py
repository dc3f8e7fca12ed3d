"""Settings for the whole test suite (``tests/`` and ``adapters/*/tests``).

cjx does not read back what it has just written unless asked (DESIGN.md section 5, issue 10):
its writers are proven by the tests instead. So every test runs with output verification on,
whatever the caller's environment says: every ``translate`` (library, CLI, services, in this
process and in the processes it starts) reads its outputs back through their own gates, and a
writer bug fails the test that made the output. ``tests/test_verification.py`` checks that this
is in force.
"""

from __future__ import annotations

import os

os.environ["CJX_VERIFY_OUTPUT"] = "1"

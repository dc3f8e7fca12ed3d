"""docs/operations.md stays true to the command line: every `cjx` command in its examples parses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cjx.cli import _parser

DOC = Path(__file__).resolve().parents[1] / "docs" / "operations.md"


def _commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("cjx ")]


def test_the_runbook_has_commands() -> None:
    commands = _commands()
    assert len(commands) >= 12
    assert {shlex.split(c)[1] for c in commands} >= {"dlq", "publish", "demo"}


@pytest.mark.parametrize("command", _commands())
def test_every_runbook_command_parses(command: str) -> None:
    argv = shlex.split(command)[1:]
    args = _parser().parse_args(argv)  # SystemExit (a usage error) fails the test
    assert args.command == argv[0]

"""Shell completion and help texts, both derived from the one argparse parser.

``cjx completion bash`` prints a bash completion script: sub-commands, their options, the
choices of an option that has them (``--from``/``--to`` complete the installed formats) and
file names otherwise. ``cjx completion zsh`` prints the same behind zsh's ``bashcompinit``.
Install with ``eval "$(cjx completion bash)"`` (or ``source <(cjx completion zsh)``) in the
shell's start-up file.

:func:`fill_help` gives every option a help text: options shared by several commands
(``--config``, ``--service``...) get theirs here when their command left it out.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

__all__ = ["add_parser", "bash_script", "fill_help", "walk"]

#: Help for options and arguments whose command gave none, by (command, dest) or dest.
_HELP: dict[tuple[str, str] | str, str] = {
    "config": "the services' TOML configuration (examples/services.toml is one)",
    "service": "only the service NAME (repeatable; default: every service of the config)",
    "metrics_host": "the address /metrics and /ready listen on (default 127.0.0.1; 0.0.0.0 "
    "to be scraped from outside a container)",
    "log_level": "the lowest level logged, as JSON lines on standard error (default info)",
    "url": "the readiness URL of a `cjx run --metrics-port PORT` (default port 9464)",
    "timeout": "seconds to wait for an answer (default 5)",
    "reason": "why, recorded with the change for the audit trail",
    "format": "the output's form",
    "directory": "the folder to write every schema cjx ships into",
    "schemas": "OLD and NEW: released versions (1.0) or schema files; with "
    "--against-released, the files to check (default: the canonical schemas)",
    ("topology", "action"): "apply: declare them on the broker; show: print them",
    ("dlq", "action"): "list, show, replay or purge the service's dead letters",
}


def _formats() -> list[str]:
    from cjx.adapter import adapters  # noqa: PLC0415 - loads the registry

    return list(adapters())


def walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (command path, parser) pair, the root first."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(walk(sub, (*path, name)))
    return found


def fill_help(parser: argparse.ArgumentParser) -> None:
    for path, sub in walk(parser):
        command = path[0] if path else ""
        for action in sub._actions:
            if action.help or isinstance(action, argparse._SubParsersAction):
                continue
            text = _HELP.get((command, action.dest)) or _HELP.get(action.dest)
            if text is not None:
                action.help = text


def _words(parser: argparse.ArgumentParser) -> tuple[list[str], list[str], list[str]]:
    """(sub-commands, choices of a positional, long options) of one parser."""
    commands: list[str] = []
    positional: list[str] = []
    options: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.extend(action.choices)
        elif action.option_strings:
            options.extend(o for o in action.option_strings if o.startswith("--"))
        elif action.choices:  # a positional with choices (topology apply|show)
            positional.extend(str(c) for c in action.choices)
    return commands, positional, options


def bash_script(parser: argparse.ArgumentParser) -> str:
    """A bash completion function for ``cjx``, generated from ``parser``."""
    keys: list[str] = []
    word_cases: list[str] = []
    value_cases: list[str] = []
    for path, sub in walk(parser):
        commands, positional, options = _words(sub)
        opts = " ".join([*options, "--help"])
        own = [(" ".join(path), " ".join([*commands, *positional]))]
        own += [(" ".join((*path, choice)), "") for choice in positional]
        for key, cmds in own:
            keys.append(key)
            word_cases.append(
                f"    {shlex.quote(key)}) cmds={shlex.quote(cmds)}; opts={shlex.quote(opts)} ;;"
            )
            for action in sub._actions:
                if not action.option_strings or action.nargs == 0:
                    continue
                choices = " ".join(str(c) for c in action.choices or ())
                if action.metavar == "FORMAT":  # --from/--to: the installed formats
                    choices = " ".join(_formats())
                for option in action.option_strings:
                    quoted = shlex.quote(f"{key}|{option}")
                    value = f"cmds={shlex.quote(choices)}" if choices else "return"
                    value_cases.append(f"    {quoted}) {value} ;;")
    known = " ".join(shlex.quote(k) for k in keys if k)
    return "\n".join(
        [
            "# cjx bash completion (generated by `cjx completion bash`)",
            "_cjx() {",
            '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
            '  local path="" candidate i k cmds="" opts=""',
            f"  local -a known=({known})",
            "  for ((i = 1; i < COMP_CWORD; i++)); do",
            '    candidate="${path:+$path }${COMP_WORDS[i]}"',
            '    for k in "${known[@]}"; do',
            '      if [[ "$k" == "$candidate" ]]; then path="$candidate"; break; fi',
            "    done",
            "  done",
            '  case "$path|$prev" in',
            *value_cases,
            "  esac",
            '  if [[ -n "$cmds" ]]; then',
            '    COMPREPLY=($(compgen -W "$cmds" -- "$cur")); return',
            "  fi",
            '  case "$path" in',
            *word_cases,
            "  esac",
            '  if [[ "$cur" == -* ]]; then',
            '    COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
            '  elif [[ -n "$cmds" ]]; then',
            '    COMPREPLY=($(compgen -W "$cmds" -- "$cur"))',
            "  fi",
            "}",
            "complete -o default -F _cjx cjx",
            "",
        ]
    )


def zsh_script(parser: argparse.ArgumentParser) -> str:
    return "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(parser)


def add_parser(sub: Any) -> None:
    c = sub.add_parser(
        "completion",
        help='print a shell completion script: eval "$(cjx completion bash)"',
    )
    c.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    script = bash_script(parser) if args.shell == "bash" else zsh_script(parser)
    print(script, end="")
    return 0

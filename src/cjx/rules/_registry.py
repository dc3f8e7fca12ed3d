"""The rule registry: the ``cjx.rules`` entry-point group, as adapters have ``cjx.adapters``.

A package adds a rule by declaring, in its ``pyproject.toml``::

    [project.entry-points."cjx.rules"]
    my-rule = "my_package:rule"          # a Rule instance whose name is my-rule

Entry points are loaded once, lazily. A broken entry point (it fails to import, is not a
:class:`Rule`, names another rule, or has a name a source format cannot carry) is never skipped
silently: :func:`broken` (and ``cjx rules``) list it, asking for it raises
:class:`~cjx.errors.ConfigurationError` with the reason, and every other rule keeps working.
"""

from __future__ import annotations

import threading

from cjx._entry_points import load_group
from cjx.errors import ConfigurationError

from ._protocol import RULE_NAME_PATTERN, Rule

__all__ = ["ENTRY_POINT_GROUP", "broken", "get_rule", "register", "route", "rules"]

ENTRY_POINT_GROUP = "cjx.rules"

_lock = threading.Lock()
_rules: dict[str, Rule] | None = None
_broken: dict[str, str] = {}


def _load() -> dict[str, Rule]:
    global _rules
    with _lock:
        if _rules is None:
            _rules, failed = load_group(ENTRY_POINT_GROUP, Rule, noun="rule", check=_name_problem)
            _broken.update(failed)
        return _rules


def _name_problem(rule: Rule) -> str | None:
    if RULE_NAME_PATTERN.fullmatch(rule.name):
        return None
    return f"rule name {rule.name!r} is not {RULE_NAME_PATTERN.pattern}"


def register(rule: Rule) -> None:
    """Register a rule in this process (tests, or applications without packaging)."""
    problem = _name_problem(rule)
    if problem is not None:
        raise ConfigurationError(problem)
    _load()[rule.name] = rule


def rules() -> dict[str, Rule]:
    """Every registered rule by name, sorted."""
    return dict(sorted(_load().items()))


def broken() -> dict[str, str]:
    """Rules whose entry point failed to load, with the reason."""
    _load()
    return dict(_broken)


def get_rule(name: str) -> Rule:
    try:
        return _load()[name]
    except KeyError:
        if name in _broken:
            raise ConfigurationError(f"rule {name!r} is broken: {_broken[name]}") from None
        known = ", ".join(sorted(_load())) or "none"
        raise ConfigurationError(f"unknown rule {name!r}; known rules: {known}") from None


def route(message_type: str, encodes: frozenset[str]) -> Rule | None:
    """The rule that makes, from ``message_type``, a message type in ``encodes``; or ``None``.

    This is how ``cjx translate`` finds a rule when the target format cannot encode the
    source's message type. Two rules that both fit make the route ambiguous: a
    :class:`~cjx.errors.ConfigurationError` naming them, never a silent choice.
    """
    fits = [rule for rule in rules().values() if rule.makes(message_type) & encodes]
    if len(fits) > 1:
        names = ", ".join(r.name for r in fits)
        raise ConfigurationError(
            f"several rules make what the target encodes from {message_type}: {names}"
        )
    return fits[0] if fits else None

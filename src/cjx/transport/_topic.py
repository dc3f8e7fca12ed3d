"""AMQP topic matching: ``*`` matches exactly one dot-separated word, ``#`` zero or more."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["topic_matches"]


@lru_cache(maxsize=4096)
def topic_matches(pattern: str, routing_key: str) -> bool:
    """Whether ``routing_key`` matches the binding key ``pattern`` (RabbitMQ's rules).

    An empty key (or pattern) has no words at all, not one empty word: RabbitMQ routes ``""``
    to ``#`` and ``""`` but not to ``*``.
    """
    return _match(_words(pattern), _words(routing_key))


def _words(key: str) -> tuple[str, ...]:
    return tuple(key.split(".")) if key else ()


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    # iterative with memo on (i, j): patterns are short, but "#.#.#" must not go exponential
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(pattern):
            if j == len(words):
                return True
            continue
        head = pattern[i]
        if head == "#":
            # "#" swallows zero words (advance the pattern) or one more word (advance the key)
            stack.append((i + 1, j))
            if j < len(words):
                stack.append((i, j + 1))
        elif j < len(words) and (head == "*" or head == words[j]):
            stack.append((i + 1, j + 1))
    return False

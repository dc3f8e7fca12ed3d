"""Several writers on one index at the same moment: threads, and processes, on both backends.

Each writer has its own connection (its own ``open_index``), as separate service processes do.
A barrier starts the contenders of each round together.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from tests.identity.envelopes import linked

from cjx.identity import Applied, ConflictCode, Ident, PersonIndex, Scheme, open_index
from cjx.model import check_character

ROUNDS = 40


def noms(i: int) -> str:
    return f"A{i:04d}BC"


def crn(letter: str, i: int) -> str:
    return f"{letter}{i:06d}"


def book(i: int) -> str:
    return f"{i:05d}B"


def pnc(i: int) -> str:
    return f"2010/{i:07d}{check_character(f'10{i:07d}')}"


def _run(workers: list[Callable[[], None]]) -> None:
    failures: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # reported to the test below
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures


def _records(index: PersonIndex) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    records = list(index.export())
    return (
        [r for r in records if r["type"] == "link"],
        [r for r in records if r["type"] == "conflict"],
    )


def test_the_same_links_learnt_by_eight_writers_at_once_are_one_link_each(
    index_url: str,
) -> None:
    open_index(index_url).close()  # schema first, so the writers only race for links
    start = threading.Barrier(8)

    def writer(k: int) -> Callable[[], None]:
        def work() -> None:
            with open_index(index_url) as index:
                start.wait()
                for i in range(ROUNDS):
                    learnt = index.learn(linked(crn("X", i), noms(i), book(i), n=k * 1000 + i))
                    assert learnt.conflicts == ()

        return work

    _run([writer(k) for k in range(8)])
    with open_index(index_url) as index:
        links, conflicts = _records(index)
        assert conflicts == []
        pairs = [(r["a"], r["b"]) for r in links]
        assert len(pairs) == len(set(pairs)) == 2 * ROUNDS
        for i in range(ROUNDS):
            person = index.resolve(Ident(Scheme.NOMS, noms(i)))
            assert [str(x) for x in person.others] == [f"book:{book(i)}", f"crn:{crn('X', i)}"]


def test_two_writers_linking_one_noms_number_to_two_crns_one_wins_one_conflicts(
    index_url: str,
) -> None:
    open_index(index_url).close()
    start = threading.Barrier(2)
    outcomes: dict[tuple[str, int], Applied] = {}

    def writer(letter: str) -> Callable[[], None]:
        def work() -> None:
            with open_index(index_url) as index:
                for i in range(ROUNDS):
                    start.wait()
                    (outcomes[letter, i],) = index.learn(
                        linked(crn(letter, i), noms(i), book(i), n=ord(letter) * 1000 + i)
                    ).applied[:1]

        return work

    _run([writer("X"), writer("Y")])
    with open_index(index_url) as index:
        for i in range(ROUNDS):
            person = index.resolve(Ident(Scheme.NOMS, noms(i)))
            assert len(person.values(Scheme.CRN)) == 1, i
            won = person.current(Scheme.CRN)
            assert won is not None
            lost = "Y" if won.value.startswith("X") else "X"
            assert outcomes[won.value[0], i].conflict is None
            refused = outcomes[lost, i].conflict
            assert refused is not None
            assert refused.code is ConflictCode.SINGLE_VALUED
            assert {refused.clashes[0].a_value, refused.clashes[0].b_value} == {
                won,
                Ident(Scheme.CRN, crn(lost, i)),
            }
        _, conflicts = _records(index)
        assert len(conflicts) == ROUNDS


def test_a_race_through_other_identifiers_is_caught_too(index_url: str) -> None:
    with open_index(index_url) as index:
        for i in range(ROUNDS):
            index.link(Ident(Scheme.NOMS, noms(i)), Ident(Scheme.PNC, pnc(i)), actor="setup")
    start = threading.Barrier(2)

    def writer(via_pnc: bool) -> Callable[[], None]:
        def work() -> None:
            with open_index(index_url) as index:
                for i in range(ROUNDS):
                    start.wait()
                    if via_pnc:
                        index.link(
                            Ident(Scheme.PNC, pnc(i)), Ident.of("crn", crn("Y", i)), actor="p"
                        )
                    else:
                        index.link(
                            Ident(Scheme.NOMS, noms(i)), Ident.of("crn", crn("X", i)), actor="n"
                        )

        return work

    _run([writer(True), writer(False)])
    with open_index(index_url) as index:
        for i in range(ROUNDS):
            person = index.resolve(Ident(Scheme.NOMS, noms(i)))
            assert len(person.values(Scheme.CRN)) == 1, i
        _, conflicts = _records(index)
        assert len(conflicts) == ROUNDS


def _process_writer(url: str, letter: str, barrier: Any, rounds: int) -> None:
    with open_index(url) as index:
        for i in range(rounds):
            barrier.wait(timeout=60)
            index.link(Ident(Scheme.NOMS, noms(i)), Ident.of("crn", crn(letter, i)), actor=letter)


def test_separate_processes_race_safely(index_url: str) -> None:
    open_index(index_url).close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    processes = [
        context.Process(target=_process_writer, args=(index_url, letter, barrier, ROUNDS))
        for letter in "XYZ"
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=180)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    with open_index(index_url) as index:
        links, conflicts = _records(index)
        assert len(links) == ROUNDS
        assert len(conflicts) == 2 * ROUNDS
        for i in range(ROUNDS):
            assert len(index.resolve(Ident(Scheme.NOMS, noms(i))).values(Scheme.CRN)) == 1

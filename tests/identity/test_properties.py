"""Random histories of links, messages, merges and retractions keep the index's promises.

After every step, on both backends:

* each person is exactly a connected component of the active links, so ``resolve`` is
  symmetric and transitive within a person (and gives nothing across people);
* former identifiers are exactly the removed sides of active merges;
* no person holds two current values of a single-valued scheme without a recorded conflict;
* a booking id has at most one book number and a book number at most one booking id;
* history only grows: links and conflicts once written never change, except that an active
  link may be retracted (once);
* a message learnt twice in a row teaches nothing the second time.

At the end the export round-trips through an import.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests.identity.envelopes import linked, merged

from cjx.identity import SINGLE_VALUED, ConflictCode, Ident, PersonIndex, Scheme, open_index

POOL = {
    Scheme.NOMS: ("A1111AA", "B2222BB", "C3333CC"),
    Scheme.CRN: ("X111111", "Y222222", "Z333333"),
    Scheme.PNC: ("1979/0163001B", "2003/0011985X"),
    Scheme.CRO: ("065656/91H",),
    Scheme.BOOK: ("11111A", "22222B"),
    Scheme.BOOKING: ("1", "2", "-3"),
    Scheme.ASN: ("1101ZD0100000448754K",),
}
IDENTS = tuple(Ident.of(s, v) for s, values in POOL.items() for v in values)
idents = st.sampled_from(IDENTS)


def _components(links: list[dict[str, Any]]) -> dict[Ident, frozenset[Ident]]:
    parent: dict[Ident, Ident] = {}

    def find(x: Ident) -> Ident:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for link in links:
        a, b = find(Ident.parse(link["a"])), find(Ident.parse(link["b"]))
        if a != b:
            parent[a] = b
    groups: dict[Ident, set[Ident]] = {}
    for x in IDENTS:
        groups.setdefault(find(x), set()).add(x)
    return {x: frozenset(groups[find(x)]) for x in IDENTS}


def machine(new_url: Callable[[], str]) -> type[RuleBasedStateMachine]:
    counter = itertools.count()

    class IndexHistory(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.index: PersonIndex = open_index(new_url())
            self.links: dict[int, dict[str, Any]] = {}
            self.conflicts: dict[int, dict[str, Any]] = {}

        def teardown(self) -> None:
            try:
                exported = list(self.index.export())
                with open_index("sqlite:///:memory:") as copy:
                    copy.import_records(exported)
                    assert list(copy.export()) == exported
                    for x in IDENTS:
                        assert copy.resolve(x) == self.index.resolve(x)
            finally:
                self.index.close()

        def _learn_twice(self, envelope: Any) -> None:
            first = self.index.learn(envelope)
            again = self.index.learn(envelope)
            assert again.new_links == ()
            assert {c.id for c in again.conflicts} <= {c.id for c in first.conflicts}

        @rule(a=idents, b=idents, merge=st.booleans())
        def link_by_hand(self, a: Ident, b: Ident, merge: bool) -> None:
            if a != b:
                self.index.link(a, b, actor="property", merge=merge and a.scheme is b.scheme)

        @rule(
            crn=st.sampled_from(POOL[Scheme.CRN]),
            noms=st.sampled_from(POOL[Scheme.NOMS]),
            book=st.sampled_from(POOL[Scheme.BOOK]),
        )
        def learn_a_link(self, crn: str, noms: str, book: str) -> None:
            self._learn_twice(linked(crn, noms, book, n=next(counter)))

        @rule(
            removed=st.sampled_from(POOL[Scheme.NOMS]),
            retained=st.sampled_from(POOL[Scheme.NOMS]),
            booking=st.sampled_from((1, 2)),
        )
        def learn_a_merge(self, removed: str, retained: str, booking: int) -> None:
            self._learn_twice(merged(removed, retained, booking, n=next(counter)))

        @rule(data=st.data())
        def retract(self, data: st.DataObject) -> None:
            active = [r for r in self.links.values() if r["retracted_at"] is None]
            if not active:
                return
            link = data.draw(st.sampled_from(active))
            done = self.index.retract(
                Ident.parse(link["a"]), Ident.parse(link["b"]), actor="property", reason="test"
            )
            assert link["id"] in {x.id for x in done}

        @invariant()
        def history_only_grows(self) -> None:
            records = list(self.index.export())
            links = {r["id"]: r for r in records if r["type"] == "link"}
            conflicts = {r["id"]: r for r in records if r["type"] == "conflict"}
            for link_id, before in self.links.items():
                now = links[link_id]
                if before["retracted_at"] is None:
                    now = {**now, "retracted_at": None, "retracted_by": None}
                    now["retraction_reason"] = None
                assert now == before
            for conflict_id, before in self.conflicts.items():
                assert conflicts[conflict_id] == before
            self.links, self.conflicts = links, conflicts

        @invariant()
        def people_are_the_components_of_the_active_links(self) -> None:
            active = [r for r in self.links.values() if r["retracted_at"] is None]
            component = _components(active)
            former = {Ident.parse(r["a"]) for r in active if r["kind"] == "merge"}
            after_retraction = [
                c for c in self.conflicts.values() if c["code"] == ConflictCode.AFTER_RETRACTION
            ]
            for x in IDENTS:
                person = self.index.resolve(x)
                assert set(person.identifiers) == component[x], x
                assert person.former == former & component[x]
                for scheme in SINGLE_VALUED:
                    current = {i for i in component[x] if i.scheme is scheme} - former
                    if len(current) > 1:
                        names = {str(v) for v in current}
                        assert any(
                            k["scheme"] == scheme and {k["a_value"], k["b_value"]} <= names
                            for c in after_retraction
                            for k in c["clashes"]
                        ), (x, scheme)

        @invariant()
        def bookings_pair_one_to_one(self) -> None:
            partners: dict[str, set[str]] = {}
            for r in self.links.values():
                if r["retracted_at"] is None and r["kind"] != "merge":
                    schemes = {r["a"].split(":")[0], r["b"].split(":")[0]}
                    if schemes == {"book", "booking"}:
                        partners.setdefault(r["a"], set()).add(r["b"])
                        partners.setdefault(r["b"], set()).add(r["a"])
            assert all(len(p) == 1 for p in partners.values()), partners

    return IndexHistory


def test_random_histories_keep_the_index_consistent(
    backend: str, new_url: Callable[[], str]
) -> None:
    run_state_machine_as_test(
        machine(new_url),
        settings=settings(
            max_examples=40 if backend == "sqlite" else 12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_machine_notices_a_broken_index(
    backend: str, new_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invariants can fail: an index that never splits a person on retraction breaks them."""
    from cjx.identity._engine import SqlIndex

    monkeypatch.setattr(SqlIndex, "_split", lambda *_, **__: None)
    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            machine(new_url),
            settings=settings(
                max_examples=300, stateful_step_count=25, deadline=None, derandomize=True
            ),
        )

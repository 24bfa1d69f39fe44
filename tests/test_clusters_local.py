"""A cluster named by id is read locally (issue 13 point 11, principle 3):
``render --cluster C`` follows the links outwards from the cases stored
under C instead of computing every cluster of the district. The reference
is the district computation (:func:`tracing.clusters.compute`, a union-find
over every link of the module doc's definition): whatever the data, the
local answer is that computation's record of the same id, or None (then the
district computation decides), never another cluster."""

from __future__ import annotations

import random

import pytest

from tracing import cases, clusters, encounters, maps, people
from tracing.errors import TracingError

from test_clusters import DATA, _load_bn


def _district_records(store) -> dict[str, dict]:
    """The district computation's clusters (singles too, as a render asks), by id; stores the ids."""
    with store.write("clusters"):
        return {c["id"]: c for c in clusters.compute(store, min_size=1)}


def _assert_local_is_the_district_answer(store, ids) -> int:
    """Before the district computation runs again: each id's local answer is
    None or exactly what that computation then lists under the id."""
    local = {cid: clusters.one(store, cid) for cid in ids}
    district = _district_records(store)
    for cid, found in local.items():
        if found is not None:
            assert found == {**district[cid], "merged": []}, cid
    return sum(found is not None for found in local.values())


def _world_step(store, rng: random.Random, persons: list[str], confirmed: set[str]) -> None:
    """One random fact: a contact (dated or undated, ~1 in 4 undated), a
    confirmation with or without a recorded source, or a recorded link."""
    kind = rng.random()
    a, b = rng.sample(persons, 2)
    day = f"2021-06-{rng.randrange(1, 28):02d}"
    try:
        with store.write("test"):
            if kind < 0.55:
                encounters.add_contact(store, {"a": a, "b": b, **({} if rng.random() < 0.25 else {"date": day})})
            elif kind < 0.85 and a not in confirmed:
                fact = {"id": a, "confirmed": day}
                if rng.random() < 0.4:
                    fact["sources"] = [b]
                cases.confirm(store, fact)
                confirmed.add(a)
            elif a in confirmed and b in confirmed:
                cases.link(store, a, [b])
    except TracingError:
        pass  # a refused fact (a date before the source's, a cycle …) changes nothing


@pytest.mark.parametrize("seed", range(6))
def test_a_cluster_read_locally_is_the_district_computation_of_that_id(store, seed):
    """Random small districts built one fact at a time (contacts dated and
    undated, F1 meeting F1, recorded sources, clusters growing, merging and
    splitting through new facts); after every few facts each stored id is
    read locally and compared with the district computation that follows."""
    rng = random.Random(seed)
    persons = [f"P{i}" for i in range(40)]
    with store.write("test"):
        for pid in persons:
            people.add_person(store, {"id": pid, "name": f"Người {pid}"})
    confirmed: set[str] = set()
    answered = 0
    ids: list[str] = []
    for step in range(90):
        _world_step(store, rng, persons, confirmed)
        if step % 6 == 5:
            answered += _assert_local_is_the_district_answer(store, ids)
            ids = sorted(_district_records(store))
    assert answered > 10  # the local reading answered most times (it is not always None)


def test_a_cluster_that_changed_since_its_id_was_stored_is_left_to_the_district(store):
    """Grown, merged or emptied: the stored cases no longer are the cluster,
    so the local reading says None and the render draws what the district
    computation gives (the merged cluster under the oldest id)."""
    with store.write("test"):
        for pid in "ABCDE":
            people.add_person(store, {"id": pid, "name": f"Người {pid}"})
        cases.confirm(store, {"id": "A", "confirmed": "2021-06-01"})
        cases.confirm(store, {"id": "B", "confirmed": "2021-06-02", "sources": ["A"]})
        cases.confirm(store, {"id": "C", "confirmed": "2021-06-03"})
        cases.confirm(store, {"id": "D", "confirmed": "2021-06-04", "sources": ["C"]})
    first = {tuple(c["cases"]): c["id"] for c in _district_records(store).values()}
    ab, cd = first[("A", "B")], first[("C", "D")]
    assert clusters.one(store, ab)["cases"] == ["A", "B"]
    with store.write("test"):
        cases.confirm(store, {"id": "E", "confirmed": "2021-06-05", "sources": ["B"]})  # A-B grows
    assert clusters.one(store, ab) is None
    assert maps.build(store, cluster=ab)[1]["clusters"] == [ab]
    assert [n.id for n in maps.build(store, cluster=ab)[0].nodes] == ["A", "B", "E"]
    with store.write("test"):
        encounters.add_contact(store, {"a": "E", "b": "D", "date": "2021-06-04"})  # joins the two
    assert clusters.one(store, ab) is None and clusters.one(store, cd) is None
    oldest, newest = sorted([ab, cd], key=lambda i: int(i[1:]))
    assert [n.id for n in maps.build(store, cluster=oldest)[0].nodes] == ["A", "B", "C", "D", "E"]
    assert clusters.one(store, oldest)["cases"] == ["A", "B", "C", "D", "E"]  # stored by that render
    assert clusters.one(store, newest) is None
    assert clusters.one(store, "C999") is None


def _same_maps(store) -> int:
    """`render --cluster C` (local) and a render from a case of C (the
    district computation, to find the case's cluster) draw the same map;
    returns how many clusters were compared."""
    listing = _district_records(store)
    drawn = 0
    for cid, c in listing.items():
        if c["size"] < 2:
            continue
        assert clusters.one(store, cid) is not None
        local, info = maps.build(store, cluster=cid, lang="en")
        district, dinfo = maps.build(store, roots=[c["cases"][0]], lang="en")
        assert (local, info) == (district, dinfo)
        drawn += 1
    return drawn


def test_the_map_of_a_cluster_is_the_same_read_locally_or_over_the_district(long_bien):
    """On the Long Biên outbreak after its PA1 (F1 P2 turns positive: BN1's cluster)."""
    from tracing.store import Store
    from conftest import load_fixture

    fixture = load_fixture("long_bien_2021_05")
    store = Store.open(long_bien)
    try:
        with store.write("case confirm"):
            cases.confirm(store, dict(fixture.PA1_CONFIRM))
        assert _same_maps(store) >= 1
    finally:
        store.close()


@pytest.mark.skipif(not DATA.exists(), reason="shared dataset not present")
def test_the_maps_of_the_real_2020_clusters_are_the_same_read_locally(store):
    """The BN1–BN288 line list (Vietnam 2020): every cluster of 2 or more."""
    _load_bn(store)
    assert _same_maps(store) >= 10


@pytest.mark.sqlite_only("reads the statements SQLite ran (its trace callback)")
def test_render_of_one_cluster_reads_no_district_wide_table(long_bien):
    """The district-wide reads of the clusters computation (every recorded
    and derived source, every contact of every case, every case's facts)
    are not run to draw one cluster whose stored cases still hold."""
    from tracing.store import Store
    from conftest import load_fixture

    store = Store.open(long_bien)
    try:
        with store.write("case confirm"):
            cases.confirm(store, dict(load_fixture("long_bien_2021_05").PA1_CONFIRM))
        cid = max(_district_records(store).values(), key=lambda c: c["size"])["id"]
        ran: list[str] = []
        store.conn.set_trace_callback(ran.append)
        maps.build(store, cluster=cid, lang="en")
        store.conn.set_trace_callback(None)
    finally:
        store.close()
    flat = [" ".join(s.split()) for s in ran]
    assert any("FROM cluster_members WHERE cluster" in s for s in flat)
    whole = [s for s in flat if s in ("SELECT case_id, source FROM case_sources",
                                      "SELECT person, source, date FROM level_sources")
             or ("FROM cases k" in s and "WHERE" not in s) or "FROM levels l CROSS JOIN contacts" in s]
    assert whole == []

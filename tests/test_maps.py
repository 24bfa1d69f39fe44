"""Maps built from the database (:mod:`tracing.maps`): what is drawn for a
ROOT, a cluster, several clusters and persons in no cluster, and
``render_to_file`` as the demo calls it."""

from __future__ import annotations

import json
import re

import pytest

from test_cli_render import CLUSTER, outbreak
from tracing import maps
from tracing.errors import InvalidValue, NotFound, TracingError
from tracing.store import Store


@pytest.fixture
def db(run, db_path):
    outbreak(run)
    store = Store.open(db_path)
    yield store
    store.close()


def by_id(data):
    return {n.id: n for n in data.nodes}


def edges(data, primary=True):
    return {(e.source, e.target) for e in data.edges if e.primary is primary}


def test_cluster_nodes_carry_person_case_and_level_fields(db):
    data, info = maps.build(db, roots=["P6"])
    nodes = by_id(data)
    assert set(nodes) == CLUSTER and info["clusters"] == ["C1"] and data.roots == ["BN1"]
    bn1, p2, p5 = nodes["BN1"], nodes["P2"], nodes["P5"]
    assert (bn1.level, bn1.is_case, bn1.confirmed, bn1.onset, bn1.ward) == (0, True, "2021-05-05", "2021-05-04",
                                                                              "Ngọc Lâm")
    assert bn1.phone == "0912345601" and bn1.address == "BN1 Nguyễn Văn Cừ" and bn1.name == "Nguyễn Văn An"
    assert (p2.level, p2.is_case, p2.primary_source) == (0, True, "BN1")
    assert (p5.level, p5.is_case, p5.exposure, p5.primary_source) == (2, False, "2021-05-05", "P4")
    assert nodes["P4"].sources == ["BN1", "P2"]  # primary first
    for n in data.nodes:
        parents = [s for s, t in edges(data) if t == n.id]
        assert parents == ([n.primary_source] if n.primary_source else [])
    assert edges(data, primary=False) == {("P2", "P4")}
    household = next(e for e in data.edges if (e.source, e.target) == ("BN1", "P2"))
    assert (household.date, household.setting) == ("2021-05-03", "household")


def test_network_adds_contacts_not_already_edges(db):
    tree, _ = maps.build(db, cluster="C1")
    net, _ = maps.build(db, cluster="C1", layout="network")
    extra = {(e.source, e.target) for e in net.edges} - {(e.source, e.target) for e in tree.edges}
    assert extra == {("P5", "P6")}
    assert all(not e.primary for e in net.edges if (e.source, e.target) in extra)
    contact = next(e for e in net.edges if (e.source, e.target) == ("P5", "P6"))
    assert (contact.kind, contact.date, contact.setting) == ("contact", "2021-05-06", "social")
    # the sources keep their kinds: only the added contacts are "contact"
    assert {e.kind for e in net.edges if (e.source, e.target) not in extra} == {"primary", "source"}
    assert all(e.kind != "contact" for e in tree.edges)


def test_persons_in_between_are_drawn(run, db):
    # two cases with a common recorded source who is neither a case nor traced
    for pid in ("Y", "X1", "X2"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}")
    run("case", "confirm", "X1", "--date", "2021-06-01", "--source", "Y")
    run("case", "confirm", "X2", "--date", "2021-06-03", "--source", "Y")
    data, info = maps.build(db, roots=["X2"], lang="en")
    assert set(by_id(data)) == {"Y", "X1", "X2"} and len(info["clusters"]) == 1
    assert edges(data) == {("Y", "X1"), ("Y", "X2")}
    assert data.title == f"Cluster {info['clusters'][0]} · 2021-06-01 – 2021-06-03"
    assert by_id(data)["Y"].level is None
    alone, info = maps.build(db, roots=["Y"])  # the source itself finds the same cluster
    assert set(by_id(alone)) == {"Y", "X1", "X2"}


def test_union_of_a_cluster_and_a_tree_and_titles(db):
    data, info = maps.build(db, roots=["S1"], cluster=["c1"], lang="en")
    assert set(by_id(data)) == CLUSTER | {"S1", "S2"} and info["tops"] == ["S1"]
    assert data.roots == ["BN1", "S1"]
    assert data.title == "Cluster C1 + Tree from S1 · 2021-05-05 – 2021-05-11"
    vi, _ = maps.build(db, roots=["S2"], lang="vi")
    assert vi.title == "Sơ đồ cây từ S1 · 11/05/2021"  # a Vietnamese page writes dates dd/mm/yyyy


def test_merged_and_unknown_cluster_ids(run, db):
    run("person", "add", "--id", "S3", "--name", "Lý Văn Tài")
    run("contact", "add", "S1", "S3", "--date", "2021-05-11")
    run("case", "confirm", "S3", "--date", "2021-05-13")
    run("clusters")
    assert maps.build(db, cluster="C2")[1]["clusters"] == ["C2"]
    run("contact", "add", "P2", "S1", "--date", "2021-05-08")  # joins S1's cluster into C1
    with pytest.raises(NotFound, match="C2: it was merged into C1"):
        maps.build(db, cluster="C2")
    with pytest.raises(NotFound, match="C7"):
        maps.build(db, cluster="C7")
    with pytest.raises(InvalidValue, match="nothing to draw"):
        maps.build(db)
    with pytest.raises(InvalidValue, match="layout"):
        maps.build(db, roots=["BN1"], layout="circle")


def test_render_to_file_returns_counts_and_same_input_gives_same_bytes(db, tmp_path):
    a = maps.render_to_file(db, cluster="C1", path=tmp_path / "a.html")
    b = maps.render_to_file(db, roots=["BN1"], path=tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert {k: a[k] for k in ("nodes", "hidden", "persons", "layout", "cluster", "clusters", "warnings")} == \
        {"nodes": len(CLUSTER), "hidden": 0, "persons": len(CLUSTER), "layout": "tree", "cluster": "C1",
         "clusters": ["C1"], "warnings": []}
    assert b["file"] == str(tmp_path / "b.html")
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    records = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))["nodes"]
    assert {r["pid"] for r in records} == CLUSTER


def test_render_to_file_writes_nothing_on_error(db, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    for bad in (dict(max_nodes=0), dict(max_nodes="9"), dict(lang="fr"), dict(layout="pie")):
        with pytest.raises(TracingError):
            maps.render_to_file(db, roots=["BN1"], path=tmp_path / "x.html", **bad)
    with pytest.raises(InvalidValue, match="does not exist"):
        maps.render_to_file(db, roots=["BN1"], path=tmp_path / "no" / "x.html")
    with pytest.raises(TracingError, match="do(es)? not fit"):
        maps.render_to_file(db, all_clusters=True, max_nodes=1, path=tmp_path / "x.html")
    assert list(tmp_path.iterdir()) == []


def test_redacted_title_hides_the_root_of_a_tree(db, tmp_path):
    maps.render_to_file(db, roots=["S2"], redact=True, path=tmp_path / "s.html")
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "Bùi Thị Sen" not in page and "từ S1" not in page


def test_timeline_from_the_database_places_a_case_at_its_onset(db):
    # BN1 was confirmed 2021-05-05 with onset 2021-05-04: the timeline puts it at the onset
    from tracing.layout import TIME_DX, timeline_layout

    data, _ = maps.build(db, cluster="C1", layout="timeline")
    pos, ticks = timeline_layout(data)
    at = {label: x for x, label in ticks}
    bn1, p2 = by_id(data)["BN1"], by_id(data)["P2"]
    assert (bn1.onset, bn1.confirmed) == ("2021-05-04", "2021-05-05")
    assert pos["BN1"][0] == at["2021-05-04"] == at["2021-05-05"] - TIME_DX
    assert p2.onset is None and pos["P2"][0] == at[p2.confirmed]  # no onset: the sample date

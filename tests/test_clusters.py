"""Clusters: definition, stable ids, merges, activity, `cluster show`, and
the real 2020 Vietnamese line list (BN1–BN288) against networkx."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tracing import clusters, levels

DATA = Path("/work/shared/datasets/vn-trongthanh-2020")


def add(run, *ids, ward="Ngọc Lâm", unit="TDP 1"):
    for pid in ids:
        run("person", "add", "--id", pid, "--name", f"Người {pid}", "--ward", ward, "--unit", unit)


def by_cases(rows):
    return {tuple(c["cases"]): c for c in rows}


def test_cases_joined_through_a_non_case_person(run, run_json):
    add(run, "A", "P", "B", "C", "D")
    run("contact", "add", "A", "P", "--date", "2021-06-10", "--setting", "household")
    run("contact", "add", "P", "B", "--date", "2021-06-11", "--setting", "work")
    run("case", "confirm", "A", "--date", "2021-06-12", "--onset", "2021-06-11")
    run("case", "confirm", "B", "--date", "2021-06-14", "--onset", "2021-06-13")
    run("case", "confirm", "C", "--date", "2021-06-20")  # alone
    rows = run_json("clusters")
    assert [c["cases"] for c in rows] == [["A", "B"]]
    c = rows[0]
    assert set(c) >= {"id", "size", "cases", "first", "last", "roots", "wards", "active"}
    assert (c["size"], c["first"], c["last"], c["roots"], c["wards"]) == (2, "2021-06-12", "2021-06-14", ["A"],
                                                                         ["Ngọc Lâm"])
    assert c["id"].startswith("C") and c["id"][1:].isdigit()
    singles = run_json("clusters", "--min-size", "1")
    assert sorted(x["size"] for x in singles) == [1, 2]


def test_f2_to_f2_contacts_do_not_join_clusters(run, run_json):
    # A -> P (F1) -> X (F2);  B -> Q (F1) -> Y (F2);  X meets Y
    add(run, "A", "P", "X", "B", "Q", "Y")
    run("contact", "add", "A", "P", "--date", "2021-06-10")
    run("contact", "add", "P", "X", "--date", "2021-06-10")
    run("contact", "add", "B", "Q", "--date", "2021-06-10")
    run("contact", "add", "Q", "Y", "--date", "2021-06-10")
    run("contact", "add", "X", "Y", "--date", "2021-06-10")
    run("case", "confirm", "A", "--date", "2021-06-11")
    run("case", "confirm", "B", "--date", "2021-06-11")
    assert run_json("status", "X")["level"] == "F2" and run_json("status", "Y")["level"] == "F2"
    assert run_json("clusters") == []
    # an F1 meeting an F1 of the other case does join them
    run("contact", "add", "P", "Q", "--date", "2021-06-09")
    assert [c["cases"] for c in run_json("clusters")] == [["A", "B"]]


def test_ids_stay_while_a_cluster_grows_and_the_oldest_wins_a_merge(run, run_json):
    add(run, "A", "B", "C", "D", "E")
    run("case", "confirm", "A", "--date", "2021-06-01")
    run("case", "confirm", "B", "--date", "2021-06-02", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-03")
    run("case", "confirm", "D", "--date", "2021-06-04", "--source", "C")
    first = {tuple(c["cases"]): c["id"] for c in run_json("clusters")}
    ab, cd = first[("A", "B")], first[("C", "D")]
    assert ab != cd
    run("case", "confirm", "E", "--date", "2021-06-05", "--source", "B")  # A-B grows
    grown = by_cases(run_json("clusters"))
    assert grown[("A", "B", "E")]["id"] == ab and grown[("C", "D")]["id"] == cd
    run("contact", "add", "E", "D", "--date", "2021-06-04")  # a contact of two cases joins them
    result = run("clusters", "--format", "json")
    merged = json.loads(result.stdout)
    oldest, newest = sorted([ab, cd], key=lambda i: int(i[1:]))
    assert [(c["id"], c["cases"]) for c in merged] == [(oldest, ["A", "B", "C", "D", "E"])]
    assert f"{newest} merged into {oldest}" in result.stderr
    again = run("clusters", "--format", "json")
    assert json.loads(again.stdout)[0]["id"] == oldest and "merged" not in again.stderr
    gone = run("cluster", "show", newest, ok=False)
    assert f"merged into {oldest}" in gone.output


def test_active_uses_the_followup_rule(run, run_json):
    add(run, "A", "B", "C", "D")
    run("case", "confirm", "A", "--date", "2021-05-01")
    run("case", "confirm", "B", "--date", "2021-05-03", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-25")  # today is 2021-06-30
    run("case", "confirm", "D", "--date", "2021-06-27", "--source", "C")
    assert [c["cases"] for c in run_json("clusters", "--active")] == [["C", "D"]]
    assert {c["active"] for c in run_json("clusters")} == {True, False}
    run("rules", "set", "cluster.followup_days", "90", "--from", "2021-01-01")
    assert len(run_json("clusters", "--active")) == 2


def test_cluster_show_reports_the_tree_and_measures(run, run_json):
    add(run, "A", "B", "C", "D", "H1", "W1")
    run("contact", "add", "A", "H1", "--date", "2021-06-02", "--setting", "household")
    run("contact", "add", "A", "B", "--date", "2021-06-02", "--setting", "household")
    run("contact", "add", "A", "W1", "--date", "2021-06-02", "--setting", "work")
    run("contact", "add", "A", "C", "--date", "2021-06-02", "--setting", "work")
    run("contact", "add", "C", "D", "--date", "2021-06-07", "--setting", "venue")
    run("case", "confirm", "A", "--date", "2021-06-03", "--onset", "2021-06-02")
    run("case", "confirm", "B", "--date", "2021-06-06", "--onset", "2021-06-05", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-08", "--onset", "2021-06-06", "--source", "A")
    run("case", "confirm", "D", "--date", "2021-06-12", "--onset", "2021-06-10", "--source", "C")
    (cid,) = [c["id"] for c in run_json("clusters")]
    s = run_json("cluster", "show", cid)
    assert s["size"] == 4 and s["generations"] == 3 and s["roots"] == ["A"]
    assert s["tree"] == {"A": None, "B": "A", "C": "A", "D": "C"}
    assert s["secondary"]["mean"] == pytest.approx(3 / 4)
    assert s["secondary"]["top_share_80"] == 0.5  # A caused 2 of 3
    si = s["serial_interval"]
    assert (si["n"], si["min"], si["max"], si["median"]) == (3, 3, 4, 4.0)
    rates = {r["setting"]: (r["contacts"], r["cases"]) for r in s["attack_rates"]}
    assert rates["household"] == (2, 1) and rates["work"] == (2, 1) and rates["venue"] == (1, 1)
    assert s["traced"] == {"F1": 2}
    assert s["units"] == ["TDP 1, Ngọc Lâm"]
    text = run("cluster", "show", cid).stdout
    assert "serial interval" in text and "dispersion k" in text and "F1 2" in text
    run("cluster", "show", "C999", ok=False)


# ----------------------------------------------------------------- real data
def _load_bn(store):
    """The BN1–BN288 line list through the store API: numeric sources become
    recorded case sources, the others (countries, VN, IMPORT, BVBM) labels."""
    with open(DATA / "cases.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with store.write("load BN"):
        for r in rows:
            store.insert_person({"id": f"BN{r['id']}", "name": f"BN{r['id']}", "ward": r["from"] or None})
        for r in rows:
            sources = [s.strip() for s in r["source"].split(";") if s.strip()]
            store.upsert_case({"person": f"BN{r['id']}", "confirmed": r["positiveDate"],
                               "isolated": r["positiveDate"], "unknown_source": int(sources == ["VN"])})
            store.add_case_sources(f"BN{r['id']}", [f"BN{s}" for s in sources if s.isdigit()])
            store.add_case_labels(f"BN{r['id']}", [s for s in sources if not s.isdigit()])
        levels.rederive_all(store)
    return rows


@pytest.mark.skipif(not DATA.exists(), reason="shared dataset not present")
def test_real_vietnam_2020_clusters_match_networkx(store):
    import networkx as nx

    rows = _load_bn(store)
    g = nx.Graph()
    g.add_nodes_from(f"BN{r['id']}" for r in rows)
    with open(DATA / "edges.csv", encoding="utf-8", newline="") as fh:
        g.add_edges_from((e["infector"], e["infectee"]) for e in csv.DictReader(fh))
    expected = sorted((sorted(c) for c in nx.connected_components(g) if len(c) >= 2), key=lambda c: (-len(c), c))

    got = clusters.compute(store)
    assert sorted(sorted(c["cases"]) for c in got) == sorted(expected)
    assert len(got) == len(expected)
    sizes = [c["size"] for c in got]
    assert sizes == sorted(sizes, reverse=True) == [len(c) for c in expected]
    biggest = got[0]
    assert "BN91" in biggest["cases"] and biggest["roots"] == ["BN91"]  # the Buddha Bar cluster
    assert {tuple(c["cases"]) for c in clusters.compute(store, min_size=1)} >= {tuple(c["cases"]) for c in got}
    assert len(clusters.compute(store, min_size=1)) == nx.number_connected_components(g)
    # depth of the largest tree: the primary-source tree's longest path (networkx),
    # never deeper than the longest chain of all recorded sources
    shown = clusters.show(store, biggest["id"])
    with open(DATA / "edges.csv", encoding="utf-8", newline="") as fh:
        dag = nx.DiGraph((e["infector"], e["infectee"]) for e in csv.DictReader(fh)
                         if e["infector"] in biggest["cases"])
    tree = nx.DiGraph((s, c) for c, s in shown["tree"].items() if s)
    assert all(dag.has_edge(a, b) for a, b in tree.edges())
    assert shown["generations"] == nx.dag_longest_path_length(tree) + 1 <= nx.dag_longest_path_length(dag) + 1
    assert shown["secondary"]["offspring"]["BN91"] == dag.out_degree("BN91")
    assert shown["labels"]  # the bar guests' labels (country/IMPORT/VN) travel along


def _one_error(result) -> str:
    """The single ``Error:`` line of a failed command (exit 1)."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_a_failing_cluster_show_writes_nothing(run, run_json, db_path):
    from tests.conftest import db_digest
    add(run, "A", "B", "C", "D")
    run("case", "confirm", "A", "--date", "2021-06-01")
    run("case", "confirm", "B", "--date", "2021-06-02", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-03")  # a single case: gets an id only when listed
    before = db_digest(db_path)  # no cluster id stored yet
    for bad in ("", " ", "1", "C", "C1' OR '1'='1", "X" * 5000):
        assert "cluster ID" in _one_error(run("cluster", "show", bad, ok=False))
        assert db_digest(db_path) == before
    assert "no cluster C999" in _one_error(run("cluster", "show", "C999", ok=False))
    assert db_digest(db_path) == before
    assert "--min-size" in _one_error(run("clusters", "--min-size", "0", ok=False))
    assert db_digest(db_path) == before
    # success stores the ids (one transaction) and they stay
    (cid,) = [c["id"] for c in run_json("clusters")]
    assert db_digest(db_path) != before
    assert run_json("cluster", "show", cid.lower())["cases"] == ["A", "B"]


def test_a_merge_seen_by_a_failing_show_is_reported_but_not_stored(run, run_json, db_path):
    from tests.conftest import db_digest
    add(run, "A", "B", "C", "D")
    run("case", "confirm", "A", "--date", "2021-06-01")
    run("case", "confirm", "B", "--date", "2021-06-02", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-03")
    run("case", "confirm", "D", "--date", "2021-06-04", "--source", "C")
    ids = sorted((c["id"] for c in run_json("clusters")), key=lambda i: int(i[1:]))
    run("contact", "add", "B", "D", "--date", "2021-06-04")  # joins the two clusters
    before = db_digest(db_path)
    line = _one_error(run("cluster", "show", ids[1], ok=False))
    assert f"cluster {ids[1]} was merged into {ids[0]}" in line
    assert db_digest(db_path) == before
    listed = run("clusters", "--format", "json")  # the listing records the merge
    assert f"{ids[1]} merged into {ids[0]}" in listed.stderr and db_digest(db_path) != before


def test_cluster_of_few_cases_reports_no_dispersion_k(run, run_json):
    for pid in ("A", "B", "C"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}")
    run("case", "confirm", "A", "--date", "2021-06-01")
    run("case", "confirm", "B", "--date", "2021-06-03", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-05", "--source", "A")
    cluster = run_json("clusters")[0]
    shown = run_json("cluster", "show", cluster["id"])
    assert shown["size"] == 3 and shown["secondary"]["mean"] > 0
    assert shown["secondary"]["dispersion_k"] is None

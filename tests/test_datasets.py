"""The two real line lists import with the documented commands (fixtures/datasets.md);
counts are checked against an independent reading of the files with the csv module."""

from __future__ import annotations

import csv
import pathlib
import shutil

import pytest

DATA = pathlib.Path("/work/shared/datasets")
VN = DATA / "vn-trongthanh-2020"
SGTJ = DATA / "sg-tj-tindale-2020"
pytestmark = pytest.mark.skipif(not VN.is_dir() or not SGTJ.is_dir(), reason="shared datasets not present")


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def count(store, sql):
    return store.conn.execute(sql).fetchone()[0]


@pytest.fixture
def copy(tmp_path):
    """Work on copies: a rejected-rows file must not land in the shared folder."""
    def get(path):
        target = tmp_path / path.name
        shutil.copy(path, target)
        return target
    return get


def test_vietnam_bn_cases(run_json, store, copy):
    src = rows(VN / "cases.csv")
    links = {(f"BN{s}", f"BN{r['id']}") for r in src for s in r["source"].split(";") if s.isdigit()}
    labels = {(s, f"BN{r['id']}") for r in src for s in r["source"].split(";") if s and not s.isdigit()}
    summary = run_json("import", "cases", copy(VN / "cases.csv"), "--id-prefix", "BN", "--na", "-1")
    assert summary["rejected"] == 0 and summary["rows"] == len(src)
    assert summary["written"]["cases"] == len(src)
    assert summary["written"]["case_sources"] == len(links)
    assert summary["written"]["case_labels"] == len(labels)
    assert {(s, c) for c, s in store.conn.execute("SELECT case_id, source FROM case_sources")} == links
    assert count(store, "SELECT count(*) FROM persons") == len(src)  # country codes never become persons
    assert count(store, "SELECT count(*) FROM levels WHERE level = 0") == len(src)
    # the curated edge list agrees with what was derived from the source column
    assert {(r["infector"], r["infectee"]) for r in rows(VN / "edges.csv")} == links
    again = run_json("import", "cases", copy(VN / "cases.csv"), "--id-prefix", "BN", "--na", "-1")
    assert again["written"]["cases"] == 0 and again["written"]["case_sources"] == 0


def test_vietnam_unknown_age_is_rejected_without_na(run, copy):
    result = run("import", "cases", copy(VN / "cases.csv"), "--id-prefix", "BN", ok=False)
    assert "line 46, field age" in result.stderr


def test_tianjin_cases_and_edges(run_json, store, copy):
    cases = rows(SGTJ / "Tianjin135cases_revised.csv")
    edges = {(r["linked_case"], r["case"]) for r in rows(SGTJ / "tianjin_edges_parsed.csv")}
    s = run_json("import", "cases", copy(SGTJ / "Tianjin135cases_revised.csv"), "--column", "source=")
    assert s["written"]["cases"] == len(cases) and s["rejected"] == 0
    assert "Infection_source" in s["extras"]
    s = run_json("import", "cases", copy(SGTJ / "tianjin_edges_parsed.csv"),
                 "--column", "id=case", "--column", "source=linked_case")
    # the reciprocal pairs (TJ96/TJ97, TJ114/TJ115): both rows kept, the link closing the cycle dropped
    from test_time import kept_links
    edge_rows = rows(SGTJ / "tianjin_edges_parsed.csv")
    kept, dropped = kept_links([], [(i + 2, r["case"], r["linked_case"]) for i, r in enumerate(edge_rows)])
    assert len(dropped) == 2 and s["rejected"] == 0
    assert [(d["line"], d["case"], d["source"]) for d in s["source_cycles"]] == dropped
    # the cases written: only the ones keeping a dropped source as their attribute source_in_cycle
    assert s["written"]["case_sources"] == len(kept) and s["written"]["cases"] == len({c for _l, c, _s in dropped})
    assert {(src, c) for c, src in store.conn.execute("SELECT case_id, source FROM case_sources")} == \
        {(src, c) for c, src in kept} == edges - {(src, c) for _l, c, src in dropped}
    # a case's unknown source is derived (no source given): now that it has one, it is no longer unknown
    unknown = {r[0] for r in store.conn.execute("SELECT person FROM cases WHERE unknown_source = 1")}
    assert not unknown & {c for c, _s in kept}
    onset = {r["case_id"]: r["symptom_onset"] for r in cases}
    day, month, year = onset["TJ1"].split("/")
    assert store.get_case("TJ1")["onset"] == f"{year}-{month}-{day}"


def test_singapore_cases_and_links(run_json, store, copy):
    cases = rows(SGTJ / "COVID-19_Singapore_data_revised.csv")
    links = rows(SGTJ / "singapore_links_parsed.csv")
    pairs = {frozenset((f"SG{r['case']}", f"SG{r['linked_case']}")) for r in links if r["case"] != r["linked_case"]}
    selfs = sum(1 for r in links if r["case"] == r["linked_case"])
    s = run_json("import", "cases", copy(SGTJ / "COVID-19_Singapore_data_revised.csv"), "--id-prefix", "SG")
    assert s["written"]["cases"] == len(cases) and s["rejected"] == 0
    f = copy(SGTJ / "singapore_links_parsed.csv")
    s = run_json("import", "contacts", f, "--id-prefix", "SG", "--column", "from=case",
                 "--column", "to=linked_case", "--skip-invalid")
    assert s["rejected"] == selfs >= 1
    assert s["written"]["contacts"] == len(pairs) and s["written"]["persons"] == 0
    assert pathlib.Path(str(f) + ".rejected.csv").exists()
    assert count(store, "SELECT count(*) FROM contacts") == len(pairs)
    # repeated pairs (either way round) are reported, and every link_type of a pair is kept
    types: dict = {}
    identical = merged = 0
    for r in links:
        if r["case"] == r["linked_case"]:
            continue
        seen = types.setdefault(frozenset((f"SG{r['case']}", f"SG{r['linked_case']}")), [])
        if r["link_type"] in seen:
            identical += 1
        else:
            merged += bool(seen)
            seen.append(r["link_type"])
    assert (s["duplicates"]["identical"], s["duplicates"]["merged"]) == (identical, merged)
    assert identical + merged + len(pairs) + selfs == len(links) and merged >= 1
    import json
    stored = {frozenset((a, b)): json.loads(x)["link_type"] for a, b, x in
              store.conn.execute("SELECT a, b, extra FROM contacts")}
    # several link types of one pair: every one kept, sorted (the same whatever the order of the rows)
    assert stored == {k: (sorted(v) if len(v) > 1 else v[0]) for k, v in types.items()}
    confirmed = {r["CaseID"]: r["date_confirmation"] for r in cases}
    assert store.get_case("SG1")["confirmed"] == confirmed["1"]

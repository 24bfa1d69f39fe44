"""Duplicate persons: listing with reasons, not-duplicate marks, merging."""

from __future__ import annotations

from tests.conftest import db_digest


def add(run, pid, name, *extra):
    run("person", "add", "--id", pid, "--name", name, *extra)


def test_duplicates_listed_with_reasons_and_marks(run, run_json):
    add(run, "P1", "Nguyễn Văn An", "--phone", "0912345678", "--birth-year", "1980", "--ward", "Ngọc Lâm")
    add(run, "P2", "Nguyen Van An", "--phone", "+84 912 345 678", "--birth-year", "1980", "--ward", "Ngọc Lâm")
    add(run, "P3", "Trần Thị Bình", "--national-id", "001190054321")
    add(run, "P4", "Tran Thi Binh", "--national-id", "001 190 054 321")
    add(run, "P5", "Lê Văn Cường")
    pairs = run_json("person", "duplicates")
    got = {(p["a"], p["b"]): p["reasons"] for p in pairs}
    assert set(got) == {("P1", "P2"), ("P3", "P4")}
    assert len(got[("P1", "P2")]) == 2 and any("phone" in r for r in got[("P1", "P2")])
    assert any("national ID" in r for r in got[("P3", "P4")])
    run("person", "not-duplicate", "P4", "P3")
    assert [(p["a"], p["b"]) for p in run_json("person", "duplicates")] == [("P1", "P2")]


def test_merge_moves_everything_and_rederives(run, run_json, store, tmp_path):
    add(run, "K", "Nguyễn Văn An", "--ward", "Ngọc Lâm")
    add(run, "O", "Nguyen Van An", "--phone", "0912345678", "--birth-year", "1980")
    (tmp_path / "c.csv").write_text("from,to,date\nK,X,2021-06-01\nO,X,2021-06-01\nO,Y,2021-06-02\n"
                                    "K,O,2021-06-02\n")
    run("import", "contacts", tmp_path / "c.csv")
    run("checkin", "add", "O", "Chợ", "--at", "2021-06-01 08:00")
    (tmp_path / "k.csv").write_text("id,confirmed,source\nO,2021-06-03,\nZ,2021-06-05,O\n")
    run("import", "cases", tmp_path / "k.csv")
    assert run_json("status", "Y")["level"] == "F1"
    result = run_json("person", "merge", "K", "O")
    assert result["contacts_moved"] == 1            # O-Y
    assert result["contacts_merged"] == 1           # O-X is K-X's contact: merged into it (nothing to change)
    assert result["merged_changes"] == []
    assert result["contacts_dropped"] == 1          # K-O becomes a self-contact
    assert result["case"] == "moved" and "phone" in result["fields_filled"]
    run("person", "show", "O", ok=False)
    k = run_json("person", "show", "K")
    assert k["phone"] == "0912345678" and k["birth_year"] == 1980 and k["ward"] == "Ngọc Lâm"
    assert run_json("status", "K")["level"] == "F0"
    assert run_json("status", "Y")["sources"] == ["K"]
    assert store.case_sources(["Z"]) == {"Z": ["K"]}
    assert [c["other"] for c in store.person_contacts("K")] == ["X", "Y"]
    assert store.person_checkins("K")[0]["place"] == "Chợ"
    assert "person merge" in [a["command"] for a in store.audit_log()]
    # local re-derivation equals the district-wide one
    from tracing.levels import rederive_all
    with store.write("check"):
        assert rederive_all(store) == []


def test_merge_dry_run_and_errors(run, db_path):
    add(run, "K", "A")
    add(run, "O", "B")
    before = db_digest(db_path)
    run("person", "merge", "K", "O", "--dry-run")
    assert db_digest(db_path) == before
    assert "no person with id NOPE" in run("person", "merge", "K", "NOPE", ok=False).stderr
    assert "twice" in run("person", "merge", "K", "K", ok=False).stderr

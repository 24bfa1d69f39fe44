"""Data-quality checks: each finding names its records."""

from __future__ import annotations

from tracing import checks


def test_each_check_finds_its_records(run, run_json, store):
    run("person", "add", "--id", "S", "--name", "Nguồn", "--ward", "W1")
    run("person", "add", "--id", "T", "--name", "Ca", "--ward", "W1")
    run("person", "add", "--id", "K", "--name", "Kid", "--ward", "W1", "--birth-year", "2021")
    run("person", "add", "--id", "N1", "--name", "Hai", "--ward", "W1", "--national-id", "001099012345")
    run("person", "add", "--id", "N2", "--name", "Hai", "--ward", "W2", "--national-id", "001099012345")
    run("person", "add", "--id", "L", "--name", "Lonely", "--ward", "W1")
    run("contact", "add", "S", "T", "--date", "2021-06-12")
    run("contact", "add", "K", "L", "--date", "2020-12-20")
    run("case", "confirm", "S", "--date", "2021-06-08", "--onset", "2021-06-07")
    run("case", "confirm", "T", "--date", "2021-06-14", "--onset", "2021-06-05", "--source", "S")
    run("case", "confirm", "N1", "--date", "2021-06-25")
    run("case", "confirm", "N2", "--date", "2021-06-29")  # within 48 h: not yet a finding
    refused = run("case", "link", "S", "--source", "T", ok=False)  # would close a cycle S <-> T
    assert refused.exit_code == 1 and "S → T → S" in refused.output
    with store.write("an older file or an import made the cycle"):
        store.add_case_sources("S", ["T"])
    run("person", "add", "--id", "O", "--name", "Sốt sau", "--ward", "W1")
    run("case", "confirm", "O", "--date", "2021-06-20", "--onset", "2021-06-22")
    found = run_json("check")
    assert all(set(f) == {"check", "ids", "message"} for f in found)
    got = {(f["check"], tuple(f["ids"])) for f in found}
    assert ("onset_order", ("T", "S")) in got
    assert ("contact_after_isolation", ("T", "S")) in got
    assert ("contact_before_birth", ("K", "L")) in got
    assert ("two_wards", ("N1", "N2")) in got
    assert ("no_contacts", ("N1",)) in got and ("no_contacts", ("N2",)) not in got
    assert ("source_cycle", ("S", "T")) in got
    assert ("onset_after_sample", ("O",)) in got
    assert found == checks.run(store)
    assert "S ↔ T" in run("check").stdout


def test_clean_data_has_no_findings(run):
    run("person", "add", "--id", "A", "--name", "A")
    assert "No problem found." in run("check").stdout


def test_cycles_finds_only_cycles():
    assert checks.cycles([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"), ("E", "E")]) == [["A", "B", "C"], ["E"]]
    assert checks.cycles([("A", "B"), ("B", "C")]) == []


def test_no_contacts_spares_linked_cases_and_flags_date_swaps_and_merges(tmp_path, run, run_json):
    """Issue 13 point 10."""
    f = tmp_path / "k.csv"
    f.write_text("id,confirmed,onset,source,ward\n"
                 "A,2021-06-01,,,W\n"          # a source of B: not 'no contacts'
                 "B,2021-06-05,,A,W\n"         # has a source
                 "C,2021-06-10,,,W\n"          # nothing: no_contacts
                 "D,2021-03-06,2021-06-02,,W\n"   # onset 3 months later; 2021-02-06 fits: swapped
                 "E,2021-06-12,,,\n"
                 "E,2021-06-12,,,W2\n", encoding="utf-8")
    run("import", "cases", f)
    got = {(x["check"], tuple(x["ids"])) for x in run_json("check")}
    no_contacts = {ids for check, ids in got if check == "no_contacts"}
    assert ("A",) not in no_contacts and ("B",) not in no_contacts and ("C",) in no_contacts
    assert ("date_order", ("D",)) in got
    assert ("duplicate_id_merged", ("E",)) in got
    assert checks.date_order_suspect("2021-06-02", "2021-06-10") is None  # a week later is not a swap


def test_a_case_isolated_before_its_window_is_reported_never_inverted(run, run_json, monkeypatch):
    """A case found in quarantine long before its onset (isolated 06-10, onset
    06-28): its infectious window is empty; `check` says so, the zone proposal
    says so plainly, and no window is shown inverted (text and JSON)."""
    from tracing.levels import Case
    from tracing.rules import Rules
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")  # the contact recorded the day A is confirmed
    for pid in ("A", "C"):
        run("person", "add", "--id", pid, "--name", pid, "--ward", "W", "--unit", "U")
    run("contact", "add", "A", "C", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    monkeypatch.setenv("TRACING_TODAY", "2021-06-28")
    out = run_json("case", "confirm", "C", "--date", "2021-06-28", "--onset", "2021-06-28")
    isolated = run_json("status", "C")["case"]["isolated"]
    lo, hi = Case("C", "2021-06-28", "2021-06-28", isolated).window(Rules.defaults())
    assert hi < lo  # the premise: isolated before the window would begin
    window = out["zone"]["window"]
    assert window is None or None in window or window[0] <= window[1]
    assert f"{lo} to {hi}" not in run("status", "C").stdout
    found = [f for f in run_json("check") if f["check"] == "no_infectious_window"]
    assert [f["ids"] for f in found] == [["C"]] and isolated in found[0]["message"] and lo in found[0]["message"]

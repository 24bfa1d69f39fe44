"""Issue 13, third round: rows repeated in one file are never merged without a
word (contacts, check-ins, populations; persons and cases in
test_import_linelists), stray spaces are counted, extras stay byte-exact.
Expected values are computed from the rules in the test, not typed in."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import db_digest
from test_import_linelists import rows, write


# ------------------------------------------------------------------ the rule, written out
def expected_contacts(text: str, prefix: str = ""):
    """The rule of a contacts file with repeated rows: the natural key is the
    unordered pair (+ date, setting, place); a row whose values (extras
    included) equal an earlier row of its key is identical (kept once);
    another row adds its values: every distinct value of an extra is kept,
    in sorted order (the same whatever the order of the rows).
    Returns (identical lines, merged lines, {pair: {extra: [values]}}, self-links)."""
    reader = csv.DictReader(io.StringIO(text))
    groups: dict = {}
    identical, merged, selfs = [], [], []
    for line, r in enumerate(reader, start=2):
        a, b = prefix + r.pop("from"), prefix + r.pop("to")
        if a == b:
            selfs.append(line)
            continue
        key = tuple(sorted((a, b)))
        values = tuple(sorted(r.items()))
        g = groups.setdefault(key, {"seen": [], "extra": {}})
        if values in g["seen"]:
            identical.append((line, key))
            continue
        if g["seen"]:
            merged.append((line, key))
        g["seen"].append(values)
        for k, v in r.items():
            if v not in g["extra"].setdefault(k, []):
                g["extra"][k].append(v)
    stored = {k: {f: (sorted(vs) if len(vs) > 1 else vs[0]) for f, vs in g["extra"].items()}
              for k, g in groups.items()}
    return identical, merged, stored, selfs


SINGAPORE_LIKE = ("from,to,link_type\n"
                  "1,2,related\n"
                  "2,1,related\n"        # the same pair the other way round: identical
                  "1,2,cluster_link\n"   # the same pair, another link type: both kept
                  "1,3,related\n"
                  "1,3,related\n"
                  "3,3,related\n"        # a self-link: rejected with its reason
                  "2,1,cluster_link\n"
                  "2,3, Related \n")     # an extra with stray spaces: kept byte-exact


def test_repeated_contact_rows_are_counted_and_every_extra_value_kept(tmp_path, run, run_json, db_path):
    identical, merged, stored, selfs = expected_contacts(SINGAPORE_LIKE, "SG")
    f = write(tmp_path / "links.csv", SINGAPORE_LIKE)
    s = run_json("import", "contacts", f, "--id-prefix", "SG", "--skip-invalid")
    assert s["written"]["contacts"] == len(stored)
    assert s["rejected"] == len(selfs)
    assert s["duplicates"]["identical"] == len(identical) and s["duplicates"]["merged"] == len(merged)
    listed = {(line, how) for _k, _first, line, how in s["duplicates"]["lines"]}
    assert listed == {(line, "identical") for line, _ in identical} | {(line, "merge") for line, _ in merged}
    got = {(a, b): json.loads(x) for a, b, x in rows(db_path, "SELECT a, b, extra FROM contacts")}
    assert got == stored
    assert got[("SG2", "SG3")]["link_type"] == " Related "  # byte-exact
    # every row is accounted for: written + identical + merged + rejected
    assert len(stored) + len(identical) + len(merged) + len(selfs) == s["rows"]
    # what a person reads (a fresh database: the same file again)
    r = run("--db", tmp_path / "t.db", "import", "contacts", f, "--id-prefix", "SG", "--skip-invalid")
    assert f"{len(identical)} identical rows kept once, {len(merged)} rows with other values merged" in r.stderr
    first_identical = identical[0][0]
    assert f"line {first_identical} = line" in r.stderr
    # re-importing the same file writes nothing and loses nothing
    again = run_json("import", "contacts", f, "--id-prefix", "SG", "--skip-invalid")
    assert again["written"]["contacts"] == 0
    assert {(a, b): json.loads(x) for a, b, x in rows(db_path, "SELECT a, b, extra FROM contacts")} == stored


def test_repeated_contact_rows_that_disagree_are_merged_by_the_rule(tmp_path, run, run_json, db_path):
    """One contact on several rows with other details: merged by the rule
    of tracing.contactmerge (the longer duration; a blank filled), both
    lines named, whatever the order of the rows (tests/test_contact_merge.py
    has the rule in full)."""
    lines = ["A,B,2021-06-01,10", "C,D,2021-06-01,5", "B,A,2021-06-01,20", "A,B,2021-06-01,"]
    longest = max(int(r.split(",")[3]) for r in lines if r.startswith(("A,B", "B,A")) and r.split(",")[3])
    for k, order in enumerate((lines, lines[::-1])):
        f = write(tmp_path / f"c{k}.csv", "from,to,date,minutes\n" + "\n".join(order) + "\n")
        db = tmp_path / f"o{k}.db"
        s = run_json("--db", db, "import", "contacts", f)
        assert s["rejected"] == 0 and s["written"]["contacts"] == 2
        # two later rows of A–B: neither equal to the first, both merged into it
        assert s["duplicates"]["merged"] == 2 and s["duplicates"]["identical"] == 0
        assert rows(db, "SELECT minutes FROM contacts WHERE a = 'A'") == [(longest,)]
        r = run("--db", tmp_path / f"p{k}.db", "import", "contacts", f)
        assert "2 rows with other values merged" in r.stderr


def test_repeated_checkins_and_populations(tmp_path, run, run_json, db_path):
    checkins = ("person,place,at,until\nP1,Chợ Long Biên,2021-06-01 08:00,2021-06-01 09:00\n"
                "P1,Chợ Long Biên,2021-06-01 08:00,2021-06-01 09:00\n"
                "P2,Chợ Long Biên,2021-06-01 08:00,\n")
    s = run_json("import", "checkins", write(tmp_path / "q.csv", checkins))
    assert s["written"]["checkins"] == 2 and s["duplicates"]["identical"] == 1
    assert s["duplicates"]["lines"][0][1:] == [2, 3, "identical"]
    # the same check-in with a check-out: merged (a blank check-out filled, the widest stay)
    later = checkins + "P2,Chợ Long Biên,2021-06-01 08:00,2021-06-01 10:00\n"
    s = run_json("import", "checkins", write(tmp_path / "q2.csv", later))
    assert s["duplicates"]["merged"] == 1 and s["duplicates"]["lines"][-1][1:] == [4, 5, "merge"]
    assert rows(db_path, "SELECT until FROM checkins WHERE person = 'P2'") == [("2021-06-01 10:00:00",)]
    pops = "area,population\nNgọc Lâm,23400\nNGỌC LÂM,23400\nBồ Đề,30000\n"
    s = run_json("import", "populations", write(tmp_path / "p.csv", pops))
    assert s["written"]["populations"] == 2 and s["duplicates"]["identical"] == 1
    r = run("import", "populations", write(tmp_path / "p2.csv", pops + "Bo De,31000\n"), ok=False)
    assert "line 5, field population: Bo De is also on line 4 with another population" in r.stderr


# ------------------------------------------------------------------ stray spaces
def _spaced_cells(text: str, mapped: set[str]):
    """(count, first (line, column)) of cells of ``mapped`` columns with spaces around a value."""
    found = [(line, k) for line, r in enumerate(csv.DictReader(io.StringIO(text)), start=2)
             for k, v in r.items() if k in mapped and v.strip() and v != v.strip()]
    return len(found), found[0]


def test_stray_spaces_are_counted_and_extras_kept_byte_exact(tmp_path, run, run_json, db_path):
    persons = "id,name,sex,ghi chú\nP1,An,nam, tổ 5 \n P2 ,Bình , nữ,x\nP3,Chi,nữ,\n"
    n, (line, column) = _spaced_cells(persons, {"id", "name", "sex"})
    s = run_json("import", "persons", write(tmp_path / "p.csv", persons))
    assert s["trimmed"]["cells"] == n and (s["trimmed"]["example"]["line"], s["trimmed"]["example"]["field"]) == \
        (line, column)
    assert run_json("person", "show", "P2")["name"] == "Bình"
    assert json.loads(rows(db_path, "SELECT extra FROM persons WHERE id = 'P1'")[0][0]) == {"ghi chú": " tổ 5 "}
    r = run("--db", tmp_path / "o.db", "import", "persons", write(tmp_path / "p2.csv", persons))
    assert f"{n} cells trimmed of stray spaces" in r.stderr and f"e.g. line {line}, {column}" in r.stderr
    contacts = "from,to,date,setting\nP1, P2,2021-06-01,household\nP1,P3,2021-06-01 ,household\nP2, P3,2021-06-01,household\n"
    n, (line, column) = _spaced_cells(contacts, {"from", "to", "date", "setting"})
    s = run_json("import", "contacts", write(tmp_path / "c.csv", contacts))
    assert s["written"]["contacts"] == 3 and s["trimmed"]["cells"] == n
    assert (s["trimmed"]["example"]["line"], s["trimmed"]["example"]["field"]) == (line, column)


# ------------------------------------------------------------------ person show
def test_person_show_gives_the_line_lists_extras_and_source_labels(tmp_path, run, run_json):
    text = "id,confirmed,source,hospital,ghi chú\nK1,2021-06-01,UK; IMPORT,Bạch Mai, về từ  Anh \n"
    run_json("import", "cases", write(tmp_path / "k.csv", text))
    record = next(csv.DictReader(io.StringIO(text)))
    shown = run_json("person", "show", "K1")
    assert shown["case_extra"] == {"hospital": record["hospital"], "ghi chú": record["ghi chú"]}
    assert shown["labels"] == sorted(s.strip() for s in record["source"].split(";"))
    out = run("person", "show", "K1").stdout
    assert "source labels: " + ", ".join(shown["labels"]) in out
    for key in ("hospital", "ghi chú"):
        assert f"  {key}: {record[key]}\n" in out


# ------------------------------------------------------------------ normalised ids
def test_a_normalised_source_matches_persons_already_stored(tmp_path, run, run_json, db_path):
    from tracing.sources import id_key
    run_json("import", "cases", write(tmp_path / "a.csv", "id,confirmed\nNB456,2021-06-01\n"))
    # two spellings of one key in one persons file are both stored (an id of a later file written
    # another way names a stored person: sources.IdSpeller)
    run_json("import", "persons", write(tmp_path / "p.csv", "id,name\nNB7,Bảy\nnb 7,Bảy\n"))
    stored = [r[0] for r in rows(db_path, "SELECT id FROM persons")]
    s = run_json("import", "cases", write(tmp_path / "b.csv", "id,confirmed,source\nNB500,2021-06-05,NB 456\n"))
    expected = [p for p in stored if id_key(p) == id_key("NB 456")]
    assert len(expected) == 1
    assert rows(db_path, "SELECT source FROM case_sources WHERE case_id = 'NB500'") == [(expected[0],)]
    assert s["sources"]["links"] == 1 and s["sources"]["normalised_examples"] == [["NB 456", expected[0]]]
    # two stored ids with the key of the entry: an error naming the line, nothing written
    before = db_digest(db_path)
    r = run("import", "cases", write(tmp_path / "c.csv", "id,confirmed,source\nNB501,2021-06-05,\nNB502,2021-06-05,NB007\n"),
            ok=False)
    both = sorted(p for p in stored if id_key(p) == id_key("NB007"))
    assert len(both) == 2
    assert f"line 3, field source: 'NB007' could be any of {', '.join(both)}" in r.stderr
    assert db_digest(db_path) == before


def test_check_and_person_duplicates_report_ids_written_several_ways(tmp_path, run_json):
    from tracing.sources import id_key
    ids = ["nb6", "NB 6", "NB006", "NB7", "P1"]
    run_json("import", "persons", write(tmp_path / "p.csv", "id\n" + "\n".join(ids) + "\n"))
    groups = {}
    for i in ids:
        groups.setdefault(id_key(i), []).append(i)
    expected = [sorted(g) for g in groups.values() if len(g) > 1]
    found = [f["ids"] for f in run_json("check") if f["check"] == "similar_ids"]
    assert found == expected
    pairs = {(d["a"], d["b"]) for d in run_json("person", "duplicates")
             if "ids differ only by case, spaces or zero padding" in d["reasons"]}
    assert pairs == {(a, b) for g in expected for i, a in enumerate(g) for b in g[i + 1:]}


def test_a_contact_imported_again_with_other_extras_keeps_both(tmp_path, run_json, db_path):
    first = "from,to,date,link_type\nA,B,2021-06-01,related\n"
    second = "from,to,date,link_type,minutes\nB,A,2021-06-01,cluster_link,15\n"
    run_json("import", "contacts", write(tmp_path / "1.csv", first))
    s = run_json("import", "contacts", write(tmp_path / "2.csv", second))
    # both values kept, in sorted order (tracing.contactmerge: the same whatever came first)
    expected = {"link_type": sorted(next(csv.DictReader(io.StringIO(t)))["link_type"] for t in (first, second))}
    assert s["written"]["contacts"] == 0 and s["updated"]["contacts"] == 1
    assert any("line 2: contact A–B 2021-06-01 was stored before" in w for w in s["warnings"])
    (extra, minutes), = rows(db_path, "SELECT extra, minutes FROM contacts")
    assert json.loads(extra) == expected and minutes == 15
    again = run_json("import", "contacts", write(tmp_path / "3.csv", second))
    assert again["updated"]["contacts"] == 0 and again["warnings"] == []


def test_contacts_with_every_extra_value_export_and_import_again_the_same(tmp_path, run, run_json, db_path):
    run_json("import", "contacts", write(tmp_path / "links.csv", SINGAPORE_LIKE), "--id-prefix", "SG",
             "--skip-invalid")
    before = rows(db_path, "SELECT a, b, date, setting, place, minutes, masked, extra FROM contacts ORDER BY a, b")
    run("export", "csv", tmp_path / "out")
    other = tmp_path / "again.db"
    run("--db", other, "import", "contacts", tmp_path / "out" / "contacts.csv")
    assert rows(other, "SELECT a, b, date, setting, place, minutes, masked, extra FROM contacts ORDER BY a, b") == before

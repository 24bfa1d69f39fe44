"""The same contact (or QR check-in) entered twice with other details: what is
stored is the merge of the records by one rule, whatever the order
(principles 2 and 7; tracing.contactmerge). Through every path that can meet
one (`contact add`, `checkin add`, `import` of one file and of a second one,
`person merge`, `copy --merge`), on both stores. The expected values are
computed here from the rule as written, for every order of the records."""

from __future__ import annotations

import itertools
import json

import pytest

from test_import_linelists import rows, write

CASE_DAY, CONTACT_DAY = "2022-01-05", "2022-01-04"   # after 29/12/2021: minutes and masks decide F1


# ------------------------------------------------------------------ the rule, written out
def expected_contact(records: list[dict]) -> dict:
    """The stored details of one contact recorded as ``records``: the longest
    duration, unmasked if any record says so (else masked if one does),
    blanks filled, every distinct extra value (sorted when several), the
    earliest day recorded."""
    minutes = [r["minutes"] for r in records if r.get("minutes") is not None]
    masks = [r["masked"] for r in records if r.get("masked") is not None]
    return {"minutes": max(minutes) if minutes else None,
            "masked": None if not masks else (False if False in masks else True),
            "extra": expected_extra([r.get("extra") for r in records]),
            "recorded_on": min(r["recorded_on"] for r in records)}


def expected_checkin(records: list[dict]) -> dict:
    """The stored check-in of ``records`` (same person, place, time): the
    latest check-out given, every distinct extra value, the earliest day recorded."""
    ends = [r["until"] for r in records if r.get("until")]
    return {"until": max(ends) if ends else None, "extra": expected_extra([r.get("extra") for r in records]),
            "recorded_on": min(r["recorded_on"] for r in records)}


def expected_extra(extras: list) -> dict | None:
    values: dict = {}
    for extra in extras:
        for k, v in (extra or {}).items():
            values.setdefault(k, set())
            if v is not None:
                values[k].add(v)
    out = {k: (None if not vs else next(iter(vs)) if len(vs) == 1 else sorted(vs)) for k, vs in values.items()}
    return out or None


def stored_contact(target, a="A", b="B"):
    (minutes, masked, extra, recorded_on), = rows(
        target, "SELECT minutes, masked, extra, recorded_on FROM contacts WHERE a = ? AND b = ?", (a, b))
    return {"minutes": minutes, "masked": None if masked is None else bool(masked),
            "extra": json.loads(extra) if extra else None, "recorded_on": recorded_on}


def stored_checkin(target, person="A"):
    (until, extra, recorded_on), = rows(target, "SELECT until, extra, recorded_on FROM checkins WHERE person = ?",
                                        (person,))
    return {"until": until[:16] if until else None, "extra": json.loads(extra) if extra else None,
            "recorded_on": recorded_on}


def _persons(run, db, *ids):
    """Add ``ids`` to ``db`` (None: the test's database)."""
    for p in ids:
        run(*(["--db", db] if db else []), "person", "add", "--id", p, "--name", f"Người {p}")


@pytest.fixture
def new_db(backend, tmp_path, request):
    """Another empty database of the store under test, per call."""
    made = itertools.count()

    def make():
        if backend == "sqlite":
            return tmp_path / f"db{next(made)}.db"
        server = request.getfixturevalue("pg_server")
        url = server.fresh()
        request.addfinalizer(lambda: server.drop(url))
        return url
    return make


# the same contact A–B of CONTACT_DAY recorded three times, each with other details, on another day
CONTACTS = [{"minutes": 10, "masked": True, "recorded_on": "2022-01-06"},
            {"minutes": 5, "masked": False, "recorded_on": "2022-01-08"},
            {"minutes": 20, "masked": None, "recorded_on": "2022-01-07"}]


def _contact_args(r):
    return ([] if r["minutes"] is None else ["--minutes", r["minutes"]]) + \
        ([] if r["masked"] is None else ["--masked" if r["masked"] else "--unmasked"])


def test_contact_add_merges_the_same_contact_whatever_the_order(run, new_db, monkeypatch):
    states = []
    for order in itertools.permutations(CONTACTS):
        db = new_db()
        monkeypatch.setenv("TRACING_TODAY", "2022-01-05")
        _persons(run, db, "A", "B")
        run("--db", db, "case", "confirm", "A", "--date", CASE_DAY)
        for k, r in enumerate(order):
            monkeypatch.setenv("TRACING_TODAY", r["recorded_on"])
            out = json.loads(run("--db", db, "contact", "add", "B", "A", "--date", CONTACT_DAY, *_contact_args(r),
                                 "--format", "json").stdout)
            assert out["new"] is (k == 0)
            before, after = expected_contact(list(order[:k])) if k else None, expected_contact(list(order[:k + 1]))
            # every stored value the merge changed is said, from what was stored to what is now
            assert out["merged"] == ({} if k == 0 else {f: {"from": before[f], "to": after[f]}
                                                        for f in after if before[f] != after[f]})
            assert stored_contact(db) == after
        monkeypatch.setenv("TRACING_TODAY", "2022-01-10")
        states.append((stored_contact(db), json.loads(run("--db", db, "status", "B", "--format", "json").stdout)))
    assert all(s == states[0] for s in states)
    # unmasked for 5 minutes is close contact (rule of 29/12/2021): F1 in every order
    assert states[0][0]["masked"] is False and states[0][1]["level"] == "F1"


def test_contact_add_says_what_a_merge_changed(run, monkeypatch):
    _persons(run, None, "A", "B")
    monkeypatch.setenv("TRACING_TODAY", CONTACTS[0]["recorded_on"])
    run("contact", "add", "A", "B", "--date", CONTACT_DAY, *_contact_args(CONTACTS[0]))
    monkeypatch.setenv("TRACING_TODAY", CONTACTS[2]["recorded_on"])
    out = run("contact", "add", "A", "B", "--date", CONTACT_DAY, *_contact_args(CONTACTS[2])).stdout
    assert "the two records were merged" in out
    assert f"{CONTACTS[0]['minutes']} → {CONTACTS[2]['minutes']} minutes" in out
    out = run("--lang", "vi", "contact", "add", "A", "B", "--date", CONTACT_DAY, *_contact_args(CONTACTS[1])).stdout
    assert "hai bản ghi được gộp làm một" in out and "không đeo khẩu trang" in out
    out = run("contact", "add", "A", "B", "--date", CONTACT_DAY, *_contact_args(CONTACTS[1])).stdout
    assert out.startswith("Already recorded") and "merged" not in out   # nothing left to change: said as such


# ------------------------------------------------------------------ imports
IMPORT_ROWS = [("A", "B", "15", "có", "cổng 2", "2022-01-02"), ("B", "A", "", "không", "cổng 1", ""),
               ("A", "B", "40", "", "", "2022-01-03"), ("A", "B", "15", "có", "cổng 2", "2022-01-02")]


def _import_record(r):
    masked = {"có": True, "không": False}.get(r[3])
    return {"minutes": int(r[2]) if r[2] else None, "masked": masked, "extra": {"note": r[4] or None},
            "recorded_on": r[5] or "2022-01-09"}


def test_import_merges_rows_of_one_file_and_a_contact_stored_before(run_json, new_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-01-09")
    header = "from,to,date,minutes,masked,note,recorded_on\n"
    states = []
    for k, order in enumerate([IMPORT_ROWS, IMPORT_ROWS[::-1], IMPORT_ROWS[1:] + IMPORT_ROWS[:1]]):
        db = new_db()
        f = write(tmp_path / f"c{k}.csv", header + "".join(f"{a},{b},{CONTACT_DAY},{m},{x},{n},{rec}\n"
                                                              for a, b, m, x, n, rec in order))
        s = run_json("--db", db, "import", "contacts", f)
        distinct = {r for r in order}
        assert s["written"]["contacts"] == 1 and s["rejected"] == 0
        assert s["duplicates"]["identical"] == len(order) - len(distinct)
        assert s["duplicates"]["merged"] == len(distinct) - 1
        expected = expected_contact([_import_record(r) for r in order])
        assert stored_contact(db) == expected
        states.append(stored_contact(db))
        # a second file with the same contact: merged into the stored one, counted and said with its line
        later = {"minutes": 90, "masked": True, "extra": {"note": "cổng 9"}, "recorded_on": "2022-01-09"}
        f2 = write(tmp_path / f"d{k}.csv", "from,to,date,minutes,masked,note\n"
                                           f"B,A,{CONTACT_DAY},{later['minutes']},có,{later['extra']['note']}\n")
        s = run_json("--db", db, "import", "contacts", f2)
        assert s["written"]["contacts"] == 0 and s["updated"]["contacts"] == 1
        assert any(w.startswith("line 2: contact A–B") and "merged" in w for w in s["warnings"])
        assert stored_contact(db) == expected_contact([_import_record(r) for r in order] + [later])
    assert all(s == states[0] for s in states)


# ------------------------------------------------------------------ check-ins
STAYS = [{"until": "2022-01-04 09:00", "recorded_on": "2022-01-06"}, {"until": None, "recorded_on": "2022-01-05"},
         {"until": "2022-01-04 11:30", "recorded_on": "2022-01-07"}]
AT = "2022-01-04 08:00"


def test_checkin_add_and_import_keep_the_widest_stay_whatever_the_order(run, run_json, new_db, tmp_path,
                                                                         monkeypatch):
    for k, order in enumerate(itertools.permutations(STAYS)):
        db = new_db()
        _persons(run, db, "A")
        for r in order:
            monkeypatch.setenv("TRACING_TODAY", r["recorded_on"])
            run("--db", db, "checkin", "add", "A", "Chợ Long Biên", "--at", AT,
                *(["--until", r["until"]] if r["until"] else []))
        assert stored_checkin(db) == expected_checkin(list(order))
        if k % 2:
            continue
        # the same stays as rows of one file (recorded the day of the import)
        monkeypatch.setenv("TRACING_TODAY", "2022-01-09")
        db = new_db()
        f = write(tmp_path / f"q{k}.csv", "person,place,at,until\n" + "".join(
            f"A,Chợ Long Biên,{AT},{r['until'] or ''}\n" for r in order))
        s = run_json("--db", db, "import", "checkins", f)
        assert s["written"]["checkins"] == 1 and s["duplicates"]["merged"] == len(order) - 1
        assert stored_checkin(db) == expected_checkin([{**r, "recorded_on": "2022-01-09"} for r in order])


def test_checkin_add_says_the_wider_stay(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-01-06")
    _persons(run, None, "A")
    run_json("checkin", "add", "A", "Chợ", "--at", AT, "--until", STAYS[0]["until"])
    out = run_json("checkin", "add", "A", "Chợ", "--at", AT, "--until", STAYS[2]["until"])
    assert out["new"] is False and out["until"] == STAYS[2]["until"]
    assert out["merged"] == {"until": {"from": STAYS[0]["until"] + ":00", "to": STAYS[2]["until"] + ":00"}}


# ------------------------------------------------------------------ person merge, copy --merge
def _two_records(run, db, keep_rec, other_rec, monkeypatch):
    """K and O (one person typed twice) each met X on CONTACT_DAY and checked in at one place at AT."""
    _persons(run, db, "K", "O", "X")
    for who, r in (("K", keep_rec), ("O", other_rec)):
        monkeypatch.setenv("TRACING_TODAY", r["recorded_on"])
        run("--db", db, "contact", "add", who, "X", "--date", CONTACT_DAY, *_contact_args(r))
        run("--db", db, "checkin", "add", who, "Chợ", "--at", AT, *(["--until", r["until"]] if r["until"] else []))


def test_person_merge_merges_their_contacts_with_a_third_person(run, new_db, monkeypatch):
    k_rec = {**CONTACTS[0], "until": STAYS[0]["until"]}
    o_rec = {**CONTACTS[1], "until": STAYS[2]["until"]}
    got = []
    for keep, other in (("K", "O"), ("O", "K")):
        db = new_db()
        _two_records(run, db, k_rec, o_rec, monkeypatch)
        out = json.loads(run("--db", db, "person", "merge", keep, other, "--format", "json").stdout)
        assert out["contacts_merged"] == 1 and out["checkins_merged"] == 1 and out["contacts_dropped"] == 0
        recs = (k_rec, o_rec) if keep == "K" else (o_rec, k_rec)
        contact, stay = expected_contact(list(recs)), expected_checkin(list(recs))
        assert stored_contact(db, keep, "X") == contact and stored_checkin(db, keep) == stay
        # what changed in KEEP's records is said, field by field
        changed = {m["kind"]: m["fields"] for m in out["merged_changes"]}
        first_contact, first_stay = expected_contact([recs[0]]), expected_checkin([recs[0]])
        assert changed["contact"] == {f: {"from": first_contact[f], "to": contact[f]}
                                      for f in contact if first_contact[f] != contact[f]}
        assert set(changed.get("checkin", {})) == {f for f in stay if first_stay[f] != stay[f]}
        assert changed.get("checkin", {}).get("until", {"to": stay["until"]})["to"][:16] == stay["until"]
        text = run("--db", db, "status", "X", "--format", "json").stdout
        got.append((contact, stay, json.loads(text)["level"]))
    assert got[0] == got[1]


def test_copy_merge_merges_the_same_contact_and_checkin(run, run_json, new_db, tmp_path, monkeypatch):
    k_rec = {**CONTACTS[0], "until": STAYS[0]["until"]}
    o_rec = {**CONTACTS[2], "until": STAYS[2]["until"]}
    got = []
    for src_rec, dst_rec in ((k_rec, o_rec), (o_rec, k_rec)):
        src = tmp_path / f"src{len(got)}.db"   # a ward's SQLite file merged into the store under test
        dst = new_db()
        for db, r in ((src, src_rec), (dst, dst_rec)):
            monkeypatch.setenv("TRACING_TODAY", r["recorded_on"])
            _persons(run, db, "A", "B")
            run("--db", db, "contact", "add", "A", "B", "--date", CONTACT_DAY, *_contact_args(r))
            run("--db", db, "checkin", "add", "A", "Chợ", "--at", AT, "--until", r["until"])
        out = run_json("copy", src, dst, "--merge")
        assert out["merged"]["contacts"] == 1 and out["merged"]["checkins"] == 1
        contact, stay = expected_contact([dst_rec, src_rec]), expected_checkin([dst_rec, src_rec])
        assert stored_contact(dst) == contact and stored_checkin(dst) == stay
        changes = {c["table"]: c["fields"] for c in out["merged"]["changes"]}
        before = expected_contact([dst_rec])
        assert changes.get("contacts", {}) == {f: {"from": before[f], "to": contact[f]}
                                               for f in contact if before[f] != contact[f]}
        got.append((contact, stay))
    assert got[0] == got[1]


def test_a_merge_by_a_later_import_re_derives_the_levels(run, run_json, db_path, tmp_path, monkeypatch):
    """A second file makes a stored masked 10-minute contact unmasked: from
    29/12/2021 that is close contact, and the merged record counts at once."""
    monkeypatch.setenv("TRACING_TODAY", "2022-01-09")
    _persons(run, None, "A", "B")
    run("case", "confirm", "A", "--date", CASE_DAY)
    header = "from,to,date,minutes,masked\n"
    run_json("import", "contacts", write(tmp_path / "1.csv", header + f"A,B,{CONTACT_DAY},10,có\n"))
    first = {"minutes": 10, "masked": True, "recorded_on": "2022-01-09"}
    assert run_json("status", "B")["level"] is None          # masked under 15 minutes: not close contact
    s = run_json("import", "contacts", write(tmp_path / "2.csv", header + f"B,A,{CONTACT_DAY},5,không\n"))
    merged = expected_contact([first, {"minutes": 5, "masked": False, "recorded_on": "2022-01-09"}])
    assert stored_contact(db_path) == merged
    assert s["updated"]["contacts"] == 1 and s["levels_changed"] >= 1
    assert run_json("status", "B")["level"] == "F1"

"""Issue 13 point 8 in databases written by an older version: an area stored
under several spellings (``Bồ Đề``, ``BỒ ĐỀ``, ``Bo De``) as separate values
is merged by the upgrade to schema 11 into the populations file's spelling,
else the first seen; every reference follows, the audit log records what was
merged, and ``check`` names any area spellings still apart. Expected values
are computed from the rule (fold, then populations first, then first seen)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import is_postgres, sql_rows
from tracing.store.schema import APPLICATION_ID, MIGRATIONS
from tracing.values import fold, fold_area

OLD = 10  # the schema before areas were merged on upgrade

# persons in the order an older version wrote them: (id, district, ward, unit, workplace)
PERSONS = [
    ("P1", "Quận Long Biên", "Bo De", "tdp 5", "cong ty canon"),
    ("P2", "Long Bien", "BỒ ĐỀ", "TDP 5", "Công ty Canon"),
    ("P3", "LONG BIÊN", "Phường Bồ Đề", "Tổ 5", None),
    ("P4", None, "Ngọc Lâm", "TDP 5", "CÔNG TY CANON"),     # the same unit name in another ward: another unit
    ("P5", None, "ngoc lam", "tdp 5", None),
]
# populations an older version stored apart: the first row of an area is its official spelling
POPULATIONS = [("ward", "Bồ Đề", 20000), ("ward", "BO DE", 21000), ("district", "Long Biên", 320000)]
PLACES = [("Chợ Bồ Đề", "tdp 5", "bo de")]
ZONE_UNITS = [("tdp 5, Bo De", "tdp 5", "Bo De"), ("TDP 5, BỒ ĐỀ", "TDP 5", "BỒ ĐỀ")]


def _key(field, value, ward=None):
    return (field, fold(value) if field == "workplace" else fold_area(value),
            fold_area(ward) if field == "unit" else "")


def expected_spellings() -> dict:
    """The rule: the populations file's spelling (its first row of an area),
    else the first spelling seen on a person."""
    known = {}
    for kind, area, _ in POPULATIONS:
        known.setdefault(_key(kind, area), area)
    for pid, district, ward, unit, workplace in PERSONS:
        for field, value in (("district", district), ("ward", ward), ("workplace", workplace)):
            if value:
                known.setdefault(_key(field, value), value)
    for pid, district, ward, unit, workplace in PERSONS:
        if unit:
            known.setdefault(_key("unit", unit, ward), unit)
    return known


def _connect(target):
    if is_postgres(target):
        from tracing.store.postgres import Connection
        return Connection(str(target))
    return sqlite3.connect(target)


def build_at(target, version: int, fill) -> None:
    """A database as schema ``version`` left it, built by the migrations up to
    it (as tests/test_reliability.py does), on either store; ``fill(conn)``
    writes its rows (plain SQL with ``?``)."""
    conn = _connect(target)
    for steps in MIGRATIONS[:version]:
        for step in steps:
            step(conn) if callable(step) else conn.execute(step)
    fill(conn)
    if is_postgres(target):
        conn.execute("CREATE TABLE tracing_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO tracing_meta (key, value) VALUES ('application_id', ?), ('user_version', ?)",
                     (str(APPLICATION_ID), str(version)))
    else:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    conn.close()


def _fill_old(conn) -> None:
    """Areas under several spellings, as an older version stored them."""
    for n, (pid, district, ward, unit, workplace) in enumerate(PERSONS):
        conn.execute("INSERT INTO persons (id, name, name_folded, district, ward, unit, workplace, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (pid, pid, pid.lower(), district, ward, unit, workplace, f"2021-06-0{n + 1} 08:00:00"))
    for kind, area, population in POPULATIONS:
        conn.execute("INSERT INTO populations (kind, area, population) VALUES (?, ?, ?)", (kind, area, population))
    for name, unit, ward in PLACES:
        conn.execute("INSERT INTO places (name, name_folded, unit, ward) VALUES (?, ?, ?, ?)",
                     (name, fold(name), unit, ward))
    conn.execute("INSERT INTO zones (n, kind, start, window_from, window_to, created_at) "
                 "VALUES (1, 'zone', '2021-06-10', '2021-05-27', '2021-06-10', '2021-06-10 09:00:00')")
    for name, unit, ward in ZONE_UNITS:
        conn.execute("INSERT INTO zone_areas (zone, kind, name, unit, ward) VALUES (1, 'unit', ?, ?, ?)",
                     (name, unit, ward))
    conn.execute("INSERT INTO cases (person, confirmed, isolated, created_at) "
                 "VALUES ('P1', '2021-06-10', '2021-06-10', '2021-06-10 09:00:00'), "
                 "('P4', '2021-06-11', '2021-06-11', '2021-06-11 09:00:00')")


def test_an_older_database_gets_one_spelling_per_area(db_path, run, run_json):
    build_at(db_path, OLD, _fill_old)
    known = expected_spellings()
    assert [f for f in run_json("check") if f["check"] == "area_spellings"] == []   # the upgrade merged them
    stored = {r["id"]: r for r in sql_rows(db_path, "SELECT id, district, ward, unit, workplace FROM persons")}
    for pid, district, ward, unit, workplace in PERSONS:
        row = stored[pid]
        for field, value in (("district", district), ("ward", ward), ("workplace", workplace)):
            assert row[field] == (known[_key(field, value)] if value else None), (pid, field)
        assert row["unit"] == known[_key("unit", unit, ward)], pid
    # one area per fold: Bồ Đề (the populations file's), Long Biên, Ngọc Lâm (first seen)
    wards = sorted({r["ward"] for r in stored.values()})
    assert wards == sorted({known[_key("ward", w)] for _, _, w, _, _ in PERSONS})
    assert len(wards) == 2
    # populations: one row per area, the first one's figure kept; the other is in the audit log
    pops = {(r["kind"], r["area"]): r["population"]
            for r in sql_rows(db_path, "SELECT kind, area, population FROM populations")}
    first = {}
    for kind, area, population in POPULATIONS:
        first.setdefault((kind, fold_area(area)), (area, population))
    assert pops == {(k, a): p for (k, _), (a, p) in first.items()}
    # places and zone units follow
    place = sql_rows(db_path, "SELECT unit, ward FROM places")[0]
    assert (place["unit"], place["ward"]) == (known[_key("unit", "tdp 5", "bo de")], known[_key("ward", "bo de")])
    unit, ward = known[_key("unit", "tdp 5", "Bo De")], known[_key("ward", "Bo De")]
    zone = sql_rows(db_path, "SELECT name, unit, ward FROM zone_areas WHERE zone = 1")
    assert zone == [{"name": f"{unit}, {ward}", "unit": unit, "ward": ward}]   # named two ways: one unit
    # the audit log says what was merged
    (entry,) = [json.loads(r["detail"]) for r in sql_rows(db_path, "SELECT detail FROM audit WHERE command = 'upgrade'")]
    merged = entry["areas_merged"]
    typed_wards = {w for _, _, w, _, _ in PERSONS} | {w for _, _, w in PLACES} | {w for _, _, w in ZONE_UNITS}
    assert merged["respelled"]["ward"] == {w: known[_key("ward", w)] for w in sorted(typed_wards)
                                           if known[_key("ward", w)] != w}
    assert [(p["kind"], p["area"], p["population"], p["into"]) for p in merged["populations_merged"]] == \
        [(k, a, p, first[(k, fold_area(a))][0]) for k, a, p in POPULATIONS if first[(k, fold_area(a))][0] != a]
    # the level of the ward counts both cases of Bồ Đề once, under its official name
    level = run_json("level", "--week-of", "2021-06-10")
    assert known[_key("ward", "Bo De")] in {r["area"] for r in level}
    assert not {"Bo De", "BỒ ĐỀ", "Phường Bồ Đề", "BO DE"} & {r["area"] for r in level}


def test_check_names_area_spellings_still_apart(db_path, run, run_json):
    run("person", "add", "--id", "A1", "--name", "An", "--ward", "Bồ Đề", "--unit", "TDP 5")
    assert [f for f in run_json("check") if f["check"] == "area_spellings"] == []
    conn = _connect(db_path)  # written past the store (as an older version or another program would)
    conn.execute("INSERT INTO persons (id, name, name_folded, ward, unit, created_at) "
                 "VALUES ('A2', 'Hai', 'hai', 'BO DE', 'tdp 5', '2021-06-02 08:00:00')")
    conn.execute("INSERT INTO places (name, name_folded) VALUES ('Quán A', 'quan a'), ('QUAN A', 'quan a')")
    # an administrative word typed without diacritics is matched as every write matches it (area_spelling)
    conn.execute("INSERT INTO persons (id, name, name_folded, ward, created_at) "
                 "VALUES ('A3', 'Ba', 'ba', 'phuong bo de', '2021-06-02 08:00:00')")
    if not is_postgres(db_path):
        conn.commit()
    conn.close()
    found = [f for f in run_json("check") if f["check"] == "area_spellings"]
    assert [f["ids"] for f in found] == sorted([sorted(["tdp 5", "TDP 5"]), sorted(["BO DE", "Bồ Đề", "phuong bo de"]),
                                                sorted(["Quán A", "QUAN A"])])
    text = run("check").stdout
    assert "'BO DE', 'Bồ Đề', 'phuong bo de'" in text
    vi = run("--lang", "vi", "check").stdout
    assert "phường/xã 'BO DE', 'Bồ Đề', 'phuong bo de'" in vi


def test_a_workplace_alone_is_one_area_however_typed(tmp_path, run_json, db_path):
    """The same fold for a row with a workplace and no ward/unit/district
    (it used to be stored as typed)."""
    typed = ["Công ty Canon", "cong ty canon", "CÔNG TY CANON"]
    f = tmp_path / "p.csv"
    f.write_text("id,name,workplace\n" + "".join(f"W{i},N{i},{w}\n" for i, w in enumerate(typed)), encoding="utf-8")
    s = run_json("import", "persons", f)
    first = {}
    for w in typed:
        first.setdefault(fold(w), w)
    assert s["areas_respelled"] == {w: first[fold(w)] for w in typed if first[fold(w)] != w}
    assert {r["workplace"] for r in sql_rows(db_path, "SELECT workplace FROM persons")} == set(first.values())


# venues an older version stored apart: (place id, name), check-ins (person, place id, at, until)
VENUES = [(1, "Quán A"), (2, "quan a"), (3, "QUÁN A"), (4, "Chợ B")]
CHECKINS = [("X", 1, "2021-06-09 10:00:00", "2021-06-09 11:00:00"),
            ("Y", 2, "2021-06-09 10:30:00", "2021-06-09 11:30:00"),
            ("Y", 3, "2021-06-09 10:30:00", "2021-06-09 11:15:00"),   # the same visit, written at another spelling
            ("Z", 4, "2021-06-09 10:30:00", "2021-06-09 11:30:00")]


def test_an_older_database_gets_one_place_per_venue(db_path, tmp_path, run, run_json, monkeypatch):
    """Schema 12: the first place of a folded name (lowest id) takes the
    others' check-ins and zone places; a check-in repeating one already there
    is dropped and named in the audit log. Levels then are those of the same
    check-ins typed into one venue by the current version."""
    def fill(conn):
        for pid in ("X", "Y", "Z"):
            conn.execute("INSERT INTO persons (id, name, name_folded, created_at) VALUES (?, ?, ?, '2021-06-01')",
                         (pid, pid, pid.lower()))
        for n, name in VENUES:
            conn.execute("INSERT INTO places (id, name, name_folded) VALUES (?, ?, ?)", (n, name, fold(name)))
        for person, place, at, until in CHECKINS:
            conn.execute("INSERT INTO checkins (person, place, at, until) VALUES (?, ?, ?, ?)",
                         (person, place, at, until))
        conn.execute("INSERT INTO zones (n, kind, start, window_from, window_to, created_at) "
                     "VALUES (1, 'zone', '2021-06-10', '2021-05-27', '2021-06-10', '2021-06-10 09:00:00')")
        for n, name in VENUES[:3]:
            conn.execute("INSERT INTO zone_areas (zone, kind, name, place) VALUES (1, 'place', ?, ?)", (name, n))
    build_at(db_path, 11, fill)
    kept = {}
    for n, name in VENUES:
        kept.setdefault(fold(name), (n, name))
    run("case", "confirm", "X", "--date", "2021-06-10")
    places = sql_rows(db_path, "SELECT id, name FROM places ORDER BY id")
    assert [(r["id"], r["name"]) for r in places] == sorted(set(kept.values()))
    seen, expected_checkins, dropped = set(), [], []
    for person, place, at, until in CHECKINS:
        key = (person, kept[fold(dict(VENUES)[place])][0], at)
        (dropped if key in seen else expected_checkins).append((*key, until) if key not in seen else place)
        seen.add(key)
    stored = sql_rows(db_path, "SELECT person, place, at, until FROM checkins ORDER BY id")
    assert [tuple(r.values()) for r in stored] == expected_checkins
    zone = sql_rows(db_path, "SELECT name, place FROM zone_areas WHERE zone = 1")
    assert zone == [{"name": kept[fold("Quán A")][1], "place": kept[fold("Quán A")][0]}]
    (entry,) = [json.loads(r["detail"]) for r in sql_rows(db_path, "SELECT detail FROM audit WHERE command = 'upgrade'")]
    merged = entry["places_merged"]
    assert merged["places"] == {name: kept[fold(name)][1] for _, name in VENUES if kept[fold(name)][1] != name}
    assert [d["place"] for d in merged["checkins_dropped"]] == [dict(VENUES)[p] for p in dropped]
    # the levels are those of the same visits typed into one venue today
    fresh = tmp_path / "fresh.db"
    monkeypatch.setenv("TRACING_DB", str(fresh))
    for pid in ("X", "Y", "Z"):
        run("person", "add", "--id", pid, "--name", pid)
    for person, place, at, until in CHECKINS:
        run("checkin", "add", person, dict(VENUES)[place], "--at", at[:16], "--until", until[:16], ok=None)
    run("case", "confirm", "X", "--date", "2021-06-10")
    want = {p: run_json("status", p)["level"] for p in ("X", "Y", "Z")}
    monkeypatch.setenv("TRACING_DB", str(db_path))
    assert {p: run_json("status", p)["level"] for p in ("X", "Y", "Z")} == want
    assert want["Y"] is not None and want["Z"] is None  # met X at the venue; the other venue: not


def test_schema_13_merges_prefixed_and_zero_padded_spellings(db_path, run_json):
    # (id, ward typed, unit typed) as schema 12 stored them; the populations name the wards
    official = {"Phường Phúc Đồng": ["phuong phuc dong"], "Phường 1": ["Phường 01", "P.001"]}
    persons = [(f"P{n}", typed, "TDP 05" if n % 2 else "TDP 5")
               for n, typed in enumerate([t for ts in official.values() for t in ts] + list(official))]

    def fill(conn):
        for n, (pid, ward, unit) in enumerate(persons):
            conn.execute("INSERT INTO persons (id, name, name_folded, ward, unit, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (pid, pid, pid.lower(), ward, unit, f"2021-06-0{n + 1} 08:00:00"))
        for area in official:
            conn.execute("INSERT INTO populations (kind, area, population) VALUES ('ward', ?, 20000)", (area,))

    build_at(db_path, 12, fill)
    run_json("check")   # opens (upgrades) the database
    by_typed = {t: a for a, ts in official.items() for t in ts + [a]}
    stored = {r["id"]: r for r in sql_rows(db_path, "SELECT id, ward, unit FROM persons")}
    assert {pid: r["ward"] for pid, r in stored.items()} == {pid: by_typed[w] for pid, w, _u in persons}
    # a unit is one unit per ward however padded: the first spelling seen in that ward
    for ward in official:
        assert len({r["unit"] for r in stored.values() if r["ward"] == ward}) == 1
    (entry,) = [json.loads(r["detail"]) for r in sql_rows(db_path, "SELECT detail FROM audit WHERE command = 'upgrade'")]
    assert entry["schema"] == 13
    assert entry["areas_merged"]["respelled"]["ward"] == {w: by_typed[w] for _p, w, _u in persons if by_typed[w] != w}


def test_check_groups_area_spellings_as_imports_do(tmp_path, db_path, run_json):
    """issue 13 leftover 5: ``check`` flags the spellings an import would store
    as one area (an administrative word typed without diacritics included),
    once they are stored apart past the store."""
    typed = [("Phúc Đồng", "TDP 5"), ("phuong phuc dong", "tdp 5"), ("Phường Bồ Đề", "Tổ 1"),
             ("Phuong Bo De", "to 1"), ("Gia Thụy", "TDP 2")]
    f = tmp_path / "p.csv"
    f.write_text("id,name,ward,unit\n" + "".join(f"A{i},N{i},{w},{u}\n" for i, (w, u) in enumerate(typed)),
                 encoding="utf-8")
    s = run_json("import", "persons", f)
    # the rule: what the import stored each typed ward under is its area
    area_of = {w: s["areas_respelled"].get(w, w) for w, _u in typed}
    unit_of = {u: s["areas_respelled"].get(u, u) for _w, u in typed}
    expected = []
    for values, stored in ((area_of, set(area_of.values())), (unit_of, set(unit_of.values()))):
        for area in sorted(stored):
            group = sorted({area} | {t for t, a in values.items() if a == area})
            if len(group) > 1:
                expected.append(group)
    assert len(expected) == 4   # the file is made so: two wards and two units typed two ways each
    conn = _connect(db_path)  # the typed spellings written back past the store (an older version, another program)
    for i, (w, u) in enumerate(typed):
        conn.execute(f"UPDATE persons SET ward = '{w}', unit = '{u}' WHERE id = 'A{i}'")
    if not is_postgres(db_path):
        conn.commit()
    conn.close()
    found = [f["ids"] for f in run_json("check") if f["check"] == "area_spellings"]
    assert sorted(found) == sorted(expected)

"""Ages are ages at a date (issue 13: line lists years old; issue 16 point 3: node cards show the age).

A typed age is stored with the day it is an age at (a case row: its confirmation, else onset; a persons
file: the day it was typed, the pinned TRACING_TODAY here), and every output shows the age at the day of
the record it belongs to: computed from a birth date when there is one, else the typed age as typed, with
the year it was typed for when that is another day ("34y (2021)"), never re-aged to today's date.
Expected values are computed here from that rule (whole years between two days), on both stores."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from conftest import db_exists

NOW = "2026-12-02"  # "today" of every step unless a step pins another: five years after the line list


def whole_years(born: str, day: str) -> int:
    """The rule for a birth date: completed years on ``day``."""
    b, d = dt.date.fromisoformat(born), dt.date.fromisoformat(day)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _csv(path) -> dict[str, dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    key = "id" if "id" in rows[0] else "visualId"
    return {r[key]: r for r in rows}


@pytest.fixture
def today(monkeypatch):
    def pin(day: str):
        monkeypatch.setenv("TRACING_TODAY", day)
    pin(NOW)
    return pin


@pytest.fixture
def line_list_2021(tmp_path, run, today):
    """A 2021 line list imported in 2026: BN1 typed 34 at its confirmation, BN2 with a birth date, BN3 a
    traced contact with a birth date, exposed to BN1."""
    cases = _write(tmp_path / "cases.csv", "id,name,confirmed,onset,age,birth_date\n"
                   "BN1,Lê Văn An,2021-06-02,2021-05-30,34,\n"
                   "BN2,Trần Thị Bình,,2021-06-03,,1987-09-01\n")
    contacts = _write(tmp_path / "contacts.csv", "from,to,date,setting\nBN1,BN3,2021-05-31,household\n")
    persons = _write(tmp_path / "persons.csv", "id,name,birth_date\nBN3,Phạm Văn Cường,1990-05-31\n")
    run("import", "cases", cases)
    run("import", "persons", persons)
    run("import", "contacts", contacts)
    return {"BN1": ("age", 34, "2021-06-02"), "BN2": ("born", "1987-09-01", "2021-06-03"),
            "BN3": ("born", "1990-05-31", "2021-05-31")}


def _expected(kind, value, day):
    return value if kind == "age" else whole_years(value, day)


def _parts(svg) -> set[str]:
    """Every " · "-separated part of every text of a drawing ("34y", "conf 02/06")."""
    import re
    return {part for text in re.findall(r">([^<>]+)<", svg.read_text(encoding="utf-8")) for part in text.split(" · ")}


def _shown(run_json, pid):
    return run_json("person", "show", pid)["age_shown"]


def test_an_old_line_list_shows_each_age_at_its_record_date_everywhere(tmp_path, run, run_json, line_list_2021):
    for pid, (kind, value, day) in line_list_2021.items():
        years = _expected(kind, value, day)
        assert _shown(run_json, pid) == {"years": years, "date": day, "as_typed": False}, pid
        assert f"{years} (on {dt.date.fromisoformat(day):%Y-%m-%d})" in run("person", "show", pid).stdout
    # the map's cards: "34y", never today's 39y, and no "(year)" since each age is at its card's day
    svg = tmp_path / "map.svg"
    run("render", "BN1", "--format", "svg", "-o", svg)
    parts = _parts(svg)
    for pid in ("BN1", "BN3"):
        kind, value, day = line_list_2021[pid]
        assert f"{_expected(kind, value, day)}y" in parts, pid
    assert f"{34 + 5}y" not in parts and not any("y (20" in p for p in parts)  # no typed age: no legend line
    # exports: Go.Data's age.years and epicontacts' age/age_date at the same days
    run("export", "godata", tmp_path / "g")
    run("export", "epicontacts", tmp_path / "e")
    godata = {**_csv(tmp_path / "g" / "cases.csv"), **_csv(tmp_path / "g" / "contacts.csv")}
    linelist = _csv(tmp_path / "e" / "linelist.csv")
    for pid, (kind, value, day) in line_list_2021.items():
        years = str(_expected(kind, value, day))
        assert godata[pid]["age.years"] == years, pid
        assert (linelist[pid]["age"], linelist[pid]["age_date"]) == (years, day), pid


def test_an_age_typed_before_the_case_keeps_its_value_and_says_its_year(tmp_path, run, run_json, today):
    """A persons file with ages and no dates (typed 2021-03-01), the cases a year later: shown as typed."""
    typed_on, confirmed = "2021-03-01", "2022-03-05"
    today(typed_on)
    run("import", "persons", _write(tmp_path / "p.csv", "id,name,age\nP1,Nguyễn Văn An,34\nP2,Lê Thị Hoa,50\n"))
    today("2022-03-10")
    run("import", "cases", _write(tmp_path / "c.csv", f"id,confirmed\nP1,{confirmed}\n"))
    run("import", "contacts", _write(tmp_path / "k.csv", "from,to,date\nP1,P2,2022-03-03\n"))
    today(NOW)
    assert _shown(run_json, "P1") == {"years": 34, "date": typed_on, "as_typed": True}
    assert "34 (typed for 2021-03-01, not re-aged)" in run("person", "show", "P1").stdout
    record = run_json("person", "show", "P2")
    assert (record["age"], record["age_date"]) == (50, typed_on)
    svg = tmp_path / "map.svg"
    run("render", "P1", "--format", "svg", "-o", svg)
    assert {"34y (2021)", "50y (2021)"} <= _parts(svg)
    assert "34y (2021): an age as typed in 2021, not re-aged" in _parts(svg)  # the legend says what it is
    vi = tmp_path / "vi.svg"
    run("--lang", "vi", "render", "P1", "--format", "svg", "-o", vi)
    assert "34t (2021)" in _parts(vi)
    html = tmp_path / "map.html"
    run("render", "P1", "-o", html)
    assert '"agey": "2021-03-01"' in html.read_text(encoding="utf-8") or \
        '"agey":"2021-03-01"' in html.read_text(encoding="utf-8")
    run("export", "epicontacts", tmp_path / "e")
    linelist = _csv(tmp_path / "e" / "linelist.csv")
    assert (linelist["P1"]["age"], linelist["P1"]["age_date"]) == ("34", typed_on)


def test_an_age_that_disagrees_with_the_birth_date_is_refused_with_its_line(tmp_path, run, db_path):
    bad = _write(tmp_path / "c.csv", "id,confirmed,age,birth_date\nBN1,2021-06-02,34,1987-05-01\n"
                                     "BN2,2021-06-02,34,1987-09-01\n")
    # BN1: 34 on 2021-06-02 agrees with 1987-05-01; BN2 born 1987-09-01 was 33 that day
    assert whole_years("1987-05-01", "2021-06-02") == 34 and whole_years("1987-09-01", "2021-06-02") == 33
    result = run("import", "cases", bad, ok=False)
    assert result.exit_code == 1
    assert "line 3" in result.stderr and "age 34 on 2021-06-02 contradicts birth date 1987-09-01" in result.stderr
    assert "Traceback" not in result.output
    assert not db_exists(db_path)  # nothing written


def test_export_import_and_copy_keep_the_age_and_its_date(tmp_path, run, run_json, line_list_2021, today,
                                                          monkeypatch, db_path, request):
    before = {pid: run_json("person", "show", pid) for pid in ("BN1", "BN2", "BN3")}
    keys = ("age", "age_date", "birth_date", "birth_year")
    out = tmp_path / "x"
    run("export", "csv", out)
    today("2027-01-15")  # imported again a month later: the ages keep their dates
    fresh, copied = tmp_path / "fresh.db", tmp_path / "copied.db"
    monkeypatch.setenv("TRACING_DB", str(fresh))
    for kind in ("persons", "contacts", "cases"):
        run("import", kind, out / f"{kind}.csv")
    run("copy", db_path, copied)  # the test's store (SQLite or PostgreSQL) to a new SQLite file
    targets = [fresh, copied]
    if str(db_path).startswith("postgresql://"):  # and SQLite to PostgreSQL: the re-imported file into a new database
        server = request.getfixturevalue("pg_server")
        url = server.fresh()
        request.addfinalizer(lambda: server.drop(url))
        run("copy", fresh, url)
        targets.append(url)
    for where in targets:
        monkeypatch.setenv("TRACING_DB", str(where))
        for pid, record in before.items():
            again = run_json("person", "show", pid)
            assert {k: again[k] for k in keys} == {k: record[k] for k in keys}, (where, pid)
            assert again["age_shown"] == record["age_shown"], (where, pid)


def test_a_redacted_export_keeps_the_age_not_the_birth_date(tmp_path, run, line_list_2021):
    run("export", "csv", tmp_path / "r", "--redact")
    header = (tmp_path / "r" / "persons.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "age" in header and "age_date" in header and "birth_date" not in header
    svg = tmp_path / "r.svg"
    run("render", "BN1", "--format", "svg", "--redact", "-o", svg)
    assert "34y" not in _parts(svg)


def test_an_age_from_another_file_keeps_the_stored_birth_year_and_check_names_the_disagreement(tmp_path, run,
                                                                                                 run_json, today):
    """A persons file gives birth years; a line list of another year gives ages. The birth year typed stays (an
    age only estimates one), and `check` lists the ages that do not fit it (birth year: ±1; the rule's
    age_agrees), rather than one value silently replacing the other."""
    from tracing.people import age_agrees

    run("import", "persons", _write(tmp_path / "p.csv", "id,name,birth_year\nA,An,1950\nB,Bình,1987\n"))
    run("import", "cases", _write(tmp_path / "c.csv", "id,confirmed,age\nA,2021-06-02,34\nB,2021-06-02,34\n"))
    findings = run_json("check")
    flagged = sorted(f["ids"][0] for f in findings if f["check"] == "age_disagrees")
    expected = sorted(pid for pid, year in (("A", 1950), ("B", 1987))
                      if not age_agrees(34, dt.date(2021, 6, 2), birth_year=year))
    assert flagged == expected == ["A"]
    for pid, year in (("A", 1950), ("B", 1987)):
        record = run_json("person", "show", pid)
        assert (record["birth_year"], record["age"], record["age_date"]) == (year, 34, "2021-06-02")
    said = run("check").stdout
    assert "A: age 34 on 2021-06-02 does not fit the birth date or year 1950" in said

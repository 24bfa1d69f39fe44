"""Issue 15, findings of a tester who attacked zones, care and levels without reading the code.

Each expected value is computed from the rules (``Rules.defaults()``) and the folding of area names
(:func:`tracing.values.fold`), never typed in.
"""

from __future__ import annotations

import datetime as dt
import json

from conftest import load_fixture, sql_rows
from tracing.epilevel import band_level
from tracing.rules import Rules
from tracing.values import fold

LB = load_fixture("long_bien_2021_05")
RULES = Rules.defaults()


def plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _zone_tests(path, person, status="pending"):
    return sorted(r["due"] for r in sql_rows(
        path, "SELECT due FROM followups WHERE person = ? AND kind = 'zone_test' AND status = ?", (person, status)))


# ------------------------------------------------------------------ 1. workplaces folded like wards
def test_a_workplace_typed_three_ways_is_one_enterprise(run, run_json, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-20")
    pops = tmp_path / "p.csv"
    pops.write_text("area,population,level\nHoàng Liệt,10000,ward\nCông ty TNHH Canon,10000,workplace\n",
                    encoding="utf-8")
    run("import", "populations", pops)
    spellings = ["Công ty TNHH Canon", "công ty TNHH Canon", "Cong ty TNHH Canon"]
    wards = ["Hoàng Liệt", "hoàng liệt", "Hoang Liet"]
    assert len({fold(s) for s in spellings}) == 1 and len({fold(w) for w in wards}) == 1
    for i, (ward, work) in enumerate(zip(wards, spellings), 1):
        run("person", "add", "--id", f"K{i}", "--name", "X", "--ward", ward, "--workplace", work)
        run("case", "confirm", f"K{i}", "--date", "2022-02-08")
    # the same through an import with a "Nơi làm việc" column
    cases = tmp_path / "cases.csv"
    cases.write_text("Mã BN,Họ tên,Phường,Nơi làm việc,Ngày lấy mẫu\n"
                     "K4,Y,HOÀNG LIỆT,CÔNG TY TNHH CANON,08/02/2022\n", encoding="utf-8")
    run("import", "cases", cases)
    n = len(spellings) + 1
    sunday = plus("2022-02-07", 6)
    rows = run_json("level", "--by", "workplace", "--week-of", "2022-02-08")
    assert [(r["area"], r["new_cases"], r["per_100k"]) for r in rows] == \
        [("Công ty TNHH Canon", n, round(n * 100_000 / 10_000, 1))]
    assert rows[0]["case_level"] == band_level(RULES.at("level.bands", sunday), n * 100_000 / 10_000)
    [ward] = run_json("level", "--week-of", "2022-02-08")
    assert (ward["area"], ward["new_cases"]) == ("Hoàng Liệt", n)


def test_zone_declare_matches_units_and_places_folded(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-20")
    run("person", "add", "--id", "P1", "--name", "X", "--ward", "Định Công", "--unit", "Tổ 12")
    z = run_json("zone", "declare", "tổ 12, định công", "--from", "2022-02-10")
    assert z["units"] == ["Tổ 12, Định Công"] and z["to_test"] == ["P1"]
    z2 = run_json("zone", "declare", "unit:TO 12", "--from", "2022-02-10")
    assert z2["units"] == ["Tổ 12, Định Công"]


# ------------------------------------------------------------------ 2. populations re-import summary
def test_populations_reimport_counts_each_area_once_with_criteria_changes(run, run_json, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-20")
    first = {"Hoàng Liệt": (10000, "72%"), "Định Công": (8000, "90%"), "Tân Mai": (5000, "85%")}
    second = {"Hoàng Liệt": (10000, "80%"),  # vaccination only
              "Định Công": (8100, "90%"),    # population only
              "Tân Mai": (5000, "85%"),      # the same
              "Giáp Bát": (7000, "70%")}     # new

    def write(name, areas):
        path = tmp_path / name
        path.write_text("area,population,level,vaccinated\n" + "".join(
            f"{a},{p},ward,{v}\n" for a, (p, v) in areas.items()), encoding="utf-8")
        return path

    out = run_json("import", "populations", write("a.csv", first))
    assert (out["written"]["populations"], out["updated"]["populations"], out["unchanged"]["populations"]) == \
        (len(first), 0, 0)
    path = write("b.csv", second)
    new = [a for a in second if a not in first]
    updated = [a for a in second if a in first and first[a] != second[a]]
    same = [a for a in second if a in first and first[a] == second[a]]
    out = run_json("import", "populations", path)
    assert (out["written"]["populations"], out["updated"]["populations"], out["unchanged"]["populations"]) == \
        (len(new) + len(updated), len(updated), len(same))
    # every changed value is listed, old -> new, with its line (issue 13: an update is never silent)
    share = lambda v: int(v.rstrip("%")) / 100  # noqa: E731 - the file's percentages as stored shares
    expected = []
    for line, (area, (p, v)) in enumerate(second.items(), start=2):
        if area in first:
            (p0, v0) = first[area]
            expected += [{"line": line, "table": "populations", "id": area, "field": field, "old": old, "new": now}
                         for field, old, now in (("population", p0, p), ("vaccinated", share(v0), share(v)))
                         if old != now]
    assert out["changes"] == expected
    text = run("import", "populations", path).stdout  # a third time: every area unchanged
    [line] = [x for x in text.splitlines() if x.startswith("populations")]
    assert line.split() == ["populations", "0", "0", str(len(second))]
    rows = {r["area"]: r for r in run_json("level", "--week-of", "2022-02-08")}
    assert rows["Hoàng Liệt"]["vaccinated"] == 0.8
    # back to the first figures: the text summary names each value, old -> new, as people write numbers
    from tracing.i18n import fmt_int, fmt_percent, set_language
    for lang in ("en", "vi"):
        text = run("--lang", lang, "import", "populations", write(f"back-{lang}.csv", first)).stderr
        set_language(lang)
        try:
            shown = {"population": fmt_int, "vaccinated": fmt_percent}
            for c in expected:
                assert f"{c['id']} {c['field']}: '{shown[c['field']](c['new'])}' -> " \
                       f"'{shown[c['field']](c['old'])}'" in text, (lang, c, text)
        finally:
            set_language("en")
        write(f"again-{lang}.csv", second)
        run("import", "populations", tmp_path / f"again-{lang}.csv")


# ------------------------------------------------------------------ 3. re-entering a zone's population
def _declare_pa2(run_json):
    c = LB.PA2_CONFIRM
    return run_json("case", "confirm", c["id"], "--date", c["confirmed"], "--onset", c["onset"], "--declare-zone")


def test_unconfirmed_resident_and_visitor_get_the_zone_tests_still_to_come(long_bien, run, run_json, monkeypatch):
    _declare_pa2(run_json)
    start = LB.PA2_CONFIRM["confirmed"]
    dues = sorted(plus(start, d) for d in RULES.at("zone.test_days", start))
    confirmed = plus(start, 1)
    monkeypatch.setenv("TRACING_TODAY", confirmed)
    # R1 lives in the zone's unit; Q5 checked in at its place in the window
    for person in ("R1", "Q5"):
        assert _zone_tests(long_bien, person) == dues
        run("case", "confirm", person, "--date", confirmed)
        assert _zone_tests(long_bien, person) == []
    today = plus(start, 2)
    monkeypatch.setenv("TRACING_TODAY", today)
    for person in ("R1", "Q5"):
        out = run_json("case", "unconfirm", person)
        to_come = [d for d in dues if d >= today]
        assert _zone_tests(long_bien, person) == to_come, person
        assert out["followups"]["scheduled"] >= len(to_come)
    listed = run_json("followup", "--date", [d for d in dues if d >= today][0])
    assert {"R1", "Q5"} <= {r["person"] for r in listed if r["kind"] == "zone_test"}
    # unconfirming again later (nothing to restore twice): confirm then unconfirm R1 keeps one test a day
    run("case", "confirm", "R1", "--date", today)
    run("case", "unconfirm", "R1")
    assert _zone_tests(long_bien, "R1") == [d for d in dues if d >= today]


def test_a_merge_that_leaves_a_non_case_in_the_zone_restores_its_tests(long_bien, run, run_json, monkeypatch):
    _declare_pa2(run_json)
    start = LB.PA2_CONFIRM["confirmed"]
    today = plus(start, 2)
    monkeypatch.setenv("TRACING_TODAY", today)
    to_come = [d for d in sorted(plus(start, x) for x in RULES.at("zone.test_days", start)) if d >= today]
    run("person", "add", "--id", "R9", "--name", "Bản trùng", "--ward", "Thạch Bàn", "--unit", "TDP 3")
    assert _zone_tests(long_bien, "R9") == to_come
    run("person", "merge", "R2", "R9")
    assert _zone_tests(long_bien, "R2") == sorted(plus(start, x) for x in RULES.at("zone.test_days", start))


# ------------------------------------------------------------------ 4. withdrawing a zone; tests end with it
def test_a_planned_zone_is_cancelled_not_released_and_its_tests_end(run, run_json, db_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-10")
    run("person", "add", "--id", "P1", "--name", "X", "--ward", "Định Công", "--unit", "Tổ 12")
    start = "2022-02-12"  # planned, not started
    z = run_json("zone", "declare", "Tổ 12, Định Công", "--from", start)
    dues = sorted(plus(start, d) for d in RULES.at("zone.test_days", start))
    assert z["tests"]["days"] == dues and _zone_tests(db_path, "P1") == dues
    refused = run("zone", "release", z["id"], "--date", "2022-02-10", ok=False)
    assert "zone cancel" in refused.stderr
    out = run_json("zone", "cancel", z["id"], "--reason", "wrong unit")
    assert (out["status"], out["cancelled_tests"], out["reason"]) == ("cancelled", len(dues), "wrong unit")
    assert _zone_tests(db_path, "P1") == []
    audit = sql_rows(db_path, "SELECT detail FROM audit WHERE command = 'zone cancel'")
    assert json.loads(audit[0]["detail"])["reason"] == "wrong unit"
    [listed] = run_json("zone", "list", "--date", dues[-1])
    assert listed["status"] == "cancelled" and listed["due_for_release"] is False
    assert run_json("zone", "list", "--status", "cancelled")[0]["id"] == z["id"]
    assert run("zone", "cancel", z["id"], ok=False).exit_code == 1  # once
    assert run("zone", "release", z["id"], "--date", dues[0], ok=False).exit_code == 1
    monkeypatch.setenv("TRACING_TODAY", dues[-1])
    assert not [r for r in run_json("followup", "--date", dues[-1]) if r["kind"] == "zone_test"]
    # a person added later to the unit is not enrolled in a cancelled zone
    run("person", "add", "--id", "P2", "--name", "Y", "--ward", "Định Công", "--unit", "Tổ 12")
    assert _zone_tests(db_path, "P2") == []


def test_a_release_ends_missed_tests_and_that_days_test(run, run_json, db_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    run("person", "add", "--id", "P1", "--name", "X", "--ward", "Định Công", "--unit", "Tổ 12")
    start = "2022-02-10"
    z = run_json("zone", "declare", "Tổ 12, Định Công", "--from", start)
    dues = sorted(plus(start, d) for d in RULES.at("zone.test_days", start))
    # none done: the day after the second one, the first two are overdue
    late = plus(dues[1], 1)
    overdue = [r["due"] for r in run_json("followup", "--date", late) if r["kind"] == "zone_test"]
    assert overdue == [d for d in dues if d < late]
    run("zone", "release", z["id"], "--date", start, "--force")  # on its start day: that day's test ends too
    for day in (start, late, plus(dues[-1], 30)):
        assert not [r for r in run_json("followup", "--date", day) if r["kind"] == "zone_test"], day
    assert _zone_tests(db_path, "P1") == [] and _zone_tests(db_path, "P1", "cancelled") == dues


# ------------------------------------------------------------------ 5. a case found in quarantine does not hold a zone
def test_a_case_isolated_before_its_sample_does_not_hold_the_zone(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    start = "2022-02-10"
    run("person", "add", "--id", "F0", "--name", "Ca gốc", "--ward", "Định Công", "--unit", "Tổ 12")
    run("case", "confirm", "F0", "--date", start)
    run("person", "add", "--id", "Q1", "--name", "Cách ly tập trung", "--ward", "Định Công", "--unit", "Tổ 12")
    run("person", "add", "--id", "C1", "--name", "Cộng đồng", "--ward", "Định Công", "--unit", "Tổ 12")
    run("zone", "declare", "Tổ 12, Định Công", "--from", start, "--case", "F0")
    days = RULES.at("zone.release_days", start)
    # Q1, in facility quarantine since 08/02, turns positive on 19/02: found in quarantine
    isolated, positive = "2022-02-08", "2022-02-19"
    run("case", "confirm", "Q1", "--date", positive, "--isolated", isolated)
    [z] = run_json("zone", "list", "--date", positive)
    assert (z["last_case"], z["release_from"], z["found_in_quarantine"]) == ("F0", plus(start, days), ["Q1"])
    out = run_json("zone", "release", "Z1", "--date", plus(start, days))
    assert out["forced"] is False
    # a community case (isolated on its sample day) does hold a zone
    run("zone", "declare", "Tổ 12, Định Công", "--from", start, "--case", "F0")
    run("case", "confirm", "C1", "--date", positive)
    [z2] = [z for z in run_json("zone", "list", "--date", positive) if z["id"] == "Z2"]
    assert (z2["last_case"], z2["release_from"]) == ("C1", plus(positive, days))


def test_a_recorded_found_by_decides_whether_a_case_holds_the_zone(run, run_json, monkeypatch):
    """How a case was found, when recorded (--found-by), is what the zone
    honours, as report and level do (one test, tracing.zones.found_in_quarantine):
    recorded 'quarantine' never holds it, recorded 'community' holds it even
    when the dates alone would say quarantine."""
    from tracing.report import how_found
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    start, positive, isolated = "2022-02-10", "2022-02-19", "2022-02-08"
    days = RULES.at("zone.release_days", start)
    run("person", "add", "--id", "F0", "--name", "Ca gốc", "--ward", "Định Công", "--unit", "Tổ 12")
    run("case", "confirm", "F0", "--date", start)
    cases = {  # id: (confirm options, as the case row holds them)
        "Q2": (["--found-by", "quarantine"], {"confirmed": positive, "isolated": positive, "found_by": "quarantine"}),
        "C2": (["--isolated", isolated, "--found-by", "community"],
               {"confirmed": positive, "isolated": isolated, "found_by": "community"}),
    }
    for n, (pid, (options, row)) in enumerate(cases.items(), start=1):
        run("person", "add", "--id", pid, "--name", pid, "--ward", "Định Công", "--unit", "Tổ 12")
        run("zone", "declare", "Tổ 12, Định Công", "--from", start, "--case", "F0")
        run("case", "confirm", pid, "--date", positive, *options)
        [z] = [z for z in run_json("zone", "list", "--date", positive) if z["id"] == f"Z{n}"]
        in_quarantine = how_found(RULES, row) == "quarantine"
        holds = not in_quarantine
        last, ref = (pid, positive) if holds else ("F0", start)
        assert (z["last_case"], z["release_from"], pid in z["found_in_quarantine"]) == \
            (last, plus(ref, days), in_quarantine), pid
        run("zone", "release", f"Z{n}", "--date", positive, "--force")


# ------------------------------------------------------------------ 7. decimals written the language's way
def test_vietnamese_report_writes_the_home_care_share_with_a_comma(run, tmp_path, monkeypatch):
    from tracing.i18n import fmt_decimal, set_language
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    tiers = [1, 1, 1, 2]
    for i, tier in enumerate(tiers, 1):
        run("person", "add", "--id", f"K{i}", "--name", f"Ca {i}", "--ward", "Ngọc Lâm")
        run("case", "confirm", f"K{i}", "--date", "2022-02-01")
        run("care", "set", f"K{i}", "--tier", tier, "--from", "2022-02-01")
    share = round(100 * tiers.count(1) / len(tiers), 1)
    for fmt in ("md", "html"):
        path = tmp_path / f"r.{fmt}"
        run("report", "--from", "2022-02-01", "--to", "2022-02-10", "--lang", "vi", "-o", path)
        text = path.read_text(encoding="utf-8")
        set_language("vi")
        assert fmt_decimal(share) in text and "," in fmt_decimal(share), fmt
        set_language("en")
        assert str(share) not in text, fmt
    # a float in a Vietnamese table is never written with str()'s decimal point
    level = run("--lang", "vi", "level", "--week-of", "2022-02-01").stdout
    assert not [w for w in level.split() if w.replace(".", "", 1).isdigit() and "." in w and len(w.split(".")[1]) < 3]


# ------------------------------------------------------------------ 8. wording: which criteria, windows, releases
def test_level_says_which_criteria_have_no_column_and_which_areas_are_blank(run, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    path = tmp_path / "p.csv"
    path.write_text("area,population,level,vaccinated,elderly_vaccinated\n"
                    "Ngọc Lâm,10000,ward,80%,90%\nBồ Đề,8000,ward,,90%\nGia Thụy,6000,ward,,\n", encoding="utf-8")
    run("import", "populations", path)
    err = run("level", "--week-of", "2022-02-23").stderr
    # capacity: no area has it (no column); vaccinated: blank for Bồ Đề and Gia Thụy; elderly: blank for Gia Thụy
    assert "Not assessed (no column in the populations file): capacity;" in err
    assert "Not assessed for 2 areas (their vaccinated cell is blank in the populations file): Bồ Đề, Gia Thụy" in err
    assert "Not assessed for 1 areas (their elderly_vaccinated cell is blank in the populations file): Gia Thụy" in err
    assert "no column in the populations file): capacity, " not in err


def test_a_window_is_never_inverted_for_a_case_isolated_before_it(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-20")
    run("person", "add", "--id", "A1", "--name", "X", "--ward", "Định Công", "--unit", "Tổ 1")
    isolated, sample = "2022-02-08", "2022-02-19"
    before = RULES.at("window.infectious_before_days", sample)
    assert plus(sample, -before) > isolated  # the rule's window starts after the isolation
    out = run("case", "confirm", "A1", "--date", sample, "--isolated", isolated).stdout
    assert "isolated before it was infectious" in out and f"to {isolated}" not in out
    z = run_json("zone", "declare", "--from-case", "A1", "--from", sample)
    far = RULES.at("window.incubation_days", sample)[0]
    assert z["window"] == [plus(sample, -far), sample] and z["window"][0] <= z["window"][1]
    [listed] = run_json("zone", "list", "--date", sample)
    assert listed["window"][0] <= listed["window"][1]


def test_report_counts_releases_from_treatment_in_its_period(run, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    releases = {"K1": "2022-02-08", "K2": "2022-02-20", "K3": None}
    for pid, day in releases.items():
        run("person", "add", "--id", pid, "--name", pid, "--ward", "Ngọc Lâm")
        run("case", "confirm", pid, "--date", "2022-02-01")
        run("care", "set", pid, "--tier", "1", "--from", "2022-02-01")
        if day:
            run("case", "recover", pid, "--date", day)
    lo, hi = "2022-02-15", "2022-02-28"
    path = tmp_path / "r.json"
    run("report", "--from", lo, "--to", hi, "-o", path)
    care = json.loads(path.read_text(encoding="utf-8"))["care"]
    assert care["recovered"] == sum(1 for d in releases.values() if d and lo <= d <= hi)
    assert care["recovered_to_date"] == sum(1 for d in releases.values() if d and d <= hi)
    md = tmp_path / "r.md"
    run("report", "--from", lo, "--to", hi, "--lang", "en", "-o", md)
    assert "| Released from treatment in the period | 1 |" in md.read_text(encoding="utf-8")


def test_area_filters_match_folded_like_the_stored_areas(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-12")
    run("person", "add", "--id", "P1", "--name", "X", "--ward", "Định Công", "--unit", "Tổ 1")
    run("person", "add", "--id", "P2", "--name", "Y", "--ward", "Hoàng Liệt", "--unit", "Tổ 1")
    run("zone", "declare", "tổ 1, định công", "--from", "2022-02-12")
    typed = ["Định Công", "ĐỊNH CÔNG", "dinh cong"]
    assert len({fold(t) for t in typed}) == 1
    for ward in typed:
        rows = run_json("followup", "--ward", ward, "--date", "2022-02-12")
        assert {r["person"] for r in rows} == {"P1"}, ward

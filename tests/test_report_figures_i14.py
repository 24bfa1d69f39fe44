"""Issue 14, the tester's findings on the report's figures: unknown source is
its own figure whatever --found-by says; a fall is written as one; the base
of the cumulative total includes the period; the level counts community
cases by the report's own how-found classification. Expected values come
from the rules (tracing.report.how_found / unknown_source, rule level.bands)."""

from __future__ import annotations

import datetime as dt

from tracing import i18n
from tracing.epilevel import band_level
from tracing.report import FOUND, how_found, unknown_source
from tracing.rules import Rules
from tracing.store.reports import set_population

RULES = Rules.defaults()


def _people(run, *ids, ward="Ngọc Lâm"):
    for pid in ids:
        run("person", "add", "--id", pid, "--name", f"Người {pid}", "--ward", ward, "--unit", "TDP 1")


def test_unknown_source_is_counted_whatever_how_found(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    _people(run, "BN1", "BN2", "BN3", "BN4")
    monkeypatch.setenv("TRACING_TODAY", "2021-12-10")  # BN1's contact recorded the day it is confirmed
    run("contact", "add", "BN1", "BN2", "--date", "2021-12-09", "--setting", "household")
    # the tester's command: found in the community AND no known source
    run("case", "confirm", "BN1", "--date", "10/12/2021", "--unknown-source", "--found-by", "cộng đồng")
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    run("case", "confirm", "BN2", "--date", "2021-12-11")                       # a traced F1: in quarantine
    run("case", "confirm", "BN3", "--date", "2021-12-11", "--found-by", "screening", "--source", "BN1")
    run("case", "confirm", "BN4", "--date", "2021-12-12", "--found-by", "entry")  # no source recorded
    args = ["report", "--from", "2021-11-29", "--to", "2021-12-12"]
    data = run_json(*args)
    rows = {c: {"found_by": f, "prior_level": p, "confirmed": d, "unknown_source": u, "unknown_given": u,
                "has_source": s, "isolated": d}
            for c, f, p, d, u, s in [("BN1", "community", None, "2021-12-10", 1, False),
                                     ("BN2", None, 1, "2021-12-11", 0, True),
                                     ("BN3", "screening", None, "2021-12-11", 0, True),
                                     ("BN4", "entry", None, "2021-12-12", 0, False)]}
    expected = {k: sum(how_found(RULES, r) == k for r in rows.values()) for k in FOUND}
    assert data["found"] == expected and sum(expected.values()) == data["new_cases"] == 4
    assert data["unknown_source"] == sum(unknown_source(RULES, r) for r in rows.values()) == 2
    assert sum(d["unknown_source"] for d in data["daily"]) == 2
    md = run("--lang", "vi", *args).stdout
    assert "| Chưa rõ nguồn lây | 2 |" in md and "| Phát hiện tại cộng đồng | 1 |" in md


def _rates(run, now: int, before: int):
    _people(run, *[f"N{i}" for i in range(now)], *[f"P{i}" for i in range(before)])
    for i in range(now):
        run("case", "confirm", f"N{i}", "--date", "2021-12-10")
    for i in range(before):
        run("case", "confirm", f"P{i}", "--date", "2021-11-20")


def test_a_fall_is_written_as_a_fall(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    now, before = 1, 21
    _rates(run, now, before)
    args = ["report", "--from", "2021-11-29", "--to", "2021-12-12"]  # previous: 15/11 – 28/11, same length
    data = run_json(*args)
    ratio = (now / 14) / (before / 14)
    assert data["growth_ratio"] == round(ratio, 3) and data["growth_ratio"] > 0  # never 0.0
    md = run("--lang", "vi", *args).stdout
    i18n.set_language("vi")
    fall = i18n.fmt_percent((1 - ratio))
    ratio_vi = i18n.fmt_decimal(round(ratio, 3), 3)
    i18n.set_language("en")
    assert "gấp" not in md
    assert f"giảm {fall} so với giai đoạn 15/11/2021 – 28/11/2021 (bằng {ratio_vi} lần)" in md
    assert f"| {ratio_vi} |" in md
    en = run("--lang", "en", *args).stdout
    assert "times the rate" not in en and "down " in en


def test_a_rise_is_still_times(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    _rates(run, 6, 2)
    md = run("--lang", "vi", "report", "--from", "2021-11-29", "--to", "2021-12-12").stdout
    assert "gấp 3,0 lần" in md and "giảm" not in md.split("\n")[2]


def test_the_base_of_the_cumulative_total_includes_the_period(run, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    _rates(run, 3, 0)
    out = run("--lang", "vi", "report", "--from", "2021-11-29", "--to", "2021-12-12",
              "--cumulative-from", "2021-12-01", ok=False)
    assert out.exit_code == 1
    assert "--cumulative-from 01/12/2021 sau --from 29/11/2021" in out.output and "Traceback" not in out.output
    ok = run("report", "--from", "2021-11-29", "--to", "2021-12-12", "--cumulative-from", "2021-11-29",
             "--format", "json")
    assert '"share_of_cumulative": 100.0' in ok.stdout


def test_level_counts_community_cases_as_the_report_does(run, run_json, store, monkeypatch):
    """87 cases of which 40 found in quarantine (recorded or derived): the
    level counts 47, never 87 (the tester's figures, scaled to one ward)."""
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    population = 50_000
    with store.write("populations"):
        set_population(store, "ward", "Ngọc Lâm", population)
    recorded, derived, community = 30, 10, 47
    _people(run, "S", *[f"Q{i}" for i in range(recorded)], *[f"D{i}" for i in range(derived)],
            *[f"C{i}" for i in range(community)])
    run("case", "confirm", "S", "--date", "2021-11-25")  # the source of the traced ones, the week before
    monkeypatch.setenv("TRACING_TODAY", "2021-11-25")  # S's contacts recorded the day S is confirmed
    for i in range(derived):
        run("contact", "add", "S", f"D{i}", "--date", "2021-11-24", "--setting", "household")
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    day = "2021-12-08"
    for i in range(recorded):
        run("case", "confirm", f"Q{i}", "--date", day, "--found-by", "trong khu cách ly")
    for i in range(derived):
        run("case", "confirm", f"D{i}", "--date", day)
    for i in range(community):
        run("case", "confirm", f"C{i}", "--date", day, "--found-by", "community")
    report = run_json("report", "--from", "2021-12-06", "--to", "2021-12-12")
    assert report["found"]["quarantine"] == recorded + derived and report["found"]["community"] == community
    [row] = [r for r in run_json("level", "--week-of", day) if r["area"] == "Ngọc Lâm"]
    per_100k = community * 100_000 / population
    bands = RULES.at("level.bands", dt.date(2021, 12, 12))
    assert row["new_cases"] == community and row["per_100k"] == round(per_100k, 1)
    assert row["case_level"] == band_level(bands, per_100k)
    assert band_level(bands, (community + recorded + derived) * 100_000 / population) != row["case_level"]


def test_one_derived_classification_for_report_level_and_zones(run, run_json, store, monkeypatch):
    """A case isolated before its sample (no --found-by) was found in
    quarantine for the report, the level and the zones alike
    (tracing.zones.found_in_quarantine)."""
    from tracing.zones import found_in_quarantine

    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    with store.write("populations"):
        set_population(store, "ward", "Ngọc Lâm", 10_000)
    _people(run, "I", "K")
    run("case", "confirm", "I", "--date", "2021-12-08", "--isolated", "2021-12-05")
    run("case", "confirm", "K", "--date", "2021-12-08")
    rows = [{"confirmed": "2021-12-08", "isolated": "2021-12-05", "prior_level": None, "found_by": None},
            {"confirmed": "2021-12-08", "isolated": "2021-12-08", "prior_level": None, "found_by": None}]
    expected = [how_found(RULES, r) for r in rows]
    assert expected == ["quarantine" if found_in_quarantine(RULES, r) else "community" for r in rows]
    report = run_json("report", "--from", "2021-12-06", "--to", "2021-12-12")
    assert report["found"]["quarantine"] == expected.count("quarantine") == 1
    [row] = [r for r in run_json("level", "--week-of", "2021-12-08") if r["area"] == "Ngọc Lâm"]
    assert row["new_cases"] == expected.count("community") == 1


def test_unknown_source_of_an_imported_line_list(run, run_json, tmp_path, monkeypatch):
    """The import's unknown_source column is taken as recorded (có/không);
    left blank, a case without a known source counts unless found in
    quarantine."""
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    path = tmp_path / "cases.csv"
    rows = [("X1", "trong khu cách ly", ""), ("X2", "", "không"), ("X3", "cộng đồng", "có"), ("X4", "", "")]
    path.write_text("id,name,confirmed,found_by,unknown_source\n" +
                    "".join(f"{i},Người {i},08/12/2021,{f},{u}\n" for i, f, u in rows), encoding="utf-8")
    run("import", "cases", path)
    data = run_json("report", "--from", "2021-12-06", "--to", "2021-12-12")
    expected = [unknown_source(RULES, {"unknown_given": int(bool(u)), "unknown_source": int(u == "có"),
                                      "has_source": False, "found_by": f and ("quarantine" if "cách ly" in f
                                                                              else "community"),
                                      "confirmed": "2021-12-08", "isolated": "2021-12-08", "prior_level": None})
                for _i, f, u in rows]
    assert expected == [False, False, True, True]
    assert data["unknown_source"] == sum(expected)

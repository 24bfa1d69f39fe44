"""The supervisor's report: the figures the district notices copy in.

For a period (default: the 14 days up to today): new F0, per day, share of
the cumulative total, change against the previous period of equal length;
F0 per day, by area (district, ward or unit) and by smallest unit; how the
cases were found; F1/F2 traced and in quarantine; quarantines ending in the
7 days after the period. Written as Markdown, CSV, JSON or XLSX, with headers
in Vietnamese or English.

Two separate figures, as the notices print them (Long Biên, 13/12/2021):

* *How found* (:data:`FOUND`, every new F0 in exactly one, they sum to the new
  F0): the ``found_by`` recorded (``case confirm --found-by``, the import's
  found_by column), else derived: *found in quarantine* when it was already
  traced (``prior_level``) and the plan in force on its confirmation day
  quarantined that level, or isolated before its sample, else *found in the
  community*. Screening is only ever recorded; entry (from abroad or another
  province) is recorded, or read from a source label that says so
  (``IMPORT``, ``imported``, ``nhập cảnh``, a flight code such as ``VN0054``:
  :func:`tracing.sources.is_entry_label`) when nothing is recorded.
* *Unknown source* ("chưa rõ nguồn lây"): a count of its own, whatever the
  case's how-found: recorded so (``--unknown-source``), or without any known
  source while not found in quarantine (a traced F1/F2 has one). A case found
  in the community with an unknown source counts in both.

>>> was_quarantined(Rules.defaults(), 1, "2021-06-01"), was_quarantined(Rules.defaults(), 1, "2022-05-01")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import Counter

from .i18n import NP_, Words, _, fmt_date, fmt_decimal, fmt_float, fmt_int, fmt_percent, in_language, language, set_language
from .sources import entered_by_label, has_known_source, sourced_by_label
from . import files, management
from .errors import InvalidValue, NotFound
from .store.areas import WardGroups
from .rules import Rules
from .store import reports as sql
from .values import parse_date, today

BY = ("district", "ward", "unit")
FORMATS = ("md", "csv", "json", "xlsx", "html")
#: a report file's extension -> the format written in it (:func:`format_of`)
EXTENSIONS = {"md": "md", "markdown": "md", "txt": "md", "csv": "csv", "json": "json", "xlsx": "xlsx",
              "html": "html", "htm": "html"}
#: formats that are data, not text for people: the same bytes in every language
#: (build them with ``lang="en"``: English labels, ISO dates; JSON without the "lang" key)
NEUTRAL = ("csv", "json")
#: how a case was found, in the order the notices list them (each new F0 in one of them);
#: "unknown source" is a separate figure (:func:`unknown_source`), not a way of being found
FOUND = ("quarantine", "community", "screening", "entry")
#: days of the moving average on the epidemic curve
AVERAGE_DAYS = 7
ENDING_DAYS = 7
MAX_DAYS_AHEAD = 366

#: The report's labels (msgctxt "report"; "daily" has its own: the same English
#: "F0 per day" is a table of days there, the average per day elsewhere)
LABELS = Words({
    "title": NP_("report", "COVID-19 report"), "period": NP_("report", "Period"),
    "new_cases": NP_("report", "New F0"), "per_day": NP_("report", "F0 per day"),
    "cumulative": NP_("report", "Cumulative F0"),
    "undated": NP_("report", "F0 without a date (not in the figures above)"),
    "share": NP_("report", "Share of cumulative (%)"), "previous": NP_("report", "Previous period"),
    "previous_cases": NP_("report", "F0 in previous period"),
    "change": NP_("report", "Change vs previous period (%)"), "daily": NP_("report daily", "F0 per day"),
    "date": NP_("report", "Date"), "area": NP_("report", "Area"), "ward": NP_("report", "Ward"),
    "unit": NP_("report", "Unit"), "found": NP_("report", "How cases were found"),
    "quarantine": NP_("report", "Found in quarantine (F1/F2)"),
    "community": NP_("report", "Found in the community"), "unknown_source": NP_("report", "Unknown source"),
    "screening": NP_("report", "Found by screening"),
    "entry": NP_("report", "Entry from abroad or another province"),
    "cumulative_since": NP_("report", "Cumulative F0 since {date}"),
    "compare": NP_("report", "Comparison period"),
    "compare_cases": NP_("report", "F0 in the comparison period"),
    "compare_per_day": NP_("report", "F0 per day in the comparison period"),
    "growth": NP_("report", "Ratio to the comparison period's daily rate (times)"),
    "curve": NP_("report", "Epidemic curve"), "avg7": NP_("report", "7-day average"),
    "new_per_day": NP_("report", "New F0 per day"), "traced": NP_("report", "Traced persons"),
    "level": NP_("report", "Level (F)"), "persons": NP_("report", "Persons"),
    "in_quarantine": NP_("report", "In quarantine"), "traced_in_period": NP_("report", "Traced in the period"),
    "ending": NP_("report", "Quarantine ending in the next 7 days"), "section": NP_("report", "Section"),
    "key": NP_("report", "Item"), "measure": NP_("report", "Measure"), "value": NP_("report", "Value"),
    "summary": NP_("report", "Summary"), "by_area": NP_("report", "F0 by"),
    "by_unit": NP_("report", "F0 by smallest unit"), "none": NP_("report", "(none)"),
})
AREA_WORD = {"district": Words({"word": NP_("report", "district")}), "ward": Words({"word": NP_("report", "ward")}),
             "unit": Words({"word": NP_("report", "unit")})}
UNKNOWN_AREA = Words({"word": NP_("report", "(unknown)")})


def _plan(rules: Rules, level: int, day, protected: bool) -> dict | None:
    plan = rules.at("quarantine.plan", day)
    if level == 1:
        key = "F1_protected" if protected and "F1_protected" in plan else "F1"
    else:
        key = f"F{level}" if f"F{level}" in plan else "F2"
    return plan.get(key)


def was_quarantined(rules: Rules, prior_level, confirmed) -> bool:
    """Was a case already in quarantine when confirmed: traced before (a
    ``prior_level``) under a plan that quarantined that level that day."""
    if prior_level is None or prior_level < 1:
        return False
    plan = _plan(rules, prior_level, confirmed, False)
    return bool(plan and plan.get("days"))


def quarantine_end(rules: Rules, person: dict) -> dt.date | None:
    """Last day of a traced person's quarantine: its start (``quarantine``)
    plus the days of the plan in force then for its level (None when the plan
    does not quarantine it or the start is unknown)."""
    if not person["quarantine"]:
        return None
    start = dt.date.fromisoformat(person["quarantine"])
    try:
        doses = int(rules.at("quarantine.protected_doses", start))
    except NotFound:
        doses = 2
    protected = bool(person.get("recovered")) or (person.get("vaccinated") or 0) >= doses
    plan = _plan(rules, person["level"], start, protected)
    if not plan or not plan.get("days"):
        return None
    return start + dt.timedelta(days=int(plan["days"]))


def area_of(row: dict, by: str, lang: str = "en", wards=None) -> str:
    """The area name of a row for ``by``; a unit is ``"UNIT, WARD"``. A ward
    is (district, ward): with ``wards`` (:class:`tracing.store.areas.WardGroups`)
    a ward name found in several districts is ``"WARD, DISTRICT"``.

    >>> area_of({"ward": "Ngọc Lâm", "unit": "TDP 5", "district": None}, "unit")
    'TDP 5, Ngọc Lâm'
    """
    ward = row.get("ward")
    if wards is not None and ward:
        ward = wards.label(row.get("district"), ward)
    if by == "unit":
        if not row.get("unit"):
            return UNKNOWN_AREA[lang]["word"]
        return f"{row['unit']}, {ward}" if ward else row["unit"]
    if by == "ward":
        return ward or UNKNOWN_AREA[lang]["word"]
    return row.get(by) or UNKNOWN_AREA[lang]["word"]


def _day(value, field):
    """A period bound: a date or text (blank: None); at most
    :data:`MAX_DAYS_AHEAD` days after today (a forecast of quarantines ending
    is fine, ``31/12/9999`` is a typo).

    >>> _day("31/12/9999", "--to")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: --to: 9999-12-31 is more than 366 days after today (...)
    """
    day = value if value is None or isinstance(value, dt.date) else parse_date(value, field)
    if isinstance(day, dt.datetime):
        day = day.date()
    if day is not None and (day - today()).days > MAX_DAYS_AHEAD:
        raise InvalidValue(_("{field}: {day} is more than {MAX_DAYS_AHEAD} days after today ({today})").format(
                               field=field, day=fmt_date(day), MAX_DAYS_AHEAD=MAX_DAYS_AHEAD, today=fmt_date(today())))
    return day


def build(store, start=None, end=None, by: str = "ward", lang: str = "vi", *, cumulative_from=None,
          compare_from=None, compare_to=None) -> dict:
    """The report as a dict (JSON-ready)::

        {"lang", "by", "from", "to", "days", "new_cases", "per_day", "cumulative",
         "share_of_cumulative", "previous": {"from", "to", "new_cases"}, "change_pct",
         "daily": [{"date", "new_cases"}],
         "areas": [{"area", "new_cases", "F1", "F2", "in_quarantine"}],
         "units": [{"unit", "new_cases"}],
         "found": {"quarantine", "community", "screening", "entry"}, "unknown_source",
         "traced": [{"level", "persons", "traced_in_period", "in_quarantine"}],
         "quarantine_ending": [{"date", "persons"}], "quarantine_ending_total",
         "quarantine_ending_from": "followups"|"plan",
         "zones": [...], "foci": {"active", "over", "list"}, "care": {"tiers", ...}}

    The last three are :func:`tracing.management.figures`.
    """
    if by not in BY:
        raise InvalidValue(_("--by: '{by}' is not one of {BY}").format(by=by, BY=', '.join(BY)))
    if lang not in LABELS:
        raise InvalidValue(_("--lang: '{lang}' is not one of {LABELS}").format(
                               lang=lang, LABELS=', '.join(LABELS)))
    end = _day(end, "--to") or today()
    start = _day(start, "--from") or _shift(end, -13, "--to")
    if start > end:
        raise InvalidValue(_("--from {start} is after --to {end}").format(start=fmt_date(start), end=fmt_date(end)))
    base = _day(cumulative_from, "--cumulative-from") or dt.date(start.year, 1, 1)
    if base > end:
        raise InvalidValue(_("--cumulative-from {date} is after --to {end}").format(date=fmt_date(base),
                                                                                    end=fmt_date(end)))
    if base > start:
        # the share of the cumulative total is the period's cases in a total that holds them all (never > 100 %)
        raise InvalidValue(_("--cumulative-from {date} is after --from {start}: the cumulative total the new F0 "
                             "are a share of must include the whole period (give a base on or before "
                             "{start})").format(date=fmt_date(base), start=fmt_date(start)))
    compare = None
    if compare_from or compare_to:
        c_from, c_to = _day(compare_from, "--compare-from"), _day(compare_to, "--compare-to")
        if not (c_from and c_to):
            raise InvalidValue(_("--compare-from and --compare-to go together"))
        if c_from > c_to:
            raise InvalidValue(_("--compare-from {start} is after --compare-to {end}").format(
                start=fmt_date(c_from), end=fmt_date(c_to)))
        compare = (c_from, c_to)
    try:
        return _build(store, start, end, by, lang, base, compare)
    except OverflowError:  # the previous period or the days after it leave the calendar
        raise InvalidValue(_("--from/--to: the period {start} – {end} reaches beyond the calendar (years "
                             "1–9999) with its previous period or the days after it").format(
                                 start=fmt_date(start), end=fmt_date(end))) from None


def _shift(day: dt.date, days: int, field: str) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise InvalidValue(_("{field}: {day} is too close to the end of the calendar").format(
                               field=field, day=fmt_date(day))) from None


def how_found(rules: Rules, case: dict) -> str:
    """One of :data:`FOUND` for a case row: the recorded ``found_by``
    (``case confirm --found-by``), else derived: entry when a source label
    says the case came in from abroad (``entry_label``:
    :func:`tracing.sources.is_entry_label`), in quarantine when isolated
    before its sample or already quarantined as an F1/F2
    (:func:`tracing.zones.found_in_quarantine`, the zones' own test), else
    found in the community. The same
    classification counts the community cases of the epidemic level
    (:mod:`tracing.epilevel`)."""
    from .zones import found_in_quarantine  # the one derived test: zones, report and level agree

    if case.get("found_by"):
        return case["found_by"]  # as recorded: found_in_quarantine says the same
    if case.get("entry_label"):  # a source label saying it came in from abroad (IMPORT, VN0054)
        return "entry"
    if found_in_quarantine(rules, case):
        return "quarantine"
    return "community"


def unknown_source(rules: Rules, case: dict) -> bool:
    """Is a case row counted under "unknown source" (chưa rõ nguồn lây),
    independently of how it was found: recorded so, or no known source while
    not found in quarantine."""
    if case.get("unknown_given", 1):  # recorded (--unknown-source, the import's column): as recorded
        return bool(case["unknown_source"])
    # not recorded (the stored flag is then derived, "no source yet"): no known source while not
    # found in quarantine (a traced F1/F2 has one: the case that made it one)
    return not case["has_source"] and how_found(rules, case) != "quarantine"


def _build(store, start: dt.date, end: dt.date, by: str, lang: str, base: dt.date,
           compare: tuple[dt.date, dt.date] | None) -> dict:
    days = (end - start).days + 1
    if compare:
        prev_start, prev_end = compare
    else:
        prev_end = start - dt.timedelta(days=1)
        prev_start = prev_end - dt.timedelta(days=days - 1)
    prev_days = (prev_end - prev_start).days + 1
    rules = store.rules()
    s, e = start.isoformat(), end.isoformat()

    lead = start - dt.timedelta(days=AVERAGE_DAYS - 1)  # the average's first days look back
    window = sql.cases_between(store, lead.isoformat(), e)
    cases = [c for c in window if c["confirmed"] >= s]
    by_label = sourced_by_label(store, [c["id"] for c in cases if not c["has_source"]])
    entered = entered_by_label(store, [c["id"] for c in cases if not c.get("found_by")])
    for c in cases:  # a label naming where it was caught (GB, IMPORT) is a known source (sources.has_known_source)
        c["has_source"] = has_known_source(c["has_source"], None, c["id"] in by_label)
        c["entry_label"] = c["id"] in entered
    new = len(cases)
    cumulative = sql.count_cases(store, base.isoformat(), e)
    previous = sql.count_cases(store, prev_start.isoformat(), prev_end.isoformat())
    per_date = Counter(c["confirmed"] for c in window)
    found_on: dict[str, Counter] = {}
    found = {k: 0 for k in FOUND}
    unknown_on: Counter = Counter()
    for c in cases:
        how = how_found(rules, c)
        found[how] += 1
        found_on.setdefault(c["confirmed"], Counter())[how] += 1
        if unknown_source(rules, c):
            unknown_on[c["confirmed"]] += 1
    daily = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        last7 = [per_date.get((day - dt.timedelta(days=k)).isoformat(), 0) for k in range(AVERAGE_DAYS)]
        counts = found_on.get(day.isoformat(), Counter())
        daily.append({"date": day.isoformat(), "new_cases": per_date.get(day.isoformat(), 0),
                      "by_found": {k: counts.get(k, 0) for k in FOUND},
                      "unknown_source": unknown_on.get(day.isoformat(), 0),
                      "avg7": round(sum(last7) / AVERAGE_DAYS, 2)})
    per_day = new / days
    prev_per_day = previous / prev_days

    traced = sql.traced_persons(store)
    levels = sorted({t["level"] for t in traced})
    by_level = {lv: {"level": f"F{lv}", "persons": 0, "traced_in_period": 0, "in_quarantine": 0} for lv in levels}
    area_rows: dict[str, dict] = {}
    wards = WardGroups.of(store)  # a ward is (district, ward): Phường 1 of two districts is two rows

    def area(name):
        return area_rows.setdefault(name, {"area": name, "new_cases": 0, "F1": 0, "F2": 0, "in_quarantine": 0})

    for c in cases:
        area(area_of(c, by, lang, wards))["new_cases"] += 1
    for t in traced:
        row = by_level[t["level"]]
        row["persons"] += 1
        if t["quarantine"] and s <= t["quarantine"] <= e:
            row["traced_in_period"] += 1
        ending = quarantine_end(rules, t)
        a = area(area_of(t, by, lang, wards))
        if t["level"] in (1, 2):
            a[f"F{t['level']}"] += 1
        if ending and t["quarantine"] <= e and ending >= end:
            row["in_quarantine"] += 1
            a["in_quarantine"] += 1

    lo, hi = end + dt.timedelta(days=1), end + dt.timedelta(days=ENDING_DAYS)
    if sql.has_followups(store, "quarantine_end"):
        source = "followups"
        ends = Counter(f["due"] for f in sql.followups_due(store, "quarantine_end", lo.isoformat(), hi.isoformat()))
    else:
        source = "plan"
        ends = Counter()
        for t in traced:
            ending = quarantine_end(rules, t)
            if ending and lo <= ending <= hi:
                ends[ending.isoformat()] += 1
    units = Counter(area_of(c, "unit", lang, wards) for c in cases)
    return {
        "lang": lang, "by": by, "from": s, "to": e, "days": days,
        "new_cases": new, "per_day": round(per_day, 1), "cumulative": cumulative, "cumulative_from": base.isoformat(),
        "share_of_cumulative": round(100 * new / cumulative, 1) if cumulative else None,
        "previous": {"from": prev_start.isoformat(), "to": prev_end.isoformat(), "new_cases": previous,
                     "days": prev_days, "per_day": round(prev_per_day, 1)},
        "change_pct": round(100 * (per_day - prev_per_day) / prev_per_day, 1) if previous else None,
        "growth_ratio": growth_ratio(per_day, prev_per_day) if previous else None,
        "daily": daily,
        "areas": sorted(area_rows.values(), key=lambda r: (-r["new_cases"], r["area"])),
        "units": [{"unit": u, "new_cases": n} for u, n in sorted(units.items(), key=lambda x: (-x[1], x[0]))],
        "found": found,
        "unknown_source": sum(unknown_on.values()),
        "traced": [by_level[lv] for lv in levels],
        "quarantine_ending": [{"date": d, "persons": n} for d, n in sorted(ends.items())],
        "quarantine_ending_total": sum(ends.values()),
        "quarantine_ending_from": source,
        **management.figures(store, start, end),  # zones, foci, F0 by treatment tier
        "undated_cases": sql.count_undated_cases(store),
    }


# ------------------------------------------------------------- output
def headline(report: dict) -> str:
    """The report in one sentence, the way district notices print it
    (figures in the report's language: 33,8; 60,4 %; dd/mm/yyyy).

    Vietnamese: "... số ca F0 mắc mới là 473 ca (chiếm tỷ lệ 60,4 % so với tổng
    số ca cộng dồn từ đầu năm 2021), trung bình 33,8 ca mắc/ngày, gấp 30,0 lần
    so với giai đoạn ..." (Long Biên, 13/12/2021)."""
    with _language(report["lang"]):
        base = dt.date.fromisoformat(report["cumulative_from"])
        since = (_("since the start of {year}").format(year=base.year) if (base.month, base.day) == (1, 1)
                 else _("since {date}").format(date=fmt_date(base)))
        text = _("From {start} to {end}: {n} new F0").format(
            start=fmt_date(report["from"]), end=fmt_date(report["to"]), n=fmt_int(report["new_cases"]))
        if report["share_of_cumulative"] is not None:
            text += " " + _("({share} of the cumulative total {since})").format(
                share=fmt_percent(report["share_of_cumulative"] / 100), since=since)
        text += ", " + _("{per_day} cases per day on average").format(per_day=fmt_decimal(report["per_day"]))
        p = report["previous"]
        if report.get("growth_ratio") is not None and report["growth_ratio"] < 1:
            # a fall is written as one ("giảm 95,3 %"), never "gấp 0,0 lần"
            text += ", " + _("down {fall} in cases per day against {start} – {end} ({ratio} times that rate)").format(
                fall=fmt_percent(-report["change_pct"] / 100), start=fmt_date(p["from"]), end=fmt_date(p["to"]),
                ratio=ratio_text(report["growth_ratio"]))
        elif report.get("growth_ratio") is not None:
            text += ", " + _("{ratio} times the rate of {start} – {end} ({change} in cases per day)").format(
                ratio=ratio_text(report["growth_ratio"]), start=fmt_date(p["from"]), end=fmt_date(p["to"]),
                change=("+" if report["change_pct"] > 0 else "") + fmt_percent(report["change_pct"] / 100))
        else:
            text += ", " + _("no case in {start} – {end} to compare with").format(
                start=fmt_date(p["from"]), end=fmt_date(p["to"]))
        return text + "."


def growth_ratio(per_day: float, prev_per_day: float) -> float:
    """The ratio of two daily rates as JSON keeps it: one decimal from 1 up
    ("gấp 30 lần"), three below 1 (a fall: 0.047, never 0.0).

    >>> growth_ratio(33.79, 1.14), growth_ratio(1.0, 21.4)
    (29.6, 0.047)
    """
    ratio = per_day / prev_per_day
    return round(ratio, 1) if ratio >= 1 else round(ratio, 3)


def ratio_text(ratio) -> str:
    """:func:`growth_ratio` for people, with the decimals it keeps (29,6; 0,047)."""
    if ratio is None:
        return "–"
    return fmt_decimal(ratio, 1 if ratio >= 1 else 3)


_language = in_language  # the report's language for the length of a block (its figures and words)


def tables(report: dict, *, sheet: bool = False) -> list[tuple[str, list[str], list[list]]]:
    """The report as ``(title, headers, rows)`` tables in its language. For
    people (``sheet=False``) figures and dates are text the way the language
    writes them (33,8; 60,4 %; 29/11/2021); for a workbook (``sheet=True``)
    they stay numbers and dates (cells Excel can sum and sort)."""
    L = LABELS[report["lang"]]
    word = AREA_WORD[report["by"]][report["lang"]]["word"]
    f = report["found"]
    p = report["previous"]
    with _language(report["lang"]):
        def day(v):
            return (dt.date.fromisoformat(v) if v else None) if sheet else fmt_date(v)

        def dec(v):
            return v if sheet or v is None else fmt_decimal(v)

        def pct(v):
            return v if sheet or v is None else fmt_percent(v / 100)

        def span(a, b):  # a period is text (one cell), its dates the way the language writes them
            return f"{fmt_date(a)} – {fmt_date(b)}"

        since = fmt_date(report["cumulative_from"])  # inside a label: text the language's way
        tbl = management.tables(report)
        summary = [
            [L["period"], span(report["from"], report["to"])],
            [L["new_cases"], report["new_cases"]],
            [L["per_day"], dec(report["per_day"])],
            [L["cumulative_since"].format(date=since), report["cumulative"]],
            [L["share"], pct(report["share_of_cumulative"])],
            [L["compare"], span(p["from"], p["to"])],
            [L["compare_cases"], p["new_cases"]],
            [L["compare_per_day"], dec(p["per_day"])],
            [L["growth"], report.get("growth_ratio") if sheet else ratio_text(report.get("growth_ratio"))],
            [L["change"], pct(report["change_pct"])],
            *([[L["undated"], report["undated_cases"]]] if report.get("undated_cases") else []),
            *[[L[k], f[k]] for k in FOUND],
            [L["unknown_source"], report["unknown_source"]],
            [L["ending"], report["quarantine_ending_total"]],
        ]
        return [
            (L["summary"], [L["measure"], L["value"]], summary),
            (L["daily"], [L["date"], L["new_cases"], *[L[k] for k in FOUND], L["avg7"], L["unknown_source"]],
             [[day(d["date"]), d["new_cases"], *[d["by_found"][k] for k in FOUND], dec(d["avg7"]),
               d["unknown_source"]]
              for d in report["daily"]]),
            (f"{L['by_area']} {word}", [L["area"], L["new_cases"], "F1", "F2", L["in_quarantine"]],
             [[a["area"], a["new_cases"], a["F1"], a["F2"], a["in_quarantine"]] for a in report["areas"]]),
            # by unit, the table by area already is the table by smallest unit (one section, one title)
            *([] if report["by"] == "unit" else
              [(L["by_unit"], [L["unit"], L["new_cases"]], [[u["unit"], u["new_cases"]] for u in report["units"]])]),
            (L["traced"], [L["level"], L["persons"], L["traced_in_period"], L["in_quarantine"]],
             [[t["level"], t["persons"], t["traced_in_period"], t["in_quarantine"]] for t in report["traced"]]),
            (L["ending"], [L["date"], L["persons"]], [[day(q["date"]), q["persons"]]
                                                       for q in report["quarantine_ending"]]),
            # a workbook gets date cells for ISO dates (shown dd/mm/yyyy in vi), people get text
            *[(t, h, [[(_iso_to_date if sheet else _iso_to_day)(v) for v in r] for r in rows]) for t, h, rows in tbl],
        ]


def _iso_to_date(value):
    """An ISO date string of a workbook table as a date (a date cell), anything else as it is."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _iso_to_day(value):
    """An ISO date or a decimal in a table for people, written the language's
    way (``29/11/2021``, ``75,0``): never ``str()`` of a float."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return fmt_date(value)
    if isinstance(value, float):
        return fmt_float(value)
    return value


def long_rows(report: dict) -> tuple[list[str], list[list]]:
    """One row per figure ``(section, item, measure, value)`` for CSV."""
    L = LABELS[report["lang"]]
    rows = []
    for title, headers, body in tables(report, sheet=True):
        for r in body:
            if len(headers) == 2 and title == L["summary"]:
                rows.append([title, "", r[0], r[1]])
            else:
                for h, v in zip(headers[1:], r[1:]):
                    rows.append([title, r[0], h, v])
    return [L["section"], L["key"], L["measure"], L["value"]], rows


def neutral(report: dict) -> dict:
    """The report as language-neutral JSON data: without its ``lang`` (the
    language of the text outputs, not a figure)."""
    return {k: v for k, v in report.items() if k != "lang"}


def _md_cell(v) -> str:
    return "–" if v is None else str(v).replace("|", "\\|")


def markdown(report: dict) -> str:
    """The report as Markdown (headings and pipe tables), opening with the
    notice-style :func:`headline`."""
    L = LABELS[report["lang"]]
    with _language(report["lang"]):
        period = f"{fmt_date(report['from'])} – {fmt_date(report['to'])}"
    out = [f"# {L['title']}: {period}", "", headline(report), ""]
    for title, headers, body in tables(report):
        out.append(f"## {title}")
        out.append("")
        if not body:
            out += [L["none"], ""]
            continue
        out.append("| " + " | ".join(headers) + " |")
        out.append("|" + "|".join("---" for _ in headers) + "|")
        out += ["| " + " | ".join(_md_cell(v) for v in r) + " |" for r in body]
        out.append("")
    return "\n".join(out)


def format_of(path, fmt: str | None = None) -> str:
    """The format a report file is written in: ``fmt`` (``--format``) when
    given, else from the file name's extension: ``.md``/``.markdown``/``.txt``
    -> md, ``.csv``, ``.json``, ``.xlsx``, ``.html``/``.htm``; no name
    (printing), no extension or a device/pipe -> md. Any other extension
    raises :class:`InvalidValue` naming the formats (a ``.pdf`` holding
    Markdown would lie about what it is), and so does an extension of
    another format than ``fmt`` (``--format xlsx -o bao-cao.pdf`` or
    ``-o bao-cao.csv``): nothing is written.

    >>> format_of("bao-cao.XLSX"), format_of(None), format_of("notes.txt"), format_of("bao-cao", "csv")
    ('xlsx', 'md', 'md', 'csv')
    >>> format_of("bao-cao.pdf", "xlsx")
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: -o bao-cao.pdf: --format xlsx writes .xlsx files, not '.pdf'; name the file bao-cao.xlsx
    """
    if fmt is not None and fmt not in FORMATS:
        raise InvalidValue(_("--format: '{fmt}' is not one of {FORMATS}").format(
                               fmt=fmt, FORMATS=', '.join(FORMATS)))
    if not path:
        return fmt or "md"
    name = os.path.basename(os.fspath(path))
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if not ext or files.is_stream(path):
        return fmt or "md"
    known = EXTENSIONS.get(ext)
    if known is None and fmt is None:
        raise InvalidValue(_("-o {path}: '.{ext}' is not a report format; name the file {names}, or give "
                             "--format {FORMATS}").format(path=path, ext=ext, names=", ".join("." + f for f in FORMATS),
                                                          FORMATS="|".join(FORMATS)))
    if fmt is not None and known != fmt:
        exts = [e for e, f in EXTENSIONS.items() if f == fmt]
        stem = os.path.splitext(os.fspath(path))[0]
        raise InvalidValue(_("-o {path}: --format {fmt} writes {exts} files, not '{ext}'; name the file "
                             "{example}").format(path=path, fmt=fmt, exts=" or ".join("." + e for e in exts),
                                                 ext=os.path.splitext(name)[1], example=f"{stem}.{exts[0]}"))
    return known


def write(report: dict, path, fmt: str) -> None:
    """Write ``report`` to ``path`` as md, csv (one row per figure), json or
    xlsx (one sheet per table). CSV/XLSX cells that look like formulas are
    neutralised (:mod:`tracing.sheets`)."""
    from . import sheets

    if fmt not in FORMATS:
        raise InvalidValue(_("--format: '{fmt}' is not one of {FORMATS}").format(
                               fmt=fmt, FORMATS=', '.join(FORMATS)))
    if fmt in ("csv", "xlsx") and files.is_stream(path):
        # a device or pipe (/dev/stdout, a FIFO): build the file, then write it through
        with tempfile.TemporaryDirectory(prefix="tracing-report-") as folder:
            tmp = os.path.join(folder, f"report.{fmt}")
            write(report, tmp, fmt)
            files.copy_into(tmp, path, what="report")
        return
    if fmt == "xlsx":
        from . import epicurve
        sheets.write_xlsx(path, tables(report, sheet=True),
                          date_format="dd/mm/yyyy" if report["lang"] == "vi" else "yyyy-mm-dd",
                          extra=lambda wb: epicurve.xlsx_chart(wb, report, LABELS[report["lang"]]))
    elif fmt == "html":
        from . import epicurve
        files.write_text(path, epicurve.html_page(report, LABELS[report["lang"]], tables(report),
                                                  headline(report)), what="report")
    elif fmt == "csv":
        headers, rows = long_rows(report)
        sheets.write_csv(path, headers, rows)
    else:
        text = markdown(report) if fmt == "md" else json.dumps(neutral(report), ensure_ascii=False, indent=2)
        files.write_text(path, text + "\n", what="report")

"""`tracing report`, `tracing level`, `tracing check`."""

from __future__ import annotations

import click

from tracing import checks, epilevel, files, report
from tracing.errors import InvalidValue

from tracing.i18n import NP_, N_, _, fmt_date, fmt_decimal, fmt_int, fmt_percent, label, language, set_language

from .output import HEADERS, Vocab, emit_csv, emit_json, emit_rows, emit_table, format_option, note


@click.command("report")
@click.option("--from", "start", metavar="DATE", help="First day (default: 13 days before --to).")
@click.option("--to", "end", metavar="DATE", help="Last day (default: today).")
@click.option("--by", type=Vocab("area", report.BY), default="ward", show_default=True, help="Area of the F0 table.")
@click.option("--cumulative-from", metavar="DATE",
              help="Base date of the cumulative total the new F0 are a share of (default: 1 January of the "
                   "period's year, 'tổng số ca cộng dồn từ đầu năm').")
@click.option("--compare-from", metavar="DATE",
              help="Start of the earlier period to compare with (default: the period of equal length just before).")
@click.option("--compare-to", metavar="DATE", help="End of the earlier period to compare with.")
@click.option("--format", "fmt", type=Vocab("format", report.FORMATS), default=None,
              help="md (default when printing), csv (one row per figure), json, xlsx (needs -o; with an Excel "
                   "chart), html (needs -o; a printable A4 page with the epidemic curve). "
                   "Default with -o: from the file's extension.")
@click.option("-o", "--output", "path", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--lang", type=Vocab("lang"), default=None,
              help="Language of the report (default: the global --lang).")
@click.pass_obj
def report_cmd(obj, start, end, by, cumulative_from, compare_from, compare_to, fmt, path, lang):
    """The supervisor's report for a period, with the figures the notices
    print: new F0, per day, share of the cumulative total since a base date,
    growth against an earlier period (times and per cent), F0 by area and by
    smallest unit, how cases were found (in quarantine, community, screening,
    entry; each new F0 in one) and, as its own figure, how many have an
    unknown source (recorded --unknown-source, or no known source while not
    found in quarantine), F1/F2 traced and in quarantine, quarantines ending
    in the next 7 days, and an epidemic curve (html, xlsx). json and csv are
    the same in every language (English labels, ISO dates).

    \b
    Examples:
      tracing --lang vi report --from 29/11/2021 --to 12/12/2021
      tracing report --compare-from 2021-08-01 --compare-to 2021-08-14
      tracing report -o bao-cao.html
      tracing report -o bao-cao.xlsx
    """
    if lang:
        set_language(lang)
    store = obj.store()
    if path:  # the database itself, then a name that is not the format's (a .pdf holding Markdown)
        files.refuse_database(path, option="-o")
    fmt = report.format_of(path, fmt)
    if fmt in ("xlsx", "html") and not path:
        raise InvalidValue(_("--format {fmt} needs -o FILE").format(fmt=fmt))
    # JSON and CSV are data (issue 14 point 1): English keys and labels, ISO dates, whatever --lang says
    data = report.build(store, start, end, by, "en" if fmt in report.NEUTRAL else language(),
                        cumulative_from=cumulative_from, compare_from=compare_from, compare_to=compare_to)
    if path:
        report.write(data, path, fmt)
        note(_("Wrote {path}").format(path=path))
    elif fmt == "json":
        emit_json(report.neutral(data))
    elif fmt == "csv":
        headers, rows = report.long_rows(data)
        emit_csv([dict(zip(headers, r)) for r in rows], headers)
    else:
        click.echo(report.markdown(data))


@click.command("level")
@click.option("--week-of", metavar="DATE", help="Any day of the Monday–Sunday week (default: today).")
@click.option("--by", type=Vocab("area", epilevel.BY), default="ward", show_default=True)
@format_option("table", "json", "csv")
@click.pass_obj
def level_cmd(obj, week_of, by, fmt):
    """Epidemic level (cấp độ dịch) per area: new community cases (every case
    not found in quarantine, as report counts them: case confirm --found-by,
    else derived) per 100,000 in the week against the bands of rule
    level.bands (case_level), raised by
    low vaccination coverage and unmet treatment capacity when the populations
    file gives them (4800/QĐ-BYT, from 27/01/2022 218/QĐ-BYT: rule
    level.assessment). Every area with a population is listed; an area with
    cases but no population says so; criteria without data are named.
    --by workplace assesses enterprises and industrial zones (population rows
    of kind workplace, cases by the person's workplace).

    \b
    Examples:
      tracing level --week-of 2021-12-08
      tracing level --by unit --format json
      tracing level --by workplace --week-of 2022-02-23
    """
    store = obj.store()
    rows = epilevel.assess(store, week_of, by)
    sunday = epilevel.week_of(week_of or None)[1]
    if store.rules().rule_on("level.bands", sunday) is None:
        # principle 4: before Res. 128/NQ-CP there is no level to give
        note(_("Warning: no epidemic-level rule in force on {day} (level.bands applies from {first}): "
               "counts only, no level").format(day=fmt_date(sunday),
                                               first=fmt_date(store.rules().first_effective("level.bands"))))
    # the columns of before first (scripts read them by position), the criteria after
    columns = ["area", "population", "new_cases", "per_100k", "level", "note", "case_level", "vaccinated",
               "elderly_vaccinated", "capacity"]
    if fmt != "table":
        emit_rows(rows, columns, fmt)
        return
    monday, sunday = epilevel.week_of(week_of)
    header = _("Week {start} – {end}").format(start=fmt_date(monday), end=fmt_date(sunday))
    if rows and rows[0]["decision"]:
        header += "; " + _("criteria of {decision} (rule level.assessment)").format(decision=rows[0]["decision"])
    click.echo(header)
    missing = sorted({m for r in rows for m in r["not_assessed"]})
    # a criterion no area has a figure for (no such column) vs one left blank for some areas: say which
    no_column = [m for m in missing if all(r.get(m) is None for r in rows)]
    if no_column:
        note(_("Not assessed (no column in the populations file): {names}; a criterion without data is left "
                     "out of an area's level, never guessed").format(names=", ".join(label(m) for m in no_column)))
    for m in missing:
        if m not in no_column:
            blank = [r["area"] for r in rows if m in r["not_assessed"]]
            note(_("Not assessed for {n} areas (their {name} cell is blank in the populations file): {areas}; "
                   "left out of their level, never guessed").format(n=fmt_int(len(blank)), name=label(m),
                                                                     areas=", ".join(blank)))
    shown = [{**r, "population": fmt_int(r["population"]) if r["population"] is not None else None,
              "per_100k": fmt_decimal(r["per_100k"]) if r["per_100k"] is not None else None,
              **{k: _level(r.get(k)) for k in ("level", "case_level")},
              # shares of people: percentages as the language writes them (JSON/CSV keep the fraction)
              **{k: fmt_percent(r[k]) for k in ("vaccinated", "elderly_vaccinated") if r.get(k) is not None}}
             for r in rows]
    emit_table(shown, columns, headers=[LEVEL_HEADERS.get(c) or HEADERS.get(c, c) for c in columns],
               empty=_("No area has a population (tracing import populations FILE) and no case this week."))


#: Headers of the `level` table whose short English word means something
#: else elsewhere ("level" is the F level in `list`, "vaccinated" a person's
#: doses in `person show`): their own catalog entries (msgctxt "epidemic level").
LEVEL_HEADERS = {"level": NP_("epidemic level", "level"), "case_level": NP_("epidemic level", "case_level"),
                 "vaccinated": NP_("epidemic level", "vaccinated"),
                 "elderly_vaccinated": NP_("epidemic level", "elderly_vaccinated"),
                 "capacity": NP_("epidemic level", "capacity"), "area": NP_("epidemic level", "area")}


#: The colours of the epidemic levels (Res. 128/NQ-CP): 1 xanh, 2 vàng, 3 cam, 4 đỏ.
LEVEL_COLOURS = {1: N_("green"), 2: N_("yellow"), 3: N_("orange"), 4: N_("red")}


def _level(level):
    return f"{level} ({_(LEVEL_COLOURS[level])})" if level in LEVEL_COLOURS else level


@click.command("check")
@format_option("table", "json", "csv")
@click.pass_obj
def check_cmd(obj, fmt):
    """Data-quality findings: onset before the infector's, contact after the
    source was isolated, contact before birth, one person in two wards, cases
    without contacts after 48 h, cycles of recorded sources.

    \b
    Example:
      tracing check --format json
    """
    rows = checks.run(obj.store())
    emit_rows(rows, ["check", "ids", "message"], fmt, empty=_("No problem found."))


def register(cli):
    cli.add_command(report_cmd)
    cli.add_command(level_cmd)
    cli.add_command(check_cmd)

"""`tracing demo`: a sample outbreak in a fresh database, walked through."""

from __future__ import annotations

import os

import click

from tracing import demo, tree as trees
from tracing.scenarios import reason_lines

from tracing.i18n import _, fmt_date, fmt_decimal, fmt_int, fmt_percent, label
from .output import changes_lines, is_terminal, note

_MAX_LINES = 25


@click.command("demo")
@click.option("--dir", "directory", default="tracing-demo", show_default=True,
              help="Folder for the demo database, data files, report and maps (recreated).")
@click.option("--people", default=3000, show_default=True, type=click.IntRange(200, 200_000),
              help="Size of the sample district.")
def demo_cmd(directory, people):
    """Build a Long Biên sample outbreak and walk through PA1 and PA2.

    Generates a district (Vietnamese names, wards, tổ dân phố, households,
    workplaces, QR check-ins, six weeks of dated contacts), imports it into
    DIR/tracing.db, confirms an index case, then an F1 (PA1), then a case with
    no known source (PA2) and declares its zone, puts F0 in home care or a
    field hospital, releases the zone, and prints the tree, clusters, report
    and maps.

    \b
    Example:
      tracing demo --dir /tmp/demo --people 3000
    """
    progress = (lambda msg: note("… " + msg)) if is_terminal() else None
    store, district = demo.build(directory, people, progress=progress)
    db = os.path.join(directory, "tracing.db")
    counts = store.counts()
    click.echo(_("Sample district: {persons} persons, {contacts} contacts, {checkins} QR check-ins in "
                 "Long Biên ({start} to {end}).").format(
                   persons=fmt_int(counts["persons"]), contacts=fmt_int(counts["contacts"]),
                   checkins=fmt_int(counts["checkins"]), start=fmt_date(district.start), end=fmt_date(district.end)))
    click.echo(_("Each step is played on its own day of the story, as if today were that day (the demo sets "
                 "it; the story ends on {end}, the day the commands below are seen on).").format(
                   end=fmt_date(district.end)))
    for step, data in demo.walk(store, district, directory):
        if step not in ("care", "zone"):
            click.echo()
        _SHOW[step](data)
    click.echo()
    made = [n for n in ("tracing.db", "report.md", "report.xlsx", "tree.html", "timeline.html")
            if os.path.exists(os.path.join(directory, n))]
    click.echo(_("Files in {directory}/: {made}, data/*.csv").format(directory=directory, made=', '.join(made)))
    click.echo(_("Try next:"))
    pin = f"TRACING_TODAY={district.end.isoformat()} "  # statuses as on the story's last day
    for line in (f"{pin}tracing --db {db} list --level F1",
                 f"{pin}tracing --db {db} person find \"nguyen\"",
                 f"{pin}tracing --db {db} clusters",
                 f"{pin}tracing --db {db} followup --date {district.end}",
                 f"{pin}tracing --db {db} zone list --date {district.end}",
                 f"{pin}tracing --db {db} care list --tier all --date {district.end}",
                 f"{pin}tracing --db {db} render --all --layout network -o network.html"):
        click.echo(_("  {line}").format(line=line))
    store.close()


def _person(p: dict) -> str:
    return f"{p['id']} {p['name'] or ''} ({p['unit'] or '?'}, {p['ward'] or '?'})"


def _changes(result: dict) -> None:
    changes = result["changes"]
    counts: dict[str, int] = {}
    for c in changes:
        key = f"{c['from'] or '–'} → {c['to'] or '–'}"
        counts[key] = counts.get(key, 0) + 1
    click.echo("  " + _("Level changes: {changes}").format(
        changes=", ".join(f"{fmt_int(n)} {k}" for k, n in sorted(counts.items())) or _("none")))
    for line in changes_lines(changes[:8]):
        click.echo("  " + line)
    if len(changes) > 8:
        click.echo(_("    … and {changes} more").format(changes=fmt_int(len(changes) - 8)))
    schedule = [s for s in result.get("schedule", []) if s.get("quarantine_until") and s["level"] != "F0"]
    if schedule:
        s = schedule[0]
        click.echo(_("  Schedules: {schedule} persons, e.g. {id} ({level}) quarantined until "
                     "{quarantine_until}, tests {tests}").format(
                       schedule=fmt_int(len(schedule)), id=s["id"], level=s["level"],
                       quarantine_until=fmt_date(s["quarantine_until"]),
                       tests=", ".join(fmt_date(t) for t in s["tests"]) or "–"))


def _index(data):
    case = data["case"]
    onset = _(", onset {date}").format(date=fmt_date(case["onset"])) if case["onset"] else ""
    click.echo(_("1. Index case confirmed: {person}, sample {confirmed}{onset}  [{scenario}]").format(
                   person=_person(data["person"]), confirmed=fmt_date(case["confirmed"]), onset=onset,
                   scenario=data["result"]["scenario"]))
    _changes(data["result"])


def _pa1(data):
    click.echo(_("2. PA1 – an F1 tests positive: {person}").format(person=_person(data['person'])))
    _changes(data["result"])


def _pa2(data):
    result = data["result"]
    click.echo(_("3. PA2 – a case with no known source: {person}").format(person=_person(data['person'])))
    _changes(result)
    for c in result.get("candidates", [])[:3]:
        click.echo(_("  Candidate source {id} (score {score}): {reasons}").format(
                       id=c["id"], score=fmt_int(c["score"]), reasons="; ".join(reason_lines(c)[:2])))
    zone = result.get("zone") or {}
    if zone:
        click.echo(_("  Zone: units {units}; {places} places; {to_test} persons to test").format(
                       units=", ".join(zone["units"]) or "–", places=fmt_int(len(zone["places"])),
                       to_test=fmt_int(len(zone["to_test"]))))
    declared = zone.get("declared")
    if declared:
        click.echo(_("  Declared zone {id} from {start}: {scheduled} mass tests on {days}").format(
                       id=declared["id"], start=fmt_date(declared["start"]),
                       scheduled=fmt_int(declared["tests"]["scheduled"]),
                       days=", ".join(fmt_date(d) for d in declared["tests"]["days"])))


def _care(data):
    s = data["summary"]
    click.echo(_("   F0 care on {date}: tier 1 (home) {tiers}, tier 2 {tiers2}, tier 3 {tiers3}; treated at "
                 "home {home_share}").format(
                   date=fmt_date(data["date"]), tiers=fmt_int(s["tiers"]["1"]), tiers2=fmt_int(s["tiers"]["2"]),
                   tiers3=fmt_int(s["tiers"]["3"]), home_share=_share(s["home_share_pct"])))
    for h in data["home"][:3]:
        if h.release_without_test:
            line = _("   {id} at home, day {day} of illness: may be released from {date} with a negative test, "
                     "on {date_without} without")
        else:
            line = _("   {id} at home, day {day} of illness: may be released from {date} with a negative test")
        click.echo(line.format(id=h.id, day=fmt_int(h.day_of_illness), date=fmt_date(h.release_from),
                               date_without=fmt_date(h.release_without_test)))


def _share(pct):
    """A percentage given as a number of per cent (66.7), written the language's way."""
    return fmt_percent(pct / 100) if pct is not None else "–"


def _zone(data):
    st, rel = data["status"], data["released"]
    if rel is None:
        click.echo(_("   Zone {id} may be released from {release_from} (rule zone.release_days)").format(
                       id=st.id, release_from=fmt_date(st.release_from)))
        return
    click.echo(_("   Zone {id} released on {released}: {release_days} days without a new case since "
                 "{last_case_date} (rule zone.release_days); {cancelled_tests} mass tests cancelled").format(
                   id=rel["id"], released=fmt_date(rel["released"]), release_days=fmt_int(st.release_days),
                   last_case_date=fmt_date(st.last_case_date), cancelled_tests=fmt_int(rel["cancelled_tests"])))


def _tree(data):
    click.echo(_("4. Sơ đồ cây of {root} (3 generations):").format(root=data['root']))
    lines = trees.render_text(data["tree"]).splitlines()
    for line in lines[:_MAX_LINES]:
        click.echo("   " + line)
    if len(lines) > _MAX_LINES:
        click.echo(_("   … {_MAX_LINES} more lines: tracing tree {root}").format(
                       _MAX_LINES=fmt_int(len(lines) - _MAX_LINES), root=data["root"]))


def _clusters(data):
    found = data["clusters"]
    click.echo(_("5. Clusters: {found}").format(found=fmt_int(len(found))))
    for c in found[:5]:
        click.echo(_("   {id}: {size} cases, {first} – {last}, wards {wards}; focus {focus} (over from "
                     "{focus_over_from})").format(
                       id=c["id"], size=fmt_int(c["size"]), first=fmt_date(c["first"]), last=fmt_date(c["last"]),
                       wards=", ".join(c["wards"]), focus=label(c["focus"]), focus_over_from=fmt_date(c["focus_over_from"])))


def _report(data):
    rep = data["report"]
    click.echo(_("6. Report {from_} – {to_}: {new_cases} new F0 ({per_day}/day); written to {md} and {xlsx}").format(
                   from_=fmt_date(rep["from"]), to_=fmt_date(rep["to"]), new_cases=fmt_int(rep["new_cases"]),
                   per_day=fmt_decimal(rep["per_day"]), md=data["files"]["md"], xlsx=data["files"]["xlsx"]))
    tiers = ", ".join(_("tier {tier}: {n}").format(tier=t, n=fmt_int(n)) for t, n in sorted(rep["care"]["tiers"].items()))
    click.echo(_("   zones active: {status}; foci active {active}, over {over}; F0 by tier {tiers}, treated at "
                 "home {home_share}").format(
                   status=fmt_int(sum(1 for z in rep["zones"] if z["status"] == "active")),
                   active=fmt_int(rep["foci"]["active"]), over=fmt_int(rep["foci"]["over"]), tiers=tiers,
                   home_share=_share(rep["care"]["home_share_pct"])))


def _maps(data):
    if data["files"]:
        click.echo(_("7. Maps (open in a browser, work offline): {files}").format(files=", ".join(data["files"].values())))


_SHOW = {"index": _index, "pa1": _pa1, "pa2": _pa2, "care": _care, "zone": _zone, "tree": _tree,
         "clusters": _clusters, "report": _report, "maps": _maps}


def register(cli):
    cli.add_command(demo_cmd)

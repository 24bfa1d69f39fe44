"""`tracing demo`: a sample outbreak in a fresh database, walked through."""

from __future__ import annotations

import os

import click

from tracing import demo, tree as trees

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
    progress = (lambda msg: note(f"… {msg}")) if is_terminal() else None
    store, district = demo.build(directory, people, progress=progress)
    db = os.path.join(directory, "tracing.db")
    click.echo(f"Sample district: {store.counts()['persons']:,} persons, {store.counts()['contacts']:,} contacts, "
               f"{store.counts()['checkins']:,} QR check-ins in Long Biên ({district.start} to {district.end}).")
    for step, data in demo.walk(store, district, directory):
        if step not in ("care", "zone"):
            click.echo()
        _SHOW[step](data)
    click.echo()
    made = [n for n in ("tracing.db", "report.md", "report.xlsx", "tree.html", "timeline.html")
            if os.path.exists(os.path.join(directory, n))]
    click.echo(f"Files in {directory}/: {', '.join(made)}, data/*.csv")
    click.echo("Try next:")
    for line in (f"tracing --db {db} list --level F1",
                 f"tracing --db {db} person find \"nguyen\"",
                 f"tracing --db {db} clusters",
                 f"tracing --db {db} followup --date {district.end}",
                 f"tracing --db {db} zone list --date {district.end}",
                 f"tracing --db {db} care list --tier all --date {district.end}",
                 f"tracing --db {db} render --all --layout network -o network.html"):
        click.echo(f"  {line}")
    store.close()


def _person(p: dict) -> str:
    return f"{p['id']} {p['name'] or ''} ({p['unit'] or '?'}, {p['ward'] or '?'})"


def _changes(result: dict) -> None:
    changes = result["changes"]
    counts: dict[str, int] = {}
    for c in changes:
        key = f"{c['from'] or '–'} → {c['to'] or '–'}"
        counts[key] = counts.get(key, 0) + 1
    click.echo("  Level changes: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"))
    for line in changes_lines(changes[:8]):
        click.echo("  " + line)
    if len(changes) > 8:
        click.echo(f"    … and {len(changes) - 8} more")
    schedule = [s for s in result.get("schedule", []) if s.get("quarantine_until") and s["level"] != "F0"]
    if schedule:
        s = schedule[0]
        click.echo(f"  Schedules: {len(schedule)} persons, e.g. {s['id']} ({s['level']}) quarantined until "
                   f"{s['quarantine_until']}, tests {', '.join(s['tests']) or '–'}")


def _index(data):
    case = data["case"]
    click.echo(f"1. Index case confirmed: {_person(data['person'])}, sample {case['confirmed']}"
               f"{', onset ' + case['onset'] if case['onset'] else ''}  [{data['result']['scenario']}]")
    _changes(data["result"])


def _pa1(data):
    click.echo(f"2. PA1 – an F1 tests positive: {_person(data['person'])}")
    _changes(data["result"])


def _pa2(data):
    result = data["result"]
    click.echo(f"3. PA2 – a case with no known source: {_person(data['person'])}")
    _changes(result)
    for c in result.get("candidates", [])[:3]:
        click.echo(f"  Candidate source {c['id']} (score {c['score']}): {'; '.join(c['reasons'][:2])}")
    zone = result.get("zone") or {}
    if zone:
        click.echo(f"  Zone: units {', '.join(zone['units']) or '–'}; {len(zone['places'])} places; "
                   f"{len(zone['to_test'])} persons to test")
    declared = zone.get("declared")
    if declared:
        click.echo(f"  Declared zone {declared['id']} from {declared['start']}: "
                   f"{declared['tests']['scheduled']} mass tests on {', '.join(declared['tests']['days'])}")


def _care(data):
    s = data["summary"]
    click.echo(f"   F0 care on {data['date']}: tier 1 (home) {s['tiers']['1']}, tier 2 {s['tiers']['2']}, "
               f"tier 3 {s['tiers']['3']}; treated at home {s['home_share_pct']} %")
    for h in data["home"][:3]:
        click.echo(f"   {h.id} at home, day {h.day_of_illness} of illness: may be released from "
                   f"{h.release_from} with a negative test" + (f", on {h.release_without_test} without"
                                                                if h.release_without_test else ""))


def _zone(data):
    st, rel = data["status"], data["released"]
    if rel is None:
        click.echo(f"   Zone {st.id} may be released from {st.release_from} (rule zone.release_days)")
        return
    click.echo(f"   Zone {rel['id']} released on {rel['released']}: {st.release_days} days without a new case "
               f"since {st.last_case_date} (rule zone.release_days); {rel['cancelled_tests']} mass tests cancelled")


def _tree(data):
    click.echo(f"4. Sơ đồ cây of {data['root']} (3 generations):")
    lines = trees.render_text(data["tree"]).splitlines()
    for line in lines[:_MAX_LINES]:
        click.echo("   " + line)
    if len(lines) > _MAX_LINES:
        click.echo(f"   … {len(lines) - _MAX_LINES} more lines: tracing tree {data['root']}")


def _clusters(data):
    found = data["clusters"]
    click.echo(f"5. Clusters: {len(found)}")
    for c in found[:5]:
        click.echo(f"   {c['id']}: {c['size']} cases, {c['first']} – {c['last']}, wards {', '.join(c['wards'])}; "
                   f"focus {c['focus']} (over from {c['focus_over_from']})")


def _report(data):
    rep = data["report"]
    click.echo(f"6. Report {rep['from']} – {rep['to']}: {rep['new_cases']} new F0 "
               f"({rep['per_day']}/day); written to {data['files']['md']} and {data['files']['xlsx']}")
    click.echo(f"   zones active: {sum(1 for z in rep['zones'] if z['status'] == 'active')}; foci active "
               f"{rep['foci']['active']}, over {rep['foci']['over']}; F0 by tier {rep['care']['tiers']}, "
               f"treated at home {rep['care']['home_share_pct']} %")


def _maps(data):
    if data["files"]:
        click.echo("7. Maps (open in a browser, work offline): " + ", ".join(data["files"].values()))


_SHOW = {"index": _index, "pa1": _pa1, "pa2": _pa2, "care": _care, "zone": _zone, "tree": _tree,
         "clusters": _clusters, "report": _report, "maps": _maps}


def register(cli):
    cli.add_command(demo_cmd)

"""`tracing case confirm|unconfirm|link`."""

from __future__ import annotations

import click

from tracing import cases, zones
from tracing.i18n import N_, _, fmt_date, fmt_int, label
from tracing.i18n import shown as shown_text
from tracing.scenarios import reason_lines

from .output import Vocab, changes_lines, emit_json, emit_table, format_option, note


@click.group()
def case():
    """Confirmed cases (F0): confirm, unconfirm a false positive, link a source.

    \b
    Examples:
      tracing case confirm P2 --date 2021-05-07 --onset 2021-05-06
      tracing case confirm BN9 --date 2021-05-08 --unknown-source --dry-run
      tracing case link BN9 --source BN1
    """


def _print_result(result: dict, fmt: str, title: str) -> None:
    for warning in result.get("warnings") or []:
        note(_("Warning: {message}").format(message=shown_text(warning)))
    if fmt == "json":
        emit_json(result)
        return
    click.echo((_("[dry run: nothing written]") + " " if result["dry_run"] else "") + title)
    if result["changes"]:
        click.echo(_("Level changes ({n}):").format(n=fmt_int(len(result["changes"]))))
        for line in changes_lines(result["changes"]):
            click.echo(line)
    else:
        click.echo(_("No level changes."))
    schedule = result.get("schedule") or []
    if schedule:
        click.echo("\n" + _("Schedules ({n}; Day 1 = the day after the last exposure):").format(n=fmt_int(len(schedule))))
        rows = [{**e, "level": e["level"] or "–", "what": _what(e)} for e in schedule]
        emit_table(rows, ["id", "level", "last_exposure", "quarantine_until", "tests", "what"],
                   [N_("id"), N_("level"), N_("last exposure"), N_("quarantine until"), N_("tests"), ""])
    counts = result.get("followups")
    if counts and (counts["scheduled"] or counts["cancelled"]):
        if counts["kept"]:
            line = _("Follow-ups: {scheduled} scheduled, {cancelled} cancelled, {kept} kept.")
        else:
            line = _("Follow-ups: {scheduled} scheduled, {cancelled} cancelled.")
        click.echo(line.format(**counts))
    if result.get("scenario") == "PA2":
        cands = result.get("candidates") or []
        click.echo("\n" + _("Candidate sources ({n}; score = sum of the points in brackets):").format(n=fmt_int(len(cands))))
        if cands:
            for c in cands:
                click.echo("  " + _("{id} ({name}): score {score}").format(
                    id=c["id"], name=c.get("name") or _("no name"), score=c["score"]))
                for reason in reason_lines(c):
                    click.echo(f"      - {reason}")
            click.echo("  " + _("Accept one with: tracing case link {id} --source ID").format(id=result["id"]))
        else:
            click.echo("  " + _("(none found: no contact, household, unit, workplace or check-in evidence)"))
    zone = result.get("zone")
    if zone:
        if zone["window"] is None:  # never an inverted window
            click.echo("\n" + _("Proposed zone ({id} was isolated before it was infectious: no infectious window, "
                                 "no place to zone):").format(id=result["id"]))
        else:
            click.echo("\n" + _("Proposed zone (infectious window {start} to {end}):").format(
                start=fmt_date(zone["window"][0]), end=fmt_date(zone["window"][1])))
        click.echo("  " + _("units:   {units}").format(
            units=", ".join(zone["units"]) or _("– (the case has no unit recorded)")))
        click.echo("  " + _("places:  {places}").format(
            places=", ".join(zone["places"]) or _("– (no check-ins or contact places in the window)")))
        ids = zone["to_test"]
        shown = ", ".join(ids[:30]) + (f", … (+{len(ids) - 30})" if len(ids) > 30 else "")
        click.echo("  " + _("to test: {n} persons ({residents} residents, {visitors} visitors)").format(
            n=fmt_int(len(ids)), residents=zone["residents"], visitors=zone["visitors"]) + (f": {shown}" if ids else ""))
        declared = zone.get("declared")
        if declared:
            tests = declared["tests"]
            click.echo(_("Declared zone {zone} ({kind}) from {day}: {n} mass tests scheduled on {days}.").format(
                zone=declared["id"], kind=_(zones.KIND_WORDS[declared["kind"]]), day=fmt_date(declared["start"]),
                n=tests["scheduled"], days=", ".join(fmt_date(d) for d in tests["days"])))



def _what(entry: dict) -> str:
    if entry["level"] == "F0":
        return _("quarantine ends: moves to treatment") if entry["quarantine_until"] else _("treatment")
    if entry["level"] is None:
        return _("no longer traced: follow-ups cancelled")
    parts = []
    if entry.get("where") and entry["where"] != "none":
        parts.append(label(entry["where"]))
    if entry.get("monitor_until"):
        parts.append(_("monitoring to {date}").format(date=fmt_date(entry["monitor_until"])))
    if entry.get("undated"):
        parts.append(_("undated contact: window end used"))
    return "; ".join(parts)


@case.command("confirm")
@click.argument("person_id")
@click.option("--date", "confirmed", required=True, help="Date of the positive sample.")
@click.option("--onset", help="First symptoms, if any.")
@click.option("--isolated", help="Day the case was isolated (default: --date).")
@click.option("--source", "sources", multiple=True, help="A known infector (repeat for several).")
@click.option("--unknown-source", is_flag=True, help="No known source: PA2.")
@click.option("--found-by", type=Vocab("found_by"),
              help="How the case was found: quarantine, community, screening or entry (Vietnamese too: trong khu "
                   "cách ly, cộng đồng, sàng lọc, nhập cảnh); default: derived (in quarantine if already an F1/F2 "
                   "in quarantine, else community).")
@click.option("--zone", "zone", is_flag=True, help="Propose a zone for a PA1 case too (PA2 always does).")
@click.option("--declare-zone", is_flag=True,
              help="Declare the proposed zone at once (a zone record from the sample date; see `tracing zone`).")
@click.option("--candidates", "n_candidates", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="How many candidate sources to list (PA2).")
@click.option("--dry-run", is_flag=True, help="Show the result and write nothing (a drill).")
@format_option("table", "json")
@click.pass_obj
def case_confirm(obj, person_id, confirmed, onset, isolated, sources, unknown_source, found_by, zone, declare_zone,
                 n_candidates, dry_run, fmt):
    """Make PERSON_ID an F0, re-derive every level it affects and run the
    scenario: PA1 (a known source or exposure: promote the chain, new
    schedules) or PA2 (no known source: candidate sources, zone, who to test).

    \b
    Example:
      tracing case confirm P2 --date 2021-05-07 --onset 2021-05-06 --dry-run
      tracing case confirm BN9 --date 2021-05-08 --unknown-source --declare-zone
    """
    store = obj.store(write=True, dry_run=dry_run)
    fields = {"id": person_id, "confirmed": confirmed, "onset": onset, "isolated": isolated,
              "sources": list(sources), "unknown_source": unknown_source, "found_by": found_by, "zone": zone,
              "declare_zone": declare_zone, "candidates": n_candidates}
    with store.write("case confirm", dry_run=dry_run):
        result = cases.confirm(store, fields)
    label = {"PA1": _("PA1: promote the chain"),
             "PA2": _("PA2: no known source, trace backwards")}[result["scenario"]]
    _print_result(result, fmt, _("{id} confirmed F0 on {date} ({scenario}).").format(
        id=person_id, date=fmt_date(result["case"]["confirmed"]), scenario=label))


@case.command("unconfirm")
@click.argument("person_id")
@click.option("--dry-run", is_flag=True, help="Show the result and write nothing.")
@format_option("table", "json")
@click.pass_obj
def case_unconfirm(obj, person_id, dry_run, fmt):
    """Remove a confirmation (a false positive) and restore the levels.

    \b
    Example:
      tracing case unconfirm P2
    """
    store = obj.store(write=True, dry_run=dry_run)
    with store.write("case unconfirm", dry_run=dry_run):
        result = cases.unconfirm(store, person_id)
    _print_result(result, fmt, _("{id} is no longer a confirmed case.").format(id=person_id))


@case.command("link")
@click.argument("person_id")
@click.option("--source", "sources", multiple=True, required=True, help="The source found later.")
@click.option("--dry-run", is_flag=True, help="Show the result and write nothing.")
@format_option("table", "json")
@click.pass_obj
def case_link(obj, person_id, sources, dry_run, fmt):
    """Record a source found later: a PA2 case becomes linked.

    \b
    Example:
      tracing case link BN9 --source BN1
    """
    store = obj.store(write=True, dry_run=dry_run)
    with store.write("case link", dry_run=dry_run):
        result = cases.link(store, person_id, list(sources))
    _print_result(result, fmt, _("{id} linked to {sources}.").format(id=person_id, sources=", ".join(result["sources"])))


def register(cli):
    cli.add_command(case)

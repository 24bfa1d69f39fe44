"""`tracing followup` (the day's list) and `tracing followup record`."""

from __future__ import annotations

import click

from tracing import followups

from .output import emit_json, emit_rows, emit_table, format_option, note

COLUMNS = ["section", "person", "name", "phone", "level", "ward", "unit", "address", "kind", "due", "days_late",
           "zone"]
TITLES = {"test": "Tests due", "quarantine_end": "Quarantine ends", "overdue": "Overdue tests"}


@click.group(invoke_without_command=True)
@click.option("--date", "day", help="The day of the visits (default: today).")
@click.option("--ward", help="Only this ward.")
@format_option("table", "json", "csv")
@click.pass_context
def followup(ctx, day, ward, fmt):
    """Who to visit on a day: tests due, quarantines ending, overdue tests.

    Print it for the team; record each visit with `tracing followup record`.

    \b
    Examples:
      tracing followup --date 2021-05-21 --ward "Ngọc Lâm"
      tracing followup --date 2021-05-21 --format csv > visits.csv
      tracing followup record P4 --date 2021-05-21 --result negative
    """
    if ctx.invoked_subcommand is not None:
        return
    rows = followups.due_list(ctx.obj.store(), day, ward)
    if fmt != "table":
        emit_rows(rows, COLUMNS, fmt)
        return
    click.echo(f"Follow-ups for {followups.day_text(day)}" + (f", ward {ward}" if ward else "") + ":")
    for section, title in TITLES.items():
        part = [r for r in rows if r["section"] == section]
        click.echo(f"\n{title} ({len(part)}):")
        columns = ["person", "name", "phone", "level", "ward", "unit", "address"]
        if any(r["zone"] for r in part):
            columns.append("zone")
        if section == "overdue":
            columns += ["due", "days_late"]
        emit_table(part, columns)


@followup.command("record")
@click.argument("person_id")
@click.option("--date", "day", help="Day of the visit (default: today).")
@click.option("--result", "result", required=True, type=click.Choice(followups.RESULTS),
              help="Test result, or missed (the test is due again the next day).")
@format_option("table", "json")
@click.pass_obj
def followup_record(obj, person_id, day, result, fmt):
    """Record a test visit. A positive result does not confirm by itself: it
    prints the `tracing case confirm` command to run (PA1).

    \b
    Example:
      tracing followup record P4 --date 2021-05-21 --result positive
    """
    store = obj.store(write=True)
    with store.write("followup record"):
        out = followups.record(store, person_id, day, result)
    if fmt == "json":
        emit_json(out)
        return
    where = f"the test due {out['scheduled_for']}" if out["scheduled_for"] else "an unscheduled test"
    click.echo(f"{out['person']}: {out['result']} on {out['date']} (recorded as {where}).")
    if out["retry"]:
        click.echo(f"Test due again on {out['retry']}.")
    if out["next"]:
        click.echo("Positive: confirm the case to run PA1 (see the diff first with --dry-run):")
        click.echo(f"  {out['next']}")
    elif out["already_case"]:
        note(f"{out['person']} is already a confirmed case.")


def register(cli):
    cli.add_command(followup)

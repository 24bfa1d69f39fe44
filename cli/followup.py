"""`tracing followup` (the day's list) and `tracing followup record`."""

from __future__ import annotations

import click

from tracing import followups
from tracing.i18n import N_, _, fmt_date, fmt_int, label

from .output import Vocab, emit_json, emit_rows, emit_table, format_option, note

COLUMNS = ["section", "person", "name", "phone", "level", "ward", "unit", "address", "kind", "due", "days_late",
           "zone"]
TITLES = {"test": N_("Tests due"), "quarantine_end": N_("Quarantine ends"), "overdue": N_("Overdue tests")}


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
    when = fmt_date(followups.day_text(day))
    click.echo((_("Follow-ups for {date}, ward {ward}:") if ward else _("Follow-ups for {date}:")).format(
        date=when, ward=ward))
    for section, title in TITLES.items():
        part = [r for r in rows if r["section"] == section]
        click.echo("\n" + _("{title} ({n}):").format(title=_(title), n=fmt_int(len(part))))
        columns = ["person", "name", "phone", "level", "ward", "unit", "address"]
        if any(r["zone"] for r in part):
            columns.append("zone")
        if section == "overdue":
            columns += ["due", "days_late"]
        emit_table(part, columns)


@followup.command("record")
@click.argument("person_id")
@click.option("--date", "day", help="Day of the visit (default: today).")
@click.option("--result", "result", required=True, type=Vocab("result"),
              help="Test result, or missed (the test is due again the next day); âm tính / dương tính / vắng too.")
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
    if out["scheduled_for"]:
        where = _("the test due {date}").format(date=fmt_date(out["scheduled_for"]))
    else:
        where = _("an unscheduled test")
    click.echo(_("{person}: {result} on {date} (recorded as {where}).").format(
        person=out["person"], result=label(out["result"]), date=fmt_date(out["date"]), where=where))
    if out["retry"]:
        click.echo(_("Test due again on {date}.").format(date=fmt_date(out["retry"])))
    if out["next"]:
        click.echo(_("Positive: confirm the case to run PA1 (see the diff first with --dry-run):"))
        click.echo(f"  {out['next']}")
    elif out["already_case"]:
        note(_("{person} is already a confirmed case.").format(person=out["person"]))


def register(cli):
    cli.add_command(followup)

"""`tracing export epicontacts|godata|csv DIR [--redact]`."""

from __future__ import annotations

import sys

import click

from .output import emit_json, emit_table, format_option, is_terminal


@click.command("export")
@click.argument("fmt_name", metavar="epicontacts|godata|csv", type=click.Choice(["epicontacts", "godata", "csv"]))
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--redact", is_flag=True,
              help="Ids as tokens, names as initials; no phone, national ID, address or extra attributes.")
@format_option("table", "json")
@click.pass_obj
def export_cmd(obj, fmt_name, out_dir, redact, fmt):
    """Export for other tools: epicontacts (R), Go.Data, or every table as CSV.

    \b
    csv: persons, contacts, cases, checkins, populations (importable again
    with `tracing import`), levels, followups, not_duplicates.
    epicontacts: linelist.csv + contacts.csv for make_epicontacts().
    godata: cases.csv, contacts.csv, relationships.csv for Go.Data's import.

    \b
    Examples:
      tracing export csv backup-2021-06-30/
      tracing export epicontacts for-r/ --redact
      tracing export godata godata/
    """
    from tracing.exporter import export, total_rows

    store = obj.store()
    bar = None
    if is_terminal():
        bar = click.progressbar(length=max(1, total_rows(store)), label=f"export {fmt_name}", file=sys.stderr)
        bar.__enter__()
    try:
        summary = export(store, fmt_name, out_dir, redact=redact, progress=bar.update if bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if fmt == "json":
        emit_json(summary)
        return
    click.echo(f"{summary['dir']}" + (" (redacted)" if redact else ""))
    emit_table([{"file": k, "rows": v} for k, v in summary["files"].items()], ["file", "rows"])


def register(cli) -> None:
    cli.add_command(export_cmd)

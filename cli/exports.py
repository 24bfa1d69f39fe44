"""`tracing export epicontacts|godata|csv DIR [--redact]`."""

from __future__ import annotations

import sys

import click

from tracing.i18n import _

from .output import Vocab, emit_json, emit_table, format_option, is_terminal


class _Bar:
    """A click progress bar on stderr fed with row increments. The amount of
    work is an estimate: the bar stops short of 100 % until the export has
    finished, and then fills up."""

    def __init__(self, length: int, label: str):
        self.length = max(1, length)
        self.done = 0
        self.bar = click.progressbar(length=self.length, label=label, file=sys.stderr)
        self.bar.__enter__()

    def __call__(self, n: int) -> None:
        step = min(n, self.length - 1 - self.done)
        if step > 0:
            self.bar.update(step)
            self.done += step

    def close(self, finished: bool) -> None:
        if finished and self.done < self.length:
            self.bar.update(self.length - self.done)
            self.done = self.length
        self.bar.__exit__(None, None, None)


@click.command("export")
@click.argument("fmt_name", metavar="epicontacts|godata|csv", type=Vocab("export_format"))
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--redact", is_flag=True,
              help="Ids, places, workplaces and source labels as the database's keyed tokens (the same "
                   "in every redacted file of this database); no names, phones, national IDs, addresses "
                   "or extra attributes.")
@click.option("--force", is_flag=True, help="Write into a folder that already holds files (the export's files "
              "in it are replaced, other files are left alone).")
@format_option("table", "json")
@click.pass_obj
def export_cmd(obj, fmt_name, out_dir, redact, force, fmt):
    """Export for other tools: epicontacts (R), Go.Data, or every table as CSV.

    \b
    csv: persons, contacts, cases, checkins, populations (importable again
    with `tracing import`), levels, followups, not_duplicates.
    epicontacts: linelist.csv + contacts.csv for make_epicontacts().
    godata: cases.csv, contacts.csv, relationships.csv for Go.Data's import.
    All files appear together or none; a folder that holds files needs --force.

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
        work = total_rows(store)
        if fmt_name == "godata":  # traced persons and the contacts between them
            work = store.counts()["levels"] + store.counts()["contacts"]
        bar = _Bar(work, f"export {fmt_name}")
    finished = False
    try:
        summary = export(store, fmt_name, out_dir, redact=redact, force=force, progress=bar)
        finished = True
    finally:
        if bar is not None:
            bar.close(finished)
    if fmt == "json":
        emit_json(summary)
        return
    click.echo(f"{summary['dir']}" + (" " + _("(redacted)") if redact else ""))
    emit_table([{"file": k, "rows": v} for k, v in summary["files"].items()], ["file", "rows"])


def register(cli) -> None:
    cli.add_command(export_cmd)

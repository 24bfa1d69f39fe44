"""`tracing import persons|contacts|cases|checkins|populations FILE`."""

from __future__ import annotations

import sys

import click

from tracing.errors import TracingError

from .output import emit_json, emit_table, format_option, is_terminal, note


def _columns(pairs) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise TracingError(f"--column {pair}: use FIELD=HEADER (e.g. --column confirmed=positiveDate)")
        field, header = pair.split("=", 1)
        out[field.strip()] = header
    return out


class _Progress:
    """A click progress bar on stderr (only made when stderr is a terminal);
    a running count of rows when the size is unknown (a workbook that does
    not declare its dimensions)."""

    def __init__(self, label: str):
        self.bar = None
        self.done = 0
        self.counted = False
        self.label = label

    def __call__(self, done: int, total: int | None) -> None:
        if not total:
            if self.bar is None and done > self.done:
                self.done = done
                self.counted = True
                click.echo(f"\r{self.label}  row {done:,}", nl=False, err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        step = min(done, total) - self.done
        if step > 0:
            self.bar.update(step)
            self.done += step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        elif self.counted:
            click.echo("", err=True)


@click.command("import")
@click.argument("kind", type=click.Choice(["persons", "contacts", "cases", "checkins", "populations"]))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--column", "columns", multiple=True, metavar="FIELD=HEADER",
              help="Map a file header to a field (repeatable); FIELD= leaves a field out.")
@click.option("--encoding", help="CSV text encoding (default: detected; e.g. utf-8, cp1258, utf-16).")
@click.option("--sheet", help="Workbook sheet to read (default: the first).")
@click.option("--id-prefix", help="Put this before ids that lack it (e.g. BN: 17 -> BN17), sources too.")
@click.option("--na", "na", multiple=True, metavar="TEXT",
              help="Cell text meaning 'no value', besides NA, N/A, #N/A, NULL (repeatable, e.g. --na -1).")
@click.option("--dry-run", is_flag=True, help="Check and count everything, write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the good rows; bad rows go to FILE.rejected.csv.")
@format_option("table", "json")
@click.pass_obj
def import_cmd(obj, kind, file, columns, encoding, sheet, id_prefix, na, dry_run, skip_invalid, fmt):
    """Import a CSV or XLSX file in one transaction: any bad row stops it
    with its line number and nothing is written (or --skip-invalid).

    \b
    Headers match fields ignoring case and diacritics, in English or
    Vietnamese (Họ và tên, SĐT, Ngày dương tính…); columns that match no
    field are kept as extra attributes. Re-importing a file writes nothing
    new. Levels are re-derived at the end.

    \b
    Examples:
      tracing import persons danh-sach.xlsx --sheet "Tổ 5"
      tracing import contacts tiep-xuc.csv --column from=F0 --column to=F1
      tracing import cases cases.csv --id-prefix BN --column confirmed=positiveDate
      tracing import contacts big.csv --skip-invalid --format json
    """
    from tracing.importer import NA_VALUES, import_file
    from tracing.tabular import check_encoding

    check_encoding(encoding)  # options first: a bad one neither creates nor touches the database
    mapping = _columns(columns)
    store = obj.store(write=True)
    progress = _Progress(f"import {kind}") if is_terminal() else None
    try:
        summary = import_file(store, kind, file, columns=mapping, encoding=encoding, sheet=sheet,
                              dry_run=dry_run, skip_invalid=skip_invalid, id_prefix=id_prefix,
                              na=NA_VALUES | set(na), progress=progress)
    finally:
        if progress is not None:
            progress.close()
    if summary["extras"]:
        note("Kept as extra attributes: " + ", ".join(summary["extras"]))
    shown = summary["warnings"][:_WARNINGS_SHOWN]
    for w in shown:
        note(f"Warning: {w}")
    if summary["possible_duplicates"] > len(shown):
        note(f"… {summary['possible_duplicates'] - len(shown)} more possible duplicates: "
             "review them all with `tracing person duplicates`")
    if summary["rejected"]:
        where = summary["rejected_file"] or "(not written: dry run)"
        note(f"{summary['rejected']} rows rejected: {where}")
        for r in summary["rejections"][:5]:
            note(f"  {r}")
    if fmt == "json":
        emit_json(summary)
        return
    w = summary["written"]
    rows = [{"what": k, "written": v, "updated": summary["updated"].get(k, "")} for k, v in w.items()
            if v or k in ("persons", kind)]
    click.echo(f"{summary['file']}: {summary['rows']} rows"
               + (" (dry run: nothing written)" if dry_run else ""))
    emit_table(rows, ["what", "written", "updated"])
    if summary["levels_changed"]:
        click.echo(f"levels changed: {summary['levels_changed']}")


_WARNINGS_SHOWN = 10  # on a terminal; the JSON summary lists more


def register(cli) -> None:
    cli.add_command(import_cmd)

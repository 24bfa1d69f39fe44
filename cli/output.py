"""Printing results: tables for people, JSON and CSV for scripts.

``--format json`` prints exactly one JSON document on stdout; tables and
messages for people go to stdout, notes and warnings to stderr.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import click


def format_option(*choices: str, default: str = "table"):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="Output format: table for people, json (one document) or csv for scripts.")


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str))


def emit_table(rows: list[dict], columns: list[str], headers: list[str] | None = None, empty: str = "(none)") -> None:
    if not rows:
        click.echo(empty)
        return
    from tabulate import tabulate  # lazily: wcwidth costs 50 ms of start-up

    data = [[_cell(r.get(c)) for c in columns] for r in rows]
    click.echo(tabulate(data, headers=headers or columns, tablefmt="simple", disable_numparse=True))


def emit_csv(rows: list[dict], columns: list[str]) -> None:
    from tracing.sheets import neutralise  # the one formula guard, for files and stdout alike

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([neutralise(_csv_text(r.get(c))) for c in columns])
    click.echo(buf.getvalue(), nl=False)


def emit_rows(rows: list[dict], columns: list[str], fmt: str, **kw) -> None:
    if fmt == "json":
        emit_json(rows)
    elif fmt == "csv":
        emit_csv(rows, columns)
    else:
        emit_table(rows, columns, **kw)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _csv_text(value) -> str:
    if value is None:
        return ""
    return ";".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def note(message: str) -> None:
    """A message for people on stderr (kept off stdout so JSON stays clean)."""
    click.echo(message, err=True)


def changes_lines(changes: list[dict]) -> list[str]:
    return [f"  {c['id']}: {c['from'] or '–'} → {c['to'] or '–'}" for c in changes]


def is_terminal() -> bool:
    return sys.stderr.isatty()

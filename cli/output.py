r"""Printing results: tables for people, JSON and CSV for scripts.

``--format json`` prints exactly one JSON document on stdout; tables and
messages for people go to stdout, notes and warnings to stderr.

Nothing a person typed can drive the terminal: the program's stdout and
stderr are :class:`TerminalSafe` streams that write control characters as
visible escapes (``\x1b``); JSON writes them as ``\u`` escapes, so it stays
exact.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import click

from tracing.values import CONTROL_MULTILINE, visible

#: what the program itself writes to a terminal: a progress line's leading
#: carriage return and click's hide/show cursor codes
_OWN_CODES = re.compile(r"\A\r|\x1b\[\?25[lh]")
_JSON_RAW = re.compile(r"[\x7f-\x9f]")  # json.dumps escapes C0 itself, not DEL and C1


class TerminalSafe(io.TextIOBase):
    r"""A text stream around ``stream`` that writes every control character
    (C0 but tab and newline, DEL, C1) as a visible escape, e.g. a name
    holding ``ESC ] 52 ; …`` (write the clipboard) is shown as ``\x1b]52;…``.
    Only the program's own progress codes (:data:`_OWN_CODES`) pass.

    >>> out = io.StringIO()
    >>> _ = TerminalSafe(out).write("An\x1b]52;c;eA==\x07\x9d\tok\n")
    >>> out.getvalue()
    'An\\x1b]52;c;eA==\\x07\\x9d\tok\n'
    """

    def __init__(self, stream):
        self._stream = stream

    @property
    def encoding(self):
        return self._stream.encoding

    @property
    def errors(self):
        return self._stream.errors

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if CONTROL_MULTILINE.search(text):
            parts, pos = [], 0
            for m in _OWN_CODES.finditer(text):
                parts += [visible(text[pos:m.start()]), m.group()]
                pos = m.end()
            self._stream.write("".join(parts) + visible(text[pos:]))
        else:
            self._stream.write(text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True


def terminal_safe_io() -> None:
    """Make the program's stdout and stderr :class:`TerminalSafe` (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, TerminalSafe):
            setattr(sys, name, TerminalSafe(stream))


def format_option(*choices: str, default: str = "table"):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="Output format: table for people, json (one document) or csv for scripts.")


def emit_json(data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    click.echo(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


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

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
from tracing.i18n import N_, Msg, _, fmt_date, fmt_float, fmt_int, label, language, yes_no

#: Table headers for people (JSON/CSV keep the column keys). English shows
#: the key itself; the Vietnamese are the offices' words ("Đối tượng" for the
#: F level). A column missing here is shown as its key.
HEADERS = {
    "id": N_("id"), "name": N_("name"), "level": N_("level"), "phone": N_("phone"),
    "birth_year": N_("birth_year"), "ward": N_("ward"), "unit": N_("unit"), "address": N_("address"),
    "primary_source": N_("primary_source"), "exposure": N_("exposure"), "other": N_("other"),
    "date": N_("date"), "setting": N_("setting"), "place": N_("place"), "minutes": N_("minutes"),
    "masked": N_("masked"), "at": N_("at"), "until": N_("until"), "size": N_("size"), "first": N_("first"),
    "last": N_("last"), "active": N_("active"), "roots": N_("roots"), "wards": N_("wards"), "cases": N_("cases"),
    "contacts": N_("contacts"), "rate": N_("rate"), "a": N_("a"), "a_name": N_("a_name"), "b": N_("b"),
    "b_name": N_("b_name"), "reasons": N_("reasons"), "file": N_("file"), "rows": N_("rows"),
    "section": N_("section"), "person": N_("person"), "kind": N_("kind"), "due": N_("due"),
    "days_late": N_("days_late"), "reason": N_("reason"), "table": N_("table"), "area": N_("area"), "population": N_("population"),
    "new_cases": N_("new_cases"), "per_100k": N_("per_100k"), "note": N_("note"), "check": N_("check"),
    "ids": N_("ids"), "message": N_("message"), "key": N_("key"), "from": N_("from"), "value": N_("value"),
    "start": N_("start"), "status": N_("status"), "units": N_("units"), "places": N_("places"),
    "last_case": N_("last_case"), "days_without_case": N_("days_without_case"), "release_from": N_("release_from"),
    "due_for_release": N_("due_for_release"), "day_of_illness": N_("day_of_illness"),
    "release_without_test": N_("release_without_test"), "focus": N_("focus"), "focus_over_from": N_("focus_over_from"),
    "tier": N_("tier"), "zone": N_("zone"), "found_by": N_("found_by"), "case_level": N_("case_level"),
    "vaccinated": N_("vaccinated"), "elderly_vaccinated": N_("elderly_vaccinated"), "capacity": N_("capacity"),
    "result": N_("result"), "released": N_("released"), "checkin": N_("checkin"),
}

ENUM_COLUMNS = {"setting", "result", "found_by", "kind", "section", "status", "focus"}


def format_option(*choices: str, default: str = "table"):
    return click.option("--format", "fmt", type=Vocab("format", choices), default=default, show_default=True,
                        help=_format_help(choices))


def _format_help(choices) -> str:
    """The --format help naming only the formats the command offers."""
    if set(choices) == {"table", "json", "csv"}:
        return N_("Output format: table for people, json (one document) or csv for scripts.")
    if set(choices) == {"table", "json"}:
        return N_("Output format: table for people or json (one document) for scripts.")
    return N_("Output format.")


class Typed(str):
    """An enumerated option's canonical value that remembers what the user
    typed (``typed``): ``--setting chợ`` is ``venue``, and ``chợ`` is kept
    as the place (tracing.values.setting_with_words)."""

    typed: str

    def __new__(cls, value: str, typed: str):
        self = super().__new__(cls, value)
        self.typed = typed
        return self


class Vocab(click.ParamType):
    """An enumerated option that accepts every word of ``tracing.values.VOCABULARY[kind]``
    (English or Vietnamese, with or without diacritics: ``--setting "hộ gia đình"``,
    ``--sex nu``, ``--result "duong tinh"``, ``--by phuong``, ``--layout "sơ đồ cây"``)
    and gives the canonical value; ``choices`` narrows it to the values this
    option offers (``--format`` of one command). Every enumerated option of
    the command line is one of these (tests/test_i18n.py walks them all)."""

    def __init__(self, kind: str, choices=None):
        from tracing.values import VOCABULARY
        self.kind = self.name = kind
        self.choices = tuple(choices) if choices is not None else tuple(VOCABULARY[kind])
        unknown = set(self.choices) - set(VOCABULARY[kind])
        if unknown:  # pragma: no cover - a programming error, caught at import
            raise ValueError(f"{kind}: {sorted(unknown)} not in tracing.values.VOCABULARY")

    def get_metavar(self, param, ctx=None):
        return "[" + "|".join(self.choices) + "]"

    def convert(self, value, param, ctx):
        from tracing.errors import InvalidValue
        from tracing.values import choice, visible
        field = param.opts[0] if param else self.kind
        try:
            found = choice(value, field, self.kind)
        except InvalidValue:
            found = None
        if found is None or found not in self.choices:
            self.fail(_("{field}: unknown value '{text}' (use one of {known}, or in Vietnamese)").format(
                field=field, text=visible(str(value))[:40], known=", ".join(self.choices)), param, ctx)
        if self.kind == "setting" and isinstance(value, str) and value != found:
            return Typed(found, value)
        return found

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem
        return [CompletionItem(c) for c in self.choices if c.startswith(incomplete)]


def emit_json(data) -> None:
    """One JSON document; keys starting with ``_`` (display data) are left out."""
    text = json.dumps(_public(data), ensure_ascii=False, indent=2, sort_keys=False, default=str)
    click.echo(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _public(data):
    if isinstance(data, dict):
        return {k: _public(v) for k, v in data.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(data, list):
        return [_public(v) for v in data]
    return data


def emit_table(rows: list[dict], columns: list[str], headers: list[str] | None = None, empty: str | None = None) -> None:
    """A table for people in the language in force: headers from :data:`HEADERS`
    (or ``headers``, msgids marked with ``N_``), dates as the language writes
    them, yes/no translated. ``empty`` (translated by the caller) when no rows."""
    if not rows:
        click.echo(_("(none)") if empty is None else empty)
        return
    from tabulate import tabulate  # lazily: wcwidth costs 50 ms of start-up

    data = [[_cell(r.get(c), c) for c in columns] for r in rows]
    heads = [_(h) if h else h for h in headers] if headers else [_(HEADERS.get(c, c)) for c in columns]
    if language() != "en":
        heads = [h[:1].upper() + h[1:] for h in heads]  # Vietnamese tables: "Họ tên", "Đối tượng"
    click.echo(tabulate(data, headers=heads, tablefmt="simple", disable_numparse=True))


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


def _cell(value, column: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value) or "–"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Msg):
        return value.shown()
    if language() != "en":
        if isinstance(value, float):
            return fmt_float(value)  # 75,0 – never str()'s decimal point
        if isinstance(value, int) and not column.endswith("year") and column not in ("id", "schema", "latest"):
            return fmt_int(value)  # counts: 3.327 – the thousands dot (a year or an id is not a count)
        if column in ENUM_COLUMNS:
            return label(value)
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            return fmt_date(value) if len(value) == 10 else fmt_date(_datetime(value))
    return str(value)


def _datetime(text: str):
    import datetime as dt
    return dt.datetime.fromisoformat(text)


def _csv_text(value) -> str:
    if value is None:
        return ""
    return ";".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")


def note(message: str) -> None:
    """A message for people on stderr (kept off stdout so JSON stays clean)."""
    click.echo(message, err=True)


def changes_lines(changes: list[dict]) -> list[str]:
    return [f"  {c['id']}: {c['from'] or '–'} → {c['to'] or '–'}" for c in changes]


def merged_json(merged: dict) -> dict:
    """The stored values a merge of two records of one contact or check-in
    changed (:mod:`tracing.contactmerge`), for JSON: ``{field: {"from", "to"}}``."""
    return {field: {"from": old, "to": new} for field, (old, new) in sorted(merged.items())}


def merged_text(merged: dict) -> str:
    """The same, for people: "10 → 30 minutes, now unmasked, …"."""
    parts = []
    for field, (old, new) in sorted(merged.items()):
        if field == "minutes":
            parts.append(_("{old} → {new} minutes (the longer)").format(old="–" if old is None else old, new=new))
        elif field == "masked":
            parts.append(_("now unmasked (the more exposed)") if new is False else _("now masked"))
        elif field == "until":
            parts.append(_("check-out {old} → {new} (the wider stay)").format(
                old="–" if old is None else fmt_date(old[:16]), new=fmt_date(new[:16])))
        elif field == "recorded_on":
            parts.append(_("recorded on {date} (the earlier)").format(
                date=_("before the day was kept") if new is None else fmt_date(new)))
        elif field == "extra":
            keys = sorted(k for k in {*(old or {}), *(new or {})} if (old or {}).get(k) != (new or {}).get(k))
            parts.append(_("other columns joined: {keys}").format(keys=", ".join(keys)))
    return "; ".join(parts)


def merged_lines(contacts: int, checkins: int, changes: list[tuple[str, dict]], into: str) -> list[str]:
    """What a `person merge` or `copy --merge` merged by the rule of
    :mod:`tracing.contactmerge`: the counts, then each record whose stored
    values changed (``changes``: ``(record shown, {field: {"from", "to"}})``)."""
    if not contacts and not checkins:
        return []
    head = _("Same contact or check-in on both: {contacts} contacts and {checkins} check-ins merged into {into} "
             "(longer duration, unmasked over masked, the widest stay, blanks filled), {changed} of them changed "
             "a stored value").format(contacts=contacts, checkins=checkins, into=into, changed=len(changes))
    return [head] + [f"  {shown}: " + merged_text({f: (v["from"], v["to"]) for f, v in fields.items()})
                     for shown, fields in changes]


def is_terminal() -> bool:
    return sys.stderr.isatty()

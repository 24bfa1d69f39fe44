"""`tracing rules show|set`."""

from __future__ import annotations

import json

import click

from tracing import followups, levels
from tracing.rules import effective_date, parse_rule_value
from tracing.values import clean_text, parse_date, today

from tracing.cases import changes_json

from tracing.i18n import _, fmt_date, fmt_int

from .output import emit_json, emit_rows, format_option, note


@click.group()
def rules():
    """The rules in force (quarantine days, windows, depth, level bands), with
    effective dates.

    \b
    Examples:
      tracing rules show --date 2021-08-01
      tracing rules set trace.max_depth 3 --from 2021-05-01
    """


@rules.command("show")
@click.option("--date", "day", help="Show the rules in force on this day (default: today).")
@click.option("--all", "show_all", is_flag=True, help="Every rule with every effective date.")
@format_option("table", "json", "csv")
@click.pass_obj
def rules_show(obj, day, show_all, fmt):
    """List the rules in force on a date (or all of them).

    \b
    Example:
      tracing rules show --date 2022-03-01
    """
    from tracing.errors import NoDatabase
    try:
        table = obj.store().rules()
    except NoDatabase:  # no database yet (no file, or a server database without tables): what a new one starts with
        from tracing.rules import Rules
        from tracing.store.address import display
        table = Rules.defaults()
        note(_("No database at {path}: the built-in rules.").format(path=display(obj.db_path)))
    when = parse_date(day, "--date") or today()
    chosen = table.all() if show_all else table.in_force(when)
    rows = [{"key": r.key, "from": r.effective,
             "value": r.value if fmt == "json" else json.dumps(r.value, ensure_ascii=False),
             # a built-in rule's note is a message (tracing.rules.DEFAULT_RULES): translated for people;
             # a note typed with `rules set --note` has no catalog entry and stays as typed
             "note": _(r.note) if fmt == "table" and r.note else r.note}
            for r in chosen]
    emit_rows(rows, ["key", "from", "value", "note"], fmt)


@rules.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--from", "effective", required=True, help="Effective from this date.")
@click.option("--note", default="", help="Why (the notice number).")
@format_option("table", "json")
@click.pass_obj
def rules_set(obj, key, value, effective, note, fmt):
    """Add a rule value effective from a date; levels are re-derived.

    \b
    Example:
      tracing rules set trace.max_depth 3 --from 2021-05-01 --note "QĐ 123"
    """
    parsed = parse_rule_value(key, value)
    note = clean_text(note, "--note") or ""
    day = effective_date(effective)
    store = obj.store(write=True)
    with store.write("rules set", detail={"key": key, "value": parsed, "from": day}):
        store.set_rule(key, day, parsed, note)
        changes = levels.rederive_all(store)
        followups.after_rederive(store, changes, f"rules set {key} from {day}")
    changed = changes_json(changes)
    if fmt == "json":
        emit_json({"key": key, "value": parsed, "from": day, "changes": changed})
        return
    click.echo(_("{key} = {value} from {date}; {n} level(s) changed.").format(
        key=key, value=json.dumps(parsed, ensure_ascii=False), date=fmt_date(day), n=fmt_int(len(changed))))


def register(cli):
    cli.add_command(rules)

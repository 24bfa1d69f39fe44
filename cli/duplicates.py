"""`tracing person duplicates | merge KEEP OTHER | not-duplicate A B`."""

from __future__ import annotations

import click

from tracing.i18n import _

from .output import changes_lines, emit_json, emit_rows, format_option, merged_lines


@click.command("duplicates")
@format_option("table", "json", "csv")
@click.pass_obj
def person_duplicates(obj, fmt):
    """List likely duplicate persons with the reason: same national ID, same
    phone (any form), or same name without diacritics + birth year + ward.
    Pairs marked `not-duplicate` are not listed.

    \b
    Examples:
      tracing person duplicates
      tracing person merge P12 P40        # keep P12, fold P40 into it
      tracing person not-duplicate P3 P9  # a false alarm
    """
    from tracing.duplicates import find_duplicates

    rows = find_duplicates(obj.store())
    emit_rows(rows, ["a", "a_name", "b", "b_name", "reasons"], fmt, empty=_("No likely duplicates."))


@click.command("merge")
@click.argument("keep")
@click.argument("other")
@click.option("--dry-run", is_flag=True, help="Show what the merge would do, write nothing.")
@format_option("table", "json")
@click.pass_obj
def person_merge(obj, keep, other, dry_run, fmt):
    """Merge OTHER into KEEP: contacts, check-ins, case, sources and
    follow-ups move to KEEP, KEEP's blank fields are filled from OTHER,
    OTHER is deleted and levels are re-derived (audited). A contact or
    check-in both had (the same third person and day; the same place and
    time) becomes one by the rule of `contact add` (the longer duration,
    unmasked over masked, the widest stay, blanks filled), said with what
    changed.

    \b
    Example:
      tracing person merge P12 P40 --dry-run
    """
    from tracing.duplicates import merge

    store = obj.store(write=True, dry_run=dry_run)
    with store.write("person merge", dry_run=dry_run):
        result = merge(store, keep, other)
    if fmt == "json":
        emit_json(result)
        return
    text = (_("Would merge {other} into {keep}: {moved} contacts moved, {dropped} dropped, {checkins} check-ins moved")
            if dry_run else
            _("Merged {other} into {keep}: {moved} contacts moved, {dropped} dropped, {checkins} check-ins moved"))
    click.echo(text.format(other=result["other"], keep=result["keep"], moved=result["contacts_moved"],
                           dropped=result["contacts_dropped"], checkins=result["checkins_moved"])
               + (", " + _("case {id}").format(id=result["case"]) if result["case"] else "")
               + (", " + _("filled {fields}").format(fields=", ".join(result["fields_filled"]))
                  if result["fields_filled"] else ""))
    shown = [(" ".join(str(k) for k in ([m["key"][0], m["place"], m["key"][2]] if "place" in m else m["key"]) if k),
              m["fields"]) for m in result["merged_changes"]]
    for line in merged_lines(result["contacts_merged"], result["checkins_merged"], shown,
                             _("{keep}'s records").format(keep=result["keep"])):
        click.echo(line)
    for line in changes_lines(result["changes"]):
        click.echo(line)


@click.command("not-duplicate")
@click.argument("a")
@click.argument("b")
@format_option("table", "json")
@click.pass_obj
def person_not_duplicate(obj, a, b, fmt):
    """Remember that A and B are different people (no longer listed).

    \b
    Example:
      tracing person not-duplicate P3 P9
    """
    from tracing.duplicates import mark_not_duplicate

    store = obj.store(write=True)
    with store.write("person not-duplicate"):
        result = mark_not_duplicate(store, a, b)
    if fmt == "json":
        emit_json(result)
    else:
        click.echo(_("{a} and {b} marked as different people.").format(a=result["a"], b=result["b"]))


def register(cli) -> None:
    group = cli.commands["person"]
    for cmd in (person_duplicates, person_merge, person_not_duplicate):
        group.add_command(cmd)

"""`tracing status`, `tracing list`, `tracing tree`."""

from __future__ import annotations

import click

from tracing import tree as trees
from tracing.care import TIER_NAMES
from tracing.i18n import _, fmt_date, label
from tracing.levels import parse_level
from tracing.status import listing, status
from tracing.zones import KIND_WORDS, STATUS_WORDS

from .output import Vocab, emit_json, emit_rows, format_option


def case_line(c: dict) -> str:
    """A case's dates as ``status`` and ``person show`` print them: sample
    (confirmation), onset, isolation, unknown source; an undated case says so."""
    if c["confirmed"]:
        parts = [_("confirmed {date}").format(date=fmt_date(c["confirmed"]))]
    else:
        parts = [_("no confirmation date (undated case)")]
    if c["onset"]:
        parts.append(_("onset {date}").format(date=fmt_date(c["onset"])))
    if c["isolated"]:
        parts.append(_("isolated {date}").format(date=fmt_date(c["isolated"])))
    if c["unknown_source"]:
        parts.append(_("source unknown"))
    return ", ".join(parts)


@click.command("status")
@click.argument("person_id")
@format_option("table", "json")
@click.pass_obj
def status_cmd(obj, person_id, fmt):
    """A person's level now, sources, primary source and flags.

    \b
    Example:
      tracing status P2 --format json
    """
    st = status(obj.store(), person_id)
    if fmt == "json":
        emit_json(st)
        return
    click.echo(f"{st['id']} {st['name'] or ''}".rstrip() + f": {st['level'] or _('not traced')}")
    if st["primary_source"]:
        others = [s for s in st["sources"] if s != st["primary_source"]]
        line = _("primary source: {id}").format(id=st["primary_source"])
        if others:
            line += " " + _("(also {ids})").format(ids=", ".join(others))
        click.echo("  " + line)
    if st["exposure"]:
        click.echo("  " + _("first exposure: {date}").format(date=fmt_date(st["exposure"])))
    if st["quarantine_from"]:
        click.echo("  " + _("quarantined from: {date}").format(date=fmt_date(st["quarantine_from"])))
    if st["case"]:
        click.echo("  " + case_line(st["case"]))
    care = st.get("care")
    if care and care["recovered"]:
        click.echo("  " + _("released from treatment on {date}").format(date=fmt_date(care["recovered"])))
    elif care and care["tier"]:
        line = _("treatment: tier {tier} ({name}) from {date}").format(
            tier=care["tier"], name=_(TIER_NAMES[care["tier"]]), date=fmt_date(care["since"]))
        if care["place"]:
            line += ", " + care["place"]
        click.echo("  " + line)
    for z in st.get("zones") or []:
        how = (_("lives in {area}") if z["how"] == "lives" else _("checked in at {area}")).format(area=z["area"])
        line = _("zone {zone} ({kind}, {status}): {how}").format(
            zone=z["id"], kind=_(KIND_WORDS[z["kind"]]), status=_(STATUS_WORDS[z["status"]]), how=how)
        if z["released"]:
            line += "; " + _("released {date}").format(date=fmt_date(z["released"]))
        elif z["release_from"]:
            line += "; " + _("may be released from {date}").format(date=fmt_date(z["release_from"]))
        click.echo("  " + line)
    if st["flags"]:
        click.echo("  " + _("flags: {flags}").format(flags=", ".join(label(f) for f in st["flags"])))


@click.command("list")
@click.option("--level", type=Vocab("level"), help="F0, F1, F2…")
@click.option("--ward")
@click.option("--unit")
@format_option("table", "json", "csv")
@click.pass_obj
def list_cmd(obj, level, ward, unit, fmt):
    """Traced persons with their level, primary source, ward and unit.

    \b
    Examples:
      tracing list --level F1 --ward "Ngọc Lâm"
      tracing list --format csv > traced.csv
    """
    rows = listing(obj.store(), level=parse_level(level) if level else None, ward=ward, unit=unit)
    emit_rows(rows, ["id", "name", "level", "primary_source", "ward", "unit", "exposure"], fmt,
              empty=_("Nobody traced yet."))


@click.command("tree")
@click.argument("root")
@click.option("--depth", type=click.IntRange(0, 50), help="Generations to show (default: all).")
@click.option("--format", "fmt", type=Vocab("format", ("text", "table", "json")), default="text", show_default=True,
              help="text (or table): the tree drawn for people; json: nested {id, level, date, children}.")
@click.pass_obj
def tree_cmd(obj, root, depth, fmt):
    """The sơ đồ cây from ROOT: who exposed whom, by primary source.

    Each line: id, name, level and date (the root's confirmation date, else
    the exposure to the parent); people with other sources say so.

    \b
    Example:
      tracing tree BN1 --depth 2
    """
    node = trees.build(obj.store(), root, depth)
    if fmt == "json":
        emit_json(node)
    else:
        click.echo(trees.render_text(node))


def register(cli):
    cli.add_command(status_cmd)
    cli.add_command(list_cmd)
    cli.add_command(tree_cmd)

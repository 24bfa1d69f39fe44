"""`tracing case confirm|unconfirm|link`."""

from __future__ import annotations

import click

from tracing import cases

from .output import changes_lines, emit_json, format_option


@click.group()
def case():
    """Confirmed cases (F0): confirm, unconfirm a false positive, link a source.

    \b
    Examples:
      tracing case confirm P2 --date 2021-05-07 --onset 2021-05-06
      tracing case confirm BN9 --date 2021-05-08 --unknown-source --dry-run
      tracing case link BN9 --source BN1
    """


def _print_result(result: dict, fmt: str, title: str) -> None:
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    if fmt == "json":
        emit_json(public)
        return
    click.echo(("[dry run: nothing written] " if result["dry_run"] else "") + title)
    if result["changes"]:
        click.echo(f"Level changes ({len(result['changes'])}):")
        for line in changes_lines(result["changes"]):
            click.echo(line)
    else:
        click.echo("No level changes.")


@case.command("confirm")
@click.argument("person_id")
@click.option("--date", "confirmed", required=True, help="Date of the positive sample.")
@click.option("--onset", help="First symptoms, if any.")
@click.option("--isolated", help="Day the case was isolated (default: --date).")
@click.option("--source", "sources", multiple=True, help="A known infector (repeat for several).")
@click.option("--unknown-source", is_flag=True, help="No known source: PA2.")
@click.option("--dry-run", is_flag=True, help="Show the result and write nothing (a drill).")
@format_option("table", "json")
@click.pass_obj
def case_confirm(obj, person_id, confirmed, onset, isolated, sources, unknown_source, dry_run, fmt):
    """Make PERSON_ID an F0 and re-derive every level it affects.

    \b
    Example:
      tracing case confirm P2 --date 2021-05-07 --onset 2021-05-06 --source BN1
    """
    store = obj.store(write=not dry_run)
    fields = {"id": person_id, "confirmed": confirmed, "onset": onset, "isolated": isolated,
              "sources": list(sources), "unknown_source": unknown_source}
    with store.write("case confirm", dry_run=dry_run):
        result = cases.confirm(store, fields)
    result["scenario"] = "PA1" if (result["prior_level"] or result["sources"]) else "PA2"
    _print_result(result, fmt, f"{person_id} confirmed F0 ({result['scenario']}).")


@case.command("unconfirm")
@click.argument("person_id")
@click.option("--dry-run", is_flag=True, help="Show the result and write nothing.")
@format_option("table", "json")
@click.pass_obj
def case_unconfirm(obj, person_id, dry_run, fmt):
    """Remove a confirmation (a false positive) and restore the levels.

    \b
    Example:
      tracing case unconfirm P2
    """
    store = obj.store(write=not dry_run)
    with store.write("case unconfirm", dry_run=dry_run):
        result = cases.unconfirm(store, person_id)
    _print_result(result, fmt, f"{person_id} is no longer a confirmed case.")


@case.command("link")
@click.argument("person_id")
@click.option("--source", "sources", multiple=True, required=True, help="The source found later.")
@click.option("--dry-run", is_flag=True, help="Show the result and write nothing.")
@format_option("table", "json")
@click.pass_obj
def case_link(obj, person_id, sources, dry_run, fmt):
    """Record a source found later: a PA2 case becomes linked.

    \b
    Example:
      tracing case link BN9 --source BN1
    """
    store = obj.store(write=not dry_run)
    with store.write("case link", dry_run=dry_run):
        result = cases.link(store, person_id, list(sources))
    _print_result(result, fmt, f"{person_id} linked to {', '.join(result['sources'])}.")


def register(cli):
    cli.add_command(case)

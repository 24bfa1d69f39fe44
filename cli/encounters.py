"""`tracing contact add` and `tracing checkin add`."""

from __future__ import annotations

import click

from tracing import encounters
from tracing.cases import changes_json
from tracing.i18n import _, fmt_date

from .output import Vocab, changes_lines, emit_json, format_option, merged_json, merged_text


@click.group()
def contact():
    """Contacts between two people (encounters on a date).

    \b
    Example:
      tracing contact add BN1 P2 --date 2021-05-03 --setting household
    """


@contact.command("add")
@click.argument("a")
@click.argument("b")
@click.option("--date", help="Day of the encounter (YYYY-MM-DD or DD/MM/YYYY); blank = undated (flagged).")
@click.option("--setting", type=Vocab("setting"),
              help="Where they met; Vietnamese words too (hộ gia đình, nơi làm việc, trường học…).")
@click.option("--place", help="Where it happened.")
@click.option("--minutes", type=click.IntRange(0, 7 * 24 * 60), help="How long.")
@click.option("--masked/--unmasked", default=None, help="Were both masked?")
@format_option("table", "json")
@click.pass_obj
def contact_add(obj, a, b, fmt, **fields):
    """Record that A and B met, and show the levels that change.

    \b
    Example:
      tracing contact add BN1 P2 --date 05/05/2021 --setting work --minutes 30 --unmasked
    """
    # the words typed for --setting (chợ, đám cưới) are kept as the place when none is given
    fields["setting"] = getattr(fields["setting"], "typed", fields["setting"])
    store = obj.store(write=True)
    with store.write("contact add"):
        result = encounters.add_contact(store, {"a": a, "b": b, **fields})
    changes = changes_json(result["changes"])
    if fmt == "json":
        emit_json({"a": result["a"], "b": result["b"], "date": result["date"], "new": result["new"],
                   "merged": merged_json(result["merged"]),
                   "changes": changes, "schedule": result["schedule"], "followups": result["followups"]})
        return
    if not result["new"]:
        if not result["merged"]:
            click.echo(_("Already recorded: {a}–{b} on {date}.").format(
                a=result["a"], b=result["b"],
                date=fmt_date(result["date"]) if result["date"] else _("an unknown date")))
            return
        click.echo(_("Already recorded: {a}–{b} on {date}; the two records were merged: {what}.").format(
            a=result["a"], b=result["b"], what=merged_text(result["merged"]),
            date=fmt_date(result["date"]) if result["date"] else _("an unknown date")))
        _print_derived(changes, result["followups"])
        return
    click.echo(_("Recorded contact {a}–{b} on {date}.").format(
        a=result["a"], b=result["b"],
        date=fmt_date(result["date"]) if result["date"] else _("an unknown date (flagged)")))
    _print_derived(changes, result["followups"])


def _print_derived(changes: list[dict], counts: dict) -> None:
    """The level changes and follow-up moves an encounter caused."""
    if changes:
        click.echo(_("Levels changed:"))
        for line in changes_lines(changes):
            click.echo(line)
    if counts["scheduled"] or counts["cancelled"]:
        click.echo(_("Follow-ups: {scheduled} scheduled, {cancelled} cancelled.").format(
            scheduled=counts["scheduled"], cancelled=counts["cancelled"]))


@click.group()
def checkin():
    """QR check-ins (khai báo y tế, quét mã QR) at places.

    \b
    Example:
      tracing checkin add P2 "Chợ Long Biên" --at "2021-05-03 08:15" --until "2021-05-03 09:00"
    """


@checkin.command("add")
@click.argument("person")
@click.argument("place")
@click.option("--at", "at", required=True, help="Check-in time: YYYY-MM-DD HH:MM.")
@click.option("--until", help="Check-out time, if known.")
@format_option("table", "json")
@click.pass_obj
def checkin_add(obj, person, place, at, until, fmt):
    """Record a QR check-in of PERSON at PLACE.

    \b
    Example:
      tracing checkin add BN1 "Quán cà phê Hoa Sữa" --at "2021-05-02 19:30"
    """
    store = obj.store(write=True)
    with store.write("checkin add"):
        result = encounters.add_checkin(store, person, place, at, until)
    changes = changes_json(result["changes"])
    if fmt == "json":
        emit_json({**result, "merged": merged_json(result["merged"]), "changes": changes})
    elif result["new"]:
        click.echo(_("Recorded check-in of {person} at {place} on {at}.").format(
            person=result["person"], place=result["place"], at=fmt_date(result["at"])))
        _print_derived(changes, result["followups"])
    elif result["merged"]:
        click.echo(_("Already recorded: {person} at {place} on {at}; the two records were merged: {what}.").format(
            person=result["person"], place=result["place"], at=fmt_date(result["at"]),
            what=merged_text(result["merged"])))
        _print_derived(changes, result["followups"])
    else:
        click.echo(_("Already recorded: {person} at {place} on {at}.").format(
            person=result["person"], place=result["place"], at=fmt_date(result["at"])))


def register(cli):
    cli.add_command(contact)
    cli.add_command(checkin)

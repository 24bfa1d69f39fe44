"""`tracing zone declare|list|release|cancel`, `tracing care set|list` and
`tracing case recover`: managing the outbreak after tracing."""

from __future__ import annotations

import click

from tracing import care, zones
from tracing.i18n import NP_, N_, _, fmt_date, fmt_int, shown

from .output import HEADERS, Vocab, emit_json, emit_rows, emit_table, format_option, note


# ------------------------------------------------------------------ zones
@click.group("zone")
def zone_group():
    """Zones (khoanh vùng, phong tỏa): declare, list, release, cancel.

    A zone's residents, and everyone checked in at its places in its window,
    get mass-testing follow-ups (rule zone.test_days) that `tracing followup`
    lists; a zone is due for release after zone.release_days without a case.

    \b
    Examples:
      tracing zone declare "TDP 5, Ngọc Lâm" --from 2021-05-08 --kind lockdown
      tracing zone declare --from-case BN9 --from 2021-05-08
      tracing zone list --date 2021-05-25
      tracing zone release Z1 --date 2021-05-25
      tracing zone cancel Z2 --reason "declared by mistake"
    """


@zone_group.command("declare")
@click.argument("targets", nargs=-1, metavar="UNIT_OR_PLACE...")
@click.option("--from", "start", required=True, metavar="DATE", help="The day the zone starts.")
@click.option("--kind", type=Vocab("zone_kind", zones.KINDS), default="zone", show_default=True,
              help="zone = khoanh vùng, lockdown = phong tỏa.")
@click.option("--case", "case_id", metavar="ID", help="The case the zone is declared for (sets its window).")
@click.option("--from-case", "from_case", metavar="ID",
              help="Declare the PA2 proposal of this case: its unit and the places of its infectious window.")
@format_option("table", "json")
@click.pass_obj
def zone_declare(obj, targets, start, kind, case_id, from_case, fmt):
    """Declare a zone over units ('UNIT, WARD', as persons are recorded;
    'UNIT, WARD, DISTRICT' when that ward's name is in several districts) and
    places (as checked in); 'unit:NAME' or 'place:NAME' when a name is both.
    Everyone living there, and everyone checked in at its places in its
    window, gets mass tests on the days of rule zone.test_days.

    \b
    Examples:
      tracing zone declare "TDP 5, Ngọc Lâm" "Quán cà phê Hoa Sữa" --from 2021-05-08
      tracing zone declare --from-case BN9 --from 2021-05-08 --kind lockdown
    """
    if from_case and case_id and from_case != case_id:
        raise click.UsageError(_("--case and --from-case name different cases"))
    store = obj.store(write=True)
    with store.write("zone declare"):
        result = zones.declare(store, list(targets), start, kind=kind, case_id=from_case or case_id,
                               from_case=bool(from_case))
    for w in result["warnings"]:
        note(_("Warning: {message}").format(message=shown(w)))
    if fmt == "json":
        emit_json(result)
        return
    kind = _(zones.KIND_WORDS[result["kind"]])
    if result["case"]:
        click.echo(_("Declared zone {zone} ({kind}) from {day} for case {case}.").format(
            zone=result["id"], kind=kind, day=fmt_date(result["start"]), case=result["case"]))
    else:
        click.echo(_("Declared zone {zone} ({kind}) from {day}.").format(
            zone=result["id"], kind=kind, day=fmt_date(result["start"])))
    click.echo(_("  units:   {units}").format(units=", ".join(result["units"]) or "–"))
    places = ", ".join(result["places"]) or "–"
    if result["places"]:
        places += " " + _("(check-ins {start} to {end})").format(start=fmt_date(result["window"][0]),
                                                                 end=fmt_date(result["window"][1]))
    click.echo(_("  places:  {places}").format(places=places))
    tests = result["tests"]
    click.echo(_("  to test: {n} persons on {days} ({scheduled} follow-ups scheduled)").format(
        n=fmt_int(len(result["to_test"])), days=", ".join(fmt_date(d) for d in tests["days"]), scheduled=tests["scheduled"]))


EVENT_WORDS = {"care": N_("treatment"), "recovered": N_("released from treatment")}

ZONE_COLUMNS = ["id", "kind", "start", "status", "units", "places", "case", "last_case", "last_case_date",
                "days_without_case", "release_from", "due_for_release", "released"]
ZONE_TABLE = ["id", "kind", "start", "status", "units", "places", "last_case", "days_without_case", "release_from",
              "due_for_release", "released"]


@zone_group.command("list")
@click.option("--date", "day", metavar="DATE", help="The day the zones are seen on (default: today).")
@click.option("--status", type=Vocab("zone_status", zones.STATUSES), help="Only zones with this status.")
@format_option("table", "json", "csv")
@click.pass_obj
def zone_list(obj, day, status, fmt):
    """Every zone with its status on a day, days without a new case and
    whether it is due for release under rule zone.release_days.

    \b
    Examples:
      tracing zone list --date 2021-05-25
      tracing zone list --status active --format csv
    """
    rows = [z.as_dict() for z in zones.list_zones(obj.store(), day, status=status)]
    if fmt == "table":  # words for people; JSON and CSV keep the codes
        rows = [{**r, "kind": _(zones.KIND_WORDS[r["kind"]]), "status": _(zones.STATUS_WORDS[r["status"]])}
                for r in rows]
    emit_rows(rows, ZONE_COLUMNS if fmt != "table" else ZONE_TABLE, fmt, empty=_("No zones."))


@zone_group.command("release")
@click.argument("zone_id")
@click.option("--date", "day", required=True, metavar="DATE", help="The day the zone ends.")
@click.option("--force", is_flag=True, help="Release although a case in the zone is newer than the rule allows.")
@format_option("table", "json")
@click.pass_obj
def zone_release(obj, zone_id, day, force, fmt):
    """End a zone. Refused, with the reason, while its last case is newer
    than rule zone.release_days allows, unless --force (the reason is kept in
    the audit log). Its outstanding mass tests (to come, and missed before)
    are cancelled: none is listed overdue after the release. A zone not
    started is withdrawn with `tracing zone cancel`.

    \b
    Example:
      tracing zone release Z1 --date 2021-05-25
    """
    store = obj.store(write=True)
    with store.write("zone release"):
        result = zones.release(store, zone_id, day, force=force)
    if fmt == "json":
        emit_json(result)
        return
    message = (_("Released zone {zone} on {day} (forced); {n} mass tests cancelled.") if result["forced"]
               else _("Released zone {zone} on {day}; {n} mass tests cancelled."))
    click.echo(message.format(zone=result["id"], day=fmt_date(result["released"]), n=result["cancelled_tests"]))
    if result["note"]:
        note(shown(result["note"]))


@zone_group.command("cancel")
@click.argument("zone_id")
@click.option("--reason", metavar="TEXT", help="Why it is withdrawn (kept in the audit log).")
@format_option("table", "json")
@click.pass_obj
def zone_cancel(obj, zone_id, reason, fmt):
    """Withdraw a zone declared by mistake, or planned and not held (a zone
    not started cannot be released). Its status becomes cancelled, its
    outstanding mass tests are cancelled (those done stay in the persons'
    history) and the audit log keeps the reason.

    \b
    Example:
      tracing zone cancel Z2 --reason "declared for the wrong unit"
    """
    store = obj.store(write=True)
    with store.write("zone cancel"):
        result = zones.cancel(store, zone_id, reason)
    if fmt == "json":
        emit_json(result)
        return
    click.echo(_("Cancelled zone {zone}; {n} mass tests cancelled.").format(zone=result["id"],
                                                                          n=result["cancelled_tests"]))


# ------------------------------------------------------------------ care
@click.group("care")
def care_group():
    """F0 care (phân tầng điều trị): tier 1 home care, 2 field hospital,
    3 intensive care, with history; who in home care may be released.

    \b
    Examples:
      tracing care set BN1 --tier 1 --from 2022-02-01 --place "tại nhà"
      tracing care list --date 2022-02-08
      tracing case recover BN1 --date 2022-02-08
    """


@care_group.command("set")
@click.argument("case_id")
@click.option("--tier", required=True, type=Vocab("tier", ("1", "2", "3")),
              help="1 home care (cách ly điều trị tại nhà), 2 field hospital, 3 intensive care.")
@click.option("--from", "start", required=True, metavar="DATE", help="First day at this tier.")
@click.option("--place", help="Where: the hospital, or 'tại nhà'.")
@format_option("table", "json")
@click.pass_obj
def care_set(obj, case_id, tier, start, place, fmt):
    """Record where a confirmed case is treated from a day (history is kept).

    \b
    Example:
      tracing care set BN1 --tier 2 --from 2022-02-03 --place "Bệnh viện dã chiến số 1"
    """
    store = obj.store(write=True)
    with store.write("care set"):
        result = care.set_tier(store, case_id, tier, start, place)
    if fmt == "json":
        emit_json(result)
        return
    click.echo(_("{id}: tier {tier} ({name}) from {day}.").format(
        id=result["id"], tier=result["tier"], name=_(care.TIER_NAMES[result["tier"]]), day=fmt_date(result["from"]))
        + (" " + _("Place: {place}.").format(place=result["place"]) if result["place"] else ""))
    emit_table([{**h, "tier": h["tier"] or "–", "event": _(EVENT_WORDS[h["event"]])} for h in result["history"]],
               ["start", "event", "tier", "place"], [_("since"), _("event"), _("tier"), _("where")])


CARE_COLUMNS = ["id", "name", "phone", "ward", "unit", "tier", "place", "since", "confirmed", "day_of_illness",
                "release_from", "release_test", "release_without_test", "negative_test", "status"]
#: What the team reads on paper (CSV and JSON have every column).
CARE_TABLE = ["id", "name", "phone", "ward", "unit", "tier", "since", "day_of_illness", "release_from",
              "release_without_test", "status"]


@care_group.command("list")
@click.option("--date", "day", metavar="DATE", help="The day (default: today).")
@click.option("--tier", type=Vocab("tier"), default="1", show_default=True,
              help="Which tier (1 = home care).")
@format_option("table", "json", "csv")
@click.pass_obj
def care_list(obj, day, tier, fmt):
    """F0 under treatment on a day (default: home care, tier 1) with their day
    of illness (day 1 = the sample date) and when they may be released under
    rule care.release in force on their sample date: from release_from with a
    negative test, or on release_without_test without one.

    \b
    Examples:
      tracing care list --date 2022-02-08
      tracing care list --tier all --format csv
    """
    rows = [s.as_dict() for s in care.states(obj.store(), day, tier=None if tier == "all" else int(tier))]
    if fmt == "table":  # words for people; JSON and CSV keep the codes
        rows = [{**r, "status": _("in treatment (tier {tier})").format(tier=r["tier"])
                 if r["status"] == "treatment" and r["tier"] not in (None, care.HOME_TIER)
                 else _(care.STATUS_WORDS[r["status"]])} for r in rows]
    if fmt != "table":
        emit_rows(rows, CARE_COLUMNS, fmt)
        return
    # an F0's end of treatment in the office's words, not the zone's "gỡ" (msgctxt "care")
    emit_table(rows, CARE_TABLE, headers=[CARE_HEADERS.get(c) or HEADERS.get(c, c) for c in CARE_TABLE],
               empty=_("Nobody under treatment at this tier on that day."))


#: Headers of `care list` whose word differs from the zone table's (msgctxt "care").
CARE_HEADERS = {"release_from": NP_("care", "release_from"),
                "release_without_test": NP_("care", "release_without_test"), "since": NP_("care", "since")}


@click.command("recover")
@click.argument("case_id")
@click.option("--date", "day", required=True, metavar="DATE", help="Day of the release from treatment.")
@format_option("table", "json")
@click.pass_obj
def case_recover(obj, case_id, day, fmt):
    """Record that an F0 was released from treatment (khỏi bệnh, dỡ bỏ cách ly).

    \b
    Example:
      tracing case recover BN1 --date 2022-02-08
    """
    store = obj.store(write=True)
    with store.write("case recover"):
        result = care.recover(store, case_id, day)
    for w in result["warnings"]:
        note(_("Warning: {message}").format(message=shown(w)))
    if fmt == "json":
        emit_json(result)
        return
    click.echo(_("{id} released from treatment on {day} (day {n} of illness).").format(
        id=result["id"], day=fmt_date(result["recovered"]), n=result["day_of_illness"]))


def register(cli):
    cli.add_command(zone_group)
    cli.add_command(care_group)
    case_group = cli.get_command(None, "case")
    if case_group is not None and "recover" not in case_group.commands:
        case_group.add_command(case_recover)

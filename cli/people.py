"""`tracing person ...` and `tracing init`."""

from __future__ import annotations

import json

import click

from tracing import encounters, people
from tracing.i18n import N_, _, fmt_date, fmt_int, label, language, shown
from tracing.levels import level_name
from tracing.status import status

from .output import HEADERS, Vocab, emit_json, emit_rows, format_option, note


@click.command()
@format_option("table", "json")
@click.pass_obj
def init(obj, fmt):
    """Create the database file (optional: writing commands create it too).

    On PostgreSQL it also creates the database's two roles:
    tracing_team_<db> (read and write) and tracing_supervisor_<db> (read
    only); give each login user one of them. Run it as the database's
    owner with the CREATEROLE right. Access is per database: CONNECT is
    revoked from PUBLIC and granted to these two roles.

    \b
    Examples:
      tracing --db long-bien.db init
      tracing --db postgresql://admin@10.0.0.5:5432/long_bien init
    """
    store = obj.store(write=True)
    if store.created:
        with store.write("init"):  # audited, and the database is kept ('Created database ...')
            pass
    roles = store.ensure_roles() if store.dialect == "postgresql" else None
    if fmt == "json":
        out = {"db": store.path, "created": store.created, "schema": store.schema_version()}
        if roles is not None:
            out["roles"] = roles
        emit_json(out)
    else:
        if not store.created:
            click.echo(_("Database {path} already exists (schema {schema}).").format(
                path=store.path, schema=store.schema_version()))
        else:
            click.echo(_("Ready: {path}").format(path=store.path))
        for role, rights in (roles or {}).items():
            click.echo(_("Role {role}: {rights}").format(role=role, rights=_(rights)))


@click.group()
def person():
    """People of the line list: add, find, show.

    \b
    Examples:
      tracing person add --id BN1 --name "Nguyễn Văn An" --phone 0912345678
      tracing person find "nguyen van an"
      tracing person show BN1
    """


@person.command("add")
@click.option("--id", "pid", help="Id to use (default: the next P00001…).")
@click.option("--name", required=True, help="Full name, e.g. \"Nguyễn Văn An\".")
@click.option("--phone", help="Phone in any form: +84 912…, 84912…, 0912….")
@click.option("--national-id", help="CCCD (12 digits) or CMND (9 digits).")
@click.option("--birth-year", type=int)
@click.option("--age", type=int, help="Age in years today: kept with today's date, never re-aged.")
@click.option("--sex", type=Vocab("sex"), help="m or f; also nam / nữ (nu).")
@click.option("--address")
@click.option("--unit", help="Tổ dân phố / khu dân cư / chung cư / thôn.")
@click.option("--ward", help="Phường / xã.")
@click.option("--district", help="Quận / huyện.")
@click.option("--workplace")
@click.option("--vaccinated", type=click.IntRange(0, 10), help="Vaccine doses received.")
@click.option("--recovered/--not-recovered", default=None, help="Recovered from COVID-19 before.")
@click.option("--quarantine-start", help="Date the person entered quarantine, if known.")
@format_option("table", "json")
@click.pass_obj
def person_add(obj, pid, fmt, **fields):
    """Add a person and print the id; refuses a duplicate id and warns when
    the phone or national ID is already on someone else.

    \b
    Example:
      tracing person add --id P7 --name "Lê Thị Hoa" --birth-year 1985 --sex f \\
          --ward "Ngọc Lâm" --unit "TDP 5" --phone 0987654321
    """
    fields = {k: v for k, v in fields.items() if v is not None}
    if pid is not None:
        fields["id"] = pid
    store = obj.store(write=True)
    with store.write("person add"):
        new_id, warnings = people.add_person(store, fields)
    for w in warnings:
        note(_("Warning: {message}").format(message=shown(w)))
    if fmt == "json":
        emit_json({"id": new_id, "warnings": warnings})
    else:
        click.echo(new_id)


@person.command("find")
@click.argument("text")
@format_option("table", "json", "csv")
@click.pass_obj
def person_find(obj, text, fmt):
    """Find people by name without diacritics, phone in any form, id or
    national ID.

    \b
    Examples:
      tracing person find "nguyen van an"
      tracing person find +84912345678
    """
    rows = people.find_persons(obj.store(), text)
    out = [{"id": r["id"], "name": r["name"], "level": level_name(r["level"]), "phone": r["phone"],
            "birth_year": r["birth_year"], "ward": r["ward"], "unit": r["unit"]} for r in rows]
    emit_rows(out, ["id", "name", "level", "phone", "birth_year", "ward", "unit"], fmt, empty=_("No match."))


@person.command("show")
@click.argument("person_id")
@format_option("table", "json")
@click.pass_obj
def person_show(obj, person_id, fmt):
    """Show a person's record, level, contacts and check-ins.

    \b
    Example:
      tracing person show BN1
    """
    store = obj.store()
    record = {k: v for k, v in people.get_person(store, person_id).items() if k not in ("name_folded",)}
    record["status"] = status(store, person_id)
    record["contacts"] = encounters.person_exposures(store, person_id)
    record["checkins"] = store.person_checkins(person_id)
    case = store.get_case(person_id)
    # the line list's extra columns and the case's source labels (issue 13): JSON as stored, text below
    record["case_extra"] = json.loads(case["extra"]) if case and case.get("extra") else None
    record["labels"] = store.case_labels(person_id) if case else []
    # every follow-up, a cancellation's reason as its code (JSON is language-neutral)
    from tracing.store.scenarios import person_followups
    record["followups"] = person_followups(store, person_id)
    # the age at the record's day (a case's confirmation, else onset; a traced person's exposure), or as typed
    age, age_day = people.age_at_record(record, confirmed=case and case["confirmed"], onset=case and case["onset"],
                                        exposure=record["status"].get("exposure"))
    record["age_shown"] = None if age is None else {"years": age.years, "date": age_day,
                                                    "as_typed": age.typed_on is not None}
    if fmt == "json":
        emit_json(record)
        return
    st = record["status"]
    fields = [(key, record.get(key)) for key in ("id", "name", "phone", "national_id", "birth_date", "birth_year")]
    if age is not None:
        fields.append(("age", (_("{n} (typed for {day}, not re-aged)") if age.typed_on else _("{n} (on {day})")).format(
            n=age.years, day=fmt_date(age_day))))
    fields += [(key, record.get(key)) for key in ("sex", "address", "unit", "ward", "district", "workplace",
                                                  "vaccinated")]
    level = st["level"] or ("–" if language() == "en" else _("not traced"))
    if st["primary_source"]:
        level += " " + _("(primary source {id})").format(id=st["primary_source"])
    fields.append(("level", level))
    if st["case"]:
        from .views import case_line
        fields.append(("case", case_line(st["case"])))
    if st["flags"]:
        fields.append(("flags", ", ".join(label(f) for f in st["flags"])))
    if record["labels"]:
        fields.append(("labels", ", ".join(record["labels"])))
    width = max(len(_(FIELD_LABELS.get(k, k))) for k, v in fields if v is not None)
    for key, value in fields:
        if value is not None:
            if key == "sex":
                value = _(SEX.get(value, value))
            click.echo(f"{_(FIELD_LABELS.get(key, key)):>{max(width, 12)}}: {value}")
    from tracing.exporter import person_and_case_extras

    extras = person_and_case_extras(json.loads(record["extra"]) if record.get("extra") else {}, record["case_extra"])
    if extras:
        click.echo("\n" + _("Extra attributes ({n}):").format(n=fmt_int(len(extras))))
        for key, value in extras.items():
            shown_value = " | ".join(map(str, value)) if isinstance(value, list) else value
            click.echo(f"  {key}: {shown_value}")
    click.echo("\n" + _("Contacts ({n}):").format(n=fmt_int(len(record["contacts"]))))
    contacts = [{**c, "masked": None if c.get("masked") is None else bool(c["masked"])} for c in record["contacts"]]
    emit_rows(contacts, ["other", "date", "setting", "place", "minutes", "masked"]
              + (["checkin"] if any(c["checkin"] for c in contacts) else []), "table")
    if record["checkins"]:
        click.echo("\n" + _("Check-ins ({n}):").format(n=fmt_int(len(record["checkins"]))))
        emit_rows(record["checkins"], ["at", "until", "place", "ward"], "table")
    if record["followups"]:
        from tracing.followups import reason_shown
        click.echo("\n" + _("Follow-ups ({n}):").format(n=fmt_int(len(record["followups"]))))
        emit_rows([{**f, "reason": reason_shown(f["reason"])} for f in record["followups"]],
                  ["kind", "due", "status", "result", "reason"], "table")


#: Labels of a person's record (``person show``); English shows the key.
FIELD_LABELS = {**HEADERS, "national_id": N_("national_id"), "birth_date": N_("birth date"), "age": N_("age"), "sex": N_("sex"), "district": N_("district"),
                "workplace": N_("workplace"), "vaccinated": N_("vaccinated"), "flags": N_("flags"), "case": N_("case"),
                "labels": N_("source labels")}
SEX = {"m": N_("m"), "f": N_("f")}


def register(cli):
    cli.add_command(init)
    cli.add_command(person)

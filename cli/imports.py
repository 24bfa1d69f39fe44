"""`tracing import persons|contacts|cases|checkins|populations FILE`."""

from __future__ import annotations

import datetime as dt
import sys

import click

from tracing.errors import TracingError
from tracing.i18n import N_, _, fmt_date, fmt_int, fmt_percent
from tracing.i18n import shown as shown_text
from tracing.people import adopted_message

from .output import Vocab, emit_json, emit_table, format_option, is_terminal, note


def _columns(pairs) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise TracingError(_("--column {pair}: use FIELD=HEADER (e.g. --column confirmed=positiveDate)").format(
                                   pair=pair))
        field, header = pair.split("=", 1)
        out[field.strip()] = header
    return out


class _Progress:
    """A click progress bar on stderr (only made when stderr is a terminal);
    a running count of rows when the size is unknown (a workbook that does
    not declare its dimensions)."""

    def __init__(self, label: str):
        self.bar = None
        self.done = 0
        self.counted = False
        self.label = label

    def __call__(self, done: int, total: int | None) -> None:
        if not total:
            if self.bar is None and done > self.done:
                self.done = done
                self.counted = True
                click.echo("\r" + _("{label}  row {n}").format(label=self.label, n=fmt_int(done)), nl=False, err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        step = min(done, total) - self.done
        if step > 0:
            self.bar.update(step)
            self.done += step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        elif self.counted:
            click.echo("", err=True)


@click.command("import")
@click.argument("kind", type=Vocab("import_kind"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--column", "columns", multiple=True, metavar="FIELD=HEADER",
              help="Map a file header to a field (repeatable); FIELD= leaves a field out.")
@click.option("--encoding", help="CSV text encoding (default: detected; e.g. utf-8, cp1258, utf-16).")
@click.option("--sheet", help="Workbook sheet to read (default: the sheet whose columns fit the import kind; "
                               "the others are named, several fitting alike is an error).")
@click.option("--id-prefix", help="Put this before ids that lack it (e.g. BN: 17 -> BN17), sources too.")
@click.option("--na", "na", multiple=True, metavar="TEXT",
              help="Cell text meaning 'no value', besides NA, N/A, #N/A, NULL (repeatable, e.g. --na -1).")
@click.option("--date-order", type=Vocab("date_order"),
              help="How N/N/YYYY dates are written: dmy (day first), mdy (month first) or ymd. "
                   "Default: each column's unambiguous dates decide (13/01 is day first, 01/13 month "
                   "first); a column that proves both is an error.")
@click.option("--header-row", type=click.IntRange(min=1), metavar="N",
              help="The line of the header (default: the first line naming the fields; title rows "
                   "above it are skipped and listed).")
@click.option("--dry-run", is_flag=True, help="Check and count everything, write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the good rows; bad rows go to FILE.rejected.csv.")
@format_option("table", "json")
@click.pass_obj
def import_cmd(obj, kind, file, columns, encoding, sheet, id_prefix, na, date_order, header_row, dry_run,
               skip_invalid, fmt):
    """Import a CSV, XLSX, JSON or JSON Lines file in one transaction: any bad
    row stops it with its line number and nothing is written (or --skip-invalid).

    \b
    Headers match fields ignoring case and diacritics, in English or
    Vietnamese (Họ và tên, SĐT, Ngày dương tính…); columns that match no
    field are kept as extra attributes. Re-importing a file writes nothing
    new. Levels are re-derived at the end.

    \b
    Examples:
      tracing import persons danh-sach.xlsx --sheet "Tổ 5"
      tracing import contacts tiep-xuc.csv --column from=F0 --column to=F1
      tracing import cases cases.csv --id-prefix BN --column confirmed=positiveDate
      tracing import contacts big.csv --skip-invalid --format json
      tracing import cases line-list.csv --date-order mdy --header-row 3
    """
    from tracing.importer import NA_VALUES, import_file
    from tracing.tabular import check_encoding

    check_encoding(encoding)  # options first: a bad one neither creates nor touches the database
    mapping = _columns(columns)
    store = obj.store(write=True, dry_run=dry_run)
    progress = _Progress(f"import {kind}") if is_terminal() else None
    try:
        summary = import_file(store, kind, file, columns=mapping, encoding=encoding, sheet=sheet,
                              dry_run=dry_run, skip_invalid=skip_invalid, id_prefix=id_prefix,
                              na=NA_VALUES | set(na), progress=progress, date_order=date_order,
                              header_row=header_row)
    finally:
        if progress is not None:
            progress.close()
    if summary["sheets_not_read"]:
        note(_("Read sheet '{sheet}' (its columns fit a {kind} file); not read: {names} (choose one with --sheet)")
             .format(sheet=summary["sheet"], kind=kind, names=", ".join(f"'{t}'" for t in summary["sheets_not_read"])))
    if summary["formulas_without_value"]:
        cells = summary["formulas_without_value"]
        note(_("{n} formula cells have no saved value and were read as blank (open and save the workbook in Excel "
               "or LibreOffice to compute them): {cells}").format(n=len(cells), cells="; ".join(
                   _("line {line}, column {column} ({formula})").format(**c) for c in cells[:10])))
    if summary.get("merged_cells_filled"):
        merged = summary["merged_cells_filled"]
        note(_("{n} merged cells read into every row they cover (the value typed once over several rows): "
               "{ranges}").format(n=len(merged), ranges="; ".join(
                   _("{range} '{value}' ({column}): lines {lines}").format(
                       range=m["range"], value=m["value"], column=m["column"] or "–",
                       lines=", ".join(map(str, m["lines"][:10])) + ("…" if len(m["lines"]) > 10 else ""))
                   for m in merged[:10])))
    for t in summary["title_rows"]:
        if t.get("outside_records"):  # JSON: keys beside the array of records, not a row of a table
            note(_("Left aside, line {line}: {text} (not records; the records are the array '{key}')").format(
                line=t["line"], text=t["text"], key=t["outside_records"]))
        else:
            note(_("Title row skipped, line {line}: {text}").format(line=t["line"], text=t["text"]))
    if any(not t.get("outside_records") for t in summary["title_rows"]):
        note(_("Header on line {line}").format(line=summary["header_line"]))
    if summary["column_numbers_row"]:
        note(_("Row of column numbers skipped (not a record), line {line}: {text}").format(
            **summary["column_numbers_row"]))
    if summary["ids_normalised"]["count"]:
        note(_("{n} ids read as a person written another way (case, spaces, a sign, zero padding, "
               "thousands separators, a trailing .0): {examples}").format(n=summary["ids_normalised"]["count"], examples=", ".join(
                   f"'{a}' -> {b}" for a, b in summary["ids_normalised"]["examples"][:5])))
    for t in summary["footer_rows"]:
        note(_("Total or signature row skipped (not a record), line {line}: {text}").format(
            line=t["line"], text=t["text"]))
    if summary["ignored_columns"]:
        note(_("A rejected file of --skip-invalid: its columns {names} are not data and were ignored").format(
            names=", ".join(summary["ignored_columns"])))
    if summary["formula_guards_removed"]:
        note(_("{n} cells began with the formula guard ' (before = + - @): the guard was removed").format(
            n=fmt_int(summary["formula_guards_removed"])))
    for field, t in summary["ticks"].items():
        note(_("{n} cells of {field} written 'x' were read as yes (a tick), first on line {line}").format(
            n=fmt_int(t["cells"]), field=field, line=t["first_line"]))
    if summary["settings_from_words"]:
        words = summary["settings_from_words"]
        unknown = _("unknown setting")  # a word no vocabulary knows: the words kept, the setting left blank
        note(_("Settings read from their words, the words kept (as the place, or setting_text when the row has a "
               "place): {mapping}").format(mapping=", ".join(
                   f"'{w['words']}' -> {w['setting'] or unknown} ({fmt_int(w['rows'])})" for w in words[:10])
                   + (" " + _("… and {n} more").format(n=len(words) - 10) if len(words) > 10 else "")))
    if summary["extras"]:
        note(_("Kept as extra attributes: {names}").format(names=", ".join(summary["extras"])))
    for column, how in summary["date_order"].items():
        note(_("Dates in '{column}': {how}").format(column=column, how=shown_text(how)))
    for s in summary["date_serials"]:  # a bare number in a date column: a guess, said (critic13 F8)
        note(_("{n} values of '{column}' are bare numbers read as Excel serial days (1900 date system; check them), "
               "e.g. line {line}: {value} -> {date}").format(
                   n=fmt_int(s["count"]), column=s["column"], line=s["line"], value=s["value"],
                   date=fmt_date(dt.date.fromisoformat(s["date"]))))
    for field, n in summary["kept_as_attributes"].items():
        from tracing.importer import SOFT_FIELD_WORDS
        note(_("{n} values of {what} kept as text in the attribute {field}_text (e.g. age bands, free text)")
             .format(n=n, what=_(SOFT_FIELD_WORDS.get(field, field)), field=field))
    t = summary["trimmed"]
    if t["cells"]:
        note(_("{n} cells trimmed of stray spaces (ids, dates, names, enumerated fields; extra attributes are kept "
               "as written), e.g. line {line}, {field} '{value}'").format(
                   n=t["cells"], line=t["example"]["line"], field=t["example"]["field"], value=t["example"]["value"]))
    d = summary["duplicates"]
    if (d["identical"] or d["merged"]) and kind in ("persons", "cases"):
        note(_("Same id twice in the file: {identical} identical rows kept once, {merged} rows merged into the "
               "row of their id (flagged for `tracing check`)").format(identical=d["identical"], merged=d["merged"]))
    elif (d["identical"] or d["merged"]) and kind in ("contacts", "checkins"):
        # one contact or check-in on several rows: merged by the rule of tracing.contactmerge
        note(_("Same record twice in the file ({key}): {identical} identical rows kept once, {merged} rows with "
               "other values merged into it (the longer duration, unmasked over masked, the widest stay, blanks "
               "filled, every distinct value of other columns kept)").format(
                   key=_(DUPLICATE_KEYS[kind]), identical=d["identical"], merged=d["merged"]))
    elif d["identical"] or d["merged"]:
        note(_("Same record twice in the file ({key}): {identical} identical rows kept once, {merged} rows with "
               "other values merged into it, every distinct value kept").format(
                   key=_(DUPLICATE_KEYS[kind]), identical=d["identical"], merged=d["merged"]))
    if d.get("sources_added"):
        note(_("Same case id on several rows with other sources: {n} rows add their sources to the row of their "
               "id (flagged for `tracing check`)").format(n=d["sources_added"]))
    if d["lines"]:
        more = d["identical"] + d["merged"] + d.get("sources_added", 0) - len(d["lines"])
        note(_("Repeated rows: {rows}").format(rows="; ".join(
            _("line {line} = line {first} ({key}, {how})").format(
                line=line, first=first, key=key, how=_(REPEAT_WORDS[how])) for key, first, line, how in d["lines"][:10])
            + (" " + _("… and {n} more").format(n=more + len(d["lines"][10:])) if more + len(d["lines"][10:]) > 0 else "")))
    if summary.get("import_flags_kept"):
        note(_("{n} flags of an earlier import read from the import_flags column (reported by `tracing check`)")
             .format(n=summary["import_flags_kept"]))
    src = summary.get("sources")
    if src:
        note(_("Sources: {values} values = {links} infection links to cases or persons + {unknown} naming "
               "{persons} persons who are not cases (ids matching no row) + {labels} labels").format(
                   values=src["values"], links=src["links"], unknown=src["unknown_source_values"],
                   persons=src["unknown_source_persons"], labels=src["labels"])
             + (_(" + {n} links not made (they would close a cycle of sources)").format(n=src["in_cycle"])
                if src["in_cycle"] else ""))
        if src["normalised"]:
            note(_("{n} source ids matched after normalising spaces, signs, zero padding, thousands separators "
                   "and a trailing .0: {examples}").format(
                n=src["normalised"], examples=", ".join(f"'{a}' -> {b}" for a, b in src["normalised_examples"][:5])))
        if src.get("read_as"):
            note(_("{n} source entries read as the ids written in them (words, notes and signs around an id, ids joined "
                   "by /; an id of no row is one person, as first written): {examples}").format(
                n=src["read_as"], examples=", ".join(f"'{a}' -> {b}" for a, b in src["read_as_examples"][:5])))
        if src.get("not_infector"):
            note(_("{n} labels name ids further up the chain (an F2 of a case, an F1 of its F1): kept as labels, "
                   "no infection link: {examples}").format(
                n=src["not_infector"], examples=", ".join(f"'{a}' ({b})" for a, b in src["not_infector_examples"][:5])))
        if src["top_labels"]:
            note(_("Most frequent labels: {labels}").format(
                labels=", ".join(f"{label} ({n})" for label, n in src["top_labels"])))
        if src.get("labels_no_source"):
            note(_("{n} labels say the source is not known ('unknown', 'không rõ', or what a sheet holds for none: "
                   "'0', '-', 'không', 'nan'): those cases are unknown-source cases (PA2)").format(
                n=src["labels_no_source"]))
    if summary.get("undated_cases"):
        note(_("{n} cases without any date (no confirmation, no onset): stored, flagged undated_case (their "
               "contacts are judged conservatively, like undated contacts)").format(n=summary["undated_cases"]))
    if summary["areas_respelled"]:
        note(_("Area names stored in their known spelling (same area): {names}").format(
            names=", ".join(f"'{a}' -> '{b}'" for a, b in list(summary["areas_respelled"].items())[:10])))
    if summary.get("wards_ambiguous"):
        amb = summary["wards_ambiguous"]
        note(_("Wards without a district whose name is in several districts ({n}): kept apart (counted in "
               "none of them; add the district): {examples}").format(
            n=len(amb), examples=", ".join(_("line {line} {id} '{ward}' ({districts})").format(
                line=a["line"], id=a["id"], ward=a["ward"], districts=", ".join(a["districts"])) for a in amb[:10])))
    if summary.get("places_respelled"):
        note(_("Place names stored in their known spelling (same place): {names}").format(
            names=", ".join(f"'{a}' -> '{b}'" for a, b in list(summary["places_respelled"].items())[:10])))
    if summary.get("criteria_kept"):
        kept = summary["criteria_kept"]
        names = ", ".join(f"{k['area']} ({', '.join(k['kept'])})" for k in kept[:10])
        more = " " + _("and {n} more").format(n=len(kept) - 10) if len(kept) > 10 else ""
        note(_("Stored vaccination/capacity figures kept, as this file does not give them (areas: {n}): "
               "{areas}{more}. `tracing level` still uses them; import a file with those columns to change them.")
             .format(n=fmt_int(len(kept)), areas=names, more=more))
    changes = summary["changes"]
    if changes:
        note(_("{n} stored values changed by this file:").format(n=fmt_int(len(changes))))
        for c in changes[:_CHANGES_SHOWN]:
            note("  " + _("line {line}: {id} {field}: '{old}' -> '{new}'").format(
                line=c["line"] if c["line"] is not None else "?", id=c["id"], field=c["field"],
                old=_shown_value(c["field"], c["old"]), new=_shown_value(c["field"], c["new"])))
        if len(changes) > _CHANGES_SHOWN:
            note("  " + _("… and {n} more (all in --format json: changes)").format(n=len(changes) - _CHANGES_SHOWN))
    kept = summary.get("sources_kept") or []
    for k in kept[:_CHANGES_SHOWN]:
        note(_("line {line}: {id}'s source cell is blank: its stored sources are kept ({kept}); write them in the "
               "cell to replace them").format(line=k["line"] if k["line"] is not None else "?", id=k["id"],
                                              kept=k["kept"].replace(";", ", ")))
    if len(kept) > _CHANGES_SHOWN:
        note("  " + _("… and {n} more (all in --format json: sources_kept)").format(n=len(kept) - _CHANGES_SHOWN))
    for k in summary["names_kept"]:
        note(_("line {line}: {id} keeps the name '{stored}' ('{typed}' is the same name without its diacritics)")
             .format(line=k["line"] if k["line"] is not None else "?", id=k["id"], stored=k["stored"],
                     typed=k["file"]))
    for adopted in summary["ids_adopted"]:
        note(_("Warning: {message}").format(message=shown_text(adopted_message(adopted))))
    if summary["labels_linked"]:
        note(_("{n} labels of earlier cases are now infection links: {links}").format(
            n=fmt_int(len(summary["labels_linked"])), links=", ".join(f"{c} <- {s}" for c, s in summary["labels_linked"][:5])))
    shown = summary["warnings"][:_WARNINGS_SHOWN]
    for w in shown:
        note(_("Warning: {message}").format(message=shown_text(w)))
    if summary["possible_duplicates"] > len(shown):
        note(_("… {n} more possible duplicates: review them all with `tracing person duplicates`").format(
            n=summary["possible_duplicates"] - len(shown)))
    if summary["rejected"]:
        where = summary["rejected_file"] or _("(not written: dry run)")
        note(_("{n} rows rejected: {where}").format(n=summary["rejected"], where=where))
        for r in summary["rejections"][:5]:
            note("  " + shown_text(r))
    if fmt == "json":
        emit_json(summary)
        return
    w = summary["written"]
    rows = []
    unchanged = summary.get("unchanged") or {}
    for k, v in w.items():
        if v or k in ("persons", kind):
            # each record once: new, updated or (where known) unchanged; "written" in JSON is new + updated
            updated = summary["updated"].get(k) or ("" if k == "contacts" else summary["updated"].get(k, ""))
            # ("written" of contacts counts the inserted ones only: its updated are not in it)
            rows.append({"what": k, "new": fmt_int(v if k == "contacts" else v - (updated or 0)),
                         "updated": fmt_int(updated) if updated != "" else "",
                         "unchanged": fmt_int(unchanged[k]) if k in unchanged else ""})
    click.echo(_("{file}: {n} rows").format(file=summary["file"], n=fmt_int(summary["rows"]))
               + (" " + _("(dry run: nothing written)") if dry_run else ""))
    rows = [{**r, "what": _(TABLE_WORDS.get(r["what"], r["what"]))} for r in rows]
    columns = ["what", "new", "updated"] + (["unchanged"] if unchanged else [])
    emit_table(rows, columns, [N_("what"), N_("new"), N_("updated"), N_("unchanged")][:len(columns)])
    if summary["levels_changed"]:
        click.echo(_("levels changed: {n}").format(n=summary["levels_changed"]))


#: what makes two rows of a file one record, per import kind
DUPLICATE_KEYS = {"contacts": N_("same two persons, date, setting and place"),
                  "checkins": N_("same person, place and time"), "populations": N_("same area")}
#: how a repeated row was taken
REPEAT_WORDS = {"identical": N_("identical"), "merge": N_("merged"), "sources": N_("more sources")}

#: what an import writes, for people
TABLE_WORDS = {"persons": N_("persons"), "contacts": N_("contacts"), "cases": N_("cases"), "checkins": N_("checkins"),
               "populations": N_("populations"), "sources": N_("sources"), "labels": N_("labels"),
               # the written counts' keys: English shows them as the JSON does, Vietnamese in words
               "case_sources": N_("case_sources"), "case_labels": N_("case_labels")}


_WARNINGS_SHOWN = 10  # on a terminal; the JSON summary lists more
def _shown_value(field: str, value) -> str:
    """A changed value for people: dates the language's way (fmt_date), blank for none."""
    if value is None:
        return ""
    if field in ("confirmed", "onset", "isolated", "quarantine_start", "birth_date", "age_date"):
        return fmt_date(value)
    if field == "population" and isinstance(value, int):
        return fmt_int(value)
    if field in ("vaccinated", "elderly_vaccinated") and isinstance(value, (int, float)):
        return fmt_percent(value)  # a share 0..1 (criterion 2), shown as offices write it
    return str(value)


_CHANGES_SHOWN = 20  # changed stored values listed in the text summary; the JSON summary has them all


def register(cli) -> None:
    cli.add_command(import_cmd)

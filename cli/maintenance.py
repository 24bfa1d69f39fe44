"""`tracing backup`, `tracing restore`, `tracing doctor`."""

from __future__ import annotations

import click

from tracing import maintenance
from tracing.i18n import _, fmt_int

from tracing.i18n import N_, _, fmt_int, ngettext, shown

from .output import emit_json, emit_rows, format_option, merged_lines, note


#: Table names in a one-line count (``12 persons, 30 contacts``).
COUNTED = {"persons": N_("persons"), "contacts": N_("contacts"), "cases": N_("cases"), "checkins": N_("checkins")}


def _counts_line(counts: dict) -> str:
    return ", ".join(f"{fmt_int(n)} {_(COUNTED[t])}" for t, n in counts.items() if t in COUNTED)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=True, file_okay=True))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@format_option("table", "json")
@click.pass_obj
def backup_cmd(obj, file, force, fmt):
    """Write a consistent copy of the database to FILE (or into the folder
    FILE as <name>-<date>.db), safe while others keep working.

    The copy is a single self-contained SQLite file, checked before it is put
    in place; `tracing restore FILE` (or copying it back) brings it back.
    Its audit log ends with a sealed entry (the head of the log) that is
    also written to the database's log, so a backup cut or edited later is
    recognised by `restore`.

    On a PostgreSQL database (--db postgresql://...), a FILE ending in
    .dump is written by pg_dump (its custom format, from one snapshot); where
    pg_dump is not installed such a FILE is refused and nothing is written
    (name it .db instead). Any other FILE gets a logical copy: the database's
    rows in a new SQLite file, read in one snapshot. Both are sealed the same
    way, and `tracing restore FILE` brings either back (a .dump needs
    pg_restore).

    \b
    Examples:
      tracing backup /media/usb/long-bien-2021-06-30.db
      tracing backup /media/usb/          # -> /media/usb/tracing-2021-06-30.db
      tracing --db postgresql://team@server/long_bien backup long-bien.dump
    """
    store = obj.store()
    result = maintenance.backup(store, file, force=force)
    if not result["sealed"]:
        note(_("Warning: this backup is not sealed in the audit log of {db} (this user may only read it): "
               "`tracing restore` will accept it only with --force; a tracing-team user or the owner makes "
               "sealed backups.").format(db=store.path))
    if fmt == "json":
        emit_json(result)
    else:
        click.echo(_("Backed up {db} to {file} ({counts}).").format(
            db=store.path, file=result["file"], counts=_counts_line(result["counts"])))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=True, file_okay=True))
@click.option("--force", is_flag=True, help="Restore a backup whose audit log does not match one this database made "
                                             "(cut, edited, another database); recorded as forced.")
@format_option("table", "json")
@click.pass_obj
def restore_cmd(obj, file, force, fmt):
    """Bring back a backup: the database becomes a copy of FILE.

    FILE must be a sound tracing database (checked first). An existing
    database is replaced in one transaction: a copy of it is kept next to
    it as <database>.before-restore-<time>.db under the same lock, so no
    confirmed write is lost. FILE must be a backup `tracing backup` made of
    this database: its audit log ends with the backup's sealed entry and
    the database's log holds the same entry. A backup cut, edited, of
    another database or not made by `tracing backup` is refused unless
    --force, and then recorded as forced. Every restore is in the audit log
    (who, when, from which file, the previous log's head).

    On a PostgreSQL database (--db postgresql://...), FILE is a backup of
    it: a pg_dump .dump file (restored first into a scratch database with
    pg_restore) or a SQLite copy. Its rows replace the database's tables in
    one transaction under the write lock (other teams see the old content
    or the new, never a mix); the replaced content is kept as a sealed
    SQLite file <database name>.before-restore-<time>.db in FILE's folder.
    The same checks, --force and audit entry as above. A restore is the
    database owner's work: a team or supervisor user is refused.

    \b
    Examples:
      tracing --db long-bien.db restore /media/usb/long-bien-2021-06-30.db
      tracing --db postgresql://admin@server/long_bien restore long-bien.dump
    """
    result = maintenance.restore(obj.db_path, file, force=force)
    if result["diverged"]:
        note(_("Restored because of --force although {why}; the audit log records it as forced.").format(
            why=maintenance.divergence_text(result["diverged"])))
    if result["kept"]:
        note(_("The replaced database was kept as {file}").format(file=result["kept"]))
    if fmt == "json":
        emit_json(result)
    else:
        click.echo(_("Restored {file} from {source} ({counts}).").format(
            file=result["file"], source=result["from"], counts=_counts_line(result["counts"])))


@click.command("doctor")
@click.option("--levels", "check_levels", is_flag=True,
              help="Also compare the stored levels with a fresh derivation (slower).")
@click.option("--rederive", is_flag=True, help="Re-derive every level now (after a crash or a correction).")
@format_option("table", "json")
@click.pass_obj
def doctor_cmd(obj, check_levels, rederive, fmt):
    """Check the database: schema version, integrity, foreign keys, counts.

    Changes nothing (unless --rederive). Exits with status 1 when it finds a
    problem.

    \b
    Examples:
      tracing doctor
      tracing --db copy.db doctor --levels --format json
    """
    if rederive:
        from tracing import levels
        store = obj.store(write=True)
        with store.write("doctor rederive"):
            changes = levels.rederive_all(store)
            from tracing import followups
            followups.after_rederive(store, changes, "doctor --rederive")
            store.note(changes=len(changes))
        note(ngettext("Re-derived every level: {n} entry changed.", "Re-derived every level: {n} entries changed.",
                      len(changes)).format(n=fmt_int(len(changes))))
        obj.close()
        obj._store = None
    report = maintenance.doctor(obj.db_path, levels=check_levels)
    if fmt == "json":
        emit_json(report)
    else:
        click.echo(_("Database {file} ({bytes} bytes, journal {journal})").format(
            file=report["file"], bytes=fmt_int(report["bytes"]), journal=report["journal_mode"] or "–"))
        click.echo(_("Schema {schema} (this version: {latest})").format(
            schema=report["schema"] if report["schema"] is not None else "–", latest=report["latest"]))
        if report["counts"]:
            emit_rows([{"table": t, "rows": n} for t, n in report["counts"].items()], ["table", "rows"], "table")
        for line in report["notes"]:
            click.echo(_("Note: {message}").format(message=shown(line)))
        for line in report["problems"]:
            click.echo(_("Problem: {message}").format(message=shown(line)))
        if report["ok"]:
            click.echo(_("OK: integrity check and foreign keys pass."))
    if not report["ok"]:
        n = len(report["problems"])
        raise click.ClickException(ngettext("{n} problem found in {file}: {first}",
                                            "{n} problems found in {file}: {first}", n).format(
            n=fmt_int(n), file=report["file"], first=shown(report["problems"][0])))


@click.command("copy")
@click.argument("source")
@click.argument("dest")
@click.option("--merge", is_flag=True, help="Add SOURCE's records to a DEST that already has some.")
@click.option("--keep-destination", is_flag=True,
              help="With --merge: where a record of SOURCE contradicts DEST's (same id, other values), keep DEST's "
                   "and leave SOURCE's out, with every record pointing to it; each is listed.")
@format_option("table", "json")
def copy_cmd(source, dest, merge, keep_destination, fmt):
    """Copy a whole database from SOURCE to DEST: SQLite files or
    postgresql:// addresses, in either direction.

    Persons, contacts, check-ins, cases, follow-ups, rules, the audit log,
    cluster ids and every other table come along; status, clusters and report
    read the same afterwards. DEST must be empty (it is created when missing)
    unless --merge.

    A merge refuses records of SOURCE that contradict DEST's (a person of
    the same id with another name, a case confirmed on another day, a rule
    DEST does not have): every one is listed and nothing is copied, unless
    --keep-destination. Identical records are merged as one, and so is a
    contact or check-in both have with other details (the longer duration,
    unmasked over masked, the widest stay, blanks filled: as `contact add`).

    Copying into an empty PostgreSQL database is its owner's work (a team
    or supervisor user is refused); a team user may add records with
    --merge; any user of it may copy it out.

    \b
    Examples:
      tracing copy long-bien.db postgresql://admin@10.0.0.5:5432/long_bien
      tracing copy postgresql://team@10.0.0.5:5432/long_bien laptop.db
      tracing copy ward-7.db postgresql://team@10.0.0.5:5432/long_bien --merge
    """
    if keep_destination and not merge:
        raise click.UsageError(_("--keep-destination goes with --merge"))
    out = maintenance.copy(source, dest, merge=merge, keep_destination=keep_destination)
    for c in [r.pop("shown") for r in out.get("left_out", [])]:
        note(_("Left out (DEST's record kept): {record}").format(record=c.shown()))
    for table, n in sorted(out.get("left_out_with_them", {}).items()):
        note(_("Left out with them: {n} {table} record(s) of SOURCE pointing to a record left out").format(
            n=fmt_int(n), table=table))
    for r in out.get("clusters_renamed", []):
        note(_("Cluster {old} of {source} is {new} in {dest} ({cases})").format(
            old=r["from"], source=out["source"], new=r["to"], dest=out["dest"], cases=", ".join(r["cases"])))
    if fmt == "json":
        emit_json(out)
    else:
        click.echo(f"Copied {out['source']} to {out['dest']} ({_counts_line(out['counts'])}).")
        merged = out.get("merged") or {}
        for line in merged_lines(merged.get("contacts"), merged.get("checkins"),
                                 [(" ".join(str(v) for v in ch["key"].values() if v not in (None, "")), ch["fields"])
                                  for ch in merged.get("changes", [])], _("DEST's records")):
            click.echo(line)


def register(cli):
    cli.add_command(copy_cmd)
    cli.add_command(backup_cmd)
    cli.add_command(restore_cmd)
    cli.add_command(doctor_cmd)

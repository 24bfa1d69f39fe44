"""Keeping a database safe: backup, restore and a health check (doctor).

* :func:`backup` writes a consistent copy while teams keep working;
* :func:`restore` checks that a file is a sound tracing database before it
  replaces the current one (and keeps a copy of the current one first);
* :func:`doctor` reports the schema version, ``PRAGMA integrity_check``,
  ``PRAGMA foreign_key_check`` and row counts, without changing the file, and
  with ``levels=True`` whether the stored levels equal a fresh derivation.

>>> import tempfile, os
>>> from tracing.store import Store
>>> d = tempfile.mkdtemp()
>>> db = os.path.join(d, "t.db")
>>> store = Store.open(db, create=True)
>>> with store.write("person add"):
...     store.insert_person({"id": "BN1", "name": "An"})
>>> os.path.basename(backup(store, os.path.join(d, "copy.db"))["file"])
'copy.db'
>>> store.close()
>>> report = doctor(db)
>>> report["ok"], report["schema"] == report["latest"], report["counts"]["persons"]
(True, True, 1)
>>> restored = restore(db, os.path.join(d, "copy.db"))  # a backup it made: no flag needed
>>> restored["counts"]["persons"], restored["forced"], restored["kept"] is not None
(1, False, True)
"""

from __future__ import annotations

import datetime as dt
import os

from .errors import Conflict, DatabaseError, InvalidValue, TracingError
from .i18n import N_, Msg, _, shown
from .store import maintenance as files
from .store.address import is_url
from .store.schema import LATEST
from .values import today


def _same_file(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.abspath(a) == os.path.abspath(b)


def backup_path(db_path, dest) -> str:
    """Where ``tracing backup DEST`` writes: DEST, or inside DEST when it is a
    folder, ``<database name>-<today>.db``.

    >>> backup_path("/data/long-bien.db", "/tmp")[:15]
    '/tmp/long-bien-'
    """
    dest = os.fspath(dest)
    if os.path.isdir(dest):
        if is_url(os.fspath(db_path)):  # the database's name, decoded (…/Long%20Bi%C3%AAn: Long Biên)
            from urllib.parse import unquote, urlsplit
            stem = unquote(urlsplit(os.fspath(db_path)).path.strip("/")).replace(os.sep, "_") or "tracing"
        else:
            stem = os.path.splitext(os.path.basename(os.fspath(db_path)))[0] or "tracing"
        dest = os.path.join(dest, f"{stem}-{today().isoformat()}.db")
    return dest


def backup(store, dest, *, force: bool = False) -> dict:
    """Copy the database of ``store`` to ``dest`` (a file or a folder).

    Refuses to overwrite an existing file unless ``force``, and refuses the
    database itself. The backup's audit log ends with a ``backup`` entry
    holding the head (last id, count, SHA-256) of every entry before it,
    and the same entry goes into the live log (not on a read-only medium),
    so :func:`restore` can tell a cut or edited backup from a whole one.
    Returns ``{"file", "bytes", "pages", "counts", "audit_head"}``.
    """
    dest = backup_path(store.path, dest)
    if not dest.strip() or dest.endswith(os.sep):
        raise InvalidValue(_("FILE: '{dest}' is not a file name").format(dest=dest))
    if _same_file(dest, store.path) or any(_same_file(dest, store.path + s) for s in ("-wal", "-shm", "-journal")):
        raise InvalidValue(_("FILE: {dest} is the database itself; choose another file").format(dest=dest))
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise InvalidValue(_("FILE: folder {parent} does not exist").format(parent=parent))
    if os.path.exists(dest) and not force:
        raise Conflict(_("{dest} already exists: add --force to replace it, or choose another name").format(
                           dest=dest))
    if os.path.exists(dest) and not os.path.isfile(dest):
        raise InvalidValue(_("FILE: {dest} is not a regular file").format(dest=dest))
    import secrets

    seal = {"backup": secrets.token_hex(16)}
    if store.dialect != "sqlite":
        # a server database (issue 17): the same seal, in a pg_dump or a logical copy
        from .store.copying import backup_server
        result = backup_server(store, dest, seal=seal)
        live = seal.pop("in_live_log", False)
        if seal["head"] is not None and not live and store.may_write():
            with store.write(files.BACKUP_COMMAND, detail={**seal, "file": os.path.abspath(dest)}):
                pass
            live = True
        result["audit_head"] = seal["head"]
        result["sealed"] = live  # False: a user who may only read; `restore` will need --force
        return result
    result = files.backup_to(store, dest, seal=seal)
    if not store.read_only:
        # the live log remembers this backup's head: `restore` accepts without
        # --force only a backup whose sealed log matches a backup it made
        with store.write(files.BACKUP_COMMAND, detail={**seal, "file": os.path.abspath(dest)}):
            pass
    result["counts"] = files.inspect(result["file"])["counts"]
    result["audit_head"] = seal["head"]
    result["sealed"] = not store.read_only
    return result


def check_restorable(source) -> dict:
    """Refuse anything but a sound tracing database this version can read."""
    source = os.fspath(source)
    if not os.path.exists(source):
        raise InvalidValue(_("FILE: {source} does not exist").format(source=source))
    if not os.path.isfile(source):
        raise InvalidValue(_("FILE: {source} is not a file").format(source=source))
    info = files.inspect(source)
    if not info["sqlite"]:
        raise DatabaseError(_("{source} is not a tracing database ({error}): nothing was restored").format(
                                source=source, error=shown(info['error'])))
    if info["error"]:
        raise DatabaseError(_("{source}: {error}; nothing was restored").format(
                                source=source, error=shown(info['error'])))
    if not info["tracing"]:
        raise DatabaseError(_("{source} is a SQLite file but not a tracing database: nothing was restored").format(
                                source=source))
    if info["schema"] > LATEST:
        raise DatabaseError(_("{source} was written by a newer version of tracing (schema {schema}, this one "
                              "knows up to {LATEST}): upgrade tracing to restore it").format(
                                source=source, schema=info['schema'], LATEST=LATEST))
    if info["integrity"]:
        raise DatabaseError(_("{source} is damaged ({integrity}): nothing was restored").format(
                                source=source, integrity=info['integrity'][0]))
    return info


def _kept_name(db_path: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = f"{db_path}.before-restore-{stamp}.db"
    n = 1
    while os.path.lexists(kept):
        n += 1
        kept = f"{db_path}.before-restore-{stamp}-{n}.db"
    return kept


def _usable(path: str) -> bool:
    info = files.inspect(path)
    return bool(info["tracing"] and not info["error"] and info["schema"] is not None
                and info["schema"] <= LATEST and not info["integrity"])


def _stage(source: str, staged: str) -> None:
    """Make ``staged`` a copy of the backup upgraded to this version's
    schema (so it can be copied table by table)."""
    from .store import Store

    files.restore_into(source, staged)
    Store.open(staged).close()  # migrates an older backup


def _created_meanwhile(db_path: str) -> Conflict:
    return Conflict(_("{path} was created by another process meanwhile: nothing was restored; "
                      "run the restore again (with --force)").format(path=db_path))


def divergence_text(why: dict) -> str:
    """A divergence of :func:`tracing.store.maintenance.audit_divergence` in words."""
    text = {"missing": _("the backup lacks audit entry {entry} ({command}, {at}): its log was cut or edited"),
            "extra": _("the backup has audit entry {entry} ({command}, {at}) that the database never had"),
            "edited": _("audit entry {entry} ({command}, {at}) differs: edited, or a backup of another database"),
            "unsealed": _("its audit log does not end with the entry `tracing backup` writes: entries were cut "
                          "or edited, or it was not made by `tracing backup`"),
            "unknown": _("the database's audit log has no record of this backup (made of another database, "
                         "or its seal was forged)"),
            "data": _("its records differ from those sealed when it was made (edited after the backup)")}
    return text[why["kind"]].format(**why)


def _diverged(source: str, db_path: str, why: dict) -> Conflict:
    return Conflict(_("{source} does not continue the audit log of {db}: {why}. Add --force to restore it "
                      "anyway (the restore is recorded as forced; a copy of the database is kept first)").format(
        source=source, db=db_path, why=divergence_text(why)))


def restore(db_path, source, *, force: bool = False) -> dict:
    """Make ``db_path`` a copy of the backup ``source``: a transaction.

    The backup is checked first (a tracing database, a schema this version
    knows, passes the integrity check). An existing database is replaced
    without any flag (it is kept, and the restore is one transaction). Under
    ONE write lock of the database, a copy of it is
    kept first as ``<database>.before-restore-<time>.db`` and its content is
    replaced, so a write that printed success before the restore is in the
    kept copy and one queued behind it lands on the restored database: none
    is lost.

    The backup must be one `tracing backup` wrote of this database: its
    audit log ends with its sealed backup entry (the head of every entry
    before it) and the live log holds the same entry (see
    :func:`tracing.store.maintenance.backup_divergence`); with no usable
    live database, the seal alone. Anything else (cut, edited, another
    database, not made by `tracing backup`) is refused unless ``force``.
    ``force`` does nothing else. The kept copy of a usable database is
    sealed like a backup and its seal is in the restore's entry
    (``kept_seal``), so undoing a restore needs no flag either. The
    restore is audited in the restored
    database: who and when (the audit entry), ``from`` (the file),
    ``kept``, ``previous_head`` (the replaced log's last id, size and
    SHA-256), ``backup_head``, ``forced`` and ``diverged`` (the reason;
    ``forced`` is true when ``force`` overrode it).

    Returns ``{"file", "from", "kept", "schema", "counts", "forced", "diverged"}``.
    """
    from .files import temporary

    db_path, source = os.fspath(db_path), os.fspath(source)
    if is_url(db_path):
        return _restore_server(db_path, source, force=force)
    if _same_file(db_path, source):
        raise InvalidValue(_("FILE: {source} is the database itself").format(source=source))
    check_restorable(source)
    data = files.file_digest(source)  # its records as they are, before any upgrade of a staged copy
    parent = os.path.dirname(os.path.abspath(db_path))
    if not os.path.isdir(parent):
        raise InvalidValue(_("cannot restore to {db_path}: folder {parent} does not exist").format(
                               db_path=db_path, parent=parent))
    exists = os.path.lexists(db_path)
    if exists and not os.path.isfile(db_path):
        raise InvalidValue(_("{db_path} is not a file").format(db_path=db_path))
    live_ok = exists and _usable(db_path)
    if not force:  # refuse early, before anything is copied (checked again under the lock)
        why = files.backup_divergence(files.read_audit(source) or [],
                                      (files.read_audit(db_path) or []) if live_ok else None, data)
        if why:
            raise _diverged(source, db_path, why)
    kept = _kept_name(db_path) if exists else None
    outcome = {"forced": False, "diverged": None}

    def decide(backup_log, live_log):
        why = files.backup_divergence(backup_log, live_log, data)
        if why and not force:
            raise _diverged(source, db_path, why)
        outcome.update(forced=bool(why), diverged=why)
        return {"from": os.path.abspath(source), "kept": kept, "kept_seal": kept_seal, "forced": bool(why),
                "diverged": why,
                "previous_head": files.audit_head(live_log) if live_log is not None else None,
                "backup_head": files.audit_head(backup_log)}

    kept_seal: dict = {}

    def keep():
        try:
            files.copy_file(db_path, kept)
            if live_ok:  # sealed like a backup, and the restore's entry holds the seal: it restores without --force
                import secrets
                nonce = secrets.token_hex(16)
                kept_seal.update(backup=nonce, **files.seal_file(kept, nonce))
        except (OSError, TracingError) as e:
            raise DatabaseError(_("cannot keep a copy of {db_path} before restoring ({error}): nothing was "
                                  "restored").format(db_path=db_path, error=getattr(e, 'strerror', None) or e)) from None

    with temporary(db_path, suffix=".db", label=_("cannot restore into {path}").format(path=db_path)) as staged:
        _stage(source, staged)
        if live_ok:
            from .store import Store
            Store.open(db_path).close()  # the live database at this version's schema too
            files.restore_in_place(db_path, staged, keep, decide)
        elif exists:
            # not a usable database (damaged, garbage): kept as it is, replaced whole
            detail = decide(files.read_audit(staged) or [], None)
            keep()
            files.restore_into(staged, db_path)
            files.audit_restore(db_path, detail)
        else:
            files.audit_restore(staged, decide(files.read_audit(staged) or [], None))
            try:
                os.link(staged, db_path)  # appears whole; never over a database made meanwhile
            except FileExistsError:
                raise _created_meanwhile(db_path) from None
            except OSError:  # no hard links (a FAT USB stick): rename, unless it appeared meanwhile
                if os.path.lexists(db_path):
                    raise _created_meanwhile(db_path) from None
                os.rename(staged, db_path)
    from .store import Store
    store = Store.open(db_path)
    try:
        schema = store.schema_version()
    finally:
        store.close()
    return {"file": db_path, "from": source, "kept": kept, "schema": schema,
            "counts": files.inspect(db_path)["counts"], **outcome}


def levels_drift(store) -> list[str]:
    """Persons whose stored level entry differs from a fresh derivation of
    the whole district (nothing is written). [] when levels are current."""
    from .levels import Derivation, _public, _same
    fresh = {p: _public(e) for p, e in Derivation(store, None).run().items()}
    stored = store.levels([r["person"] for r in store.query("SELECT person FROM levels")])
    return [p for p in sorted(set(fresh) | set(stored)) if not _same(stored.get(p), fresh.get(p))]


def _drift(drift: list[str]):
    """The doctor's problem for stored levels that differ from a fresh derivation (a Msg)."""
    return Msg(N_("levels: {n} stored level(s) differ from a fresh derivation (first: {ids}); `tracing doctor "
                  "--rederive` re-derives them"), n=len(drift), ids=", ".join(drift[:5]))


def doctor(db_path, *, levels: bool = False) -> dict:
    """Check a database file without changing it.

    Returns ``{"file", "ok", "schema", "latest", "journal_mode", "problems":
    [str], "notes": [str], "counts"}``; ``ok`` is False when there is any
    problem. With ``levels`` the stored levels are compared with a fresh
    derivation (slower on a big district).
    """
    db_path = os.fspath(db_path)
    if is_url(db_path):
        return _doctor_server(db_path, levels=levels)
    if not os.path.exists(db_path):
        raise DatabaseError(_("no database at {db_path}: `--db PATH` or $TRACING_DB choose another file").format(
                                db_path=db_path))
    if not os.path.isfile(db_path):
        raise DatabaseError(_("{db_path} is not a file").format(db_path=db_path))
    info = files.inspect(db_path)
    problems, notes = [], []
    if info["error"]:
        problems.append(Msg(N_("not a usable database: {error}"), error=info["error"]))
    elif not info["tracing"]:
        problems.append(Msg(N_("a SQLite file but not a tracing database")))
    else:
        if info["schema"] > LATEST:
            problems.append(Msg(N_("written by a newer version of tracing (schema {schema}, this one knows up "
                                   "to {latest})"), schema=info["schema"], latest=LATEST))
        elif info["schema"] < LATEST:
            notes.append(Msg(N_("schema {schema} will be upgraded to {latest} by the next command"),
                             schema=info["schema"], latest=LATEST))
        problems += [Msg(N_("integrity: {problem}"), problem=p) for p in info["integrity"]]
        problems += [Msg(N_("foreign key: {problem}"), problem=p) for p in info["foreign_keys"]]
    if levels and not problems and info["schema"] == LATEST:
        from .store import Store
        store = Store.open(db_path)
        try:
            drift = levels_drift(store)
        finally:
            store.close()
        if drift:
            problems.append(_drift(drift))
        else:
            notes.append(Msg(N_("levels equal a fresh derivation")))
    return {"file": db_path, "ok": not problems, "schema": info["schema"], "latest": LATEST,
            "journal_mode": info["journal_mode"], "bytes": info["size"], "problems": problems, "notes": notes,
            "counts": info["counts"]}


def _doctor_server(url: str, *, levels: bool) -> dict:
    """:func:`doctor` of a PostgreSQL database: the server keeps integrity
    and foreign keys itself; the schema version, counts and (``levels``)
    stored levels against a fresh derivation are checked."""
    from .store import Store
    store = Store.open(url)
    problems, notes = [], []
    try:
        if levels:
            drift = levels_drift(store)
            if drift:
                problems.append(_drift(drift))
            else:
                notes.append(Msg(N_("levels equal a fresh derivation")))
        counts = store.doctor_counts()
        schema = store.schema_version()
        path = store.path
    finally:
        store.close()
    return {"file": path, "ok": not problems, "schema": schema, "latest": LATEST, "journal_mode": None,
            "bytes": None, "problems": problems, "notes": notes, "counts": counts}


def copy(source, dest, *, merge: bool = False, keep_destination: bool = False) -> dict:
    """:func:`_copy`; a connection to a server lost at any point of it
    (reading SOURCE, writing DEST, the commit) is said as such, naming the
    server's database, never as an unexpected failure (critic17 F11). When
    the copy had just created DEST on the server and could not remove it
    again (the server went away), the message says so and how to finish or
    remove it."""
    from .store.address import display
    from .store.server_errors import is_lost, lost_message
    made: dict = {}
    try:
        return _copy(source, dest, merge=merge, keep_destination=keep_destination, made=made)
    except Exception as e:  # noqa: BLE001 - only a lost connection is explained here
        if isinstance(e, TracingError) or not is_lost(e):
            raise
        server = os.fspath(dest) if is_url(os.fspath(dest)) or not is_url(os.fspath(source)) else os.fspath(source)
        message = lost_message(display(server), e)
        if made.get("database") and not made.get("dropped"):
            message += "\n  " + _("{dest} was created by this copy and may be left behind, without your data: run "
                                  "the same copy again (it fills it and sets up its roles), or have its owner "
                                  "remove it (DROP DATABASE)").format(dest=display(dest))
        raise DatabaseError(message) from None


def _copy(source, dest, *, merge: bool = False, keep_destination: bool = False, made: dict) -> dict:
    """`tracing copy SOURCE DEST`: :func:`tracing.store.copying.copy_database`
    between two stores, DEST created when missing. A new SQLite DEST is
    written under a temporary name beside it and renamed at the end (a
    copy killed half-way leaves no DEST, or an empty one, behind); the
    rename never replaces a file that appeared meanwhile. Returns
    ``{"source", "dest", "merge", "counts"}``, with ``merge`` ``"merged"``
    (``{"contacts", "checkins"}``: records of one contact or check-in in
    both merged by the rule of :mod:`tracing.contactmerge`, ``"changes"``:
    ``[{"table", "key", "fields": {field: {"from", "to"}}}]`` of those that
    changed a stored value), and with ``keep_destination``
    ``"left_out"`` (the source's conflicting records, ``{"table", "key",
    "fields"}``) and ``"left_out_with_them"`` (``{table: rows}`` pointing to them)."""
    import contextlib

    from .store import Store
    from .store.copying import copy_database
    source, dest = os.fspath(source), os.fspath(dest)
    staged = None
    if not is_url(dest) and not os.path.lexists(dest):
        parent = os.path.dirname(os.path.abspath(dest))
        if os.path.isdir(parent):
            staged = os.path.join(parent, f".{os.path.basename(dest)}.partial-{os.getpid()}")
    src = Store.open(source)
    try:
        dst = Store.open(staged or dest, create=True)
        made["database"] = getattr(dst, "made_database", False)
        copied = False
        try:
            left: dict = {}
            facts: dict = {}
            counts = copy_database(src, dst, merge=merge, keep_destination=keep_destination, left_out=left,
                                   merged=facts)
            if dst.dialect == "postgresql" and not merge:
                # the owner's copy into an empty database: its roles, also when an earlier copy
                # made the database and lost the server before setting them up (critic17 F11)
                with contextlib.suppress(DatabaseError):
                    dst.ensure_roles()
            if staged:
                dst.checkpoint_for_move()
            copied = True
        finally:
            if not copied and dst.created and not staged:
                # a server database made for a failed copy goes away again (critic17b F-E)
                made["dropped"] = dst.discard_if_unused()
            else:
                dst.close()
        if staged:
            try:
                os.link(staged, dest)  # fails when DEST appeared meanwhile: never replaced
            except FileExistsError:
                raise Conflict(_("{dest} appeared while copying: nothing was copied into it").format(
                    dest=dest)) from None
        out = {"source": src.path, "dest": dest if staged else dst.path, "merge": merge, "counts": counts}
        if merge:  # the same contact or check-in in both: merged by the rule (tracing.contactmerge)
            out["merged"] = {"contacts": facts.get("contacts", 0), "checkins": facts.get("checkins", 0),
                             "changes": [{**ch, "fields": {f: {"from": a, "to": b} for f, (a, b) in
                                                           sorted(ch["fields"].items())}}
                                         for ch in facts.get("changes", [])]}
            # the source's cluster ids that name another cluster here (critic17 F2)
            out["clusters_renamed"] = facts.get("clusters_renamed", [])
        if keep_destination:
            out["left_out"] = [{"table": c.table, "key": c.key,
                                "fields": {f: {"dest": d, "source": v} for f, (d, v) in c.fields.items()},
                                "shown": c} for c in left.get("conflicts", [])]
            out["left_out_with_them"] = left.get("dependents", {})
    finally:
        src.close()
        if staged:
            for p in (staged, staged + "-wal", staged + "-shm", staged + "-journal"):
                with contextlib.suppress(OSError):
                    os.remove(p)
    return out


def _is_pg_dump(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(5) == b"PGDMP"
    except OSError:
        return False


def _restore_server(url: str, source: str, *, force: bool) -> dict:
    """:func:`restore` into a PostgreSQL database, from a backup file (a
    SQLite logical copy, or a ``pg_dump`` file restored first into a scratch
    database): its tables replace the database's in ONE transaction (readers
    see the old or the new content), under the write lock.

    The same guarantees as a SQLite restore (issue 11): the backup must be
    one `tracing backup` made of this database (its log ends with its sealed
    entry, and the live log holds that entry), else it is refused unless
    ``force`` (then recorded as forced). A database holding data is kept
    first, under the same lock, as a sealed SQLite copy
    ``<dbname>.before-restore-<time>.db`` beside the backup file (its seal
    in the restore's entry, so undoing the restore needs no flag). The
    restore's audit entry holds ``from``, ``kept``, ``kept_seal``,
    ``previous_head``, ``backup_head``, ``forced`` and ``diverged``."""
    import contextlib
    import secrets

    from .store import Store
    from .store.copying import backup_server, copy_database, occupied, staged_dump
    source = os.fspath(source)
    if not os.path.isfile(source):
        check_restorable(source)  # says what is wrong with it
    with contextlib.ExitStack() as stack:
        dst = Store.open(url, create=True)
        # a refused or failed restore into a database it just made leaves no tables behind
        stack.push(lambda kind, *_: (dst.discard_if_unused() if kind and dst.created else dst.close()) and False)
        if not dst.created:  # a user who may not restore is refused before anything is written (critic17 F3)
            dst.require_replace()
        if _is_pg_dump(source):
            src = stack.enter_context(staged_dump(url, source))
        else:
            check_restorable(source)
            src = Store.open(source, dry_run=True)  # read as it is: a backup is never modified (read-only media, checksums)
            stack.callback(src.close)
        live_ok = not dst.created  # a tracing database was there: its log is the live log
        backup_log = src.audit_entries()
        data = files.file_digest(source) if not _is_pg_dump(source) else \
            files.data_digest(src.conn, src.tables())  # the records as they are (the seal's own reading)
        if not force:  # refuse early, before anything is copied (checked again under the lock)
            why = files.backup_divergence(backup_log, dst.audit_entries() if live_ok else None, data)
            if why:
                raise _diverged(source, dst.path, why)
        kept = None
        if occupied(dst):
            from .store.postgres import _dbname
            name = os.path.join(os.path.dirname(os.path.abspath(source)),
                                _dbname(url).replace(os.sep, "_") or "tracing")
            kept = _kept_name(name)
        outcome = {"forced": False, "diverged": None}

        def decide(store):
            # under the destination's write lock, before anything changes
            live_log = store.audit_entries() if live_ok else None
            why = files.backup_divergence(backup_log, live_log, data)
            if why and not force:
                raise _diverged(source, store.path, why)
            outcome.update(forced=bool(why), diverged=why)
            kept_seal = {}
            if kept:
                kept_seal = {"backup": secrets.token_hex(16)}
                backup_server(store, kept, seal=kept_seal)
            store.note(**{"from": os.path.abspath(source), "kept": kept, "kept_seal": kept_seal,
                          "forced": bool(why), "diverged": why,
                          "previous_head": files.audit_head(live_log) if live_log is not None else None,
                          "backup_head": files.audit_head(backup_log)})

        copy_database(src, dst, replace=True, label="restore", before=decide)
        counts, schema, path = dst.counts(), dst.schema_version(), dst.path
    return {"file": path, "from": source, "kept": kept, "schema": schema, "counts": counts, **outcome}

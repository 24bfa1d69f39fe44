"""Copy a whole tracing database between stores (SQLite ⇄ PostgreSQL).

Table-driven: the tables are read from the schema of the source (every
table of the current schema version, in foreign-key order), so a table a
later migration adds comes along without a change here. The source is read
in one snapshot; the destination is written in one transaction.

* Into an empty destination (no rows but the rules, key and audit a new
  database is made with) the copy is exact: every row, ids included, the
  derived levels and the cluster ids, the rules and the redaction key (the
  same tokens in redacted maps after a move).
* ``merge=True`` adds the source's facts to a destination that has some:
  a row whose key is there with other values (another person under the
  same id, a case confirmed on another day, a rule the destination does not
  have) is a conflict: every conflict is listed and nothing is written
  (:class:`MergeConflicts`); the destination's redaction key stays. Rows with a generated
  key (``id``, a zone's ``n``) get a new one and the columns pointing to it
  follow (foreign keys read from the schema; a place of the same name is
  that place), rows equal to one there are not doubled; a contact or check-in
  the destination has with other details (same persons, date, setting, place;
  same person, place, time) is merged into it by the rule of
  :mod:`tracing.contactmerge`, never a conflict (:data:`SAME_FACT`); derived rows
  (levels, cluster membership) are not copied but re-derived for the whole destination.

>>> import tempfile, os
>>> from tracing.store import Store
>>> d = tempfile.mkdtemp()
>>> a = Store.open(os.path.join(d, "a.db"), create=True)
>>> with a.write("person add"):
...     a.insert_person({"id": "BN1", "name": "An"})
>>> b = Store.open(os.path.join(d, "b.db"), create=True)
>>> copy_database(a, b)["persons"]
1
>>> b.get_person("BN1")["name"]
'An'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from ..i18n import _, ngettext
from ..errors import Conflict

DERIVED = ("levels", "level_sources", "cluster_members", "cluster_ids")
"""Tables rebuilt from the facts: copied as they are into an empty
destination, re-derived after a merge."""
MADE_WITH_A_DATABASE = ("rules", "secrets", "audit")
"""Tables a new, empty database already has rows in."""
NATURAL_KEYS = {"places": "name"}
"""The unique column that says two rows of a table with a generated key are
the same thing (for a merge: a place of the same name is that place)."""
BATCH = 5000
SAME_FACT = {"contacts": ("a", "b", "date", "setting", "place"), "checkins": ("person", "place", "at")}
"""Tables whose two records of one fact with other details are merged by
the rule of :mod:`tracing.contactmerge` (a merge of databases, like a
second `contact add`), by the columns that say it is the same fact."""


def _order(store, tables: list[str]) -> list[str]:
    """``tables`` with every table after the ones it references."""
    refs = {t: store.references(t) & set(tables) for t in tables}
    out: list[str] = []
    while len(out) < len(tables):
        ready = sorted(t for t in tables if t not in out and refs[t] <= set(out) | {t})
        if not ready:  # a cycle: keep the rest in name order
            ready = sorted(t for t in tables if t not in out)
        out.extend(ready)
    return out


def identity_tables() -> dict[str, str]:
    """``{table: generated key column}`` (e.g. contacts.id, zones.n)."""
    from .postgres import note_identity_tables
    return dict(note_identity_tables())


def occupied(store) -> dict[str, int]:
    """Rows of the tables a new database has none in (``{}``: empty)."""
    out = {}
    for t in store.tables():
        if t in MADE_WITH_A_DATABASE:
            continue
        n = store.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        if n:
            out[t] = n
    return out


@contextlib.contextmanager
def snapshot(store) -> Iterator[None]:
    """Read ``store`` in one consistent snapshot (writers go on meanwhile).
    Inside a write of ``store`` (it holds the write lock) that write is the snapshot."""
    if store.conn.in_transaction:
        yield
        return
    if store.dialect == "postgresql":
        store.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        store.conn.execute("BEGIN")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            store.conn.execute("ROLLBACK")


def _rows(store, table: str, cols: list[str]) -> Iterator[list[tuple]]:
    order = ", ".join(f'"{c}"' for c in cols)
    cur = store.conn.execute(f'SELECT {order} FROM "{table}" ORDER BY {order}')
    while True:
        part = cur.fetchmany(BATCH)
        if not part:
            return
        yield part


def _insert(dst, table: str, cols: list[str], rows: list[tuple], *, ignore: bool) -> int:
    if not ignore and hasattr(dst.conn, "copy_rows"):  # a server: COPY, far faster than row by row
        return dst.conn.copy_rows(table, cols, rows)
    names = ", ".join(f'"{c}"' for c in cols)
    verb = "INSERT OR IGNORE INTO" if ignore else "INSERT INTO"
    cur = dst.conn.executemany(f'{verb} "{table}" ({names}) VALUES ({", ".join("?" * len(cols))})', rows)
    return max(cur.rowcount, 0) if ignore else len(rows)


def copy_database(src, dst, *, merge: bool = False, replace: bool = False,
                  label: str = "copy", before=None, keep_destination: bool = False,
                  left_out: dict | None = None, merged: dict | None = None) -> dict[str, int]:
    """Copy every table of ``src`` into ``dst`` (both open stores of the
    same schema version). Returns ``{table: rows written}``. ``replace``
    empties ``dst`` first, in the same transaction (a restore).

    Raises :class:`Conflict` when ``dst`` holds data and neither ``merge``
    nor ``replace`` is given (nothing is written). ``before(dst)`` is called
    inside the destination's write, holding its lock, before anything is
    changed (a restore keeps its copy of the replaced content there).

    A merge raises :class:`MergeConflicts` (nothing written) when records
    of ``src`` contradict ``dst``'s, unless ``keep_destination``: then the
    destination's records stay, the source's conflicting records and every
    record pointing to them are left out, and ``left_out`` (a dict, when
    given) receives ``{"conflicts": [MergeConflict], "dependents": {table: rows}}``.
    ``merged`` (a dict, when given) receives, for a merge, ``{table: n}`` of
    the :data:`SAME_FACT` records merged into the destination's and
    ``"changes"``: ``[{"table", "key", "fields": {field: (dest, merged)}}]``
    of those whose merge changed a stored value."""
    if not merge and not replace:
        full = occupied(dst)
        if full:
            what = ", ".join(f"{n} {t}" for t, n in sorted(full.items()))
            raise Conflict(_("{path} already holds data ({what}): nothing was copied; add --merge to add the "
                             "source's records to it, or copy into an empty database").format(path=dst.path, what=what))
    wanted = [t for t in src.tables() if t in set(dst.tables())]
    serial = identity_tables()
    written: dict[str, int] = {}
    with snapshot(src), dst.write(label, detail={"source": src.path, "merge": merge}):
        if merge:  # the source's cluster ids, for the clusters new here (tracing.clusters.adopt)
            from .clusters import assignments
            their_clusters = assignments(src) if "cluster_members" in wanted else {}
        if before is not None:
            before(dst)
        if replace:
            for t in reversed(_order(dst, dst.tables())):
                dst.conn.execute(f'DELETE FROM "{t}"')
        elif not merge:
            for t in MADE_WITH_A_DATABASE:
                if t in wanted:
                    dst.conn.execute(f'DELETE FROM "{t}"')
        new_keys: dict[str, dict] = {}  # table -> {key in src: key in dst} (merge)
        facts: dict = {"changes": []}  # SAME_FACT records merged into the destination's
        conflicts: list[MergeConflict] = []
        left: dict = {}
        dependents: dict[str, int] = {}
        for table in _order(src, wanted):
            if merge and table in DERIVED:
                continue
            dst_cols = set(dst.columns(table))
            cols = [c for c in src.columns(table) if c in dst_cols]
            if merge:
                written[table] = _merge_table(src, dst, table, cols, serial.get(table), new_keys, conflicts,
                                              left, dependents, facts)
                continue
            n = 0
            for part in _rows(src, table, cols):
                n += _insert(dst, table, cols, [tuple(r) for r in part], ignore=False)
            written[table] = n
        if conflicts and not keep_destination:  # nothing is written: the write rolls back
            raise MergeConflicts(src.path, dst.path, conflicts)
        if conflicts:
            dst.note(left_out=[{"table": c.table, "key": c.key} for c in conflicts], left_out_with_them=dependents)
        if left_out is not None:
            left_out.update(conflicts=conflicts, dependents=dependents)
        if merge:
            dst.note(same_facts_merged={t: facts.get(t, 0) for t in SAME_FACT},
                     values_changed=len(facts["changes"]))
            if merged is not None:
                merged.update({t: facts.get(t, 0) for t in SAME_FACT}, changes=facts["changes"])
        if not merge:
            dst.ids_copied(wanted)
        else:
            from .. import followups
            from ..levels import rederive_all
            followups.after_rederive(dst, rederive_all(dst), "copy --merge")
            from ..clusters import adopt
            renamed = adopt(dst, their_clusters)
            dst.note(clusters_renamed=[{"from": r["from"], "to": r["to"]} for r in renamed])
            if merged is not None:
                merged["clusters_renamed"] = renamed
        dst.note(counts=written)
    return written


class MergeConflicts(Conflict):
    """``copy --merge`` found records of the source that contradict the
    destination's: nothing was written. ``conflicts``: every one."""

    SHOWN = 20

    def __init__(self, source: str, dest: str, conflicts: list[MergeConflict]):
        self.conflicts = conflicts
        listed = "\n  ".join(c.shown() for c in conflicts[:self.SHOWN])
        more = len(conflicts) - self.SHOWN
        tables = ", ".join(sorted({c.table for c in conflicts}))
        text = ngettext("{n} record of {source} contradicts {dest} ({tables}): nothing was copied; make them "
                        "agree (same id, same record) in one of the databases and copy again, or add "
                        "--keep-destination to leave them (and what points to them) out",
                        "{n} records of {source} contradict {dest} ({tables}): nothing was copied; make them "
                        "agree (same id, same record) in one of the databases and copy again, or add "
                        "--keep-destination to leave them (and what points to them) out",
                        len(conflicts)).format(n=len(conflicts), source=source, dest=dest, tables=tables)
        text += "\n  " + listed
        if more > 0:
            text += "\n  " + _("… and {n} more").format(n=more)
        super().__init__(text)


def backup_server(store, dest, *, seal: dict | None = None) -> dict:
    """A backup of a PostgreSQL store: ``pg_dump``'s custom format when
    ``dest`` ends in ``.dump`` (refused with :class:`DatabaseError`, nothing
    written, when ``pg_dump`` is not installed), else a logical
    copy into a new SQLite file (one snapshot; `tracing restore FILE` or
    `tracing copy FILE postgresql://…` bring it back). Written beside
    ``dest``, private (0600), then renamed over it.

    ``seal`` (``{"backup": nonce}``, issue 11): the backup's audit log ends
    with its sealed ``backup`` entry, the head (last id, count, SHA-256) of
    every entry before it, set as ``seal["head"]``. A logical copy is sealed
    in the file (:func:`~tracing.store.maintenance.seal_backup`; the caller
    writes the same entry into the live log). For ``pg_dump`` the entry is
    written into the live log first, under the write lock, which is held
    until a snapshot is exported for ``pg_dump --snapshot``: the dump's log
    ends with that entry (``seal["in_live_log"]``). A user who may not write
    (supervisor role) gets an unsealed dump (``seal["head"]`` None).
    Returns ``{"file", "bytes", "pages", "counts"}``."""
    import os
    import shutil
    import subprocess

    from ..errors import DatabaseError
    from . import Store
    dest = os.path.abspath(os.fspath(dest))
    if dest.endswith(".dump") and not shutil.which("pg_dump"):
        # a SQLite copy under a .dump name would fool pg_restore and its reader (critic17b F-C)
        raise DatabaseError(_("{path}: a .dump backup is written by pg_dump, which is not installed here: install "
                              "PostgreSQL's client programs (pg_dump), or give a name ending in .db for a SQLite "
                              "backup; nothing was written").format(path=dest))
    tmp = f"{dest}.partial-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.remove(tmp)
    try:
        if dest.endswith(".dump"):
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            from .postgres import libpq_call
            address, env = libpq_call(store.url)  # the password in the environment, never on the command line
            try:
                with _dump_snapshot(store, seal, dest) as snapshot_id:
                    done = subprocess.run(["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", "--file",
                                           tmp, address], capture_output=True, text=True, env=env)
                if done.returncode != 0:
                    raise DatabaseError(_("pg_dump failed: {error}; {path} was not written").format(
                        error=done.stderr.strip()[-500:], path=dest))
            except BaseException as failure:
                _withdraw_seal(store, seal, dest, failure)
                raise
            counts, pages = store.counts(), None
        else:
            copy = Store.open(tmp, create=True)
            try:
                copy_database(store, copy, replace=True, label="backup")
                if seal is not None:
                    from .maintenance import seal_backup
                    seal.update(seal_backup(copy.conn, seal["backup"], who=store._actor()))
                counts = copy.counts()
                pages = copy.conn.execute("PRAGMA page_count").fetchone()[0]
                copy.conn.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        os.replace(tmp, dest)
    except BaseException:
        for p in (tmp, tmp + "-wal", tmp + "-shm"):
            with contextlib.suppress(OSError):
                os.remove(p)
        raise
    return {"file": dest, "pages": pages, "bytes": os.path.getsize(dest), "counts": counts}


def _withdraw_seal(store, seal: dict | None, dest: str, failure: BaseException) -> None:
    """A ``.dump`` backup whose sealed entry is already in the live log
    failed (pg_dump refused, the connection dropped): the append-only log
    says so with a ``backup failed`` entry of the same nonce, and `restore`
    no longer counts that backup as one this database made (critic17 F4).
    When this session's connection was lost, through a new one; best
    effort: with the server gone nothing can be written."""
    from .maintenance import BACKUP_FAILED
    if not seal or not seal.pop("in_live_log", False):
        return
    detail = {"backup": seal["backup"], "file": dest, "error": " ".join(str(failure).split())[:300]}
    try:
        with store.write(BACKUP_FAILED, detail=detail):
            pass
        return
    except Exception:  # noqa: BLE001 - the connection went with the dump: try a new one
        pass
    with contextlib.suppress(Exception):
        again = type(store).open_url(store.url)
        try:
            with again.write(BACKUP_FAILED, detail=detail):
                pass
        finally:
            again.close()


@contextlib.contextmanager
def _dump_snapshot(store, seal: dict | None, dest: str) -> Iterator[str]:
    """An exported snapshot of ``store`` for ``pg_dump --snapshot`` (kept
    open while the ``with`` runs). With ``seal``, the sealed backup entry is
    committed to the live log first and the write lock (a session-level
    hold of the lock every write takes) is kept until the snapshot exists,
    so no write can land between the entry and the snapshot."""
    from .maintenance import BACKUP_COMMAND, audit_head, data_digest
    from .postgres import WRITE_LOCK, Connection
    raw = store.conn.raw
    sealing = seal is not None and store.may_write()
    if seal is not None and not sealing:
        seal["head"] = None
    reader = Connection(store.url)
    try:
        if sealing:
            raw.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
        try:
            if sealing:
                with store.write(BACKUP_COMMAND, detail={"backup": seal["backup"], "file": dest}):
                    seal["head"] = audit_head(store.audit_entries())
                    seal["data"] = data_digest(store.conn, store.tables())
                    store.note(head=seal["head"], data=seal["data"])
                seal["in_live_log"] = True
            reader.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot_id = reader.raw.execute("SELECT pg_export_snapshot()").fetchone()[0]
        finally:
            if sealing:
                raw.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))
        yield snapshot_id
    finally:
        reader.close()


@contextlib.contextmanager
def staged_dump(url: str, dump: str) -> Iterator:
    """The ``pg_dump`` file ``dump`` restored (``pg_restore``) into a new
    scratch database on the server of ``url``, opened as a store (an older
    schema upgraded); the scratch database is dropped afterwards. Raises
    :class:`~tracing.errors.DatabaseError` when ``pg_restore`` is missing or
    fails, or the user may not create a database."""
    import os
    import secrets
    import shutil
    import subprocess

    from ..errors import DatabaseError
    from ..i18n import _
    from . import Store
    from .postgres import _create_database, _dbname, _psycopg, _quote_ident, _with_dbname, display
    if not shutil.which("pg_restore"):
        raise DatabaseError(_("{file} is a pg_dump file and pg_restore is not installed: nothing was "
                              "restored").format(file=dump))
    scratch = f"{_dbname(url)[:30]}_restore_{os.getpid()}_{secrets.token_hex(3)}"
    scratch_url = _with_dbname(url, scratch)
    from .postgres import NO_ROLES
    NO_ROLES.add(scratch_url)
    _create_database(scratch_url)
    store = None
    try:
        from .postgres import libpq_call
        address, env = libpq_call(scratch_url)  # the password in the environment, never on the command line
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                               "--dbname", address, dump], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise DatabaseError(_("{file} cannot be read by pg_restore ({error}): nothing was restored into "
                                  "{db}").format(file=dump, error=done.stderr.strip()[-300:], db=display(url)))
        store = Store.open(scratch_url)
        yield store
    finally:
        if store is not None:
            store.close()
        psycopg = _psycopg()
        with contextlib.suppress(psycopg.Error), \
                psycopg.connect(_with_dbname(url, "postgres"), autocommit=True, connect_timeout=15) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {_quote_ident(scratch)} WITH (FORCE)")


def _plain(v):
    return bytes(v) if isinstance(v, (memoryview, bytearray)) else v


@dataclass(frozen=True)
class MergeConflict:
    """A record of the source that contradicts the destination's record of
    the same key: ``table``, ``key`` (``{column: value}``) and ``fields``
    (``{column: (destination's value, source's value)}``; empty for a rule
    the destination does not have)."""
    table: str
    key: dict
    fields: dict

    def shown(self) -> str:
        key = ", ".join(f"{c}={v}" for c, v in self.key.items())
        if not self.fields:
            return _("{table} {key}: not in the destination (its rules apply to every record there)").format(
                table=self.table, key=key)
        diff = "; ".join(_("{field} '{dest}' there, '{source}' in the source").format(
            field=c, dest="" if d is None else d, source="" if v is None else v)
            for c, (d, v) in self.fields.items() if not c.endswith("_folded"))
        return _("{table} {key}: {diff}").format(table=self.table, key=key, diff=diff)


BOOKKEEPING = ("created_at", "recorded_on")
"""Columns saying when a record was typed in, not what it is: two rows
differing only there are the same record (a merge neither doubles nor refuses it)."""
KEPT_BY_DESTINATION = ("secrets",)
"""Tables whose destination rows win without a word in a merge (the
destination's redaction key stays: its redacted exports keep their tokens)."""
NEW_ROWS_CONFLICT = ("rules",)
"""Tables where a source row the destination lacks is a conflict too: a
ward's rule merged into a district would change every record there."""
LOGS = ("audit",)
"""Tables that are a history, not facts: a merge appends the source's
entries after the part both logs share (critic17 F2, see :func:`_merge_log`)."""


def _merge_log(src, dst, table: str, cols: list[str], key: str) -> int:
    """Append the entries of the log ``table`` of ``src`` to ``dst``'s,
    with new keys, in the source's order, after the part of it ``dst``
    already holds: the longest run of entries from the source's first one
    found one after the other in ``dst`` (a copy of ``dst`` worked on
    elsewhere and merged back, or the same source merged again). Two
    entries of two databases that read the same (two wards' `clusters` in
    the same second) are two entries: the source's log is never matched
    entry by entry (critic17 F2)."""
    rest = [c for c in cols if c != key]
    names = ", ".join(f'"{c}"' for c in rest)
    order = f'SELECT {names} FROM "{table}" ORDER BY "{key}"'
    ours = [tuple(_plain(v) for v in r) for r in src.conn.execute(order).fetchall()]
    theirs = [tuple(_plain(v) for v in r) for r in dst.conn.execute(order).fetchall()] if ours else []
    shared = 0
    for start in (i for i, entry in enumerate(theirs) if entry == ours[0]):
        run = 0
        while run < len(ours) and start + run < len(theirs) and theirs[start + run] == ours[run]:
            run += 1
        shared = max(shared, run)
    added = ours[shared:]
    if added:
        dst.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(rest))})', added)
    return len(added)


def _leave_out(left: dict, table: str, rec: dict) -> None:
    for c, v in rec.items():
        left.setdefault((table, c), set()).add(v)


def _merge_table(src, dst, table: str, cols: list[str], key: str | None, new_keys: dict,
                 conflicts: list, left: dict, dependents: dict, facts: dict) -> int:
    """Add the rows of ``table`` to ``dst``: keys generated by the database
    are given anew (and the columns that point to them follow, through
    ``new_keys``); a row equal to one there already (or, for places, with
    the same name) is that row. A row whose unique key (the person's id,
    a case's person, a rule's key and date …) is there with other values
    is a :class:`MergeConflict`, appended to ``conflicts`` and not written;
    so is every row pointing to a row not written (``left``: ``{(table,
    column): source values}`` of the rows left out; ``dependents``:
    ``{table: rows}`` left out with them), never attached to another record.
    A :data:`SAME_FACT` row whose fact is there is merged into it (counted in
    ``facts[table]``, its changes in ``facts["changes"]``)."""
    refs = [(col, ref, ref_col or identity_tables().get(ref) or col)
            for col, ref, ref_col in dst.foreign_keys(table) if col in cols]
    follow = {}
    for col, ref, ref_col in dst.foreign_keys(table):
        ref_key = identity_tables().get(ref)
        if ref_key and (ref_col or ref_key) == ref_key and col in cols:
            follow[col] = ref
    if table in KEPT_BY_DESTINATION:
        return 0
    if table in LOGS and key in cols:
        return _merge_log(src, dst, table, cols, key)
    rest = [c for c in cols if c != key]
    uniques = [u for u in dst.unique_keys(table) if set(u) <= set(rest)]
    same = [c for c in rest if c not in BOOKKEEPING]  # what makes two rows the same record
    there: dict[tuple, object] = {}  # a destination row (what `same` holds) -> its generated key
    fact = SAME_FACT.get(table)
    if fact:  # one fact's records are merged, not a conflict of its unique key
        uniques = [u for u in uniques if set(u) != set(fact)]
    facts_there: set[tuple] = set()
    by_unique: list[dict] = [{} for _ in uniques]
    read = [*rest, key] if key in cols else rest
    for part in _rows(dst, table, read):
        for r in part:
            r = tuple(_plain(v) for v in r)
            rec = dict(zip(rest, r[:len(rest)]))
            there.setdefault(tuple(rec[c] for c in same), r[-1] if key in cols else None)
            if fact:
                facts_there.add(_fact_key(rec, fact))
            for i, u in enumerate(uniques):
                by_unique[i].setdefault(tuple(rec[c] for c in u), rec)
    mapping = new_keys.setdefault(table, {})
    natural = NATURAL_KEYS.get(table) if key in cols else None
    by_natural = {dict(zip(same, row))[natural]: k for row, k in there.items()} if natural else {}
    names = ", ".join(f'"{c}"' for c in rest)
    n = 0
    for part in _rows(src, table, cols):
        batch = []  # rows without a generated key: written together
        for r in part:
            rec = {c: _plain(v) for c, v in zip(cols, r)}
            if any(rec[col] is not None and rec[col] in left.get((ref, ref_col), ())
                   for col, ref, ref_col in refs):
                _leave_out(left, table, rec)
                dependents[table] = dependents.get(table, 0) + 1
                continue
            source_rec = dict(rec)
            for col, ref in follow.items():
                rec[col] = new_keys.get(ref, {}).get(rec[col], rec[col])
            row = tuple(rec[c] for c in rest)
            seen = tuple(rec[c] for c in same)
            if fact and _fact_key(rec, fact) in facts_there:  # the same fact: merged (recorded_on too)
                dst_key, changed = _merge_fact(dst, table, rec)
                if key in cols:
                    mapping[rec[key]] = dst_key
                if changed or seen not in there:
                    facts[table] = facts.get(table, 0) + 1
                if changed:
                    shown = {c: rec[c] for c in fact}
                    if table == "checkins":  # the place by its name
                        shown["place"] = dst.conn.execute("SELECT name FROM places WHERE id = ?",
                                                          (rec["place"],)).fetchone()[0]
                    facts["changes"].append({"table": table, "key": shown, "fields": changed})
                continue
            if seen in there:
                if key in cols:
                    mapping[rec[key]] = there[seen]
                continue
            if natural is not None and rec[natural] in by_natural:  # a place of the same name is that place
                mapping[rec[key]] = by_natural[rec[natural]]
                continue
            clash = None
            for i, u in enumerate(uniques):
                found = by_unique[i].get(tuple(rec[c] for c in u))
                if found is not None:
                    clash = (u, found)
                    break
            if clash is not None:
                u, theirs = clash
                conflicts.append(MergeConflict(table, {c: rec[c] for c in u},
                                               {c: (theirs[c], rec[c]) for c in same if theirs[c] != rec[c]}))
                _leave_out(left, table, source_rec)
                continue
            if table in NEW_ROWS_CONFLICT:
                u = uniques[0] if uniques else tuple(rest)
                conflicts.append(MergeConflict(table, {c: rec[c] for c in u}, {}))
                _leave_out(left, table, source_rec)
                continue
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(rest))})'
            if key in cols:
                mapping[rec[key]] = there[seen] = dst.conn.execute(insert, row).lastrowid
                if natural:
                    by_natural[rec[natural]] = there[seen]
            else:
                batch.append(row)
                there[seen] = None
            for i, u in enumerate(uniques):
                by_unique[i].setdefault(tuple(rec[c] for c in u), rec)
            if fact:
                facts_there.add(_fact_key(rec, fact))
            n += 1
        if batch:
            dst.conn.executemany(insert, batch)
    return n


def _fact_key(rec: dict, columns: tuple) -> tuple:
    """What makes two rows of a :data:`SAME_FACT` table one fact (a blank
    date, setting or place is one value, as in the contacts' unique index)."""
    return tuple("" if rec[c] is None else rec[c] for c in columns)


def _merge_fact(dst, table: str, rec: dict) -> tuple[object, dict]:
    """Merge the source row ``rec`` (its references already the
    destination's) into the destination's record of the same fact:
    ``(its key, {field: (destination's value, merged)})`` of what changed."""
    from ..contactmerge import Checkin, Contact
    from .samefacts import merge_checkin, merge_contact
    if table == "contacts":
        return merge_contact(dst, Contact.from_row(*(rec.get(c) for c in (
            "a", "b", "date", "setting", "place", "minutes", "masked", "extra", "recorded_on"))))
    return merge_checkin(dst, Checkin.from_row(*(rec.get(c) for c in (
        "person", "place", "at", "until", "extra", "recorded_on"))))

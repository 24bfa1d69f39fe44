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
>>> try:
...     restore(db, os.path.join(d, "copy.db"))
... except Conflict as e:
...     print("refused:", str(e).split(": ")[1])
refused: add --force to replace it (a copy of it is kept next to it first)
>>> restore(db, os.path.join(d, "copy.db"), force=True)["counts"]["persons"]
1
"""

from __future__ import annotations

import datetime as dt
import os

from .errors import Conflict, DatabaseError, InvalidValue
from .store import maintenance as files
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
        stem = os.path.splitext(os.path.basename(os.fspath(db_path)))[0] or "tracing"
        dest = os.path.join(dest, f"{stem}-{today().isoformat()}.db")
    return dest


def backup(store, dest, *, force: bool = False) -> dict:
    """Copy the database of ``store`` to ``dest`` (a file or a folder).

    Refuses to overwrite an existing file unless ``force``, and refuses the
    database itself. Returns ``{"file", "bytes", "pages", "counts"}``.
    """
    dest = backup_path(store.path, dest)
    if not dest.strip() or dest.endswith(os.sep):
        raise InvalidValue(f"FILE: '{dest}' is not a file name")
    if _same_file(dest, store.path) or any(_same_file(dest, store.path + s) for s in ("-wal", "-shm", "-journal")):
        raise InvalidValue(f"FILE: {dest} is the database itself; choose another file")
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise InvalidValue(f"FILE: folder {parent} does not exist")
    if os.path.exists(dest) and not force:
        raise Conflict(f"{dest} already exists: add --force to replace it, or choose another name")
    if os.path.exists(dest) and not os.path.isfile(dest):
        raise InvalidValue(f"FILE: {dest} is not a regular file")
    result = files.backup_to(store, dest)
    result["counts"] = files.inspect(result["file"])["counts"]
    return result


def check_restorable(source) -> dict:
    """Refuse anything but a sound tracing database this version can read."""
    source = os.fspath(source)
    if not os.path.exists(source):
        raise InvalidValue(f"FILE: {source} does not exist")
    if not os.path.isfile(source):
        raise InvalidValue(f"FILE: {source} is not a file")
    info = files.inspect(source)
    if not info["sqlite"]:
        raise DatabaseError(f"{source} is not a tracing database ({info['error']}): nothing was restored")
    if info["error"]:
        raise DatabaseError(f"{source}: {info['error']}; nothing was restored")
    if not info["tracing"]:
        raise DatabaseError(f"{source} is a SQLite file but not a tracing database: nothing was restored")
    if info["schema"] > LATEST:
        raise DatabaseError(f"{source} was written by a newer version of tracing (schema {info['schema']}, "
                            f"this one knows up to {LATEST}): upgrade tracing to restore it")
    if info["integrity"]:
        raise DatabaseError(f"{source} is damaged ({info['integrity'][0]}): nothing was restored")
    return info


def restore(db_path, source, *, force: bool = False) -> dict:
    """Make ``db_path`` a copy of the backup ``source``.

    The backup is checked first (a tracing database, a schema this version
    knows, passes the integrity check). An existing database is replaced only
    with ``force``, and a copy of it is kept first as
    ``<database>.before-restore-<time>.db``. Returns ``{"file", "from",
    "kept", "schema", "counts"}``.
    """
    db_path, source = os.fspath(db_path), os.fspath(source)
    if _same_file(db_path, source):
        raise InvalidValue(f"FILE: {source} is the database itself")
    check_restorable(source)
    parent = os.path.dirname(os.path.abspath(db_path))
    if not os.path.isdir(parent):
        raise InvalidValue(f"cannot restore to {db_path}: folder {parent} does not exist")
    kept = None
    if os.path.exists(db_path):
        if not os.path.isfile(db_path):
            raise InvalidValue(f"{db_path} is not a file")
        if not force:
            raise Conflict(f"{db_path} already exists: add --force to replace it "
                           "(a copy of it is kept next to it first)")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = f"{db_path}.before-restore-{stamp}.db"
        n = 1
        while os.path.exists(kept):
            n += 1
            kept = f"{db_path}.before-restore-{stamp}-{n}.db"
        try:
            files.copy_file(db_path, kept)
        except OSError as e:
            raise DatabaseError(f"cannot keep a copy of {db_path} before restoring ({e.strerror or e}): "
                                "nothing was restored") from None
    files.restore_into(source, db_path)
    from .store import Store
    store = Store.open(db_path)  # upgrades an older backup to this version's schema
    try:
        schema = store.schema_version()
    finally:
        store.close()
    return {"file": db_path, "from": source, "kept": kept, "schema": schema,
            "counts": files.inspect(db_path)["counts"]}


def levels_drift(store) -> list[str]:
    """Persons whose stored level entry differs from a fresh derivation of
    the whole district (nothing is written). [] when levels are current."""
    from .levels import Derivation, _public, _same
    fresh = {p: _public(e) for p, e in Derivation(store, None).run().items()}
    stored = store.levels([r["person"] for r in store.query("SELECT person FROM levels")])
    return [p for p in sorted(set(fresh) | set(stored)) if not _same(stored.get(p), fresh.get(p))]


def doctor(db_path, *, levels: bool = False) -> dict:
    """Check a database file without changing it.

    Returns ``{"file", "ok", "schema", "latest", "journal_mode", "problems":
    [str], "notes": [str], "counts"}``; ``ok`` is False when there is any
    problem. With ``levels`` the stored levels are compared with a fresh
    derivation (slower on a big district).
    """
    db_path = os.fspath(db_path)
    if not os.path.exists(db_path):
        raise DatabaseError(f"no database at {db_path}: `--db PATH` or $TRACING_DB choose another file")
    if not os.path.isfile(db_path):
        raise DatabaseError(f"{db_path} is not a file")
    info = files.inspect(db_path)
    problems, notes = [], []
    if info["error"]:
        problems.append(f"not a usable database: {info['error']}")
    elif not info["tracing"]:
        problems.append("a SQLite file but not a tracing database")
    else:
        if info["schema"] > LATEST:
            problems.append(f"written by a newer version of tracing (schema {info['schema']}, "
                            f"this one knows up to {LATEST})")
        elif info["schema"] < LATEST:
            notes.append(f"schema {info['schema']} will be upgraded to {LATEST} by the next command")
        problems += [f"integrity: {p}" for p in info["integrity"]]
        problems += [f"foreign key: {p}" for p in info["foreign_keys"]]
    if levels and not problems and info["schema"] == LATEST:
        from .store import Store
        store = Store.open(db_path)
        try:
            drift = levels_drift(store)
        finally:
            store.close()
        if drift:
            problems.append(f"levels: {len(drift)} stored level(s) differ from a fresh derivation "
                            f"(first: {', '.join(drift[:5])}); `tracing doctor --rederive` re-derives them")
        else:
            notes.append("levels equal a fresh derivation")
    return {"file": db_path, "ok": not problems, "schema": info["schema"], "latest": LATEST,
            "journal_mode": info["journal_mode"], "bytes": info["size"], "problems": problems, "notes": notes,
            "counts": info["counts"]}

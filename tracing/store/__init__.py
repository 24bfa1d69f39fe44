"""The store: one SQLite file is the truth, through sqlite-utils.

All SQL lives in this package (``tracing/store/``). A ``postgresql://`` address
opens the same store on a PostgreSQL server (:mod:`tracing.store.postgres`,
the dialect in :mod:`tracing.store.dialect`). Every command is one transaction:
:meth:`Store.write` takes the write lock up front (``BEGIN IMMEDIATE``), so
two teams writing at the same moment queue instead of failing, and any error
rolls the whole command back. A dry run is the same transaction, rolled back.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "t.db")
>>> store = Store.open(path, create=True)
>>> with store.write("person add"):
...     store.insert_person({"id": "BN1", "name": "Nguyễn Văn An"})
>>> store.get_person("BN1")["name_folded"]
'nguyen van an'
>>> oct(os.stat(path).st_mode & 0o777)
'0o600'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator

from ..errors import Conflict, DatabaseError, NoDatabase, TracingError
from ..i18n import _
from ..rules import DEFAULT_RULES, Rule, Rules
from ..values import fold
from .schema import APPLICATION_ID, LATEST, MIGRATIONS

PERSON_FIELDS = (
    "id", "name", "phone", "national_id", "birth_year", "sex", "address", "unit",
    "ward", "district", "workplace", "vaccinated", "recovered", "quarantine_start", "extra",
    "birth_date", "age", "age_date",
)
CASE_FIELDS = ("person", "confirmed", "onset", "isolated", "unknown_source", "prior_level", "tier", "extra",
               "found_by", "isolated_given", "unknown_given")
BATCH = 500  # ids per IN (...) / temp-table batch
SPAN_BATCH = 100  # (place, from, to) spans per statement of checkins_at_places (< SQLite's 500 compound terms)
CHECKINS_AT_PLACES_PG = """
    SELECT s.k, c.person, c.at, c.until, c.recorded_on
    FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) WITH ORDINALITY AS s(place, lo, hi, k)
    CROSS JOIN LATERAL (SELECT person, at, until, recorded_on FROM checkins
                        WHERE place = s.place AND at >= s.lo COLLATE "C" AND at <= s.hi COLLATE "C"
                        OFFSET 0) c
    ORDER BY s.k, c.at, c.person"""
"""checkins_at_places on PostgreSQL: the spans as three arrays, each looked up in the
index checkins_place (OFFSET 0 keeps the lookup per span: no hash join over the table)."""


def _recorded_on() -> str:
    """The day a fact is recorded: today (``TRACING_TODAY`` when pinned)."""
    from ..values import today
    return today().isoformat()


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


def actor() -> str:
    """Who is writing: ``$TRACING_USER``, else the login name."""
    name = os.environ.get("TRACING_USER")
    if name:
        return name
    import getpass  # only when writing: it imports termios
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def read_only_medium(path: str) -> sqlite3.Connection:
    """A connection to a WAL database on a read-only folder or medium (where
    SQLite cannot make its ``-shm`` and says "unable to open database
    file"): opened immutable, for reading only. An immutable open ignores
    the ``-wal`` file: when that holds committed rows not yet in the
    database, reading would silently miss them, so that is refused with
    :class:`DatabaseError` saying what to do."""
    wal = path + "-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        raise DatabaseError(_(
            "{path} cannot be read correctly: its last changes are in {wal}, which SQLite cannot apply on a "
            "read-only folder or medium; copy both files to a writable folder and open the copy there "
            "(nothing was read)").format(path=path, wal=wal))
    from urllib.parse import quote
    return sqlite3.connect(f"file:{quote(os.path.abspath(path))}?immutable=1", uri=True, check_same_thread=False)


def _discard_created(path: str) -> None:
    """Remove the file this process just created (with its -wal/-shm/-journal)
    when its first opening failed, unless another process has made it a
    database meanwhile (checked under the write lock; on a medium where even
    that fails, only an empty file without a -wal is removed)."""
    def remove():
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.remove(path + suffix)

    try:
        conn = sqlite3.connect(path, timeout=60)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                    remove()
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        def size(p):
            try:
                return os.path.getsize(p)
            except OSError:
                return 0
        if size(path) == 0 and size(path + "-wal") == 0:
            remove()


def _inode(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _explain(path: str, error: sqlite3.Error, *, opening: bool = False) -> str:
    """SQLite's words turned into what a user can act on."""
    msg = str(error)
    low = msg.lower()
    if "readonly" in low or "read-only" in low:
        return _("{path} is read-only: nothing was written").format(path=path)
    if "full" in low or "disk i/o" in low:
        return _("cannot write {path}: the disk is full or failing ({msg}); nothing was written").format(
            path=path, msg=msg)
    if "locked" in low or "busy" in low:
        return _("{path} is busy (another program held it for over a minute): nothing was written, try "
                 "again").format(path=path)
    if "malformed" in low or "not a database" in low or "encrypted" in low:
        return _("{path} is damaged or not a tracing database ({msg}): see `tracing doctor` and `tracing "
                 "restore`").format(path=path, msg=msg)
    if opening:
        return _("{path} cannot be opened ({msg})").format(path=path, msg=msg)
    return _("database problem with {path} ({msg}); nothing was written").format(path=path, msg=msg)


class Store:
    """A tracing database file (or, as :class:`~tracing.store.postgres.PgStore`,
    a PostgreSQL database). Open with :meth:`open`."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.path = path
        self.conn = conn
        self._db = None
        self.read_only = False
        self._rules: Rules | None = None
        self._dry_run = False
        self.created = False        # this process made the file (Store.open(create=True))
        self.scratch = False        # a dry run on a missing file: an empty database in memory
        self.committed = False      # a write of this process committed
        self.on_first_commit = None  # called once after the first commit (the CLI says 'Created database')
        self.notify = None          # called with a message for people (the CLI prints it on stderr): see :meth:`open`
        self._inode = _inode(path)

    @property
    def db(self):
        """The sqlite-utils view of the connection (imported on first use:
        it pulls in numpy, a tenth of a second every command does not need)."""
        if self._db is None:
            import sqlite_utils
            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, path, *, create: bool = False, dry_run: bool = False, notify=None) -> "Store":
        """Open ``path``; with ``create`` make it (private to its owner) when missing.

        ``notify(message)`` (the CLI prints it on stderr; the store prints
        nothing) is told, in the chosen language, when a database of an older
        schema is upgraded: once before (a large district takes a minute) and
        once after, with the time it took; for a dry run, that the upgrade is
        for this run only.

        With ``dry_run`` (a ``--dry-run`` command: issue 13) the file and its
        ``-wal``/``-shm`` are left as they were: a missing file is not made
        (the command runs on an empty database in memory, ``store.scratch``),
        the journal mode is not switched, and a database of an older schema
        is upgraded in a copy in memory, never in the file.

        Raises :class:`DatabaseError` for a missing file (without ``create``), a
        file that is not a tracing database, or one from a newer version.
        """
        path = os.fspath(path)
        from .address import is_url
        if is_url(path):
            from .postgres import PgStore
            if not dry_run:
                return PgStore.open_url(path, create=create, notify=notify)
            from .address import display
            try:
                server = PgStore.open_url(path, upgrade=False)  # an older schema is upgraded in the copy
            except NoDatabase:  # as on a missing file: the dry run checks against an empty database, creates nothing
                return cls._scratch(display(path))
            version = server.schema_version()
            if version == LATEST and server.may_write():  # the command's transaction is rolled back at the end
                return server
            return cls._dry_copy(server, version, notify)
        from .. import files
        files.protect(path)  # no output of this process may overwrite it (or its -wal/-shm/-journal)
        if dry_run:
            return cls._open_dry(path, notify)
        created = False
        if not os.path.exists(path):
            if not create:
                raise NoDatabase(
                    _("no database at {path}: add data first (any writing command creates it) or run `tracing "
                      "init`; `--db PATH` or $TRACING_DB choose another file").format(path=path))
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise DatabaseError(_("cannot create {path}: folder {parent} does not exist").format(
                                        path=path, parent=parent))
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
                created = True
            except FileExistsError:
                pass  # another process created it a moment ago: it is theirs
            except OSError as e:
                raise DatabaseError(_("cannot create {path}: {error}").format(path=path, error=e.strerror)) from None
        try:
            store = cls._connect(path, created, notify=notify)
        except BaseException as e:
            if created:  # e.g. a full disk while making the tables: leave nothing behind
                _discard_created(path)
            if isinstance(e, sqlite3.DatabaseError):
                raise DatabaseError(_explain(path, e, opening=True)) from None
            raise
        store.created = created
        return store

    @classmethod
    def _open_dry(cls, path: str, notify=None) -> "Store":
        """The store a dry run works on (see :meth:`open`)."""
        if not os.path.exists(path):
            return cls._scratch(path)
        try:
            store = cls._connect(path, False, dry_run=True, notify=notify)
        except sqlite3.DatabaseError as e:
            raise DatabaseError(_explain(path, e, opening=True)) from None
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        folder = os.path.dirname(os.path.abspath(path))
        unwritable = store.read_only or not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))
        if version < LATEST or unwritable:
            # upgraded in memory: the file keeps its schema; on a read-only folder or medium (a
            # supervisor's USB stick) the dry run runs on the copy in memory too (critic17 F8)
            memory = sqlite3.connect(":memory:", check_same_thread=False)
            store.conn.backup(memory)
            store.conn.close()
            store.conn = memory
            store._inode = None
            store.read_only = False
            memory.execute("PRAGMA foreign_keys = ON")
            if version < LATEST:
                store._dry_upgrade(version)
        return store

    @classmethod
    def _dry_copy(cls, server, version: int = LATEST, notify=None) -> "Store":
        """A dry run by a user who may only read ``server`` (supervisor role,
        critic17 F8), or on a server database of an older schema ``version``:
        a dry run writes nothing, so it runs on a copy of the database in
        memory (read in one snapshot, upgraded there), with the same checks
        and summary; the server is only read."""
        from .copying import copy_database
        memory = Store(sqlite3.connect(":memory:", check_same_thread=False), server.path)
        memory.notify = notify
        try:
            if version == LATEST:
                memory._prepare(True)
            else:
                with memory.conn:
                    memory._apply_migrations(0, version)
                    memory.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    memory.conn.execute(f"PRAGMA user_version = {version}")
                memory.conn.execute("PRAGMA foreign_keys = ON")
            copy_database(server, memory, label="dry run")
            if version < LATEST:
                memory._dry_upgrade(version)
        except BaseException:
            memory.conn.close()
            raise
        finally:
            server.close()
        return memory

    @classmethod
    def _scratch(cls, path: str) -> "Store":
        """An empty database in memory standing for ``path`` (a file or a
        server database that does not exist): what a dry run checks against."""
        store = Store(sqlite3.connect(":memory:", check_same_thread=False), path)
        store._prepare(True)
        store.scratch = True
        return store

    @classmethod
    def _connect(cls, path: str, created: bool, *, dry_run: bool = False, notify=None) -> "Store":
        conn = sqlite3.connect(path, timeout=60, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 60000")
            store = cls(conn, path)
            store.notify = notify
            store._prepare(created, dry_run=dry_run)
            return store
        except sqlite3.OperationalError as e:
            conn.close()
            if created or "unable to open" not in str(e) or os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
                raise
        conn = read_only_medium(path)
        store = cls(conn, path)
        store.notify = notify
        store.read_only = True
        store._prepare(False)
        return store

    def _prepare(self, created: bool, *, dry_run: bool = False) -> None:
        c = self.conn
        # one statement, one snapshot: read apart, a process migrating a brand
        # new file in between made its tables appear without its application id
        app_id, version, tables = c.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version), "
            "(SELECT count(*) FROM sqlite_master)").fetchone()
        if not created and app_id != APPLICATION_ID:
            if tables:
                raise DatabaseError(_("{path} is a SQLite file but not a tracing database").format(path=self.path))
        if version > LATEST:
            raise DatabaseError(
                _("{path} was written by a newer version of tracing (schema {version}, this one knows up to "
                  "{LATEST}): upgrade tracing to use it").format(path=self.path, version=version, LATEST=LATEST))
        if not self.read_only and not dry_run and c.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                c.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # read-only medium: fine for reading
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA synchronous = NORMAL")
        if version < LATEST and not dry_run:
            if self.read_only:
                raise DatabaseError(_("{path} needs an upgrade but is read-only: copy it somewhere writable").format(
                                        path=self.path))
            self._migrate(version)

    def _migrate(self, version: int, *, quiet: bool = False) -> None:
        c = self.conn
        with self._upgrading(0 if quiet else version):
            try:
                c.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise DatabaseError(_("cannot upgrade {path}: {error}").format(path=self.path, error=e)) from None
            try:
                # re-read under the lock: another process may have migrated already
                version = c.execute("PRAGMA user_version").fetchone()[0]
                self._apply_migrations(version)
                c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                c.execute(f"PRAGMA user_version = {LATEST}")
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    def _dry_upgrade(self, version: int) -> None:
        """Upgrade the dry run's copy in memory of a database of schema ``version``, and say so."""
        self._say(_("Dry run: {path} is at schema {version}, this tracing needs {latest}: it is upgraded for this "
                    "run only, in memory, and the database is left as it was (a large district can take a "
                    "minute)…").format(path=self.path, version=version, latest=LATEST))
        self._migrate(version, quiet=True)

    def _say(self, message: str) -> None:
        if self.notify is not None:
            self.notify(message)

    @contextlib.contextmanager
    def _upgrading(self, version: int) -> Iterator[None]:
        """Say, around the upgrade of a database that had schema ``version``,
        that it is upgraded (once: a large district can take a minute) and in
        how long. A new database (``version`` 0) is made silently."""
        if not version:
            yield
            return
        self._say(_("Upgrading {path} from schema {version} to {latest} (once; a large district can take a "
                    "minute)…").format(path=self.path, version=version, latest=LATEST))
        start = time.monotonic()
        yield
        from ..i18n import fmt_decimal
        self._say(_("Upgraded {path} to schema {latest} in {seconds} s.").format(
            path=self.path, latest=LATEST, seconds=fmt_decimal(time.monotonic() - start)))

    def _apply_migrations(self, version: int, to: int = LATEST) -> None:
        """Run ``MIGRATIONS[version:to]`` and seed the rules, inside the caller's
        transaction (which holds the lock and records the new version)."""
        c = self.conn
        for n in range(version, to):
            for step in MIGRATIONS[n]:
                if callable(step):
                    step(c)
                else:
                    c.execute(step)
            if n == 0:
                self._seed_rules()

    def _seed_rules(self) -> None:
        now = _now()
        self.conn.executemany(
            "INSERT INTO rules (key, effective, value, note, created_at) VALUES (?, ?, ?, ?, ?)",
            [(k, e, json.dumps(v, ensure_ascii=False), n, now) for k, e, v, n in DEFAULT_RULES])

    def close(self) -> None:
        self.conn.close()

    def secret(self, name: str) -> bytes:
        """A secret kept in the database (``secrets`` table, made by a
        migration; never exported), e.g. the redaction key."""
        row = self.conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        if row is None:
            from ..i18n import _
            raise DatabaseError(_("{path} has no '{name}' key: it was not made by tracing").format(
                path=self.path, name=name))
        return bytes(row[0])

    def discard_if_unused(self) -> bool:
        """Close, and remove the file when no command ever committed to it
        (no audit row): what a failed first command created goes away again.
        Checked and removed under the write lock; a process that opened the
        file meanwhile notices at its next write (:meth:`write` refuses a
        removed file). Returns whether the file was removed."""
        c = self.conn
        removed = False
        try:
            c.execute("BEGIN IMMEDIATE")
            try:
                used = c.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit'").fetchone()[0] and \
                    c.execute("SELECT EXISTS (SELECT 1 FROM audit)").fetchone()[0]
                if not used and _inode(self.path) == self._inode:
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        with contextlib.suppress(FileNotFoundError):
                            os.remove(self.path + suffix)
                    removed = True
            finally:
                c.execute("ROLLBACK")
        except (sqlite3.Error, OSError):
            pass
        finally:
            c.close()
        return removed

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def tables(self) -> list[str]:
        """The tables of the schema (sorted), for table-driven copies and checks."""
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")]

    def columns(self, table: str) -> list[str]:
        """Column names of ``table`` in their order."""
        return [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def foreign_keys(self, table: str) -> list[tuple[str, str, str]]:
        """``(column, other table, its column)`` of each foreign key of ``table``."""
        return sorted((r[3], r[2], r[4]) for r in self.conn.execute(f'PRAGMA foreign_key_list("{table}")'))

    def unique_keys(self, table: str) -> list[tuple[str, ...]]:
        """The column tuples of ``table`` that are unique (primary key and
        unique indexes on plain columns), sorted."""
        keys = set()
        for idx in self.conn.execute(f'PRAGMA index_list("{table}")').fetchall():
            if idx[2]:
                cols = tuple(r[2] for r in self.conn.execute(f'PRAGMA index_info("{idx[1]}")'))
                if cols and None not in cols:
                    keys.add(cols)
        return sorted(keys)

    def references(self, table: str) -> set[str]:
        """Tables that ``table`` points to with a foreign key."""
        return {ref for _, ref, _ in self.foreign_keys(table)}

    def ids_copied(self, tables) -> None:
        """After rows were written with their ids: keep generated ids after
        them (SQLite's INTEGER PRIMARY KEY does so by itself)."""

    def integrity_problems(self) -> list[str]:
        """``PRAGMA integrity_check`` and ``foreign_key_check`` findings ([] when sound)."""
        out = [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        out += [f"{r[0]} row {r[1]} points to missing {r[2]}" for r in self.conn.execute("PRAGMA foreign_key_check")]
        return out

    # ----------------------------------------------------------- transactions
    @contextlib.contextmanager
    def write(self, command: str, *, dry_run: bool = False, detail: dict | None = None) -> Iterator["Store"]:
        """One command, one transaction: take the lock, run, audit, commit.

        With ``dry_run`` everything runs the same and is rolled back at the end.
        """
        c = self.conn
        if self.read_only:
            raise DatabaseError(_("{path} is on a read-only folder or medium: nothing was written").format(
                                    path=self.path))
        try:
            self._begin()
        except sqlite3.DatabaseError as e:
            raise DatabaseError(self._explain(e)) from None
        if self._inode is not None and _inode(self.path) != self._inode:
            # removed or replaced since it was opened (a failed first command
            # of another process took its empty new file away): writing now
            # would go into a file nobody sees
            self._rollback()
            raise DatabaseError(_("{path} was removed or replaced by another process while this command "
                                  "started: nothing was written, run it again").format(path=self.path))
        self._dry_run = dry_run
        self._audit_detail = dict(detail or {})
        try:
            yield self
            c.execute(
                "INSERT INTO audit (at, actor, command, detail) VALUES (?, ?, ?, ?)",
                (_now(), self._actor(), command,
                 json.dumps(self._audit_detail, ensure_ascii=False, sort_keys=True)))
            if dry_run:
                c.execute("ROLLBACK")
            else:
                c.execute("COMMIT")
                if not self.committed:
                    self.committed = True
                    if self.on_first_commit is not None:
                        self.on_first_commit()
        except sqlite3.OperationalError as e:
            self._rollback()
            from .server_errors import is_lost  # here: a SQLite process never loads the server's errors
            if self.dialect == "sqlite" and is_lost(e):
                raise  # another store's lost server (the source of a copy into this file): said by the caller
            raise DatabaseError(self._explain(e)) from None
        except sqlite3.IntegrityError as e:
            self._rollback()
            raise Conflict(_("the write contradicts stored data ({error}); nothing was written").format(error=e)) from None
        except BaseException:
            self._rollback()
            raise
        finally:
            self._dry_run = False
            self._rules = None
            self._areas = None

    def _begin(self) -> None:
        """Start a command's transaction holding the write lock."""
        self.conn.execute("BEGIN IMMEDIATE")

    def _explain(self, error: sqlite3.Error) -> str:
        return _explain(self.path, error)

    def _actor(self) -> str:
        return actor()

    def _rollback(self) -> None:
        # a failing ROLLBACK (I/O error) must not hide the error that caused it;
        # SQLite rolls back from the WAL on the next open anyway
        with contextlib.suppress(sqlite3.Error):
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def note(self, **detail) -> None:
        """Add facts to the audit record of the current write."""
        self._audit_detail.update(detail)

    @property
    def dry_run(self) -> bool:
        return self._dry_run

    # ------------------------------------------------------------ helpers
    def query(self, sql: str, params: Iterable = ()) -> list[dict]:
        cur = self.conn.execute(sql, tuple(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur]

    def _batches(self, ids: Iterable[str]) -> Iterator[list[str]]:
        ids = list(dict.fromkeys(ids))
        for i in range(0, len(ids), BATCH):
            yield ids[i:i + BATCH]

    def _in(self, sql: str, ids: Iterable[str], params: tuple = ()) -> list[tuple]:
        """Run ``sql`` (with ``{ids}`` for a placeholder list) over ids in batches."""
        out = []
        for chunk in self._batches(ids):
            out.extend(self.conn.execute(sql.format(ids=",".join("?" * len(chunk))), (*chunk, *params)))
        return out

    # ------------------------------------------------------------ persons
    def get_person(self, person_id: str) -> dict | None:
        rows = self.query("SELECT * FROM persons WHERE id = ?", (person_id,))
        return rows[0] if rows else None

    def persons(self, ids: Iterable[str]) -> dict[str, dict]:
        out = {}
        for chunk in self._batches(ids):
            for row in self.query(f"SELECT * FROM persons WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[row["id"]] = row
        return out

    def missing_persons(self, ids: Iterable[str]) -> list[str]:
        ids = list(dict.fromkeys(ids))
        found = {r[0] for r in self._in("SELECT id FROM persons WHERE id IN ({ids})", ids)}
        return [i for i in ids if i not in found]

    def areas(self):
        """The area spellings of the current write (:class:`tracing.store.areas.AreaNames`)."""
        from .areas import AreaNames

        if getattr(self, "_areas", None) is None:
            self._areas = AreaNames(self)
        return self._areas

    def insert_person(self, row: dict) -> None:
        row = {k: row.get(k) for k in PERSON_FIELDS if k in row}
        self.areas().spell(row)
        if isinstance(row.get("extra"), dict):
            row["extra"] = json.dumps(row["extra"], ensure_ascii=False, sort_keys=True) if row["extra"] else None
        row["name_folded"] = fold(row.get("name"))
        row["created_at"] = _now()
        cols = list(row)
        try:
            self.conn.execute(
                f"INSERT INTO persons ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                [row[c] for c in cols])
        except sqlite3.IntegrityError:
            if self.get_person(row["id"]):
                raise Conflict(_("person {id} already exists (see `tracing person show {id}`)").format(
                                   id=row['id'])) from None
            raise

    def update_person(self, person_id: str, changes: dict) -> None:
        changes = {k: v for k, v in changes.items() if k in PERSON_FIELDS and k != "id"}
        if not changes:
            return
        if "extra" in changes and isinstance(changes["extra"], dict):
            changes["extra"] = json.dumps(changes["extra"], ensure_ascii=False, sort_keys=True) or None
        if "name" in changes:
            changes["name_folded"] = fold(changes["name"])
        if any(changes.get(k) for k in ("district", "ward", "unit", "workplace")):
            if changes.get("unit") and "ward" not in changes:
                changes["ward"] = (self.get_person(person_id) or {}).get("ward")
            self.areas().spell(changes)
            if changes.get("ward") is None:
                changes.pop("ward", None)
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(f"UPDATE persons SET {sets} WHERE id = ?", [*changes.values(), person_id])

    def persons_by(self, field: str, value: str, *, exclude: str | None = None) -> list[dict]:
        assert field in ("phone", "national_id", "id")
        return self.query(f"SELECT * FROM persons WHERE {field} = ? AND id IS NOT ? ORDER BY id", (value, exclude))

    def find_persons(self, *, folded: str | None, phone: str | None, national_id: str | None,
                     person_id: str | None, limit: int = 200) -> list[dict]:
        """Persons whose id, phone or national id equals, or whose folded name
        contains every word of ``folded``."""
        clauses, params = [], []
        if person_id:
            clauses.append("p.id = ? COLLATE NOCASE")
            params.append(person_id)
        if phone:
            clauses.append("p.phone = ?")
            params.append(phone)
        if national_id:
            clauses.append("p.national_id = ?")
            params.append(national_id)
        if folded:
            words = folded.split()
            clauses.append("(" + " AND ".join("(' ' || p.name_folded || ' ') LIKE ?" for _ in words) + ")")
            params.extend(f"% {w}%" for w in words)
        if not clauses:
            return []
        return self.query(
            f"""SELECT p.*, l.level, l.primary_source FROM persons p
                LEFT JOIN levels l ON l.person = p.id
                WHERE {' OR '.join(clauses)} ORDER BY p.name_folded, p.id LIMIT ?""", (*params, limit))

    # ------------------------------------------------------------ contacts
    def insert_contact(self, row: dict) -> tuple[bool, dict]:
        """Store an encounter (undirected): ``(True, {})`` when new; one
        already recorded (same persons, date, setting, place) becomes the
        merge of both records (:mod:`tracing.contactmerge`): ``(False,
        {field: (stored, merged)})`` of the values the merge changed."""
        from ..contactmerge import Contact
        from .samefacts import insert_contact
        return insert_contact(self, Contact(row["a"], row["b"], row.get("date"), row.get("setting"),
                                            row.get("place"), row.get("minutes"), row.get("masked"),
                                            row.get("extra") or None, row.get("recorded_on")), _recorded_on())

    def contacts_of(self, ids: Iterable[str]) -> list[tuple]:
        """Every contact that touches ``ids``, seen from them:
        ``(person, other, date, setting, minutes, masked, place, recorded_on)``
        (``recorded_on`` None: recorded before the day was kept, not later).

        Uses the two (person, date) indexes; each batch is one indexed lookup.
        """
        sql = """SELECT a, b, date, setting, minutes, masked, place, recorded_on FROM contacts WHERE a IN ({ids})
                 UNION ALL
                 SELECT b, a, date, setting, minutes, masked, place, recorded_on FROM contacts WHERE b IN ({ids})"""
        out = []
        for chunk in self._batches(ids):
            marks = ",".join("?" * len(chunk))
            out.extend(self.conn.execute(sql.format(ids=marks), (*chunk, *chunk)))
        return out

    def person_contacts(self, person_id: str) -> list[dict]:
        return self.query(
            """SELECT id, b AS other, date, setting, place, minutes, masked FROM contacts WHERE a = ?
               UNION ALL
               SELECT id, a AS other, date, setting, place, minutes, masked FROM contacts WHERE b = ?
               ORDER BY date, other, setting, place, id""", (person_id, person_id))

    # ------------------------------------------------------------ places, check-ins
    @property
    def places_respelled(self) -> dict[str, str]:
        """Place names of the current write stored under a known spelling
        (``{typed: stored}``, same folded name)."""
        if getattr(self, "_places_respelled", None) is None:
            self._places_respelled = {}
        return self._places_respelled

    def place_id(self, name: str, *, unit: str | None = None, ward: str | None = None) -> int:
        """The id of the place ``name`` (or of its known spelling: same folded
        name, ``quan a`` is ``Quán A``), created when new."""
        from .bulk import place_ids
        return place_ids(self, {name: (unit, ward)})[name]

    def place_ids(self, names: Iterable[str]) -> dict[str, int]:
        """``{name: id}`` of the known places among ``names``, also when typed
        another way (same folded name; none created)."""
        from .bulk import known_place_ids
        return known_place_ids(self, names)[0]

    def insert_checkin(self, person: str, place: int, at: str, until: str | None,
                       extra: dict | None = None) -> tuple[bool, dict]:
        """Store a check-in: ``(True, {})`` when new; one already recorded
        (same person, place, check-in time) becomes the merge of both (the
        widest stay, :mod:`tracing.contactmerge`): ``(False, {field:
        (stored, merged)})`` of the values the merge changed."""
        from ..contactmerge import Checkin
        from .samefacts import insert_checkin
        return insert_checkin(self, Checkin(person, place, at, until, extra), _recorded_on())

    def checkins_of_persons(self, ids: Iterable[str]) -> list[tuple]:
        """``(person, place id, place name, at, until, recorded_on)`` of every
        check-in of ``ids`` (index checkins_person), in a stable order."""
        return sorted(self._in(
            """SELECT c.person, c.place, p.name, c.at, c.until, c.recorded_on FROM checkins c
               JOIN places p ON p.id = c.place WHERE c.person IN ({ids})""", ids))

    def checkins_at_place(self, place: int, lo: str, hi: str) -> list[tuple]:
        """``(person, at, until)`` of check-ins at ``place`` starting in ``[lo, hi]`` (index checkins_place)."""
        return self.conn.execute(
            "SELECT person, at, until FROM checkins WHERE place = ? AND at BETWEEN ? AND ? ORDER BY at, person",
            (place, lo, hi)).fetchall()

    def checkins_at_places(self, spans: list[tuple[int, str, str]]) -> list[list[tuple]]:
        """For each ``(place, lo, hi)`` of ``spans``, the ``(person, at, until,
        recorded_on)`` of check-ins at that place starting in ``[lo, hi]`` (index
        checkins_place), each list in the order of :meth:`checkins_at_place`.
        One statement per :data:`SPAN_BATCH` spans, not one per span: on a
        server every statement is a round trip; there, one statement of one
        text for all spans (a text per count of spans was planned afresh each
        time, 3-9 ms of the server's time for 60 spans)."""
        out: list[list[tuple]] = [[] for _ in spans]
        if spans and self.dialect == "postgresql":
            places, los, his = (list(col) for col in zip(*spans))
            for k, person, at, until, recorded_on in self.conn.execute(CHECKINS_AT_PLACES_PG, (places, los, his)):
                out[k - 1].append((person, at, until, recorded_on))
            return out
        for first in range(0, len(spans), SPAN_BATCH):
            part = spans[first:first + SPAN_BATCH]
            params = [v for span in part for v in span]
            for k, person, at, until, recorded_on in self.conn.execute(self.checkins_at_places_sql(len(part)),
                                                                       params):
                out[first + k].append((person, at, until, recorded_on))
        return out

    @staticmethod
    def checkins_at_places_sql(n: int) -> str:
        """The statement of :meth:`checkins_at_places` for ``n`` spans (``3 * n`` parameters)."""
        return " UNION ALL ".join(
            f"SELECT {k} AS k, person, at, until, recorded_on FROM checkins WHERE place = ? AND at BETWEEN ? AND ?"
            for k in range(n)) + " ORDER BY k, at, person"

    def person_checkins(self, person_id: str) -> list[dict]:
        return self.query(
            """SELECT c.at, c.until, p.name AS place, p.ward, p.unit FROM checkins c
               JOIN places p ON p.id = c.place WHERE c.person = ? ORDER BY c.at, p.name""", (person_id,))

    # ------------------------------------------------------------ cases
    def get_case(self, person_id: str) -> dict | None:
        rows = self.query("SELECT * FROM cases WHERE person = ?", (person_id,))
        return rows[0] if rows else None

    def cases(self, ids: Iterable[str] | None = None) -> dict[str, dict]:
        if ids is None:
            rows = self.query("SELECT * FROM cases")
        else:
            rows = []
            for chunk in self._batches(ids):
                rows += self.query(f"SELECT * FROM cases WHERE person IN ({','.join('?' * len(chunk))})", chunk)
        return {r["person"]: r for r in rows}

    def cases_with_sources(self, ids: Iterable[str]) -> tuple[dict[str, dict], dict[str, list[str]]]:
        """``(cases, recorded sources)`` of ``ids``: :meth:`cases` and
        :meth:`case_sources` of the same ids in one statement (on a server each
        statement is a round trip, and a write re-derives in many small steps:
        issue 17 point 6). Cases in id order, sources in source order."""
        rows: dict[str, dict] = {}
        sources: dict[str, list[str]] = {}
        for chunk in self._batches(ids):
            for row in self.query(
                    f"""SELECT c.*, s.source AS recorded_source_ FROM cases c
                          LEFT JOIN case_sources s ON s.case_id = c.person
                         WHERE c.person IN ({','.join('?' * len(chunk))}) ORDER BY c.person, s.source""", chunk):
                source = row.pop("recorded_source_")
                rows.setdefault(row["person"], row)
                if source is not None:
                    sources.setdefault(row["person"], []).append(source)
        return rows, sources

    def upsert_case(self, row: dict) -> None:
        row = {k: row.get(k) for k in CASE_FIELDS}
        if isinstance(row.get("extra"), dict):
            row["extra"] = json.dumps(row["extra"], ensure_ascii=False, sort_keys=True) if row["extra"] else None
        cols = list(row)
        self.conn.execute(
            f"""INSERT INTO cases ({','.join(cols)}, created_at) VALUES ({','.join('?' * len(cols))}, ?)
                ON CONFLICT(person) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols if c != 'person')}""",
            [*(row[c] for c in cols), _now()])

    def set_case_facts(self, person_id: str, facts: dict) -> None:
        """Rewrite derived facts of a case (``isolated``, ``unknown_source``,
        ``prior_level``): re-derived after a later write (issue 12)."""
        cols = [c for c in facts if c in ("isolated", "unknown_source", "prior_level")]
        if cols:
            self.conn.execute(f"UPDATE cases SET {', '.join(f'{c} = ?' for c in cols)} WHERE person = ?",
                              [*(facts[c] for c in cols), person_id])

    def delete_case(self, person_id: str) -> None:
        self.conn.execute("DELETE FROM cases WHERE person = ?", (person_id,))

    def case_sources(self, ids: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for case_id, source in self._in(
                "SELECT case_id, source FROM case_sources WHERE case_id IN ({ids}) ORDER BY case_id, source", ids):
            out.setdefault(case_id, []).append(source)
        return out

    def add_case_sources(self, case_id: str, sources: Iterable[str]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO case_sources (case_id, source) VALUES (?, ?)",
                              [(case_id, s) for s in sources])

    def case_labels(self, case_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT label FROM case_labels WHERE case_id = ? ORDER BY label", (case_id,))]

    def add_case_labels(self, case_id: str, labels: Iterable[str]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO case_labels (case_id, label) VALUES (?, ?)",
                              [(case_id, x) for x in labels])

    # ------------------------------------------------------------ derived levels
    def levels(self, ids: Iterable[str]) -> dict[str, dict]:
        """Stored level rows (with ``sources``: {source: date}) for ``ids``."""
        out: dict[str, dict] = {}
        # one statement, not one for the rows and one for their sources: on a
        # server each statement is a round trip, and a write re-derives in many
        # small steps (issue 17 point 6); sources in source order on both stores
        for row in self._in("""SELECT l.person, l.level, l.primary_source, l.exposure, l.quarantine, l.chain_case,
                                      l.exposure_level, l.flags, s.source, s.date
                                 FROM levels l LEFT JOIN level_sources s ON s.person = l.person
                                WHERE l.person IN ({ids}) ORDER BY l.person, s.source""", ids):
            person, level, primary, exposure, quarantine, chain_case, exposure_level, flags, source, date = row
            entry = out.get(person)
            if entry is None:
                entry = out[person] = {
                    "person": person, "level": level, "primary_source": primary, "exposure": exposure,
                    "quarantine": quarantine, "chain_case": chain_case, "exposure_level": exposure_level,
                    "flags": json.loads(flags) if flags else [], "sources": {}}
            if source is not None:
                entry["sources"][source] = date
        return out

    def dependents_closure(self, frontier: Iterable[str], region: Iterable[str],
                           through: Iterable[str]) -> set[str]:
        """Everyone whose stored entry hangs, directly or through others, on
        one of ``frontier``: a person with such a source in ``level_sources``,
        where the source is not a case or is one of ``through``, then theirs,
        and so on, not passing through ``region`` (persons already gathered:
        they are left out, and so is whoever only they lead to). One recursive
        statement, not one per step of :meth:`dependents` (on a server each is
        a round trip: issue 17 point 6)."""
        frontier = sorted(set(frontier))
        if not frontier:
            return set()
        step = """s.person NOT IN (SELECT id FROM region)
                  AND (s.source IN (SELECT id FROM through)
                       OR NOT EXISTS (SELECT 1 FROM cases c WHERE c.person = s.source))"""
        return {r[0] for r in self.conn.execute(
            f"""WITH RECURSIVE region(id) AS (SELECT value FROM json_each(?)),
                     through(id) AS (SELECT value FROM json_each(?)),
                     reach(id) AS (SELECT s.person FROM level_sources s
                                    WHERE {step} AND s.source IN (SELECT value FROM json_each(?))
                                   UNION SELECT s.person FROM reach r, level_sources s WHERE {step} AND s.source = r.id)
                SELECT id FROM reach""",
            tuple(json.dumps(sorted(set(x)), ensure_ascii=False) for x in (region, through, frontier)))}

    def replace_levels(self, ids: Iterable[str], entries: dict[str, dict]) -> None:
        """Delete the derived rows of ``ids`` and write ``entries`` (a subset)."""
        ids = list(ids)
        for sql in ("DELETE FROM level_sources WHERE person IN ({ids})", "DELETE FROM levels WHERE person IN ({ids})"):
            self._in(sql, ids)
        self.conn.executemany(
            "INSERT INTO levels VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(p, e["level"], e["primary_source"], e["exposure"], e["quarantine"], e["chain_case"],
              e.get("exposure_level"), json.dumps(sorted(e["flags"])) if e["flags"] else None)
             for p, e in sorted(entries.items())])
        self.conn.executemany(
            "INSERT INTO level_sources VALUES (?, ?, ?)",
            [(p, s, d) for p, e in sorted(entries.items()) for s, d in sorted(e["sources"].items())])

    def clear_levels(self) -> None:
        self.conn.execute("DELETE FROM level_sources")
        self.conn.execute("DELETE FROM levels")

    def stored_area(self, field: str, typed: str | None) -> str | None:
        """The stored spelling of an area a user typed in a filter (``--ward
        ngoc lam`` is ``Ngọc Lâm``): areas are stored one spelling per folded
        name (:mod:`tracing.store.areas`), so a filter is matched folded like
        them, not with SQLite's ASCII-only NOCASE. Unknown: ``typed`` as is."""
        assert field in ("district", "ward", "unit", "workplace")
        if not typed:
            return typed
        if self.conn.execute(f"SELECT 1 FROM persons WHERE {field} = ? LIMIT 1", (typed,)).fetchone():
            return typed  # typed as stored: no scan of the distinct names
        want = fold(typed)
        for (value,) in self.conn.execute(f"SELECT DISTINCT {field} FROM persons WHERE {field} IS NOT NULL "
                                          f"ORDER BY {field}"):
            if fold(value) == want:
                return value
        return typed

    def list_persons(self, *, level: int | None = None, ward: str | None = None, unit: str | None = None,
                     traced_only: bool = True) -> list[dict]:
        from .areas import spellings, ward_filter

        in_ward = ward_filter(self, ward) if ward else None  # 'Phường 1, Quận 3': that district's only
        unit = self.stored_area("unit", unit)
        clauses, params = [], []
        if level is not None:
            clauses.append("l.level = ?")
            params.append(level)
        elif traced_only:
            clauses.append("l.level IS NOT NULL")
        for field, typed in (("ward", ward), ("unit", unit)):
            if typed:  # every stored spelling of the area, compared as grouping compares areas
                names = in_ward.names if field == "ward" else spellings(self, field, typed) or [typed]
                clauses.append(f"p.{field} IN ({', '.join('?' * len(names))})")
                params.extend(names)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.query(
            f"""SELECT p.id, p.name, l.level, l.primary_source, p.ward, p.unit, l.exposure, l.flags, p.district
                FROM persons p LEFT JOIN levels l ON l.person = p.id {where}
                ORDER BY l.level IS NULL, l.level, p.id""", params)
        return [r for r in rows if in_ward(r["district"], r["ward"])] if in_ward else rows

    def children(self, ids: Iterable[str]) -> dict[str, list[dict]]:
        """Persons whose primary source is one of ``ids`` (the tree's edges),
        each with ``exposure``: the date of the exposure between that person
        and its primary source (``level_sources.date``: for a recorded source
        the last qualifying contact with it on or before the onset), None when
        they have no dated one; never an exposure to another source."""
        out: dict[str, list[dict]] = {}
        for row in self._in(
                """SELECT l.primary_source, l.person, l.level, s.date, p.name
                   FROM levels l JOIN persons p ON p.id = l.person
                   LEFT JOIN level_sources s ON s.person = l.person AND s.source = l.primary_source
                   WHERE l.primary_source IN ({ids}) ORDER BY l.primary_source, s.date, l.person""", ids):
            out.setdefault(row[0], []).append(
                {"id": row[1], "level": row[2], "exposure": row[3], "name": row[4]})
        return out

    # ------------------------------------------------------------ rules
    def rules(self) -> Rules:
        if self._rules is None:
            rows = [Rule(k, e, json.loads(v), n or "")
                    for k, e, v, n in self.conn.execute("SELECT key, effective, value, note FROM rules")]
            stored = {r.key for r in rows}
            # a key added by a later version of tracing has its built-in values in older databases:
            # the one place this happens (not also a migration step), so it holds for read-only
            # databases and keys added without a schema change alike
            rows += [Rule(k, e, v, n) for k, e, v, n in DEFAULT_RULES if k not in stored]
            self._rules = Rules(rows)
        return self._rules

    def set_rule(self, key: str, effective: str, value, note: str = "") -> None:
        self.conn.execute(
            """INSERT INTO rules (key, effective, value, note, created_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(key, effective) DO UPDATE SET value = excluded.value, note = excluded.note""",
            (key, effective, json.dumps(value, ensure_ascii=False), note, _now()))
        self._rules = None

    # ------------------------------------------------------------ audit
    def audit_entries(self) -> list[tuple]:
        """Every audit entry ``(id, at, actor, command, detail)`` in id order
        (what a backup's seal hashes, :func:`tracing.store.maintenance.audit_head`)."""
        return [tuple(r) for r in self.conn.execute("SELECT id, at, actor, command, detail FROM audit ORDER BY id")]

    def may_write(self) -> bool:
        """Can this store be written (not a read-only medium)?"""
        return not self.read_only

    def audit_log(self, limit: int = 50) -> list[dict]:
        return self.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))

    def checkpoint_for_move(self) -> None:
        """Make the file whole by itself (its WAL written back, rollback
        journal mode): ready to be renamed or linked elsewhere."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("PRAGMA journal_mode = DELETE")

    def doctor_counts(self) -> dict[str, int]:
        """``{table: rows}`` of the tables `tracing doctor` lists
        (:data:`tracing.store.maintenance.TABLES`, the same on both stores)."""
        from .maintenance import TABLES
        present = set(self.tables())
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES if t in present}

    def counts(self) -> dict[str, int]:
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("persons", "contacts", "checkins", "cases", "levels")}


__all__ = ["Store", "TracingError", "actor"]

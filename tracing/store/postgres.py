"""PostgreSQL as the shared store of many teams (``--db postgresql://USER@HOST:PORT/DBNAME``).

The same :class:`~tracing.store.Store` methods run here: :class:`Connection`
gives psycopg 3 the face of the ``sqlite3`` connection they were written
for (``execute``/``executemany`` returning a cursor with ``fetchone``,
``rowcount``, ``lastrowid``, ``description``), rewriting each statement once
with :func:`tracing.store.dialect.to_postgres`. Errors keep their PEP 249
category and are raised as ``sqlite3``'s classes of that category, so one
``except sqlite3.IntegrityError`` serves both stores.

Transactions are the SQLite ones, taken further:

* one command, one transaction (``BEGIN`` … ``COMMIT``, ``ROLLBACK`` on any error);
* writers serialise on one transaction-scoped advisory lock
  (``pg_advisory_xact_lock``), as SQLite's ``BEGIN IMMEDIATE`` does, so a
  level re-derivation always reads the facts every earlier write committed;
  readers never wait (MVCC);
* the schema version lives in the table ``tracing_meta`` (``user_version``,
  ``application_id``), migrations run under a second advisory lock.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from urllib.parse import urlsplit, urlunsplit

from ..errors import DatabaseError
from ..i18n import _
from .address import display, is_url  # noqa: F401 - is_url: where callers have long imported it
from .dialect import to_postgres

WRITE_LOCK = 0x54524331  # "TRC1": one writer at a time, like BEGIN IMMEDIATE
MIGRATE_LOCK = 0x54524332
META = "tracing_meta"
TEAM_ROLE = "tracing_team"
SUPERVISOR_ROLE = "tracing_supervisor"


def _psycopg():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the [postgres] extra is missing
        raise DatabaseError(_("PostgreSQL needs psycopg 3: pip install 'tracing[postgres]'")) from None
    return psycopg


def _NO_DATABASE() -> str:
    return _("no database at {path}: add data first (any writing command creates it) or run `tracing init`; "
             "`--db` or $TRACING_DB choose another database")


def _as_sqlite_error(e) -> sqlite3.Error:
    """The ``sqlite3`` class of the same PEP 249 category as psycopg's ``e``."""
    psycopg = _psycopg()
    msg = (getattr(e, "diag", None) and e.diag.message_primary) or str(e).strip()
    if isinstance(e, psycopg.errors.InsufficientPrivilege):
        return ReadOnlyRole(msg)
    for theirs, ours in ((psycopg.IntegrityError, sqlite3.IntegrityError),
                         (psycopg.OperationalError, sqlite3.OperationalError),
                         (psycopg.ProgrammingError, sqlite3.OperationalError),
                         (psycopg.DataError, sqlite3.DataError),
                         (psycopg.InternalError, sqlite3.InternalError)):
        if isinstance(e, theirs):
            return ours(msg)
    return sqlite3.DatabaseError(msg)


class ReadOnlyRole(sqlite3.OperationalError):
    """The database user may only read (the supervisor role)."""


class Cursor:
    """A finished statement's rows, with the ``sqlite3.Cursor`` attributes the store uses."""

    def __init__(self, cur, lastrowid=None):
        self._cur = cur
        self.lastrowid = lastrowid
        self.rowcount = cur.rowcount if cur is not None else -1
        self.description = cur.description if cur is not None else None

    def fetchone(self):
        return self._cur.fetchone() if self.description else None

    def fetchall(self):
        return self._cur.fetchall() if self.description else []

    def fetchmany(self, size=1):
        return self._cur.fetchmany(size) if self.description else []

    def __iter__(self):
        return iter(self._cur) if self.description else iter(())

    def close(self):
        if self._cur is not None:
            self._cur.close()


_SINGLE_INSERT = re.compile(r"\s*INSERT\s+INTO\s+\"?(\w+)\"?(?!.*\bSELECT\b)(?!.*\bON\s+CONFLICT\b)", re.I | re.S)
_IDENTITY_TABLES: dict[str, str] = {}


class Connection:
    """psycopg 3 behind the slice of the ``sqlite3.Connection`` API the store uses
    (a migration step that must differ asks ``conn.dialect``)."""

    dialect = "postgresql"

    def __init__(self, url: str):
        psycopg = _psycopg()
        from psycopg.adapt import Loader
        from psycopg.types.string import StrDumper

        class _BoolAsInt(Loader):  # SQLite has no booleans: EXISTS(...) is 0 or 1 there
            def load(self, data):
                return 1 if bytes(data) == b"t" else 0

        class _Number(Loader):  # sum() of integers is numeric in PostgreSQL, an int in SQLite
            def load(self, data):
                text = bytes(data).decode()
                try:
                    return int(text)
                except ValueError:
                    return float(text)

        try:
            self.raw = psycopg.connect(url, autocommit=True, connect_timeout=15)
        except psycopg.Error as e:
            raise DatabaseError(_("cannot connect to {url}: {error}").format(
                url=display(url), error=" ".join(str(e).split()))) from None
        self.raw.adapters.register_dumper(str, StrDumper)  # text, not 'unknown': `? IS NULL` works
        self.raw.adapters.register_loader("bool", _BoolAsInt)
        self.raw.adapters.register_loader("numeric", _Number)
        self._psycopg = psycopg

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def _run(self, sql: str, params, many: bool = False):
        cur = self.raw.cursor()
        try:
            if many:
                cur.executemany(sql, params)
            else:
                cur.execute(sql, params if params else None)
        except self._psycopg.Error as e:
            cur.close()
            raise _as_sqlite_error(e) from None
        return cur

    def execute(self, sql: str, params=()) -> Cursor:
        params = params or None
        text = to_postgres(sql)
        m = _SINGLE_INSERT.match(text)
        if m and self.in_transaction:
            # a failed statement aborts a PostgreSQL transaction; SQLite's goes
            # on (the store catches a duplicate key and explains it): a savepoint
            # keeps the two alike
            returning = _IDENTITY_TABLES.get(m.group(1).lower())
            self.raw.execute("SAVEPOINT single_insert")
            try:
                cur = self._run(text + (f" RETURNING {returning}" if returning else ""), params)
            except BaseException:
                with contextlib.suppress(Exception):
                    self.raw.execute("ROLLBACK TO SAVEPOINT single_insert")
                raise
            self.raw.execute("RELEASE SAVEPOINT single_insert")
            lastrowid = None
            if returning:
                row = cur.fetchone()
                lastrowid = row[0] if row else None
            return Cursor(cur, lastrowid)
        if m and m.group(1).lower() in _IDENTITY_TABLES:
            cur = self._run(text + f" RETURNING {_IDENTITY_TABLES[m.group(1).lower()]}", params)
            row = cur.fetchone()
            return Cursor(cur, row[0] if row else None)
        return Cursor(self._run(text, params))

    def executemany(self, sql: str, seq) -> Cursor:
        seq = list(seq)
        if not seq:
            return Cursor(None)
        cur = self._run(to_postgres(sql), seq, many=True)
        return Cursor(cur)

    def copy_rows(self, table: str, cols: list[str], rows: list[tuple]) -> int:
        """Add ``rows`` to ``table`` with ``COPY … FROM STDIN`` (one stream,
        not one INSERT per row: what moving a whole district needs). Returns
        how many rows were sent; errors as :meth:`execute`'s."""
        names = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
        try:
            with self.raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as stream:
                for row in rows:
                    stream.write_row(row)
        except self._psycopg.Error as e:
            raise _as_sqlite_error(e) from None
        return len(rows)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def close(self) -> None:
        self.raw.close()


def note_identity_tables() -> dict[str, str]:
    """``{table: column}`` of the tables with a generated key (``col INTEGER
    PRIMARY KEY`` first in a ``CREATE TABLE`` of the migrations, SQLite's
    rowid alias; BIGSERIAL here): their single INSERTs return it, for ``lastrowid``."""
    if not _IDENTITY_TABLES:
        from .schema import MIGRATIONS
        pattern = re.compile(
            r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(\s*(\w+)\s+INTEGER\s+PRIMARY\s+KEY", re.I)
        for step in (s for m in MIGRATIONS for s in m if isinstance(s, str)):
            _IDENTITY_TABLES.update((t.lower(), c) for t, c in pattern.findall(step))
    return _IDENTITY_TABLES


# ---------------------------------------------------------------- the store
def _dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or ""


def _with_dbname(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_database(url: str) -> None:
    """``CREATE DATABASE`` for ``url``'s name, through the server's ``postgres`` database."""
    psycopg = _psycopg()
    name = _dbname(url)
    try:
        with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True, connect_timeout=15) as c:
            c.execute(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE template0 ENCODING 'UTF8'")
    except psycopg.errors.DuplicateDatabase:
        pass  # another process made it a moment ago
    except psycopg.Error as e:
        raise DatabaseError(_("cannot create the database {name} on {url}: {error} (ask the server's "
                              "administrator to create it)").format(name=name, url=display(url),
                                                                   error=str(e).strip())) from None


def _from_store():
    from . import Store
    return Store


class PgStore(_from_store()):
    """A tracing database on a PostgreSQL server. Open with ``Store.open(url)``."""

    dialect = "postgresql"

    @classmethod
    def open_url(cls, url: str, *, create: bool = False) -> "PgStore":
        """Connect to ``url``; with ``create`` make the database (when the
        user may) and the schema when missing. Raises :class:`DatabaseError`
        for an unreachable server, a missing database or schema (without
        ``create``), a database that is not a tracing one, or a newer schema."""
        try:
            conn = Connection(url)
        except DatabaseError as e:
            if not create or "does not exist" not in str(e) or not _dbname(url):
                if "does not exist" in str(e):
                    raise DatabaseError(_NO_DATABASE().format(path=display(url))) from None
                raise
            _create_database(url)
            conn = Connection(url)
        store = cls(conn, display(url))
        store.url = url
        try:
            store.created = store._prepare_pg(create)
        except BaseException:
            conn.close()
            raise
        note_identity_tables()
        return store

    # ------------------------------------------------------------ schema
    def _meta(self) -> dict[str, str]:
        raw = self.conn.raw
        if not self.conn.in_transaction:  # one round trip: a missing table is an error that aborts nothing here
            try:
                return dict(raw.execute(f"SELECT key, value FROM {META}").fetchall())
            except self.conn._psycopg.errors.UndefinedTable:
                return {}
        if raw.execute("SELECT to_regclass(%s)", (META,)).fetchone()[0] is None:
            return {}
        return dict(raw.execute(f"SELECT key, value FROM {META}").fetchall())

    def schema_version(self) -> int:
        return int(self._meta().get("user_version", 0))

    def _prepare_pg(self, create: bool) -> bool:
        from .schema import APPLICATION_ID, LATEST
        meta = self._meta()
        version = int(meta.get("user_version", 0))
        if not meta:
            tables = self.conn.raw.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").fetchone()[0]
            if tables:
                raise DatabaseError(_("{path} is a PostgreSQL database but not a tracing database").format(
                    path=self.path))
            if not create:
                raise DatabaseError(_NO_DATABASE().format(path=self.path))
        elif int(meta.get("application_id", 0)) != APPLICATION_ID:
            raise DatabaseError(_("{path} is a PostgreSQL database but not a tracing database").format(
                path=self.path))
        if version > LATEST:
            raise DatabaseError(_("{path} was written by a newer version of tracing (schema {version}, this one "
                                  "knows up to {latest}): upgrade tracing to use it").format(
                                      path=self.path, version=version, latest=LATEST))
        if version < LATEST:
            return self._migrate_pg()
        return False

    def _migrate_pg(self) -> bool:
        """Bring the schema to the latest version; True when it was made from nothing."""
        from .schema import APPLICATION_ID, LATEST
        c = self.conn
        c.execute("BEGIN")
        try:
            c.raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
            c.raw.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            version = int(self._meta().get("user_version", 0))  # re-read under the lock
            self._apply_migrations(version)
            for key, value in (("application_id", APPLICATION_ID), ("user_version", LATEST)):
                c.raw.execute(f"""INSERT INTO {META} (key, value) VALUES (%s, %s)
                                  ON CONFLICT (key) DO UPDATE SET value = excluded.value""", (key, str(value)))
            c.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise DatabaseError(self._explain(e, opening=True)) from None
        except BaseException:
            self._rollback()
            raise
        return version == 0

    def discard_if_unused(self) -> bool:
        """Close, and drop the tables this process made when no command ever
        committed to them (no audit row): a failed first command leaves no
        tracing database behind, as on SQLite. Returns whether they were dropped."""
        c = self.conn
        removed = False
        try:
            c.execute("BEGIN")
            try:
                c.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                if self.created and not c.execute("SELECT EXISTS (SELECT 1 FROM audit)").fetchone()[0]:
                    for t in [*self.tables(), META]:
                        c.raw.execute(f"DROP TABLE IF EXISTS {_quote_ident(t)} CASCADE")
                    c.execute("COMMIT")
                    removed = True
            finally:
                if c.in_transaction:
                    c.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - best effort, like the SQLite file removal
            pass
        finally:
            c.close()
        return removed

    def tables(self) -> list[str]:
        return [r[0] for r in self.conn.raw.execute(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name != %s
               ORDER BY table_name""", (META,))]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.conn.raw.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position""", (table,))]

    def foreign_keys(self, table: str) -> list[tuple[str, str, str]]:
        return [tuple(r) for r in self.conn.raw.execute(
            """SELECT a.attname, ref.relname, ra.attname FROM pg_constraint k
               JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class ref ON ref.oid = k.confrelid
               JOIN LATERAL unnest(k.conkey, k.confkey) AS u(col, refcol) ON true
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.col
               JOIN pg_attribute ra ON ra.attrelid = ref.oid AND ra.attnum = u.refcol
               WHERE k.contype = 'f' AND t.relname = %s AND t.relnamespace = current_schema()::regnamespace
               ORDER BY 1""", (table,))]

    def ids_copied(self, tables) -> None:
        for t, col in sorted(note_identity_tables().items()):
            if t in set(tables):
                self.conn.raw.execute(
                    f"""SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({col}), 0) + 1, false)
                        FROM {_quote_ident(t)}""", (t, col))

    def integrity_problems(self) -> list[str]:
        """PostgreSQL keeps its constraints itself: rows that would break them cannot exist.
        Reports tables of the schema that are missing."""
        return []

    # ------------------------------------------------------------ roles
    def ensure_roles(self) -> dict[str, str]:
        """Create (when missing) the two group roles and grant them this
        database's tables: :data:`TEAM_ROLE` reads and writes,
        :data:`SUPERVISOR_ROLE` only reads. Tables that later migrations
        add get the same grants (default privileges of the schema owner).
        Login users join one: ``CREATE USER ward7 PASSWORD '…' IN ROLE tracing_team``.

        Returns ``{role: what it may do}``. Raises :class:`DatabaseError`
        when this user may not create roles or grant on the tables."""
        raw = self.conn.raw
        psycopg = _psycopg()
        from ..i18n import N_
        rights = {TEAM_ROLE: N_("read and write"), SUPERVISOR_ROLE: N_("read only")}
        try:
            with raw.transaction():
                for role in rights:
                    exists = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
                    if not exists:
                        raw.execute(f"CREATE ROLE {role} NOLOGIN")
                db = _quote_ident(_dbname(self.url))
                for role in rights:
                    raw.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}")
                    raw.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
                    raw.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
                    raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}")
                raw.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {TEAM_ROLE}")
                raw.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {TEAM_ROLE}")
                raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                            f"GRANT INSERT, UPDATE, DELETE ON TABLES TO {TEAM_ROLE}")
                raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {TEAM_ROLE}")
                raw.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
                            f"FROM {SUPERVISOR_ROLE}")
        except psycopg.Error as e:
            raise DatabaseError(_("cannot set up the roles {team} and {supervisor} on {path} ({error}): run "
                                  "`tracing init` as the database's owner with the CREATEROLE right").format(
                                      team=TEAM_ROLE, supervisor=SUPERVISOR_ROLE, path=self.path,
                                      error=str(e).strip())) from None
        return rights

    def may_write(self) -> bool:
        """May this database user write (not the supervisor role)?"""
        return bool(self.conn.raw.execute("SELECT has_table_privilege('audit', 'INSERT')").fetchone()[0])

    # ------------------------------------------------------------ transactions
    def _begin(self) -> None:
        # one round trip (two statements without parameters go as one simple query)
        self.conn._run(f"BEGIN; SELECT pg_advisory_xact_lock({int(WRITE_LOCK)})", None)

    def _actor(self) -> str:
        """The database user (the identity the server checked), with the
        login name or $TRACING_USER after it when that differs."""
        from . import actor
        user = self.conn.execute("SELECT session_user").fetchone()[0]
        claimed = actor()
        return user if claimed == user else f"{user} ({claimed})"

    def _explain(self, error: sqlite3.Error, *, opening: bool = False) -> str:
        if isinstance(error, ReadOnlyRole):
            user = urlsplit(self.url).username or _("this user")
            return _("the database user {user} may only read {path} (supervisor role): nothing was written; a "
                     "tracing-team user ({team}) can write").format(user=user, path=self.path, team=TEAM_ROLE)
        msg = str(error)
        if isinstance(error, sqlite3.OperationalError) and ("connection" in msg.lower() or "server" in msg.lower()):
            return _("lost the connection to {path} ({error}); nothing was written").format(path=self.path, error=msg)
        if opening:
            return _("{path} cannot be prepared ({error})").format(path=self.path, error=msg)
        return _("database problem with {path} ({error}); nothing was written").format(path=self.path, error=msg)

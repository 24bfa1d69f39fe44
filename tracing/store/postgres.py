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

from ..errors import DatabaseError, NoDatabase
from ..i18n import _
from .address import canonical, display, is_url  # noqa: F401 - is_url: where callers have long imported it
from .dialect import collapse_in_lists, to_postgres
from .server_errors import cause, driver_text, is_lost, lost_message, with_detail

WRITE_LOCK = 0x54524331  # "TRC1": one writer at a time, like BEGIN IMMEDIATE
MIGRATE_LOCK = 0x54524332
META = "tracing_meta"
TEAM_ROLE = "tracing_team"
SUPERVISOR_ROLE = "tracing_supervisor"
NO_ROLES: set[str] = set()
"""Addresses of scratch databases (a ``.dump`` being restored): no roles made for them."""
APPEND_ONLY = ("audit",)
"""Tables the team role may add to and read, never change or empty."""
READ_ONLY = ("secrets", META)
"""Tables the team role only reads (the redaction key, the schema version)."""


def role_names(dbname: str) -> tuple[str, str]:
    """The (team, supervisor) roles of the database ``dbname``:
    ``tracing_team_<db>`` and ``tracing_supervisor_<db>`` (PostgreSQL
    roles are server-wide; a role per database keeps one district's users
    out of another's).

    ``<db>`` is the name as a plain identifier, so that the README's unquoted
    ``CREATE USER … IN ROLE tracing_team_<db>`` names it (PostgreSQL folds an
    unquoted name to lower case; critic17b F-D): lower case, Vietnamese
    letters without their marks (``values.fold``: ``Biên`` -> ``bien``),
    anything but ``a-z 0-9 _`` made ``_``. A name that this changes gets
    ``_`` and the first 6 hex digits of the SHA-256 of the real name after
    it, so ``LongBien`` and ``longbien`` never share roles. A role name over
    PostgreSQL's 63 bytes is cut and ends in a hash of the whole name.

    >>> role_names("long_bien")
    ('tracing_team_long_bien', 'tracing_supervisor_long_bien')
    >>> import hashlib; tag = hashlib.sha256("Long Biên".encode()).hexdigest()[:6]
    >>> role_names("Long Biên")[0] == f"tracing_team_long_bien_{tag}"
    True
    """
    import hashlib

    from ..values import fold
    plain = re.sub(r"[^a-z0-9_]", "_", fold(dbname).lower())
    if plain != dbname:
        plain += "_" + hashlib.sha256(dbname.encode()).hexdigest()[:6]
    out = []
    for kind in (TEAM_ROLE, SUPERVISOR_ROLE):
        name = f"{kind}_{plain}"
        if len(name) > 63:
            tag = hashlib.sha256(f"{kind}_{dbname}".encode()).hexdigest()[:8]
            name = f"{name[:54]}_{tag}"
        out.append(name)
    return out[0], out[1]


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
    if isinstance(e, psycopg.errors.LockNotAvailable):
        return WriteLockTimeout(msg)
    if is_lost(e):
        return ConnectionLost(driver_text(e))
    for theirs, ours in ((psycopg.IntegrityError, sqlite3.IntegrityError),
                         (psycopg.OperationalError, sqlite3.OperationalError),
                         (psycopg.ProgrammingError, sqlite3.OperationalError),
                         (psycopg.DataError, sqlite3.DataError),
                         (psycopg.InternalError, sqlite3.InternalError)):
        if isinstance(e, theirs):
            return ours(msg)
    return sqlite3.DatabaseError(msg)


class ReadOnlyRole(sqlite3.OperationalError):
    """The database user lacks a privilege the statement needs (a
    supervisor's write, a team's restore, a user in no role of this database)."""


class WriteLockTimeout(sqlite3.OperationalError):
    """Another connection held the write lock longer than ``lock_timeout``."""


class ConnectionLost(sqlite3.OperationalError):
    """The connection dropped mid-command (server restarted or shut down, the
    session terminated by an administrator or an idle timeout, network down).
    ``during_commit``: it dropped while the COMMIT was on its way, so the
    server may have committed."""
    during_commit = False


class CannotConnect(DatabaseError):
    """No session could be opened; ``cause`` is the recognised
    :class:`~tracing.store.server_errors.Cause` (or None)."""

    def __init__(self, message: str, cause=None):
        super().__init__(message)
        self.cause = cause


def connect_error(url: str, error) -> CannotConnect:
    """Why no session to ``url`` could be opened, in words (the driver's
    text as a detail line)."""
    found = cause(error)
    if found is None:
        return CannotConnect(_("cannot connect to {url}: {error}").format(
            url=display(url), error=driver_text(error)))
    return CannotConnect(with_detail(_("cannot connect to {url}: {cause}").format(url=display(url), cause=found.text),
                                     error), found)


def lock_timeout() -> int:
    """Seconds a write waits for another team's write to finish
    (``$TRACING_LOCK_TIMEOUT``, default 30; 0 waits for ever)."""
    import os
    value = os.environ.get("TRACING_LOCK_TIMEOUT", "").strip()
    try:
        return max(int(value), 0) if value else 30
    except ValueError:
        raise DatabaseError(_("TRACING_LOCK_TIMEOUT: '{value}' is not a whole number of seconds").format(
            value=value)) from None


def session_options(url: str) -> str:
    """The libpq ``options`` of every connection: the write lock's
    ``lock_timeout``, TCP keepalives on the server's side (a team
    laptop that went to sleep mid-write is noticed within minutes, not hours)
    and no parallel workers (``max_parallel_workers_per_gather=0``: a command
    runs small indexed statements, and the planner sent the check-in spans of a
    re-derivation (:meth:`~tracing.store.Store.checkins_at_places`, ~1,000
    rows) to two worker processes, whose start-up made it 20-30 ms instead of
    4 ms; measured in benchmarks/README.md), then any ``options`` of ``url``
    (``?options=-c%20max_parallel_workers_per_gather%3D2`` gives them back).
    Sent in the start-up packet: no round trip."""
    from psycopg.conninfo import conninfo_to_dict
    ours = (f"-c lock_timeout={lock_timeout() * 1000} -c tcp_keepalives_idle=60 "
            "-c tcp_keepalives_interval=10 -c tcp_keepalives_count=6 -c max_parallel_workers_per_gather=0")
    theirs = conninfo_to_dict(url).get("options")
    return f"{ours} {theirs}" if theirs else ours


def libpq_call(url: str) -> tuple[str, dict]:
    """``url`` for a libpq program's command line (``pg_dump``,
    ``pg_restore``) without its password (in any form: ``user:PASSWORD@``,
    ``?password=``, ``&password=``), and the environment that hands
    the password over instead (``PGPASSWORD``: the command line is visible
    to every local user in ``ps``, a process's environment is not)."""
    import os
    from urllib.parse import parse_qsl, unquote, urlencode
    parts = urlsplit(canonical(url))
    env = dict(os.environ)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = [value for key, value in query if key == "password"]
    netloc = parts.netloc
    if parts.password is not None:
        given.insert(0, unquote(parts.password))
        login, host = netloc.rsplit("@", 1)
        netloc = f"{login.split(':', 1)[0]}@{host}"
    if not given:
        return url, env
    env["PGPASSWORD"] = given[-1]  # libpq: a later setting wins
    rest = urlencode([(k, v) for k, v in query if k != "password"])
    return urlunsplit(parts._replace(netloc=netloc, query=rest)), env


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

        url = canonical(url)
        try:
            self.raw = psycopg.connect(url, autocommit=True, connect_timeout=15, keepalives=1,
                                       keepalives_idle=60, keepalives_interval=10, keepalives_count=6,
                                       options=session_options(url))
        except psycopg.Error as e:
            error = " ".join(str(e).split())
            if isinstance(e, psycopg.OperationalError) and "CONNECT privilege" in error:
                team, supervisor = role_names(_dbname(url))
                raise DatabaseError(_("the database user {user} may not open {url} ({error}): each database has "
                                      "its own roles; its owner grants {team} (read and write) or {supervisor} "
                                      "(read only)").format(user=urlsplit(url).username, url=display(url),
                                                            error=error, team=team, supervisor=supervisor)) from None
            raise connect_error(url, e) from None
        self.raw.adapters.register_dumper(str, StrDumper)  # text, not 'unknown': `? IS NULL` works
        self.raw.adapters.register_loader("bool", _BoolAsInt)
        self.raw.adapters.register_loader("numeric", _Number)
        self._psycopg = psycopg
        self.url = url
        self.drawn: set[str] = set()  # tables whose generated keys this transaction drew

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def _run(self, sql: str, params, many: bool = False):
        try:
            cur = self.raw.cursor()  # fails when the connection dropped
        except self._psycopg.Error as e:
            raise _as_sqlite_error(e) from None
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
        if sql == "ROLLBACK":
            cur = self._run(sql, None)
            self._give_back_keys()
            return Cursor(cur)
        if sql == "COMMIT":
            self.drawn.clear()
            try:
                return Cursor(self._run(sql, None))
            except ConnectionLost as e:
                e.during_commit = True  # the server may have committed before the line dropped
                raise
        sql, params = collapse_in_lists(sql, params)
        text = to_postgres(sql)
        m = _SINGLE_INSERT.match(text)
        if m and m.group(1).lower() in _IDENTITY_TABLES:
            self.drawn.add(m.group(1).lower())
        if m and self.in_transaction:
            # a failed statement aborts a PostgreSQL transaction; SQLite's goes
            # on (the store catches a duplicate key and explains it): a savepoint
            # keeps the two alike
            returning = _IDENTITY_TABLES.get(m.group(1).lower())
            self._run("SAVEPOINT single_insert", None)
            try:
                cur = self._run(text + (f" RETURNING {returning}" if returning else ""), params)
            except BaseException:
                with contextlib.suppress(Exception):
                    self.raw.execute("ROLLBACK TO SAVEPOINT single_insert")
                raise
            self._run("RELEASE SAVEPOINT single_insert", None)
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
        text = to_postgres(sql)
        m = _SINGLE_INSERT.match(text)
        if m and m.group(1).lower() in _IDENTITY_TABLES:
            self.drawn.add(m.group(1).lower())
        cur = self._run(text, seq, many=True)
        return Cursor(cur)

    def copy_rows(self, table: str, cols: list[str], rows: list[tuple]) -> int:
        """Add ``rows`` to ``table`` with ``COPY … FROM STDIN`` (one stream,
        not one INSERT per row: what moving a whole district needs). Returns
        how many rows were sent; errors as :meth:`execute`'s."""
        names = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
        if table.lower() in _IDENTITY_TABLES:
            self.drawn.add(table.lower())
        try:
            with self.raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as stream:
                for row in rows:
                    stream.write_row(row)
        except self._psycopg.Error as e:
            raise _as_sqlite_error(e) from None
        return len(rows)

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")
        self.drawn.clear()

    def _give_back_keys(self) -> None:
        """After a rollback: the generated keys the transaction drew go back
        (a sequence does not roll back), so the next record gets the id
        SQLite would give it (max + 1: ``--dry-run`` and refused commands
        leave no gaps, the same JSON on both stores). Under the write lock,
        so no other writer holds a key meanwhile; best effort."""
        tables, self.drawn = sorted(self.drawn), set()
        if not tables:
            return
        resets = ", ".join(
            f"setval(pg_get_serial_sequence('{t}', '{c}'), coalesce((SELECT max({c}) FROM {t}), 0) + 1, false)"
            for t in tables for c in [_IDENTITY_TABLES[t]])
        with contextlib.suppress(Exception):
            self.raw.execute(f"BEGIN; SELECT pg_advisory_xact_lock({int(WRITE_LOCK)}); SELECT {resets}; COMMIT")
        if self.in_transaction:
            with contextlib.suppress(Exception):
                self.raw.execute("ROLLBACK")

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
    """The database's name as the server knows it (percent-decoded, as libpq does:
    ``…/Long%20Bi%C3%AAn`` is ``Long Biên``)."""
    from urllib.parse import unquote
    return unquote(urlsplit(url).path.lstrip("/") or "")


def _with_dbname(url: str, name: str) -> str:
    from urllib.parse import quote
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name, safe="")))


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_database(url: str) -> bool:
    """``CREATE DATABASE`` for ``url``'s name, through the server's ``postgres``
    database. Returns False when another process made it meanwhile."""
    psycopg = _psycopg()
    name = _dbname(url)
    try:
        with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True, connect_timeout=15) as c:
            c.execute(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE template0 ENCODING 'UTF8'")
        return True
    except psycopg.errors.DuplicateDatabase:
        return False  # another process made it a moment ago
    except psycopg.Error as e:
        raise DatabaseError(_("cannot create the database {name} on {url}: {error} (ask the server's "
                              "administrator to create it)").format(name=name, url=display(url),
                                                                   error=str(e).strip())) from None


def _drop_database(url: str) -> None:
    """Drop the database of ``url`` this process just created and never
    opened (best effort; DROP without FORCE leaves it when anyone is in)."""
    psycopg = _psycopg()
    with contextlib.suppress(psycopg.Error), \
            psycopg.connect(_with_dbname(url, "postgres"), autocommit=True, connect_timeout=15) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {_quote_ident(_dbname(url))}")


def _login() -> str:
    from . import actor
    return actor()


RECORD_CLUSTERS_SIGNATURE = "tracing_record_clusters(jsonb, jsonb, jsonb, text, text, text)"
# members {case: id}, new_ids [[id, n]], merges [[old, into]], day, at, the claimed login:
# the same re-checks under the write lock and the same audit entry as tracing.clusters._persist
RECORD_CLUSTERS = f"""
CREATE OR REPLACE FUNCTION tracing_record_clusters(members jsonb, new_ids jsonb, merges jsonb, day text, at text,
                                                   claimed text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
  fresh jsonb;
  merged jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock({WRITE_LOCK});
  IF (SELECT coalesce(jsonb_object_agg(case_id, cluster), '{{}}'::jsonb) FROM cluster_members) = members THEN
    RETURN;  -- another session saved these very ids a moment ago
  END IF;
  SELECT coalesce(jsonb_agg(x ORDER BY (x->>1)::int), '[]'::jsonb) INTO fresh FROM jsonb_array_elements(new_ids) x
   WHERE NOT EXISTS (SELECT 1 FROM cluster_ids c WHERE c.id = x->>0);
  SELECT coalesce(jsonb_agg(m ORDER BY o), '[]'::jsonb) INTO merged FROM jsonb_array_elements(merges) WITH ORDINALITY AS e(m, o)
   WHERE EXISTS (SELECT 1 FROM cluster_ids c WHERE c.id = m->>0 AND c.merged_into IS NULL);
  INSERT INTO cluster_ids (id, n, created) SELECT x->>0, (x->>1)::int, day FROM jsonb_array_elements(fresh) x;
  UPDATE cluster_ids c SET merged_into = m->>1, merged_at = day FROM jsonb_array_elements(merged) m WHERE c.id = m->>0;
  DELETE FROM cluster_members;
  INSERT INTO cluster_members (case_id, cluster) SELECT key, value FROM jsonb_each_text(members) ORDER BY key;
  INSERT INTO audit (at, actor, command, detail) VALUES (
    at, CASE WHEN claimed = session_user THEN session_user ELSE session_user || ' (' || claimed || ')' END, 'clusters',
    '{{"merged": ' || (SELECT coalesce(jsonb_agg((m->>0) || '->' || (m->>1) ORDER BY o), '[]'::jsonb)
                        FROM jsonb_array_elements(merged) WITH ORDINALITY AS e(m, o))::text
    || ', "new": ' || (SELECT coalesce(jsonb_agg(x->0 ORDER BY o), '[]'::jsonb)
                       FROM jsonb_array_elements(fresh) WITH ORDINALITY AS e(x, o))::text || '}}');
END
$fn$"""


# the server's own databases: a write there would take them over (critic17 F5)
SYSTEM_DATABASES = ("postgres", "template0", "template1")


def _from_store():
    from . import Store
    return Store


class PgStore(_from_store()):
    """A tracing database on a PostgreSQL server. Open with ``Store.open(url)``."""

    dialect = "postgresql"

    @classmethod
    def open_url(cls, url: str, *, create: bool = False, notify=None, upgrade: bool = True) -> "PgStore":
        """Connect to ``url``; with ``create`` make the database (when the
        user may) and the schema when missing. Raises :class:`DatabaseError`
        for an unreachable server, a missing database or schema (without
        ``create``), a database that is not a tracing one, or a newer schema."""
        if not _dbname(url):  # libpq would take the user's name: tables in the server's own database
            raise DatabaseError(_("{url} names no database: write postgresql://USER@HOST:PORT/DBNAME (nothing was "
                                  "written)").format(url=display(url)))
        url = canonical(url)
        if create and _dbname(url) in SYSTEM_DATABASES:
            raise DatabaseError(_(
                "{url}: {name} is the PostgreSQL server's own database, not a district's: tracing writes nothing "
                "there (every user of the server needs it, and new databases are copied from template1); name the "
                "district's database, e.g. postgresql://USER@HOST:PORT/long_bien (nothing was written)").format(
                    url=display(url), name=_dbname(url)))
        made_database = False
        try:
            conn = Connection(url)
        except CannotConnect as e:
            # only a missing database is "no database": a missing role, a wrong
            # password, a refused connection are said as they are (critic17b F-B)
            if e.cause is None or e.cause.kind != "no-database":
                raise
            if not create:
                raise NoDatabase(_NO_DATABASE().format(path=display(url))) from None
            made_database = _create_database(url)
            try:
                conn = Connection(url)
            except BaseException:
                if made_database:
                    _drop_database(url)
                raise
        store = cls(conn, display(url))
        store.notify = notify
        store.url = url
        store.made_database = made_database
        try:
            try:
                store.created = store._prepare_pg(create, upgrade=upgrade)
            except conn._psycopg.Error as e:
                raise DatabaseError(store._explain(_as_sqlite_error(e), opening=True)) from None
        except BaseException:
            if made_database:  # a database made for nothing goes away again, as SQLite's new file does
                store.created = True
                store.discard_if_unused()
            else:
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

    def _prepare_pg(self, create: bool, *, upgrade: bool = True) -> bool:
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
                raise NoDatabase(_NO_DATABASE().format(path=self.path))
        elif int(meta.get("application_id", 0)) != APPLICATION_ID:
            raise DatabaseError(_("{path} is a PostgreSQL database but not a tracing database").format(
                path=self.path))
        if version > LATEST:
            raise DatabaseError(_("{path} was written by a newer version of tracing (schema {version}, this one "
                                  "knows up to {latest}): upgrade tracing to use it").format(
                                      path=self.path, version=version, latest=LATEST))
        if version < LATEST and upgrade:
            with self._upgrading(version):
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
        # a database made by `copy`, `restore` or a first write works for the
        # team and supervisor users as one made by `init` (new tables get the same grants)
        if self.url not in NO_ROLES:
            with contextlib.suppress(DatabaseError):
                self.ensure_roles()
        return version == 0

    def discard_if_unused(self) -> bool:
        """Close, and drop the tables this process made when no command ever
        committed to them (no audit row): a failed first command leaves no
        tracing database behind, as on SQLite. A database this process
        created (``CREATE DATABASE`` of a first write) is dropped whole, with
        the roles made for it, as SQLite's new file is removed (critic17b
        F-E): see :meth:`_drop_own_database`. Returns whether anything was dropped."""
        if getattr(self, "made_database", False) and self._drop_own_database():
            return True
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

    def _drop_own_database(self) -> bool:
        """Drop the database this process created, when no other session is
        in it and no command committed to it (no audit row). Race-free: new
        connections to it are refused first (``ALLOW_CONNECTIONS false``,
        as its owner), then the check runs in this session under the write
        lock, then this session closes and ``DROP DATABASE`` (without FORCE:
        it fails if anyone is in) removes it; any failure gives connections
        back and leaves it. Returns whether it was dropped."""
        psycopg = _psycopg()
        name = _quote_ident(_dbname(self.url))
        try:
            admin = psycopg.connect(_with_dbname(self.url, "postgres"), autocommit=True, connect_timeout=15)
        except psycopg.Error:
            return False
        with admin:
            try:
                admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
            except psycopg.Error:
                return False
            dropped = False
            try:
                c = self.conn
                try:
                    if c.in_transaction:
                        c.raw.execute("ROLLBACK")
                    c.raw.execute("BEGIN")
                    c.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    others = c.raw.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()").fetchone()[0]
                    used = c.raw.execute("SELECT to_regclass('audit') IS NOT NULL").fetchone()[0] and \
                        c.raw.execute("SELECT EXISTS (SELECT 1 FROM audit)").fetchone()[0]
                    c.raw.execute("ROLLBACK")
                except psycopg.Error:
                    others, used = 0, False  # this session is gone (connection lost): the DROP still checks for others
                c.close()
                if not others and not used:
                    admin.execute(f"DROP DATABASE {name}")
                    dropped = True
                    for role in getattr(self, "made_roles", ()):
                        with contextlib.suppress(psycopg.Error):
                            admin.execute(f"DROP ROLE IF EXISTS {_quote_ident(role)}")
            except psycopg.Error:
                dropped = False
            finally:
                if not dropped:
                    with contextlib.suppress(psycopg.Error):
                        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
        return dropped

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

    def unique_keys(self, table: str) -> list[tuple[str, ...]]:
        rows = self.conn.raw.execute(
            """SELECT array_agg(a.attname ORDER BY k.ord), bool_and(k.attnum > 0) FROM pg_index i
               JOIN pg_class t ON t.oid = i.indrelid
               JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true
               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
               WHERE t.relname = %s AND i.indisunique AND t.relnamespace = current_schema()::regnamespace
                 AND i.indexprs IS NULL
               GROUP BY i.indexrelid""", (table,)).fetchall()
        return sorted({tuple(cols) for cols, plain in rows if plain})

    def ids_copied(self, tables) -> None:
        for t, col in sorted(note_identity_tables().items()):
            if t in set(tables):
                self.conn.execute(
                    f"""SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max({col}), 0) + 1, false)
                        FROM {_quote_ident(t)}""", (t, col))

    def integrity_problems(self) -> list[str]:
        """PostgreSQL keeps its constraints itself: rows that would break them cannot exist.
        Reports tables of the schema that are missing."""
        return []

    # ------------------------------------------------------------ roles
    def role_names(self) -> tuple[str, str]:
        """This database's (team, supervisor) roles: see :func:`role_names`."""
        return role_names(_dbname(self.url))

    def ensure_roles(self) -> dict[str, str]:
        """Create (when missing) this database's two group roles and grant
        them its tables: the team role (``tracing_team_<db>``) reads and
        writes, the supervisor role (``tracing_supervisor_<db>``) only reads.

        Access is per database: PostgreSQL roles are server-wide, so the
        roles are named after the database, CONNECT is revoked from PUBLIC
        and granted to these two, and the server-wide roles of earlier
        versions (``tracing_team``, ``tracing_supervisor``) lose what they
        had here. A ward user of one district cannot open another district
        of the same server.

        The audit log is append-only for both: the team role may INSERT and
        SELECT it, never UPDATE, DELETE or TRUNCATE (only the owner rewrites
        it, by `restore` or `copy` into the database). ``secrets`` (the
        redaction key) is readable by both, writable by neither: every user
        who may read the raw data may also make redacted exports (a
        supervisor sending a map outside), which need the key; the key
        protects what leaves the server, not what its users already read.
        ``tracing_meta`` (schema version) is read-only for both: upgrades
        are the owner's. Tables later migrations add get the same grants
        (default privileges, and this runs again after each migration).
        Login users join one: ``CREATE USER ward7 PASSWORD '…' IN ROLE tracing_team_long_bien``.

        Returns ``{role: what it may do}``. Raises :class:`DatabaseError`
        when this user may not create roles or grant on the tables."""
        raw = self.conn.raw
        psycopg = _psycopg()
        from ..i18n import N_
        team, supervisor = self.role_names()
        rights = {team: N_("read and write"), supervisor: N_("read only")}
        t, s = _quote_ident(team), _quote_ident(supervisor)
        try:
            with raw.transaction():
                made = []
                for role in rights:
                    exists = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
                    if not exists:
                        raw.execute(f"CREATE ROLE {_quote_ident(role)} NOLOGIN")
                        made.append(role)
                db = _quote_ident(_dbname(self.url))
                raw.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC")
                for old in (TEAM_ROLE, SUPERVISOR_ROLE):  # server-wide roles of earlier versions
                    if raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (old,)).fetchone():
                        raw.execute(f"REVOKE ALL ON DATABASE {db} FROM {old}")
                        raw.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {old}")
                        raw.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {old}")
                        raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {old}")
                        raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {old}")
                for role in (t, s):
                    raw.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}")
                    raw.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
                    raw.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
                    raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}")
                raw.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {t}")
                # UPDATE: a rolled-back write gives its drawn ids back (setval), as SQLite reuses them
                raw.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {t}")
                raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT, UPDATE, DELETE ON TABLES TO {t}")
                raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {t}")
                raw.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM {s}")
                # a supervisor's pg_dump reads the sequences' positions (SELECT: no nextval)
                raw.execute(f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {s}")
                raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO {s}")
                for table in APPEND_ONLY + READ_ONLY:
                    if table in self.tables() or table == META:
                        raw.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote_ident(table)} FROM {t}")
                for table in READ_ONLY:
                    if table in self.tables() or table == META:
                        raw.execute(f"REVOKE INSERT ON {_quote_ident(table)} FROM {t}")
                if "cluster_members" in self.tables():
                    # a supervisor's `clusters` keeps the ids it shows (critic17 F6): see record_clusters
                    raw.execute(RECORD_CLUSTERS)
                    raw.execute(f"REVOKE ALL ON FUNCTION {RECORD_CLUSTERS_SIGNATURE} FROM PUBLIC")
                    raw.execute(f"GRANT EXECUTE ON FUNCTION {RECORD_CLUSTERS_SIGNATURE} TO {t}, {s}")
            self.made_roles = [*getattr(self, "made_roles", ()), *made]  # dropped with a database made for nothing
        except psycopg.Error as e:
            raise DatabaseError(_("cannot set up the roles {team} and {supervisor} on {path} ({error}): run "
                                  "`tracing init` as the database's owner with the CREATEROLE right").format(
                                      team=team, supervisor=supervisor, path=self.path,
                                      error=str(e).strip())) from None
        return rights

    def record_clusters(self, members: dict[str, str], new_ids, merges, at: str, day: str) -> bool:
        """Keep the cluster ids a read-only user (supervisor role) was just
        shown, as a team user's `clusters` keeps them (critic17 F6: an id
        reported upward must stay that cluster's): through the one function
        the owner's `tracing init` grants (``tracing_record_clusters``,
        SECURITY DEFINER), which may only replace the cluster membership, add
        the new ids and mark merges, under the write lock, with an audit
        entry whose actor the server sets (``session_user``). Returns False
        when the function is missing (a database the owner set up before it:
        `tracing init` again as the owner adds it)."""
        import json
        psycopg = self.conn._psycopg
        raw = self.conn.raw
        try:
            with raw.transaction():
                raw.execute("SELECT tracing_record_clusters(%s::jsonb, %s::jsonb, %s::jsonb, %s, %s, %s)",
                            (json.dumps(members), json.dumps([list(x) for x in new_ids]),
                             json.dumps([list(x) for x in merges]), day, at, _login()))
        except psycopg.Error:
            return False
        return True

    def require_replace(self) -> None:
        """Refuse, before anything is written anywhere (a kept copy beside
        the backup, a scratch database), a user who may not replace every
        table (a restore, a copy into the database: the owner's work), with
        the words of :meth:`_no_privilege` (critic17 F3)."""
        allowed = self.conn.raw.execute(
            "SELECT coalesce(bool_and(has_table_privilege(c.oid, 'DELETE') AND has_table_privilege(c.oid, 'INSERT')),"
            " true) FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
        ).fetchone()[0]
        if not allowed:
            raise DatabaseError(self._no_privilege(_("permission denied to replace the tables")))

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
        if isinstance(error, (ReadOnlyRole, WriteLockTimeout)) and self.conn.in_transaction:
            with contextlib.suppress(Exception):  # the error ended it: ask the server afresh
                self.conn.raw.execute("ROLLBACK")
        if isinstance(error, ReadOnlyRole):
            return self._no_privilege(str(error))
        if isinstance(error, WriteLockTimeout):
            return self._lock_held()
        msg = str(error)
        if isinstance(error, ConnectionLost) or is_lost(msg):
            return lost_message(self.path, error)
        if opening:
            return _("{path} cannot be prepared ({error})").format(path=self.path, error=msg)
        return _("database problem with {path} ({error}); nothing was written").format(path=self.path, error=msg)

    def _no_privilege(self, error: str) -> str:
        """What a PostgreSQL "permission denied" means for this user: a
        supervisor's write, a team user doing the owner's work (restore,
        copy into the database, a schema upgrade), or a user in no role of
        this database. Asks the server (outside any failed transaction)."""
        team, supervisor = self.role_names()
        try:
            user, writes, reads = self.conn.raw.execute(
                "SELECT session_user, has_table_privilege('audit', 'INSERT'), "
                "has_table_privilege('persons', 'SELECT')").fetchone()
        except self.conn._psycopg.Error:
            user, writes, reads = urlsplit(self.url).username or "?", False, False
        if writes:
            return _("the database user {user} may not do this on {path} ({error}): nothing was written; it is "
                     "the database owner's work (restore, copy into the database, a schema upgrade, `tracing "
                     "init`): run it as the owner").format(user=user, path=self.path, error=error)
        if reads:
            return _("the database user {user} may only read {path} (supervisor role): nothing was written; a "
                     "tracing-team user ({team}) can write").format(user=user, path=self.path, team=team)
        return _("the database user {user} has no tracing role on {path} ({error}): the owner runs `tracing "
                 "init` and grants {team} (read and write) or {supervisor} (read only) to {user}").format(
                     user=user, path=self.path, error=error, team=team, supervisor=supervisor)

    def _lock_held(self) -> str:
        """Who holds the write lock that a write waited for in vain (as far
        as this user may see other sessions)."""
        try:
            row = self.conn.raw.execute(
                """SELECT a.usename, to_char(a.xact_start AT TIME ZONE 'UTC', 'HH24:MI:SS'), a.application_name
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                   WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = 0 AND l.objid::bigint = %s
                   LIMIT 1""", (WRITE_LOCK,)).fetchone()
        except self.conn._psycopg.Error:
            row = None
        who = _("user {user}").format(user=row[0]) if row and row[0] else _("another connection")
        if row and row[1]:
            who = _("{who}, writing since {time} UTC").format(who=who, time=row[1])
        return _("another team's write is holding the database {path} ({who}) for over {seconds} s: nothing was "
                 "written, try again (TRACING_LOCK_TIMEOUT sets the wait)").format(
                     path=self.path, who=who, seconds=lock_timeout())

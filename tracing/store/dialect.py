"""The PostgreSQL dialect of the store's SQL.

The store's queries are written once, in the SQL that SQLite and PostgreSQL
share, plus a handful of SQLite spellings that have one exact PostgreSQL
equivalent. :func:`to_postgres` rewrites those spellings (and nothing else),
so the two stores differ only where the engines must:

=====================================  =============================================
SQLite                                 PostgreSQL
=====================================  =============================================
``?`` / ``:name`` parameters           ``%s`` / ``%(name)s`` (psycopg)
``INSERT OR IGNORE INTO … ;``          ``INSERT INTO … ON CONFLICT DO NOTHING``
``ifnull(x, y)``                       ``coalesce(x, y)``
``x = ? COLLATE NOCASE``               ``lower(x) = lower(? COLLATE "C")`` (ASCII only, as SQLite)
``x IS ?`` / ``x IS NOT ?``            ``IS NOT DISTINCT FROM`` / ``IS DISTINCT FROM``
``LIKE`` (ASCII case-insensitive)      ``ILIKE``
``json_each(?)`` (its ``value``)       ``json_array_elements_text(CAST(? AS json))``
``+column`` (no-index hint)            ``column``
``CROSS JOIN t ON`` (join order)       ``JOIN t ON`` (the planner chooses)
``char(31)``                           ``chr(31)``
``CAST(? AS TEXT)``                    the same, in the columns' collation "C"
``temp.t``                             ``pg_temp.t``
``datetime('now')``                    the same text from ``now()``
DDL ``INTEGER PRIMARY KEY``            ``BIGSERIAL PRIMARY KEY``
DDL ``INTEGER`` / ``REAL`` / ``BLOB``  ``BIGINT`` / ``DOUBLE PRECISION`` / ``BYTEA``
DDL ``TEXT``                           ``TEXT COLLATE "C"`` (SQLite's byte order)
=====================================  =============================================

Queries that have no such one-to-one rewrite are written twice, next to each
other, in the module that owns them (``store.dialect == "postgresql"``).

>>> to_postgres("SELECT * FROM persons WHERE id IS NOT ? AND ward = ? COLLATE NOCASE")
'SELECT * FROM persons WHERE id IS DISTINCT FROM %s AND lower(ward) = lower(%s COLLATE "C")'
>>> to_postgres("INSERT OR IGNORE INTO t (a) VALUES (?)")
'INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING'
>>> to_postgres("SELECT x FROM t WHERE a = :p AND b LIKE '%:x?'")
"SELECT x FROM t WHERE a = %(p)s AND b ILIKE '%%:x?'"
"""

from __future__ import annotations

import functools
import re

_QUOTED = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\")")

_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.I), "INSERT INTO"),
    (re.compile(r"\bifnull\s*\(", re.I), "coalesce("),
    (re.compile(r"([\w.]+)\s*=\s*(\?|:\w+)\s+COLLATE\s+NOCASE", re.I), r'lower(\1) = lower(\2 COLLATE "C")'),
    (re.compile(r"\bIS\s+NOT\s+(\?|:\w+)", re.I), r"IS DISTINCT FROM \1"),
    (re.compile(r"\bIS\s+(\?|:\w+)", re.I), r"IS NOT DISTINCT FROM \1"),
    (re.compile(r"\bNOT\s+LIKE\b", re.I), "NOT ILIKE"),
    (re.compile(r"(?<!NOT )\bLIKE\b", re.I), "ILIKE"),
    (re.compile(r"\bjson_each\s*\(\s*(\?|:\w+)\s*\)", re.I), r"json_array_elements_text(CAST(\1 AS json))"),
    (re.compile(r"(?<=[\s(,])\+(?=[A-Za-z_])"), ""),
    (re.compile(r"\bCROSS\s+JOIN\s+(\w+(?:\s+(?!ON\b)\w+)?)\s+ON\b", re.I), r"JOIN \1 ON"),
    (re.compile(r"\bchar\s*\(", re.I), "chr("),
    (re.compile(r"\bCAST\s*\(\s*(\?|:\w+)\s+AS\s+TEXT\s*\)", re.I), r'CAST(\1 AS TEXT) COLLATE "C"'),
    (re.compile(r"\btemp\.", re.I), "pg_temp."),
]

_DDL_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b", re.I), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
    (re.compile(r"\bTEXT\b(?!\s+COLLATE)", re.I), 'TEXT COLLATE "C"'),
]

_NOW = "to_char(localtimestamp(0), 'YYYY-MM-DD HH24:MI:SS')"


def _outside_quotes(sql: str, fn) -> str:
    parts = _QUOTED.split(sql)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def _params(text: str) -> str:
    text = text.replace("%", "%%")
    text = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", text)
    return text.replace("?", "%s")


@functools.lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """The PostgreSQL text of one statement written for SQLite (see the table above)."""
    sql = sql.replace("datetime('now')", _NOW)
    ddl = re.match(r"\s*(CREATE\s+(TEMP\s+|TEMPORARY\s+)?TABLE|ALTER\s+TABLE)\b", sql, re.I) is not None
    ignore = re.search(r"\bINSERT\s+OR\s+IGNORE\b", sql, re.I) is not None

    def rewrite(text: str) -> str:
        for pattern, repl in _RULES:
            text = pattern.sub(repl, text)
        if ddl:
            for pattern, repl in _DDL_RULES:
                text = pattern.sub(repl, text)
        return text

    sql = _outside_quotes(sql, rewrite)
    if _QUOTED.search(sql):
        # escape % in literals too; parameters only outside them
        sql = "".join(p.replace("%", "%%") if i % 2 else _params(p) for i, p in enumerate(_QUOTED.split(sql)))
    else:
        sql = _params(sql)
    sql = sql.rstrip().rstrip(";")
    if ignore:
        sql += " ON CONFLICT DO NOTHING"
    return sql

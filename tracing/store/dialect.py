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
``ORDER BY x`` / ``x DESC``             ``x NULLS FIRST`` / ``x DESC NULLS LAST`` (SQLite's NULL order)
``CREATE INDEX i ON t(x)``             ``… ON t(x NULLS FIRST)`` (so that order walks the index)
``+column`` (no-index hint)            ``column``
``CROSS JOIN t ON`` (join order)       ``JOIN t ON`` (the planner chooses)
``char(31)``                           ``chr(31)``
``json_extract(c, '$.k') = ?``          ``(CAST(c AS json) ->> 'k') = CAST(? AS TEXT)``
``? IS NULL`` (a parameter)            ``CAST(? AS TEXT) IS NULL`` (a NULL parameter has no type)
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
>>> to_postgres("SELECT a FROM t ORDER BY a, b DESC LIMIT 3")
'SELECT a FROM t ORDER BY a NULLS FIRST, b DESC NULLS LAST LIMIT 3'
>>> to_postgres("SELECT string_agg(id, ',' ORDER BY id) FROM t GROUP BY w ORDER BY w")
"SELECT string_agg(id, ',' ORDER BY id NULLS FIRST) FROM t GROUP BY w ORDER BY w NULLS FIRST"
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
    (re.compile(r"(?<![\w)])(\?|:\w+)\s+IS\s+(NOT\s+)?NULL\b", re.I), r"CAST(\1 AS TEXT) IS \2NULL"),
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
_JSON_EXTRACT = re.compile(r"\bjson_extract\s*\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)\s*=\s*(\?|:\w+)", re.I)


def _outside_quotes(sql: str, fn) -> str:
    parts = _QUOTED.split(sql)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def _params(text: str) -> str:
    text = text.replace("%", "%%")
    text = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", text)
    return text.replace("?", "%s")


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.I)
_ORDER_END = re.compile(r"\b(LIMIT|OFFSET|UNION|EXCEPT|INTERSECT|FOR)\b", re.I)


def _nulls_as_sqlite(sql: str) -> str:
    """SQLite sorts NULL first going up and last going down; PostgreSQL the
    other way round: say SQLite's order on every ORDER BY term."""
    out, pos = [], 0
    for m in _ORDER_BY.finditer(sql):
        if m.start() < pos:
            continue
        out.append(sql[pos:m.end()])
        i, depth, start, terms = m.end(), 0, m.end(), []
        while i < len(sql):
            ch = sql[i]
            if ch in "'\"":
                close = sql.index(ch, i + 1)
                i = close + 1
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                terms.append(sql[start:i])
                start = i + 1
            elif depth == 0 and _ORDER_END.match(sql, i) and not sql[i - 1].isalnum() and sql[i - 1] != "_":
                break
            i += 1
        terms.append(sql[start:i])
        fixed = []
        for term in terms:
            bare = term.rstrip()
            tail = term[len(bare):]
            if re.search(r"\bNULLS\s+(FIRST|LAST)\s*$", bare, re.I):
                fixed.append(term)
            elif re.search(r"\bDESC\s*$", bare, re.I):
                fixed.append(f"{bare} NULLS LAST{tail}")
            else:
                fixed.append(f"{bare} NULLS FIRST{tail}")
        out.append(",".join(fixed))
        pos = i
    out.append(sql[pos:])
    return "".join(out)


_IN_LIST = re.compile(r"(\bNOT\s+)?\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)", re.I)


def collapse_in_lists(sql: str, params):
    """``x IN (?, ?, …)`` as ``x = ANY(?)`` with the list's values as one
    array parameter (``NOT IN`` as ``<> ALL``): one statement text whatever
    the number of ids, so the rewrite above, psycopg's parsing and the
    server's prepared plan are each made once per query instead of once per
    list length (issue 17, point 6). Only lists of non-NULL values of one
    type (an array needs one); others are left as they are. Returns
    ``(sql, params)``.

    >>> collapse_in_lists("SELECT * FROM t WHERE a = ? AND id IN (?,?,?) ORDER BY id", ("x", "P1", "P2", "P3"))
    ('SELECT * FROM t WHERE a = ? AND id = ANY(?) ORDER BY id', ('x', ['P1', 'P2', 'P3']))
    >>> collapse_in_lists("SELECT 1 FROM t WHERE id NOT IN (?, ?)", (1, 2))
    ('SELECT 1 FROM t WHERE id <> ALL(?)', ([1, 2],))
    """
    if not params or not isinstance(params, (tuple, list)) or "?" not in sql or not _IN_LIST.search(sql):
        return sql, params
    parts = _QUOTED.split(sql)
    out, values, used = [], [], 0
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
            continue
        pos = 0
        text = []
        for m in _IN_LIST.finditer(part):
            before = part[pos:m.start()]
            first = used + before.count("?")
            n = m.group(0).count("?")
            chunk = list(params[first:first + n])
            values.extend(params[used:first])
            kinds = {type(v) for v in chunk}
            if len(kinds) == 1 and kinds <= {str, int}:
                text.append(before + ("<> ALL(?)" if m.group(1) else "= ANY(?)"))
                values.append(chunk)
            else:
                text.append(before + m.group(0))
                values.extend(chunk)
            used = first + n
            pos = m.end()
        rest = part[pos:]
        text.append(rest)
        values.extend(params[used:used + rest.count("?")])
        used += rest.count("?")
        out.append("".join(text))
    values.extend(params[used:])
    return "".join(out), tuple(values)


@functools.lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """The PostgreSQL text of one statement written for SQLite (see the table above)."""
    sql = sql.replace("datetime('now')", _NOW)
    sql = _JSON_EXTRACT.sub(r"(CAST(\1 AS json) ->> '\2') = CAST(\3 AS TEXT)", sql)
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
    index = re.match(r"(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+\w+\s*)\(", sql, re.I)
    if index:  # index order = SQLite's sort order, so ORDER BY … NULLS FIRST still walks the index
        columns = _nulls_as_sqlite("ORDER BY " + sql[index.end():])[len("ORDER BY "):]
        sql = f"{index.group(1)}({columns}"
    elif _ORDER_BY.search(sql):
        sql = _nulls_as_sqlite(sql)
    if _QUOTED.search(sql):
        # escape % in literals too; parameters only outside them
        sql = "".join(p.replace("%", "%%") if i % 2 else _params(p) for i, p in enumerate(_QUOTED.split(sql)))
    else:
        sql = _params(sql)
    sql = sql.rstrip().rstrip(";")
    if ignore:
        sql += " ON CONFLICT DO NOTHING"
    return sql

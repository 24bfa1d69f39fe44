"""Which store an address names: ``postgresql://`` (or ``postgres://``) is a
PostgreSQL server, anything else a SQLite file.

Kept apart from :mod:`tracing.store.postgres` so that opening a SQLite file
never imports the PostgreSQL module (nor, through it, anything of psycopg).

>>> is_url("postgresql://team@127.0.0.1:5432/long_bien"), is_url("long-bien.db")
(True, False)
>>> display("postgresql://team:secret@db.example/long_bien")
'postgresql://team:***@db.example/long_bien'
"""

from __future__ import annotations

import re


def is_url(target) -> bool:
    """Is ``target`` a PostgreSQL address (``postgresql://`` or ``postgres://``)?"""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


# where the query of an address starts: the first ``?key=`` (a password typed
# without percent-encoding may hold a ``?``, never followed by ``word=``)
_QUERY = re.compile(r"\?[A-Za-z_]+=")
# a ``password=`` parameter's value: up to the next ``&key=`` or the end
_PASSWORD_PARAMETER = re.compile(r"([?&]password=).*?(?=&[A-Za-z_]+=|$)", re.S)
# characters that end a password in libpq's URI parser: written percent-encoded by :func:`canonical`
_URI_DELIMITERS = {"@": "%40", "/": "%2F", "?": "%3F", "#": "%23"}


def _parts(url: str) -> tuple[str, str | None, str, str]:
    """``(scheme, login or None, host and path, query)`` of a PostgreSQL
    address, the login being everything before the last ``@`` ahead of the query."""
    scheme, rest = url.split("://", 1)
    found = _QUERY.search(rest)
    head, query = (rest[:found.start()], rest[found.start():]) if found else (rest, "")
    if "@" not in head:
        return scheme, None, head, query
    login, host = head.rsplit("@", 1)
    return scheme, login, host, query


def display(url: str) -> str:
    """``url`` without its password, in every form libpq accepts, for every
    message, file name and the audit log: everything between ``USER:`` and the
    last ``@`` (so a password typed without percent-encoding, ``p@ss:w/rd``,
    is hidden whole too) and the value of a ``?password=`` or ``&password=``
    parameter. Anything not a PostgreSQL address is returned as it is.

    >>> display("postgresql://ward7:p@ss:w/rd#1?@127.0.0.1:5432/r1")
    'postgresql://ward7:***@127.0.0.1:5432/r1'
    >>> display("postgresql://ward7@127.0.0.1/r1?password=TOP@SECRET")
    'postgresql://ward7@127.0.0.1/r1?password=***'
    >>> display("postgresql://h/r1?sslmode=disable&password=a&b&connect_timeout=5")
    'postgresql://h/r1?sslmode=disable&password=***&connect_timeout=5'
    >>> display("postgresql://ward7@127.0.0.1/r1")
    'postgresql://ward7@127.0.0.1/r1'
    """
    return _rewrite(url, lambda password: "***", lambda query: _PASSWORD_PARAMETER.sub(r"\1***", query))


def canonical(url: str) -> str:
    """``url`` as libpq reads what its user meant: a password typed without
    percent-encoding (``ward7:SEC@RET1@host``) has its ``@ / ? #`` encoded,
    so libpq neither takes ``RET1@host`` for the host (and prints it in its
    error) nor cuts the password short. Anything else is returned as it is.

    >>> canonical("postgresql://ward7:SEC@RET1@127.0.0.1:5432/r1")
    'postgresql://ward7:SEC%40RET1@127.0.0.1:5432/r1'
    >>> canonical("postgresql://ward7:a%40b@127.0.0.1/r1?password=x")
    'postgresql://ward7:a%40b@127.0.0.1/r1?password=x'
    """
    return _rewrite(url, lambda password: "".join(_URI_DELIMITERS.get(ch, ch) for ch in password))


def _rewrite(url: str, password, query=lambda query: query) -> str:
    """``url`` with the password of its login replaced by ``password(it)``
    and its query by ``query(it)``; anything not a PostgreSQL address as it is."""
    if not is_url(url):
        return url
    scheme, login, host, rest = _parts(url)
    if login is not None and ":" in login:
        user, typed = login.split(":", 1)
        login = f"{user}:{password(typed)}"
    return f"{scheme}://{'' if login is None else login + '@'}{host}{query(rest)}"

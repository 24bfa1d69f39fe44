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


def is_url(target) -> bool:
    """Is ``target`` a PostgreSQL address (``postgresql://`` or ``postgres://``)?"""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def display(url: str) -> str:
    """``url`` without its password (for every message, file name and the
    audit log): everything between ``USER:`` and the last ``@`` is masked,
    so a password typed without percent-encoding (``p@ss:w/rd``) is hidden
    whole too. Anything not a PostgreSQL address is returned as it is.

    >>> display("postgresql://ward7:p@ss:w/rd#1?@127.0.0.1:5432/r1")
    'postgresql://ward7:***@127.0.0.1:5432/r1'
    >>> display("postgresql://ward7@127.0.0.1/r1")
    'postgresql://ward7@127.0.0.1/r1'
    """
    if not is_url(url):
        return url
    scheme, rest = url.split("://", 1)
    if "@" not in rest:
        return url
    login, host = rest.rsplit("@", 1)
    if ":" not in login:
        return url
    return f"{scheme}://{login.split(':', 1)[0]}:***@{host}"

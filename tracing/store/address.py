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
    """``url`` without its password (for messages and the audit log)."""
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))

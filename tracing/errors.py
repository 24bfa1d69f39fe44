"""Errors a user can act on.

Every failure caused by bad data or an impossible request raises
:class:`TracingError` (or a subclass) with a one-line message that names the
row, field or id at fault. The command line prints it as ``Error: ...`` and
exits with status 1; nothing is written, because every write runs in one
transaction that the error rolls back.
"""


class TracingError(Exception):
    """Bad data or an impossible request; the message is shown to the user."""


class NotFound(TracingError):
    """An id (person, case, cluster, place) that does not exist."""


class InvalidValue(TracingError):
    """A value that cannot be parsed or is out of range. ``field``, when
    given, names the field (a file's column) the message starts with."""

    def __init__(self, message: str = "", field: str | None = None, *, hard: bool = False):
        super().__init__(message)
        self.field = field
        #: a value that is there but wrong (out of range, contradicting another):
        #: never softened into kept text by an import (decided on this flag, not
        #: on the message's words, which depend on the language)
        self.hard = hard


class Conflict(TracingError):
    """A write that contradicts what is stored (duplicate id, ...)."""


class DatabaseError(TracingError):
    """The database file cannot be used (missing, newer schema, unwritable)."""


class NoDatabase(DatabaseError):
    """No tracing database at the address (a missing file, or a PostgreSQL
    database that does not exist or has no tracing tables yet)."""

"""What a PostgreSQL server's or libpq's failure means, in the user's language.

libpq and the server speak English (``FATAL: role "ward7" does not exist``,
``Connection refused Is the server running on that host…``) and give a
connection failure no SQLSTATE; a ward user needs the cause in their words
and what to do. :func:`cause` recognises the common causes by libpq's and
the server's (English, the default ``lc_messages``) wording and says them
through ``_()``; :func:`with_detail` keeps the driver's own text as a detail
line under the message, for the administrator. An unrecognised text is kept
whole (then it is the only cause shown).

>>> from tracing import i18n; i18n.set_language("en")
>>> cause('connection to server at "10.0.0.5", port 5432 failed: FATAL:  role "ward7" does not exist').kind
'no-role'
>>> cause('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused').text
'the server refused the connection: no PostgreSQL server is running at that host and port'
>>> cause("SSL is not enabled on the server") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import _

LOST_STATES = ("57P01", "57P02", "57P03", "57P05", "25P03")
"""SQLSTATEs of a session the server ended: admin_shutdown (``pg_terminate_backend``,
a fast shutdown), crash_shutdown, cannot_connect_now (shutting down or starting up),
idle_session_timeout, idle_in_transaction_session_timeout. Class 08 (connection
exception) is lost too."""

_LOST_WORDS = ("server closed the connection", "the connection is closed", "connection is lost",
               "terminating connection", "the database system is shutting down", "consuming input failed",
               "ssl syscall error", "no connection to the server", "could not receive data from server",
               "could not send data to server", "connection to server was lost", "server conn crashed",
               "the connection was lost", "connection timed out", "broken pipe", "connection reset by peer")


@dataclass(frozen=True)
class Cause:
    """A recognised failure: ``kind`` (``no-database``, ``no-role``,
    ``password``, ``no-password``, ``not-allowed``, ``refused``, ``host``,
    ``timeout``, ``closed``, ``too-many``, ``starting``, ``lost``) and ``text``, the
    cause in the user's language."""
    kind: str
    text: str


def _quoted(pattern: str, text: str) -> str:
    m = re.search(pattern, text, re.I)
    return m.group(1) if m else ""


_CONTEXT = re.compile(r"\s*\bCONTEXT:.*", re.S)


def driver_text(error) -> str:
    """The driver's or server's text of ``error`` on one line, without the
    server's ``CONTEXT:`` part, which quotes the statement or the row being
    written (``COPY persons, line 12: "P12 Nguyễn … 0912…"``): personal data
    never reaches the terminal or a log through an error (critic17 F11).

    >>> driver_text('terminating connection due to administrator command\\nCONTEXT:  COPY persons, line 2: "P2 An 0912"')
    'terminating connection due to administrator command'
    """
    return " ".join(_CONTEXT.sub("", str(error)).split())


def cause(error) -> Cause | None:
    """The recognised cause of ``error`` (a psycopg error, or its text), else None."""
    text = driver_text(error)
    low = text.lower()
    state = getattr(error, "sqlstate", None) or ""
    name = _quoted(r'database "([^"]*)" does not exist', text)
    if name:
        return Cause("no-database", _("the server has no database {name}").format(name=name))
    user = _quoted(r'role "([^"]*)" does not exist', text)
    if user:
        return Cause("no-role", _("the server has no user (role) {user}: check the user name in the address, or "
                                  "ask the administrator to create it").format(user=user))
    user = _quoted(r'password authentication failed for user "([^"]*)"', text)
    if user:
        return Cause("password", _("wrong password for the user {user}").format(user=user))
    if "no password supplied" in low:
        return Cause("no-password", _("the server asks for a password: write it in the address "
                                      "(postgresql://USER:PASSWORD@HOST:PORT/DBNAME) or in ~/.pgpass"))
    if "no pg_hba.conf entry" in low or "authentication failed" in low:
        return Cause("not-allowed", _("the server does not let this user in from this computer (its pg_hba.conf): "
                                      "ask the administrator"))
    if "connection refused" in low:
        return Cause("refused", _("the server refused the connection: no PostgreSQL server is running at that "
                                  "host and port"))
    if ("could not translate host name" in low or "failed to resolve host" in low
            or "name or service not known" in low or "temporary failure in name resolution" in low):
        return Cause("host", _("the server's host name was not found (check the name, or the network)"))
    if state in LOST_STATES or state.startswith("08") or any(w in low for w in _LOST_WORDS):
        if "starting up" in low:
            return Cause("starting", _("the server is starting up: try again in a moment"))
        return Cause("lost", _("the connection to the server was lost (server restarted or shut down, the session "
                               "ended by the administrator or for being idle, or network down)"))
    if "timeout expired" in low or "timed out" in low:
        return Cause("timeout", _("the server did not answer in time (network or firewall)"))
    if "not currently accepting connections" in low:  # ALLOW_CONNECTIONS false: dropped or being set up
        return Cause("closed", _("the database is closed to new connections for a moment (being removed or set up "
                                 "by another command or the administrator): try again in a moment"))
    if "too many clients" in low or "remaining connection slots are reserved" in low:
        return Cause("too-many", _("the server has too many connections: try again in a moment"))
    if "starting up" in low:
        return Cause("starting", _("the server is starting up: try again in a moment"))
    return None


def with_detail(message: str, error) -> str:
    """``message`` with the driver's text as a detail line under it."""
    text = driver_text(error)
    return message + "\n  " + _("(the server or driver said: {detail})").format(detail=text)


def is_lost(error) -> bool:
    """Did the connection drop (server restart or shutdown, terminated
    session, idle timeout, network)?"""
    found = cause(error)
    return found is not None and found.kind == "lost"


def lost_message(path: str, error) -> str:
    """A dropped connection in words: nothing was written (the transaction
    died with the session), run the command again; dropped during the
    COMMIT (``error.during_commit``), the write may have been saved: look
    before running it again. ``path`` is shown as it is (no password)."""
    if getattr(error, "during_commit", False):
        return with_detail(_("the connection to the server of {path} was lost while the write was being committed "
                             "(server restarted or network down): it may or may not have been saved; look (e.g. "
                             "`tracing status`) before running the command again").format(path=path), error)
    return with_detail(_("the connection to the server of {path} was lost (server restarted or shut down, or "
                         "network down); nothing was written; run the command again").format(path=path), error)


def explain(error, target: str) -> str | None:
    """A failure of a command on the PostgreSQL database ``target`` that
    reached the command line unexplained (a driver error raised where no
    store code caught it), in words; None when ``target`` is not a server
    address or the cause is not recognised."""
    from .address import display, is_url
    if not is_url(target):
        return None
    found = cause(error)
    if found is None:
        return None
    if found.kind == "lost":
        return lost_message(display(target), error)
    return with_detail(_("{path}: {cause}; nothing was written").format(path=display(target), cause=found.text),
                       error)

"""Writing output files: the one place where ``tracing`` creates a file.

Every map, report, export, rejected-rows file, demo file and backup is
written through this module, so each of them:

* is private to its owner (0600 files, 0700 folders): they hold personal
  health data;
* appears whole or not at all: it is written under a temporary name beside
  its destination and renamed over it at the end; on failure the temporary
  file is removed, and if the process is killed (SIGKILL, power cut of the
  terminal) a small watchdog process removes it (:class:`_Janitor`);
* never follows a symbolic link onto another file: a link at the
  destination is replaced by the new file (its target is left alone); a
  folder given as a link is refused;
* may be a device or pipe the user named (``/dev/stdout``, a FIFO): written
  through, never replaced.

A multi-file output (an export folder) is written whole into a temporary
folder first, so a full disk fails before anything is in place
(:func:`atomic_folder`).

>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> write_text(target, "xin chào")
>>> open(target, encoding="utf-8").read(), oct(os.stat(target).st_mode & 0o777)
('xin chào', '0o600')
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import Conflict, InvalidValue, TracingError
from .i18n import N_, _

FILE_MODE = 0o600
FOLDER_MODE = 0o700
#: prefix of every temporary name this module makes (hidden, recognisable)
TEMP_PREFIX = ".tracing-tmp-"


def _is_stream(path: str) -> bool:
    """A device, pipe or socket the user named (``/dev/stdout``, a FIFO):
    written through, never replaced. Names under /dev and /proc always are
    (``/dev/stdout`` may point at a regular file the shell redirected to)."""
    absolute = os.path.abspath(path)
    if absolute.startswith(("/dev/", "/proc/")) and os.path.exists(absolute):
        return True
    try:
        st = os.stat(path)  # follows links: a link onto a FIFO is a FIFO
    except OSError:
        return False
    return not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode)


#: what a file holds, in "cannot write the report to PATH" (callers' ``what=``)
WHAT = {"report": N_("the report"), "map": N_("the map"), "a copy of the database": N_("a copy of the database"),
        "the backup": N_("the backup")}


def _error(label: str, exc: OSError) -> TracingError:
    return TracingError(_("{label}: {error}").format(label=label, error=exc.strerror or exc))


def _token() -> str:
    """16 random hex digits for a temporary name (``secrets`` imported here,
    not at start-up: it pulls in hashlib and hmac, which most commands never use)."""
    import secrets
    return secrets.token_hex(8)


class _Janitor:
    """A watchdog that removes ``path`` if this process dies before it is
    done with it (SIGKILL runs no cleanup code). It waits for the end of a
    pipe only this process holds; the pipe closes when the process ends,
    whatever the way. Renamed into place first, the path is gone and the
    watchdog removes nothing."""

    def __init__(self, path: str, *extra: str):
        self._proc = None
        if os.name != "posix" or not shutil.which("sh"):
            return
        import subprocess  # only for an output being written: not on every command's start-up

        try:
            self._proc = subprocess.Popen(
                ["sh", "-c", 'read -r _ignored; rm -rf -- "$@"', "tracing-janitor", path, *extra],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)  # a Ctrl-C or kill of the group does not take it along
        except OSError:
            self._proc = None

    def done(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
            with contextlib.suppress(Exception):
                self._proc.wait(timeout=5)
            self._proc = None


@contextlib.contextmanager
def temporary(beside, *, suffix: str = "", folder: bool = False, label: str = "") -> Iterator[str]:
    """A new private temporary file (or folder) in the folder of ``beside``
    (so renaming it over ``beside`` is atomic). A file is made inside a
    fresh private folder (0700) of its own, so nobody else can swap its name
    for a link while a library (SQLite) writes it by name. Whatever the block
    leaves there is removed at the end, on failure, and by a watchdog when
    the process dies (:class:`_Janitor`, started before the file exists),
    with any SQLite ``-journal``/``-wal``/``-shm`` beside it. An ``OSError``
    becomes a :class:`TracingError` starting with ``label``."""
    target = os.fspath(beside)
    label = label or _("cannot write {path}").format(path=target)
    parent = os.path.dirname(os.path.abspath(target))
    holder = os.path.join(parent, f"{TEMP_PREFIX}{_token()}")
    tmp = holder if folder else os.path.join(holder, f"file{suffix}")
    janitor = _Janitor(holder)
    try:
        os.mkdir(holder, FOLDER_MODE)
        if not folder:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC, FILE_MODE))
        yield tmp
    except OSError as exc:
        raise _error(label, exc) from None
    finally:
        if os.path.isdir(holder) and not os.path.islink(holder):
            shutil.rmtree(holder, ignore_errors=True)
        else:
            discard(holder)
        janitor.done()


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def discard(path: str) -> None:
    """Remove a temporary file or folder (and a SQLite journal beside it)."""
    for p in (path, path + "-journal"):
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(p)


def drop_stale_sheets(path, keep: int) -> tuple[list[str], list[str]]:
    """Remove the sheet files ``NAME-K.svg`` (``K`` > ``keep``, counting up
    from ``keep + 1`` while they exist) that an earlier render wrote beside
    ``path``: a new render, maybe ``--redact``, must not leave an older
    one's sheets (names, ids, ages) next to it. Only SVG documents are
    removed (what a render writes); any other file of that name is kept.
    Returns ``(removed, kept)`` paths."""
    stem = Path(path)
    removed, kept = [], []
    k = keep + 1
    while True:
        sheet = stem.with_name(f"{stem.stem}-{k}{stem.suffix or '.svg'}")
        if not sheet.is_file():
            break
        try:
            with open(sheet, "rb") as fh:
                head = fh.read(512)
        except OSError:
            head = b""
        if head.lstrip().startswith(b"<?xml") and b"<svg" in head:
            with contextlib.suppress(OSError):
                os.unlink(sheet)
                removed.append(str(sheet))
                k += 1
                continue
        kept.append(str(sheet))
        k += 1
    return removed, kept


# ------------------------------------------------ the database is never an output
_PROTECTED: set[str] = set()
_SIBLINGS = ("", "-wal", "-shm", "-journal")


def protect(db_path) -> None:
    """Register ``db_path`` as a database in use: no output written through
    this module may be it or its ``-wal``/``-shm``/``-journal`` siblings
    (by name, through a link, or as a hard link of the same file)."""
    _PROTECTED.add(os.path.abspath(os.fspath(db_path)))


def refuse_database(target, *, option: str = "FILE") -> None:
    """Raise :class:`TracingError` ("FILE: x.db is the database itself")
    when ``target`` is a protected database or one of its siblings."""
    target = os.fspath(target)
    real = os.path.realpath(target)
    try:
        st = os.stat(target)
    except OSError:
        st = None
    for db in _PROTECTED:
        for s in _SIBLINGS:
            name = db + s
            same = real == os.path.realpath(name)
            if not same and st is not None:
                with contextlib.suppress(OSError):
                    other = os.stat(name)
                    same = (st.st_dev, st.st_ino) == (other.st_dev, other.st_ino)
            if same:
                raise InvalidValue(_("{option}: {path} is the database itself; choose another file").format(
                    option=option, path=target))


def _check_unchanged(tmp: str, fd_stat) -> None:
    """The temporary name still names the file this process wrote (nobody
    swapped it for a link or another file while it was written)."""
    try:
        st = os.lstat(tmp)
    except OSError:
        st = None
    if st is None or (st.st_dev, st.st_ino) != (fd_stat.st_dev, fd_stat.st_ino):
        raise TracingError(_("{path} was replaced by someone else while it was written: nothing was "
                             "put in place").format(path=tmp))


def _prepare(target: str, what: str) -> str:
    label = (_("cannot write {what} to {path}").format(what=_(WHAT.get(what, what)), path=target) if what
             else _("cannot write {path}").format(path=target))
    refuse_database(target)
    if os.path.isdir(target) and not os.path.islink(target):
        raise TracingError(_("{label}: it is a folder").format(label=label))
    return label


@contextlib.contextmanager
def _stream_errors(label: str) -> Iterator[None]:
    """Around writing through a device or pipe the user named: an ``OSError``
    becomes a :class:`TracingError` naming ``label``; a broken pipe (the
    reader went away, e.g. ``| head``) is left to the CLI, which exits quietly."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _error(label, exc) from None


@contextlib.contextmanager
def atomic_file(path, mode: str = "wb", *, what: str = "", encoding: str | None = None,
                newline: str | None = None) -> Iterator:
    """Yield an open file object to write ``path``'s content into. It is the
    one descriptor opened with ``O_CREAT|O_EXCL|O_NOFOLLOW`` (0600, fchmod
    on the descriptor) on a temporary name beside ``path``; nothing reopens
    that name. When the block succeeds the file is flushed, synced and
    renamed over ``path`` (a link there is replaced, not followed); on
    failure or death of the process it is removed. A device or pipe the
    user named is written through. ``mode`` is ``"w"`` (text) or ``"wb"``.
    Refuses the database in use (:func:`refuse_database`)."""
    target = os.fspath(path)
    label = _prepare(target, what)
    if _is_stream(target):
        with _stream_errors(label), open(target, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        return
    suffix = os.path.splitext(target)[1] or ".tmp"
    parent = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(parent, f"{TEMP_PREFIX}{_token()}{suffix}")
    janitor = _Janitor(tmp)
    fh = None
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # whatever the umask: private
            fh = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        except BaseException:
            os.close(fd)
            raise
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
        written = os.fstat(fh.fileno())
        _check_unchanged(tmp, written)
        os.replace(tmp, target)  # a link at target is replaced itself, its target untouched
    except OSError as exc:
        raise _error(label, exc) from None
    finally:
        if fh is not None:
            with contextlib.suppress(OSError, ValueError):
                fh.close()
        with contextlib.suppress(OSError):
            st = os.lstat(tmp)
            if not stat.S_ISDIR(st.st_mode):
                os.unlink(tmp)
        janitor.done()


@contextlib.contextmanager
def atomic_path(path, *, what: str = "") -> Iterator[str]:
    """Yield the name of a private temporary file, for a library that must
    write by name (SQLite): it lies in a private folder of its own
    (:func:`temporary`), so nobody else can swap it for a link. When the
    block succeeds it replaces ``path`` in one step (a link there is
    replaced, not followed), when it fails or the process dies it is
    removed, so a reader never sees half a file. A device or pipe is
    yielded as is (written through). An ``OSError`` becomes a
    :class:`TracingError` naming the path (``what`` says what was being
    written). Refuses the database in use (:func:`refuse_database`)."""
    target = os.fspath(path)
    label = _prepare(target, what)
    if _is_stream(target):
        with _stream_errors(label):
            yield target
        return
    suffix = os.path.splitext(target)[1] or ".tmp"
    with temporary(target, suffix=suffix, label=label) as tmp:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
        os.replace(tmp, target)  # a link at target is replaced itself, its target untouched


def write_text(path, text: str, *, what: str = "", encoding: str = "utf-8", newline: str = "\n") -> None:
    """Write ``text`` to ``path`` through :func:`atomic_file`."""
    with atomic_file(path, "w", what=what, encoding=encoding, newline=newline) as fh:
        fh.write(text)


def copy_into(source: str, path, *, what: str = "") -> None:
    """Put the finished file ``source`` at ``path`` (through :func:`atomic_file`,
    so also through a device or pipe)."""
    with atomic_file(path, "wb", what=what) as dst, open(source, "rb") as src:
        shutil.copyfileobj(src, dst, 1024 * 1024)


def is_stream(path) -> bool:
    """Is ``path`` a device or pipe that outputs are written through?"""
    return _is_stream(os.fspath(path))


def check_folder(path, *, force: bool = False) -> str:
    """Refuse an output folder that is a file, a symbolic link, or (without
    ``force``) a folder that already holds files. Returns the path."""
    folder = os.fspath(path)
    if len(folder) > 1:
        folder = folder.rstrip("/" + os.sep) or folder  # `elink/` is the link elink, not its target
    refuse_database(folder, option="FOLDER")
    if os.path.islink(folder):
        raise Conflict(_("{path} is a symbolic link (to {target}): name the folder itself").format(
            path=folder, target=os.path.realpath(folder)))
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise TracingError(_("{path} is a file, not a folder").format(path=folder))
    if os.path.isdir(folder) and os.listdir(folder) and not force:
        raise Conflict(_("{path} is not empty: add --force to replace the export's files in it, "
                         "or choose an empty or new folder").format(path=folder))
    return folder


@contextlib.contextmanager
def atomic_folder(path, *, force: bool = False) -> Iterator[str]:
    """Yield a private temporary folder beside ``path`` to write every file
    of a multi-file output into. When the block succeeds the folder becomes
    ``path`` in one rename (a new folder), or its files are renamed into the
    existing folder (empty, or with ``force``: files of the same names are
    replaced, other files are left alone); on failure nothing is in place
    and the temporary folder is removed (also when the process dies)."""
    folder = check_folder(path, force=force)
    parent = os.path.dirname(os.path.abspath(folder))
    label = _("cannot write {path}").format(path=folder)
    if not os.path.isdir(parent):
        raise TracingError(_("cannot write {path}: folder {parent} does not exist").format(path=folder, parent=parent))
    with temporary(folder, folder=True, label=label) as tmp:
        yield tmp
        names = sorted(os.listdir(tmp))
        for name in names:
            refuse_database(os.path.join(folder, name))
            fd = os.open(os.path.join(tmp, name), os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
            try:
                os.fchmod(fd, FILE_MODE)
            finally:
                os.close(fd)
        if not os.path.lexists(folder):
            os.rename(tmp, folder)
        else:
            for name in names:
                os.replace(os.path.join(tmp, name), os.path.join(folder, name))
            os.rmdir(tmp)


def private_folder(path) -> str:
    """Create ``path`` (and missing parents) for private files (0700 for
    what is created); an existing folder is used as it is."""
    folder = os.fspath(path)
    try:
        os.makedirs(folder, mode=FOLDER_MODE, exist_ok=True)
    except OSError as exc:
        raise _error(f"cannot create {folder}", exc) from None
    return folder

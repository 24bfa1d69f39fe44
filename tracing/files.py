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
import secrets
import subprocess
from collections.abc import Iterator

from .errors import Conflict, TracingError
from .i18n import _

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


def _error(label: str, exc: OSError) -> TracingError:
    return TracingError(f"{label}: {exc.strerror or exc}")


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
    (so renaming it over ``beside`` is atomic). Whatever the block leaves at
    its name is removed at the end, on failure, and by a watchdog when the
    process dies (:class:`_Janitor`, started before the file exists), with
    any SQLite ``-journal``/``-wal``/``-shm`` beside it. An ``OSError``
    becomes a :class:`TracingError` starting with ``label``."""
    target = os.fspath(beside)
    label = label or f"cannot write {target}"
    parent = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(parent, f"{TEMP_PREFIX}{secrets.token_hex(8)}{suffix}")
    extras = [tmp + s for s in ("-journal", "-wal", "-shm")]
    janitor = _Janitor(tmp, *extras)
    try:
        if folder:
            os.mkdir(tmp, FOLDER_MODE)
        else:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
        yield tmp
    except OSError as exc:
        raise _error(label, exc) from None
    finally:
        for path in (tmp, *extras):
            discard(path)
        janitor.done()


def discard(path: str) -> None:
    """Remove a temporary file or folder (and a SQLite journal beside it)."""
    for p in (path, path + "-journal"):
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(p)


@contextlib.contextmanager
def atomic_path(path, *, what: str = "") -> Iterator[str]:
    """Yield a private temporary file beside ``path``; when the block
    succeeds it replaces ``path`` in one step (a link there is replaced, not
    followed), when it fails or the process dies it is removed, so a reader
    never sees half a file. A device or pipe is yielded as is (written
    through). An ``OSError`` becomes a :class:`TracingError` naming the path
    (``what`` says what was being written)."""
    target = os.fspath(path)
    label = f"cannot write {what + ' to ' if what else ''}{target}"
    if os.path.isdir(target) and not os.path.islink(target):
        raise TracingError(f"{label}: it is a folder")
    if _is_stream(target):
        try:
            yield target
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _error(label, exc) from None
        return
    suffix = os.path.splitext(target)[1] or ".tmp"
    with temporary(target, suffix=suffix, label=label) as tmp:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)  # a link at target is replaced itself, its target untouched


def write_text(path, text: str, *, what: str = "", encoding: str = "utf-8", newline: str = "\n") -> None:
    """Write ``text`` to ``path`` through :func:`atomic_path`."""
    with atomic_path(path, what=what) as tmp:
        with open(tmp, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)


def copy_into(source: str, path, *, what: str = "") -> None:
    """Put the finished file ``source`` at ``path`` (through :func:`atomic_path`,
    so also through a device or pipe)."""
    with atomic_path(path, what=what) as tmp:
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)


def is_stream(path) -> bool:
    """Is ``path`` a device or pipe that outputs are written through?"""
    return _is_stream(os.fspath(path))


def check_folder(path, *, force: bool = False) -> str:
    """Refuse an output folder that is a file, a symbolic link, or (without
    ``force``) a folder that already holds files. Returns the path."""
    folder = os.fspath(path)
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
    label = f"cannot write {folder}"
    if not os.path.isdir(parent):
        raise TracingError(_("cannot write {path}: folder {parent} does not exist").format(path=folder, parent=parent))
    with temporary(folder, folder=True, label=label) as tmp:
        yield tmp
        for name in os.listdir(tmp):
            os.chmod(os.path.join(tmp, name), FILE_MODE)
        if not os.path.lexists(folder):
            os.rename(tmp, folder)
        else:
            for name in sorted(os.listdir(tmp)):
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

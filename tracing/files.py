"""Writing output files safely: all or nothing, never anywhere but the named path.

A regular file is replaced in one step; a symbolic link keeps pointing where
it did (its target is replaced); a device or pipe (``/dev/stdout``, a FIFO) is
written through, never replaced.

>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with atomic_path(target) as tmp:
...     _ = open(tmp, "w", encoding="utf-8").write("xin chào")
>>> open(target, encoding="utf-8").read()
'xin chào'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from .errors import TracingError


@contextlib.contextmanager
def atomic_path(path, *, what: str = "") -> Iterator[str]:
    """Yield a temporary file beside ``path``; when the block succeeds it
    replaces ``path`` in one step, when it fails it is removed, so a reader
    never sees half a file. An ``OSError`` becomes a :class:`TracingError`
    naming the path (``what`` says what was being written)."""
    target = os.fspath(path)
    label = f"cannot write {what + ' to ' if what else ''}{target}"
    if os.path.isdir(target):
        raise TracingError(f"{label}: it is a folder")
    if os.path.islink(target):
        target = os.path.realpath(target)  # replace the file the link points to, keep the link
    if os.path.exists(target) and not os.path.isfile(target):
        # a device, pipe or socket (/dev/stdout, a FIFO): write through it, never replace it
        try:
            yield target
        except OSError as exc:
            raise TracingError(f"{label}: {exc.strerror or exc}") from None
        return
    folder = os.path.dirname(os.path.abspath(target))
    suffix = os.path.splitext(target)[1] or ".tmp"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    except OSError as exc:
        raise TracingError(f"{label}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise TracingError(f"{label}: {exc.strerror or exc}") from None
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)

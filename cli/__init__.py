"""The `tracing` command line: click commands that parse, call tracing/, print."""

import sys as _sys


def _interrupted(kind, value, tb, _previous=_sys.excepthook):
    """A Ctrl-C that reaches the top before click runs (while the modules
    load) ends like one inside a command: "Aborted!" and exit status 1,
    never a KeyboardInterrupt traceback."""
    if issubclass(kind, KeyboardInterrupt):
        import os
        try:
            _sys.stderr.write("\nAborted!\n")
            _sys.stderr.flush()
        finally:
            os._exit(1)
    _previous(kind, value, tb)


_sys.excepthook = _interrupted

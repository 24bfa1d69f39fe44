"""Entry point: the `tracing` group, database opening and the one error path.

Every :class:`tracing.errors.TracingError` becomes ``Error: ...`` on stderr
with exit status 1. Any other failure is reported the same way (no traceback
reaches a user; ``TRACING_DEBUG=1`` shows it).
"""

from __future__ import annotations

import os
import sqlite3
import sys

import click

from tracing import __version__
from tracing.errors import TracingError


class Context:
    def __init__(self, db_path: str):
        self.db_path = db_path
        self._store = None

    def store(self, *, write: bool = False):
        """The database; a writing command creates a missing one (and says so)."""
        if self._store is None:
            from tracing.store import Store
            self._store = Store.open(self.db_path, create=write)
            if getattr(self._store, "created", False):
                click.echo(f"Created database {self.db_path}", err=True)
        return self._store

    def close(self):
        if self._store is not None:
            self._store.close()


#: command name -> the cli modules that define it, in the order of a tour.
#: Modules are imported only when their command runs (or for --help), so a
#: `tracing status` does not pay for importing the report or map code.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("people",), "person": ("people", "duplicates"), "contact": ("encounters",),
    "checkin": ("encounters",), "case": ("cases",), "followup": ("followup",), "status": ("views",),
    "list": ("views",), "tree": ("views",), "import": ("imports",), "export": ("exports",),
    "clusters": ("clusters",), "cluster": ("clusters",), "check": ("reports",), "render": ("render",),
    "report": ("reports",), "level": ("reports",), "rules": ("rules_cmd",), "backup": ("maintenance",),
    "restore": ("maintenance",), "doctor": ("maintenance",), "demo": ("demo",),
}


class TracingGroup(click.Group):
    """Loads each command's module on first use; lists commands in tour order."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    _loaded: set[str] = set()

    def get_command(self, ctx, name):
        for module in COMMANDS.get(name, ()):
            if module not in self._loaded:
                import importlib
                self._loaded.add(module)
                importlib.import_module(f"cli.{module}").register(self)
        return self.commands.get(name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TracingError as e:
            raise click.ClickException(str(e)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit, KeyboardInterrupt):
            raise
        except sqlite3.Error as e:
            if os.environ.get("TRACING_DEBUG"):
                raise
            raise click.ClickException(f"database problem: {e}; nothing was written") from None
        except OSError as e:
            if os.environ.get("TRACING_DEBUG"):
                raise
            raise click.ClickException(f"{e.strerror or e}: {e.filename or ''}".rstrip(": ")) from None
        except Exception as e:  # noqa: BLE001 - the last line of defence
            if os.environ.get("TRACING_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected failure ({type(e).__name__}: {e}); nothing was written. "
                "Run again with TRACING_DEBUG=1 for details and report it") from None


@click.group(cls=TracingGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_path", envvar="TRACING_DB", default="tracing.db", show_default=True,
              metavar="PATH", help="The database file (also $TRACING_DB).")
@click.version_option(version=__version__, prog_name="tracing", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, db_path):
    """Contact tracing for district health teams: F0/F1/F2, sơ đồ cây, PA1/PA2.

    \b
    Enter people, contacts, QR check-ins and confirmed cases; levels (F0, F1,
    F2…) are derived at once from dated contacts and the rules in force.

    \b
    Examples:
      tracing person add --id BN1 --name "Nguyễn Văn An" --ward "Ngọc Lâm"
      tracing person add --id P2 --name "Trần Thị Bình"
      tracing contact add BN1 P2 --date 2021-05-03 --setting household
      tracing case confirm BN1 --date 2021-05-05 --onset 2021-05-04
      tracing status P2
      tracing tree BN1
      tracing demo            # a whole sample outbreak in ./tracing-demo
    """
    ctx.obj = Context(db_path)
    ctx.call_on_close(ctx.obj.close)


def _utf8_io() -> None:
    """UTF-8 in and out whatever the locale (Vietnamese must survive LANG=C)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass


def main(argv=None):
    _utf8_io()
    if argv is None and os.name == "posix":
        # argv was decoded with the locale's codec; undo that and read UTF-8
        argv = [os.fsencode(a).decode("utf-8", "replace") for a in sys.argv[1:]]
    return cli.main(args=argv, prog_name="tracing")


if __name__ == "__main__":
    main()

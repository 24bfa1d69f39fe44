"""Entry point: the `tracing` group, database opening and the one error path.

Every :class:`tracing.errors.TracingError` becomes ``Error: ...`` on stderr
with exit status 1. Any other failure is reported the same way (no traceback
reaches a user; ``TRACING_DEBUG=1`` shows it).
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import sys

import click

from tracing import __version__, i18n
from tracing.errors import TracingError
from tracing.values import visible
from tracing.i18n import N_, _


class Context:
    def __init__(self, db_path: str):
        self.db_path = db_path
        from tracing import files
        files.protect(db_path)  # an output (-o, export folder, backup) is never the database
        self._store = None
        self.failed = False

    def store(self, *, write: bool = False, dry_run: bool = False):
        """The database; a writing command creates a missing one and says so
        once its first write commits (a failed first command says nothing
        and leaves no database behind, see :meth:`close`). A ``--dry-run``
        leaves the file as it is and creates none: on a missing file it runs
        on an empty database and says so (:meth:`Store.open`)."""
        if self._store is None:
            from tracing.store import Store
            self._store = Store.open(self.db_path, create=write, dry_run=dry_run,
                                     notify=lambda message: click.echo(message, err=True))
            if self._store.scratch:
                click.echo(_("No database at {path}: the dry run checks against an empty one and creates "
                             "nothing.").format(path=self.db_path), err=True)
            if self._store.created:
                self._store.on_first_commit = self._announce
        return self._store

    def _announce(self, store=None):
        store = store or self._store
        if getattr(store, "made_database", True):
            click.echo(_("Created database {path}").format(path=store.path if store else self.db_path), err=True)
        else:  # a server database that was there, empty: its tables were made
            click.echo(_("Set up the tracing tables in database {path}").format(path=store.path), err=True)

    def close(self):
        store, self._store = self._store, None
        if store is None:
            return
        if store.created and not store.committed:
            if self.failed:
                store.discard_if_unused()
                return
            self._announce(store)  # e.g. `tracing init`: created, nothing to write
        store.close()


#: command name -> the cli modules that define it, in the order of a tour.
#: Modules are imported only when their command runs (or for --help), so a
#: `tracing status` does not pay for importing the report or map code.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("people",), "person": ("people", "duplicates"), "contact": ("encounters",),
    "checkin": ("encounters",), "case": ("cases", "outbreak"), "zone": ("outbreak",), "care": ("outbreak",),
    "followup": ("followup",), "status": ("views",),
    "list": ("views",), "tree": ("views",), "import": ("imports",), "export": ("exports",),
    "clusters": ("clusters",), "cluster": ("clusters",), "check": ("reports",), "render": ("render",),
    "report": ("reports",), "level": ("reports",), "rules": ("rules_cmd",), "backup": ("maintenance",),
    "restore": ("maintenance",), "doctor": ("maintenance",), "copy": ("maintenance",), "demo": ("demo",),
}


def _translated(text):
    return _(inspect.cleandoc(text)) if text else text


class TranslatedHelp:
    """Help in the language chosen at run time. Click help strings (docstrings,
    ``help=``) are fixed when modules are imported, before ``--lang`` is parsed;
    this mixin translates them through the catalog when help is formatted. The
    msgid of a docstring is its ``inspect.cleandoc`` text; ``python -m
    cli.catalog update`` collects them all into the .po."""

    def format_help_text(self, ctx, formatter):
        with _swapped([self], "help"):
            super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit=45):
        with _swapped([self], "help", "short_help"):
            return super().get_short_help_str(limit)

    def format_options(self, ctx, formatter):
        with _swapped(self.get_params(ctx), "help"):
            super().format_options(ctx, formatter)

    def format_epilog(self, ctx, formatter):
        with _swapped([self], "epilog"):
            super().format_epilog(ctx, formatter)


class _swapped:
    """Translate attributes ``names`` of ``objects`` for the length of a block."""

    def __init__(self, objects, *names):
        self.saved = [(o, n, getattr(o, n, None)) for o in objects for n in names]

    def __enter__(self):
        for o, n, v in self.saved:
            if v:
                setattr(o, n, _translated(v))

    def __exit__(self, *exc):
        for o, n, v in self.saved:
            setattr(o, n, v)


_TRANSLATED_CLASSES: dict[type, type] = {}


def translating(cmd):
    """Give ``cmd`` (and its subcommands) translated help, whatever click class
    it was declared with, so a command added with a plain ``@click.command``
    still speaks the chosen language."""
    if cmd is not None and not isinstance(cmd, TranslatedHelp):
        cls = type(cmd)
        if cls not in _TRANSLATED_CLASSES:
            _TRANSLATED_CLASSES[cls] = type(cls.__name__, (TranslatedHelp, cls), {})
        cmd.__class__ = _TRANSLATED_CLASSES[cls]
    for sub in getattr(cmd, "commands", {}).values():
        translating(sub)
    return cmd


class TracingGroup(TranslatedHelp, click.Group):
    """Loads each command's module on first use; lists commands in tour order."""

    def make_context(self, info_name, args, parent=None, **extra):
        # the language of the environment, before any --help is printed;
        # an explicit --lang (eager) then overrides it
        _choose_language(None)
        # a global --lang takes effect before click parses anything: its usage
        # errors (an unknown option, a missing value) are then in that language
        early = _lang_in(args)
        if early:
            try:
                i18n.set_language(i18n.detect_language(early))
            except ValueError:
                pass  # the --lang callback reports it
        return super().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx):
        return list(COMMANDS)

    _loaded: set[str] = set()

    def get_command(self, ctx, name):
        for module in COMMANDS.get(name, ()):
            if module not in self._loaded:
                import importlib
                self._loaded.add(module)
                importlib.import_module(f"cli.{module}").register(self)
        return translating(self.commands.get(name))

    def invoke(self, ctx):
        try:
            return self._invoke(ctx)
        except click.exceptions.Exit as e:
            if e.exit_code and isinstance(ctx.obj, Context):
                ctx.obj.failed = True
            raise
        except BaseException:
            if isinstance(ctx.obj, Context):
                ctx.obj.failed = True  # a database this command created goes away again
            raise

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # the reader went away (`| head -1`): what it wanted was printed,
            # so every command ends quietly with status 0 (as a short output
            # that fitted in the pipe does); nothing more reaches stdout
            _silence_stdout()
            raise click.exceptions.Exit(0) from None
        except TracingError as e:
            raise click.ClickException(visible(str(e))) from None  # what was typed cannot drive the terminal
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit, KeyboardInterrupt):
            raise
        except sqlite3.Error as e:
            if os.environ.get("TRACING_DEBUG"):
                raise
            raise click.ClickException(_server_failure(ctx, e) or _(
                "database problem: {error}; nothing was written").format(error=e)) from None
        except OSError as e:
            if os.environ.get("TRACING_DEBUG"):
                raise
            raise click.ClickException(visible(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "))) from None
        except Exception as e:  # noqa: BLE001 - the last line of defence
            if os.environ.get("TRACING_DEBUG"):
                raise
            from tracing.store.server_errors import driver_text
            explained = _server_failure(ctx, e)
            if explained:  # e.g. the server's connection dropped where no store code caught it
                raise click.ClickException(explained) from None
            raise click.ClickException(_(
                "unexpected failure ({kind}: {error}); nothing was written. "
                "Run again with TRACING_DEBUG=1 for details and report it").format(
                    kind=type(e).__name__, error=driver_text(e))) from None


def _server_failure(ctx, error) -> str | None:
    """A PostgreSQL failure (connection lost, …) in words, else None."""
    if not isinstance(ctx.obj, Context):
        return None
    from tracing.store.server_errors import explain
    return explain(error, ctx.obj.db_path)


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the interpreter's last flush must not fail
    again on the closed pipe ("Exception ignored … BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _lang_in(args) -> str | None:
    """The value of the global ``--lang`` in ``args`` (before the command's
    name), else None.

    >>> _lang_in(["--db", "x.db", "--lang", "vi", "--bogus"]), _lang_in(["--lang=en", "status"])
    ('vi', 'en')
    >>> _lang_in(["report", "--lang", "vi"]) is None
    True
    """
    args = list(args or ())
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a == "--lang":
            return args[i + 1] if i + 1 < len(args) else None
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
        if a == "--db":
            i += 2
            continue
        if not a.startswith("-"):
            break  # the command: its own options are its own
        i += 1
    return None


def _choose_language(value):
    try:
        i18n.set_language(i18n.detect_language(value))
    except ValueError as e:
        if value:
            raise click.BadParameter(str(e), param_hint="--lang") from None
        i18n.set_language("en")  # a bad $TRACING_LANG must not stop every command
        click.echo(_("Warning: {message}").format(message=f"$TRACING_LANG: {e}"), err=True)


@click.group(cls=TracingGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_path", envvar="TRACING_DB", default="tracing.db", show_default=True,
              metavar="PATH|URL", help=N_("The database: a SQLite file, or postgresql://USER@HOST:PORT/DBNAME "
                                          "for a shared PostgreSQL server (also $TRACING_DB)."))
@click.option("--lang", metavar="vi|en", is_eager=True, expose_value=False,
              callback=lambda ctx, param, value: _choose_language(value),
              help=N_("Language of everything printed for people: vi or en (also $TRACING_LANG; "
                      "default: Vietnamese when the locale is Vietnamese, else English). "
                      "JSON and CSV are the same in both."))
@click.version_option(version=__version__, prog_name="tracing", message="%(prog)s %(version)s",
                      help=N_("Show the version and exit."))
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
    from .output import terminal_safe_io

    _utf8_io()
    terminal_safe_io()
    if argv is None and os.name == "posix":
        # argv was decoded with the locale's codec; undo that and read UTF-8
        argv = [os.fsencode(a).decode("utf-8", "replace") for a in sys.argv[1:]]
    try:
        return cli.main(args=argv, prog_name="tracing")
    finally:
        _skip_the_last_collection()


def _skip_the_last_collection() -> None:
    """The command is over (the store closed, its files closed by their
    ``with`` blocks): only the interpreter's shutdown is left, and it walks
    every object the imports made in full garbage collections, ~0.05 s of
    CPU once psycopg is loaded (its classes, asyncio, typing; issue 17
    point 6: a command is a whole process, and this was a third of what a
    PostgreSQL one costs beyond SQLite). The young generations are collected
    (the command's own cyclic garbage, cheap), then :func:`gc.freeze` puts
    the rest, the long-lived objects of the imports, out of the collector's
    reach: they are freed as usual by their reference counts, or with the
    process. Only the process entry point does this, never the library: a
    long-running caller keeps its collector whole."""
    import gc
    gc.collect(1)
    gc.freeze()


if __name__ == "__main__":
    main()

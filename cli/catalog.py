"""The message catalog for translators: collect every message, find the missing.

    python -m cli.catalog update     # add new messages to tracing.po (msgstr empty), sorted
    python -m cli.catalog missing    # list messages with no Vietnamese translation
    python -m cli.catalog resolve    # after a git merge/rebase conflict in tracing.po: union of both sides

Messages are of two kinds, both collected here:

- calls ``_("...")``, ``N_("...")`` and ``ngettext("...", "...", n)`` in
  ``tracing/`` and ``cli/`` (found by Babel's Python extractor, so f-strings
  cannot be used inside them: write ``_("{n} cases").format(n=n)``);
- the help of every command and option (docstrings and ``help=``), found by
  walking the click commands, each as ``inspect.cleandoc`` text, the msgid
  :class:`cli.main.TranslatedHelp` looks up.

The catalog may hold more (click's own words: "Usage:", "Error: {message}");
``update`` keeps them. A translation that drops or renames a ``{placeholder}``
counts as missing.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}


def code_messages() -> dict:
    """msgid (or ``(msgid, context)`` for a message with a context) -> where
    (``path:line``) for every marked message in the code."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, str] = {}
    for package in ("tracing", "cli"):
        for filename, lineno, message, _comments, context in extract_from_dir(
                ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS):
            for msgid in (message if isinstance(message, tuple) else (message,)):
                if msgid:
                    found.setdefault((msgid, context) if context else msgid, f"{package}/{filename}:{lineno}")
    return found


def help_messages() -> dict[str, str]:
    """msgid -> command path for every command and option help text."""
    import click

    from cli.main import cli

    found: dict[str, str] = {}

    def walk(cmd, path):
        ctx = click.Context(cmd, info_name=path[-1])
        for text in (cmd.help, cmd.short_help, cmd.epilog):
            if text:
                found.setdefault(inspect.cleandoc(text), " ".join(path))
        for param in cmd.params:
            if getattr(param, "help", None):
                found.setdefault(inspect.cleandoc(param.help), " ".join(path) + " " + param.opts[0])
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), (*path, name))

    walk(cli, ("tracing",))
    return found


def all_messages() -> dict[str, str]:
    return {**help_messages(), **code_messages()}


def _placeholders(text: str) -> set[str]:
    """``{name}`` fields (a format spec may differ: dates are written the
    language's way) and ``%s``-style ones."""
    fields = {re.sub(r":[^{}]*$", "", f) for f in re.findall(r"\{([^{}]*)\}", text)}
    return fields | set(re.findall(r"%\(\w+\)s|%[sd]", text))


def read_catalog(lang: str = "vi"):
    from babel.messages.pofile import read_po

    from tracing.i18n import po_file
    with open(po_file(lang), "rb") as f:
        return read_po(f, locale=lang)


def missing(lang: str = "vi") -> list[tuple[str, str]]:
    """(msgid, where) of every message with no usable translation."""
    catalog = read_catalog(lang)
    out = []
    for key, where in sorted(all_messages().items(), key=lambda kv: _key(kv[0])):
        msgid, context = key if isinstance(key, tuple) else (key, None)
        entry = catalog.get(msgid, context=context)
        translated = entry.string if entry is not None and not entry.fuzzy else None
        if isinstance(translated, tuple):
            translated = translated[0]
        if not translated or _placeholders(translated) != _placeholders(msgid):
            out.append((f"{context}|{msgid}" if context else msgid, where))
    return out


def _key(key) -> tuple[str, str]:
    return (key, "") if isinstance(key, str) else (key[0], key[1])


def update(lang: str = "vi") -> int:
    """Add every new message to the catalog with an empty msgstr; returns how many."""
    from babel.messages.pofile import write_po

    from tracing.i18n import po_file
    catalog = read_catalog(lang)
    added = 0
    for key, where in all_messages().items():
        msgid, context = key if isinstance(key, tuple) else (key, None)
        if catalog.get(msgid, context=context) is None:
            catalog.add(msgid, "", auto_comments=[where], context=context)
            added += 1
    with open(po_file(lang), "wb") as f:
        write_po(f, catalog, sort_output=True, width=100, omit_header=False)
    return added


def resolve(lang: str = "vi") -> int:
    """Resolve a git conflict in the catalog: every entry of both sides (a
    translation beats an empty one; on two different translations, ours),
    written sorted; then ``git add`` it. Returns the number of entries."""
    import io
    import subprocess

    from babel.messages.pofile import read_po, write_po

    from tracing.i18n import po_file
    path = po_file(lang)
    rel = path.relative_to(ROOT).as_posix()
    sides = []
    for stage in (2, 3):
        data = subprocess.run(["git", "show", f":{stage}:{rel}"], cwd=ROOT, capture_output=True, check=True).stdout
        sides.append(read_po(io.BytesIO(data), locale=lang))
    merged = sides[0]
    for message in sides[1]:
        if not message.id:
            continue
        mine = merged.get(message.id, context=message.context)
        if mine is None:
            merged.add(message.id, message.string, auto_comments=message.auto_comments, context=message.context)
        elif not mine.string and message.string:
            mine.string = message.string
    with open(path, "wb") as f:
        write_po(f, merged, sort_output=True, width=100)
    subprocess.run(["git", "add", rel], cwd=ROOT, check=True)
    return len(merged)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "missing"
    if command == "update":
        print(f"{update()} new messages added to the catalog")
        return 0
    if command == "resolve":
        print(f"{resolve()} messages in the merged catalog")
        return 0
    if command == "missing":
        rows = missing()
        for msgid, where in rows:
            print(f"{where}: {msgid!r}")
        print(f"{len(rows)} messages without a Vietnamese translation")
        return 1 if rows else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

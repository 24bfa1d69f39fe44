"""One language switch: gettext catalog complete, --lang / $TRACING_LANG /
locale, Vietnamese help and errors, CLDR number and date formats, JSON the
same in both languages."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import catalog
from cli.main import cli
from tracing import i18n

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_vietnamese_translation():
    missing = catalog.missing("vi")
    assert missing == [], "untranslated (run `python -m cli.catalog update`, then fill msgstr):\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in missing)


def test_no_fstring_inside_a_message_marker():
    # Babel's extractor cannot see an f-string: _(f"...") would never be translated
    offenders = []
    for path in [*ROOT.glob("tracing/**/*.py"), *ROOT.glob("cli/**/*.py")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(?:_|N_|ngettext)\(\s*f[\"']", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


def invoke(args, env=None):
    return CliRunner().invoke(cli, args, env=env)


def test_lang_option_translates_help_and_click_words():
    vi = invoke(["--lang", "vi", "person", "add", "--help"]).output
    assert "Cách dùng:" in vi and "Tùy chọn:" in vi and "Họ và tên" in vi and "Ví dụ:" in vi
    en = invoke(["--lang", "en", "person", "add", "--help"]).output
    assert "Usage:" in en and "Full name" in en


def test_environment_and_locale_choose_the_language():
    assert "Cách dùng:" in invoke(["--help"], env={"TRACING_LANG": "vi"}).output
    assert "Cách dùng:" in invoke(["--help"], env={"TRACING_LANG": None, "LC_ALL": None, "LC_MESSAGES": None,
                                                   "LANG": "vi_VN.UTF-8"}).output
    assert "Usage:" in invoke(["--help"], env={"TRACING_LANG": None, "LC_ALL": None, "LC_MESSAGES": None,
                                               "LANG": "C.UTF-8", "LANGUAGE": None}).output
    # --lang beats the environment
    assert "Usage:" in invoke(["--lang", "en", "--help"], env={"TRACING_LANG": "vi"}).output


def test_unknown_language_is_a_usage_error():
    result = invoke(["--lang", "fr", "status", "X"])
    assert result.exit_code == 2 and "--lang" in result.output


def test_click_errors_in_vietnamese(db_path):
    result = invoke(["--lang", "vi", "status"])
    assert result.exit_code == 2 and "Lỗi: Thiếu đối số 'PERSON_ID'." in result.output


def test_formats_follow_the_language():
    new, days, base = 473, 14, 783
    i18n.set_language("vi")
    assert i18n.fmt_decimal(new / days) == f"{new / days:.1f}".replace(".", ",")
    assert i18n.fmt_percent(new / base) == f"{100 * new / base:.1f} %".replace(".", ",")
    assert i18n.fmt_int(1234567) == "1.234.567"
    assert i18n.fmt_date(dt.date(2021, 11, 29)) == "29/11/2021"
    i18n.set_language("en")
    assert i18n.fmt_decimal(new / days) == f"{new / days:.1f}"
    assert i18n.fmt_date("2021-11-29") == "2021-11-29"


def test_json_is_the_same_in_both_languages(run):
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn An")
    en = run("--lang", "en", "status", "A", "--format", "json").stdout
    vi = run("--lang", "vi", "status", "A", "--format", "json").stdout
    assert json.loads(en) == json.loads(vi)


def test_catalog_is_compiled_when_the_po_is_newer(tmp_path, monkeypatch):
    po = i18n.po_file("vi")
    locale = tmp_path / "locale" / "vi" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / po.name).write_bytes(po.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    mo = i18n.mo_file("vi")
    assert mo.exists() and mo.parent == locale
    old = mo.stat().st_mtime_ns
    os.utime(locale / po.name, ns=(old + 10**9, old + 10**9))
    assert i18n.mo_file("vi").stat().st_mtime_ns > old


def _header(output: str) -> list[str]:
    """The column headers of a tabulate "simple" table (2+ spaces apart)."""
    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line.replace(" ", "")) == {"-"})
    return re.split(r"\s{2,}", lines[rule - 1].strip())


def test_one_word_two_meanings_have_their_own_translations(run, store, monkeypatch):
    """`level` is the F level in `list` ("Đối tượng", issue 14 point 2) and
    the epidemic level in `level` ("Cấp độ"); "vaccinated" is a person's
    doses and an area's share fully vaccinated; "other" the other person of a
    contact and the setting "other" (msgctxt entries, not one shared msgid)."""
    from tracing.store.reports import set_population

    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    with store.write("populations"):
        set_population(store, "ward", "W1", 10_000)
    run("person", "add", "--id", "A", "--name", "An", "--ward", "W1")
    run("person", "add", "--id", "B", "--name", "Bình", "--ward", "W1")
    run("contact", "add", "A", "B", "--date", "2021-11-15", "--setting", "other")
    run("case", "confirm", "A", "--date", "2021-11-16")
    level = _header(run("--lang", "vi", "level", "--week-of", "2021-11-18").stdout)
    assert "Cấp độ" in level and "Đối tượng" not in level
    listed = _header(run("--lang", "vi", "list").stdout)
    assert "Đối tượng" in listed and "Cấp độ" not in listed
    # the vaccination criterion: its own header, and its own name in "not assessed"
    i18n.set_language("vi")
    try:
        assert i18n.pgettext("epidemic level", "vaccinated") == "tỷ lệ tiêm đủ liều"
        assert i18n.label("vaccinated") == "tỷ lệ tiêm đủ liều"
        assert i18n.label("other") == "khác" != i18n._("other")
    finally:
        i18n.set_language("en")
    shown = run("--lang", "vi", "person", "show", "A").stdout
    assert re.search(r"\bkhác\b", shown), shown
    # English is unchanged: the msgid
    assert "level" in _header(run("level", "--week-of", "2021-11-18").stdout)


def test_every_value_label_and_header_has_its_own_entry():
    """A stored value's label and a column header never share a catalog
    entry: values are msgctxt "value" (the kind of fault of point 5)."""
    from cli.output import HEADERS
    from cli.reports import LEVEL_HEADERS

    assert all(isinstance(v, tuple) and v[0] == "value" for v in i18n.VALUES.values())
    assert all(isinstance(v, tuple) and v[0] == "epidemic level" for v in LEVEL_HEADERS.values())
    catalog_ = catalog.read_catalog("vi")
    for key, msgid in HEADERS.items():
        if key in i18n.VALUES:
            header = catalog_.get(msgid).string
            value = catalog_.get(key, context="value").string
            assert header and value, key


#: options whose value is one of a few words (their dest names): each must be a Vocab
ENUMERATED = {"level", "by", "kind", "status", "tier", "fmt", "fmts", "fmt_name", "layout", "setting", "sex",
              "result", "found_by", "date_order", "lang"}
#: values written the same in both languages (codes, formats, numbers)
NEUTRAL = {"json", "csv", "md", "html", "epicontacts", "godata", "vi", "en", "F3", "F4", "F5"}


def _params():
    import click

    def walk(cmd, path):
        for param in cmd.params:
            yield " ".join(path), param
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd, info_name=path[-1])
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))

    return list(walk(cli, ("tracing",)))


def test_every_enumerated_option_accepts_the_vietnamese_words():
    """Issue 14 point 4: every enumerated option of every command (found by
    walking the click command tree, so a new one cannot be missed) reads its
    values through tracing.values.VOCABULARY: each value has Vietnamese
    words, accepted with and without diacritics, in any case."""
    import click

    from cli.output import Vocab
    from tracing.values import VOCABULARY, fold

    checked = 0
    for where, param in _params():
        assert not isinstance(param.type, click.Choice), f"{where} {param.opts}: use cli.output.Vocab"
        if where == "tracing" and param.name == "lang":
            continue  # the global switch: test_lang_accepts_the_vietnamese_words
        if param.name in ENUMERATED and not getattr(param, "is_flag", False):
            assert isinstance(param.type, Vocab), f"{where} {param.opts}: an enumerated option without Vocab"
        if not isinstance(param.type, Vocab):
            continue
        for canonical in param.type.choices:
            words = VOCABULARY[param.type.kind][canonical]
            assert canonical in NEUTRAL or canonical.isdigit() or any(not w.isascii() for w in words), \
                f"{where} {param.opts} {canonical}: no Vietnamese word in VOCABULARY[{param.type.kind!r}]"
            for word in (canonical, *words):
                for form in {word, fold(word), word.upper()}:
                    assert param.type.convert(form, param, None) == canonical, (where, param.opts, form)
            checked += 1
    assert checked > 40


def test_lang_accepts_the_vietnamese_words():
    from tracing.values import VOCABULARY, fold
    for lang, words in VOCABULARY["lang"].items():
        for word in (lang, *words):
            assert i18n.detect_language(word) == i18n.detect_language(fold(word)) == lang


def test_vietnamese_words_on_the_command_line(run, run_json, store, monkeypatch):
    from tracing.store.reports import set_population

    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    with store.write("populations"):
        set_population(store, "ward", "W1", 10_000)
    run("person", "add", "--id", "A", "--name", "An", "--ward", "W1", "--unit", "TDP 1")
    run("person", "add", "--id", "B", "--name", "Bình", "--ward", "W1", "--unit", "TDP 1")
    run("contact", "add", "A", "B", "--date", "2021-11-15")
    run("case", "confirm", "A", "--date", "2021-11-16")
    assert run_json("level", "--week-of", "2021-11-18", "--by", "Phường") == \
        run_json("level", "--week-of", "2021-11-18", "--by", "ward")
    assert run_json("list", "--level", "tiep xuc gan") == run_json("list", "--level", "F1") != []
    assert run_json("report", "--from", "2021-11-10", "--to", "2021-11-20", "--by", "tổ dân phố") == \
        run_json("report", "--from", "2021-11-10", "--to", "2021-11-20", "--by", "unit")
    bad = run("level", "--by", "tỉnh", ok=False)
    assert bad.exit_code == 2 and "tỉnh" in bad.output and "district, ward, unit, workplace" in bad.output


#: where people's text leaves the program: printing, warning, failing
_SINKS = {"echo", "secho", "print", "note", "warn", "fail", "UsageError", "BadParameter", "ClickException"}
#: the errors a user sees as "Error: ..." lines (tracing.errors and click's)
_ERRORS = {"TracingError", "NotFound", "InvalidValue", "Conflict", "DatabaseError", "UsageError", "BadParameter",
           "ClickException"}
_MARKERS = {"_", "ngettext", "pgettext", "N_", "NP_", "Msg"}
#: literals that are data, not English: (file, text)
_NOT_ENGLISH = {("tracing/maps.py", "map.html"), ("cli/main.py", "$TRACING_LANG: ")}


def _unmarked_text(node) -> list[str]:
    """Literal text in an argument that does not pass through a marker
    (``_()``, ``Msg``...): f-strings, concatenations, ``"...".format()``."""
    import ast

    def name(f):
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None

    out = []

    def visit(n):
        if isinstance(n, ast.Call):
            if name(n.func) in _MARKERS:
                return
            if isinstance(n.func, ast.Attribute) and n.func.attr == "format":
                visit(n.func.value)
                for a in [*n.args, *(k.value for k in n.keywords)]:
                    visit(a)
            return  # another function's result: data
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
        elif isinstance(n, ast.JoinedStr):
            for v in n.values:
                visit(v if isinstance(v, ast.Constant) else v.value)
        elif isinstance(n, ast.BinOp):
            visit(n.left)
            visit(n.right)
        elif isinstance(n, ast.IfExp):
            visit(n.body)
            visit(n.orelse)
        elif isinstance(n, ast.BoolOp):
            for v in n.values:
                visit(v)

    visit(node)
    # English: two words of letters (a lone separator, id or placeholder is not)
    return [t for t in out if re.search(r"[A-Za-z]{2,}[^A-Za-z{}]+[A-Za-z]{2,}", re.sub(r"\{[^{}]*\}", "", t))]


def test_no_message_for_people_bypasses_the_catalog():
    """Issue 14 point 1, the kind of fault: every text printed (click.echo,
    print, note, warnings), every error a user reads (raise InvalidValue /
    NotFound / Conflict / DatabaseError / click.UsageError ...) and every
    import warning goes through _() or Msg: an f-string or plain literal
    there would stay English under --lang vi. Scans tracing/ and cli/ with ast
    (cli/catalog.py, the translators' own tool, is English by design)."""
    import ast

    offenders = []
    for path in sorted([*ROOT.glob("tracing/**/*.py"), *ROOT.glob("cli/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "cli/catalog.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            args = []
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if called in _SINKS or called in _ERRORS:
                    args = node.args[:1]
                elif called == "append" and isinstance(func.value, ast.Attribute) and func.value.attr in (
                        "warnings", "notes"):
                    args = node.args[:1]  # self.warnings.append(...): the import summary's warnings
            for arg in args:
                for text in _unmarked_text(arg):
                    if (rel, text) not in _NOT_ENGLISH:
                        offenders.append(f"{rel}:{node.lineno}: {text[:80]!r}")
    assert offenders == [], "not through _() / Msg:\n" + "\n".join(offenders)


#: variables that hold a message for people before it reaches a sink or an error
_MESSAGE_NAMES = {"where", "label", "reason", "note", "message", "msg", "bad", "why", "hint", "warning", "problem"}
#: lists of messages a result carries to people (and to JSON: Msg keeps JSON English)
_MESSAGE_LISTS = {"warnings", "notes", "problems", "reasons"}
#: stored reasons: English in the database like every stored value (the audit log, a follow-up's reason)
_STORED = {"tracing/cases.py", "tracing/followups.py", "tracing/zones.py"}
#: markup and file names, not English
_NOT_MESSAGES = {"tracing/diagram.py", "tracing/render.py", "tracing/importer.py:.rejected.csv"}


def test_no_message_built_outside_the_catalog():
    """The kinds the sink scan above missed (issue 14, the tester's finding 7):
    a message built in a variable (``where = f"{path} line {line}"``), an
    exception's own text (``super().__init__(f"...")``), a reason, note,
    warning or problem appended to a result's list, an f-string returned for
    people. Each goes through _() or Msg."""
    import ast

    offenders = []
    for path in sorted([*ROOT.glob("tracing/**/*.py"), *ROOT.glob("cli/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "cli/catalog.py" or rel in _NOT_MESSAGES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            args = []
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in _MESSAGE_NAMES
                                                    for t in node.targets):
                args = [] if rel in _STORED else [node.value]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target = node.func.value
                named = (target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute)
                         else target.slice.value if isinstance(target, ast.Subscript)
                         and isinstance(target.slice, ast.Constant) else None)
                if node.func.attr == "append" and named in _MESSAGE_LISTS:
                    args = node.args[:1]
                if (node.func.attr == "__init__" and isinstance(target, ast.Call)
                        and getattr(target.func, "id", None) == "super"):
                    args = node.args[:1]
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.JoinedStr):
                args = [node.value]
            for arg in args:
                for text in _unmarked_text(arg):
                    if f"{rel}:{text}" not in _NOT_MESSAGES:
                        offenders.append(f"{rel}:{node.lineno}: {text[:80]!r}")
    assert offenders == [], "not through _() / Msg:\n" + "\n".join(offenders)


#: placeholders named like a date that are not one (a line number, a figure, text already formatted)
_NOT_DATES = {("cli/demo.py", "onset"), ("cli/demo.py", "per_day"), ("tracing/report.py", "per_day"),
              ("tracing/report.py", "since"), ("tracing/values.py", "last"), ("cli/imports.py", "first"),
              ("tracing/tabular.py", "start")}


def test_dates_in_messages_go_through_fmt_date():
    """Issue 14 point 3 (finding 8): a date shown to people in a message is
    written the language's way (29/11/2021), never the ISO text: every
    placeholder named like a date gets fmt_date (or text already made by it)."""
    import ast

    def name(f):
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None

    dateish = re.compile(r"^(day|date|start|end|today|first|last|since|until|at|confirmed|onset|isolated|sample|"
                         r"released|release_from|when|effective|earliest)$|date|day$")
    offenders = []
    for path in sorted([*ROOT.glob("tracing/**/*.py"), *ROOT.glob("cli/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
                    and isinstance(node.func.value, ast.Call) and name(node.func.value.func) in ("_", "ngettext")):
                continue
            for k in node.keywords:
                if not k.arg or not dateish.search(k.arg) or (rel, k.arg) in _NOT_DATES:
                    continue
                v = k.value
                if isinstance(v, ast.IfExp):
                    v = v.body
                if isinstance(v, ast.Call) and name(v.func) in ("fmt_date", "fmt_decimal", "shown", "_"):
                    continue
                offenders.append(f"{rel}:{node.lineno}: {k.arg}={ast.unparse(k.value)[:50]}")
    assert offenders == []


def test_built_in_rule_notes_are_messages():
    """Every built-in rule's note is in the catalog with a translation:
    `rules show` prints it translated (the database keeps the English)."""
    from tracing.rules import DEFAULT_RULES

    translated = {m.id: m.string for m in catalog.read_catalog("vi") if isinstance(m.id, str)}
    assert [note for *_rest, note in DEFAULT_RULES if not translated.get(note)] == []
    i18n.set_language("vi")
    try:
        assert i18n._(DEFAULT_RULES[0][3]) == translated[DEFAULT_RULES[0][3]] != DEFAULT_RULES[0][3]
    finally:
        i18n.set_language("en")


def test_small_edges_of_point_7(run, store, db_path, monkeypatch, tmp_path):
    """Issue 14 point 7: `level` prints its week header on stdout with the
    table; `person show` prints masked as có/không; the help of status,
    init, person show and case confirm promises only the formats they offer;
    `rules show` works without a database (and creates none)."""
    from tracing.store.reports import set_population

    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    with store.write("populations"):
        set_population(store, "ward", "W1", 10_000)
    run("person", "add", "--id", "A", "--name", "An", "--ward", "W1")
    run("person", "add", "--id", "B", "--name", "Bình", "--ward", "W1")
    run("contact", "add", "A", "B", "--date", "2021-11-15", "--masked")
    level = run("--lang", "vi", "level", "--week-of", "2021-11-18")
    assert level.stdout.splitlines()[0].startswith("Tuần 15/11/2021 – 21/11/2021")  # the week of 18/11/2021, Mon–Sun
    shown = run("--lang", "vi", "person", "show", "A").stdout
    contact_line = next(line for line in shown.splitlines() if line.startswith("B "))
    assert re.search(r"\bcó\b", contact_line) and "True" not in shown and "yes" not in contact_line
    for command in (["status"], ["init"], ["person", "show"], ["case", "confirm"]):
        text = run(*command, "--help").stdout
        offered = re.search(r"--format \[([a-z|]+)\]", text).group(1).split("|")
        for fmt in ("csv", "md", "xlsx", "html", "svg"):
            assert fmt in offered or fmt not in text.split("--format", 1)[1], (command, fmt)
    monkeypatch.setenv("TRACING_DB", str(tmp_path / "nothing-here.db"))
    rules = CliRunner().invoke(cli, ["rules", "show"])
    assert rules.exit_code == 0 and "level.bands" in rules.output and not (tmp_path / "nothing-here.db").exists()


def test_counted_messages_are_vietnamese_in_both_forms():
    """ngettext gives the Vietnamese of the form the count picks (it fell back to English before)."""
    from tracing import i18n
    one, many = "Re-derived every level: {n} entry changed.", "Re-derived every level: {n} entries changed."
    with i18n.in_language("vi"):
        got = {i18n.ngettext(one, many, n) for n in (1, 3)}
        wanted = {i18n._(one), i18n._(many)}
    assert got == wanted and not got & {one, many}


def test_every_flag_a_status_can_show_is_a_word_for_people():
    """The flags of a level entry (levels.UNDATED, UNVERIFIED, UNDATED_CASE,
    checkins.CHECKIN) are shown through i18n.label: each has a value word, so
    `status` in Vietnamese never prints the stored key ('cảnh báo: checkin')."""
    from tracing import checkins, i18n, levels

    flags = {levels.UNDATED, levels.UNVERIFIED, levels.UNDATED_CASE, checkins.CHECKIN}
    with i18n.in_language("vi"):
        shown = {f: i18n.label(f) for f in flags}
    assert all(f in i18n.VALUES and shown[f] != f for f in flags), shown

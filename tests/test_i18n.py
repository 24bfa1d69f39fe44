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

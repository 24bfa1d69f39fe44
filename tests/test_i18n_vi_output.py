"""Issue 14 point 1, the tester's findings 7, 8 and 10: no English word, ISO
date or count without its thousands dot in Vietnamese output (duplicates'
reasons, doctor's notes, date and import errors, OS errors, click's usage
errors before the command, backup and export counts)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from cli.main import cli
from tracing import i18n


def _vi(*numbers):
    i18n.set_language("vi")
    try:
        return [i18n.fmt_int(n) for n in numbers]
    finally:
        i18n.set_language("en")


def test_reasons_notes_and_errors_in_vietnamese(run, db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    run("person", "add", "--id", "A", "--name", "An", "--phone", "0912345678")
    run("person", "add", "--id", "B", "--name", "Bình", "--phone", "0912345678")
    dup = run("--lang", "vi", "person", "duplicates").stdout
    assert "cùng số điện thoại 0912345678" in dup and "same phone" not in dup
    assert "same phone 0912345678" in run("person", "duplicates", "--format", "json").stdout  # JSON: English
    doctor = run("--lang", "vi", "doctor", "--levels", ok=None).output
    assert "levels equal" not in doctor
    bad_day = run("--lang", "vi", "contact", "add", "A", "B", "--date", "29/02/2021", ok=False).output
    assert "tháng 2 năm 2021 có 28 ngày (đọc theo ngày/tháng/năm)" in bad_day and "February" not in bad_day
    future = run("--lang", "vi", "contact", "add", "A", "B", "--date", "2021-07-20", ok=False).output
    assert "20/07/2021" in future and "2021-07-20" not in future
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("id,name,confirmed,found_by\nX1,Xuân,2021-06-01,community\nX2,Xa,2021-06-02,bay\n",
                        encoding="utf-8")
    imported = run("--lang", "vi", "import", "cases", csv_file, ok=False).output
    assert re.search(r"c\.csv dòng 3, trường found_by", imported) and " line " not in imported
    js = tmp_path / "p.json"
    js.write_text("[{\"id\": \"P1\", \"name\": }]", encoding="utf-8")
    broken = run("--lang", "vi", "import", "persons", js, ok=False).output
    assert "Expecting" not in broken and "thiếu giá trị" in broken
    enc = run("--lang", "vi", "import", "persons", csv_file, "--encoding", "rot13", ok=False).output
    assert "hãy thử utf-8" in enc and "try utf-8" not in enc
    not_db = tmp_path / "not.db"
    not_db.write_text("hello", encoding="utf-8")
    restore = run("--lang", "vi", "restore", not_db, ok=False).output
    assert "không phải tệp cơ sở dữ liệu SQLite" in restore and "not a SQLite" not in restore
    nope = run("--lang", "vi", "report", "-o", "/proc/nope/r.md", ok=False).output
    assert "không ghi được" in nope and "cannot write" not in nope


def test_usage_errors_before_the_command_follow_the_global_lang():
    out = CliRunner().invoke(cli, ["--lang", "vi", "--bogus"]).output
    assert "Không có tùy chọn '--bogus'" in out and "No such option" not in out


def test_counts_have_the_thousands_dot(run, tmp_path):
    n = 1200
    path = tmp_path / "people.csv"
    path.write_text("id,name\n" + "".join(f"P{i},Người {i}\n" for i in range(n)), encoding="utf-8")
    run("import", "persons", path)
    [shown] = _vi(n)
    backup = run("--lang", "vi", "backup", tmp_path / "b.db").output
    assert f"{shown} " in backup and f"{n} " not in backup
    doctor = run("--lang", "vi", "doctor").stdout
    assert re.search(rf"\b{re.escape(shown)}\b", doctor) and not re.search(rf"\b{n}\b", doctor)
    export = run("--lang", "vi", "export", "csv", tmp_path / "out").stdout
    assert shown in export and not re.search(rf"\b{n}\b", export)

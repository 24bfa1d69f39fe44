"""Terminal safety: what people type or import never drives the terminal.

A name such as ``ESC ] 52 ; c ; …`` (OSC 52: write the clipboard) or a C1
control (U+009D, the one-byte OSC) is refused where it comes in, naming the
field; a database written before that check (or by another tool) is still
shown safely: every human output escapes control characters, JSON stays valid
and exact."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import db_digest, db_rows

ROOT = Path(__file__).resolve().parents[1]
OSC52 = "Evil\x1b]52;c;cm0gLXJmIH4=\x07An"      # ESC ] 52 ; clipboard ; base64 BEL
C1 = "Bad\x9d52;c;eA==\x9cName"                  # the same with C1 OSC / ST
CSI = "Chợ\x1b[2J\x1b[HLong Biên"                # clear screen, cursor home


def tracing(db, *args, env=None):
    """The real program in a new process, as a user's terminal runs it."""
    full = {**os.environ, "TRACING_DB": str(db), "TRACING_TODAY": "2021-06-30", "TRACING_LANG": "en",
            **(env or {})}
    return subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args],
                          capture_output=True, cwd=ROOT, env=full, timeout=120)


def raw_controls(data: bytes) -> list[str]:
    """Control characters a terminal would act on: C0 but tab/newline, DEL, and C1 (as UTF-8)."""
    text = data.decode("utf-8", "replace")
    return sorted({f"U+{ord(c):04X}" for c in text if (ord(c) < 32 and c not in "\t\n") or 0x7f <= ord(c) <= 0x9f})


# ------------------------------------------------------------------ input

@pytest.mark.parametrize("option", ["--name", "--address", "--unit", "--ward", "--district", "--workplace"])
@pytest.mark.parametrize("value", [OSC52, C1])
def test_person_add_refuses_control_characters_naming_the_field(run, db_path, option, value):
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn An")
    before = db_digest(db_path)
    args = ["person", "add", "--id", "B"]
    args += ["--name", value] if option == "--name" else ["--name", "Trần Thị Bình", option, value]
    result = run(*args, ok=False)
    assert result.exit_code == 1
    field = option.lstrip("-").replace("-", "_")
    assert f"{field}: contains the control character" in result.stderr, result.stderr
    assert not raw_controls(result.stderr.encode())
    assert db_digest(db_path) == before


def test_contact_checkin_and_case_refuse_control_characters(run, db_path):
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn An")
    run("person", "add", "--id", "B", "--name", "Trần Thị Bình")
    run("case", "confirm", "A", "--date", "2021-06-02")
    before = db_digest(db_path)
    for args, field in (
        (["contact", "add", "A", "B", "--date", "2021-06-01", "--place", CSI], "place"),
        (["checkin", "add", "A", CSI, "--at", "2021-06-01 08:00"], "place"),
        (["case", "confirm", "B", "--date", "2021-06-02", "--source", "A\x1b[2J"], "--source"),
        (["case", "confirm", "A\x1b]52;c;eA==\x07", "--date", "2021-06-02"], "id"),
        (["rules", "set", "trace.max_depth", "3", "--from", "2021-06-01", "--note", OSC52], "--note"),
        (["care", "set", "A", "--tier", "1", "--from", "2021-06-03", "--place", OSC52], "--place"),
        (["zone", "declare", OSC52, "--from", "2021-06-03"], "zone"),
    ):
        result = run(*args, ok=False)
        assert result.exit_code == 1, args
        assert field in result.stderr and "control character" in result.stderr, (args, result.stderr)
        assert not raw_controls(result.stderr.encode()), args
    assert db_digest(db_path) == before


IMPORTS = [
    ("persons", "id,name,address\nA,Nguyễn Văn An,1 Lê Lợi\nB,{v},2 Lê Lợi\n", 3, "name"),
    ("persons", "id,name,address\nB,Trần Thị Bình,{v}\n", 2, "address"),
    ("persons", "id,name,ghi chú\nB,Trần Thị Bình,{v}\n", 2, "ghi chú"),
    ("persons", "id,name,sex\nB,Trần Thị Bình,{v}\n", 2, "sex"),     # unreadable values kept as attributes
    ("cases", "id,confirmed,age\nA,2021-06-02,{v}\n", 2, "age"),
    ("contacts", "from,to,date,place\nA,B,2021-06-01,{v}\n", 2, "place"),
    ("cases", "id,confirmed,source\nA,2021-06-02,{v}\n", 2, "source"),
    ("checkins", "person,place,at\nA,{v},2021-06-01 08:00\n", 2, "place"),
    ("populations", "area,population\n{v},23400\n", 2, "area"),
]


@pytest.mark.parametrize("kind,text,line,field", IMPORTS, ids=[f"{k}-{f}" for k, _t, _l, f in IMPORTS])
def test_every_import_refuses_control_characters_with_line_and_field(run, db_path, tmp_path, kind, text, line, field):
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn An")
    before = db_digest(db_path)
    path = tmp_path / f"{kind}.csv"
    path.write_text(text.format(v='"' + OSC52 + '"'), encoding="utf-8")
    result = run("import", kind, path, ok=False)
    assert result.exit_code == 1
    assert f"line {line}, field {field}: contains the control character U+001B" in result.stderr, result.stderr
    assert not raw_controls(result.stderr.encode())
    assert db_digest(db_path) == before


def test_a_header_with_control_characters_is_refused(run, db_path, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f'id,name,"note\x1b]52;c;eA==\x07"\nA,Nguyễn Văn An,x\n', encoding="utf-8")
    result = run("import", "persons", path, ok=False)
    assert result.exit_code == 1 and "header" in result.stderr and "control character" in result.stderr
    assert not raw_controls(result.stderr.encode())


def test_free_text_attributes_keep_tabs_and_line_breaks(run, tmp_path, db_path):
    path = tmp_path / "p.csv"
    path.write_text('id,name,address,ghi chú\nA,Nguyễn Văn An,"12 Lê Lợi\nPhường Bến Nghé","gọi\tsau 17h"\n',
                    encoding="utf-8")
    run("import", "persons", path)
    shown = json.loads(run("person", "show", "A", "--format", "json").stdout)
    assert shown["address"] == "12 Lê Lợi\nPhường Bến Nghé"
    extra = db_rows(db_path, "SELECT extra FROM persons WHERE id = 'A'")[0]["extra"]
    assert json.loads(extra) == {"ghi chú": "gọi\tsau 17h"}


# ------------------------------------------------------------------ output

@pytest.fixture
def hostile_db(tmp_path):
    """A database holding control characters, as one written before the
    input check (or edited by another tool) would."""
    db = tmp_path / "old.db"
    assert tracing(db, "person", "add", "--id", "BN1", "--name", "Nguyễn Văn An").returncode == 0
    assert tracing(db, "person", "add", "--id", "P2", "--name", "Trần Thị Bình").returncode == 0
    assert tracing(db, "contact", "add", "BN1", "P2", "--date", "2021-06-01").returncode == 0
    assert tracing(db, "case", "confirm", "BN1", "--date", "2021-06-03").returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE persons SET name = ?, address = ?, ward = ? WHERE id = 'P2'", (OSC52, C1, CSI))
    conn.execute("UPDATE persons SET name = ? WHERE id = 'BN1'", (C1,))
    conn.commit()
    conn.close()
    return db


@pytest.mark.parametrize("args", [
    ["person", "show", "P2"], ["person", "find", "P2"], ["list"], ["tree", "BN1"], ["status", "P2"],
    ["followup", "--date", "2021-06-08"], ["person", "show", "BN1"], ["list", "--format", "csv"],
])
def test_human_output_never_carries_raw_control_characters(hostile_db, args):
    result = tracing(hostile_db, *args)
    assert result.returncode == 0, result.stderr.decode()
    assert raw_controls(result.stdout) == [] and raw_controls(result.stderr) == []
    out = result.stdout.decode("utf-8")
    if args[:2] == ["person", "show"] and args[2] == "P2":
        assert "Evil\\x1b]52;c;cm0gLXJmIH4=\\x07An" in out  # shown, visibly escaped


def test_json_output_stays_valid_and_exact(hostile_db):
    result = tracing(hostile_db, "person", "show", "P2", "--format", "json")
    assert result.returncode == 0 and raw_controls(result.stdout) == []
    record = json.loads(result.stdout)
    assert (record["name"], record["address"], record["ward"]) == (OSC52, C1, CSI)


def test_error_messages_escape_what_was_typed(hostile_db):
    result = tracing(hostile_db, "person", "show", "X\x1b]52;c;eA==\x07")
    assert result.returncode == 1 and raw_controls(result.stderr) == []
    assert "\\x1b]52" in result.stderr.decode()

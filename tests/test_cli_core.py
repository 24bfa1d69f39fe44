"""End-to-end tests of the core commands, through the real CLI on a real file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import db_digest, db_exists, is_postgres


@pytest.fixture
def outbreak(run):
    run("person", "add", "--id", "BN1", "--name", "Nguyễn Văn Đức", "--phone", "0912345678",
        "--national-id", "001085012345", "--ward", "Ngọc Lâm", "--unit", "TDP 5")
    run("person", "add", "--id", "P2", "--name", "Trần Thị Bình", "--ward", "Ngọc Lâm")
    run("person", "add", "--id", "P3", "--name", "Lê Văn Cường", "--ward", "Bồ Đề")
    run("person", "add", "--id", "P4", "--name", "Đỗ Thị Hà", "--ward", "Bồ Đề")
    run("contact", "add", "BN1", "P2", "--date", "2021-06-03", "--setting", "household")
    run("contact", "add", "P2", "P3", "--date", "04/06/2021", "--setting", "work")
    run("contact", "add", "P3", "P4", "--date", "2021-06-05")
    run("case", "confirm", "BN1", "--date", "2021-06-05", "--onset", "2021-06-04")
    return run


def test_status_and_list_follow_the_contract(outbreak, run_json):
    st = run_json("status", "P3")
    assert {"id", "level", "sources", "primary_source", "flags"} <= set(st)
    assert (st["id"], st["level"], st["sources"], st["primary_source"]) == ("P3", "F2", ["P2"], "P2")
    rows = run_json("list")
    assert all({"id", "name", "level", "primary_source", "ward", "unit"} <= set(r) for r in rows)
    assert {r["id"]: r["level"] for r in rows} == {"BN1": "F0", "P2": "F1", "P3": "F2"}
    assert [r["id"] for r in run_json("list", "--level", "F1")] == ["P2"]
    assert [r["id"] for r in run_json("list", "--ward", "Bồ Đề")] == ["P3"]


def test_levels_reflect_every_write_immediately(outbreak, run_json, run):
    assert run_json("status", "P4")["level"] is None   # only reachable as F3: beyond the default depth
    run("contact", "add", "P2", "P4", "--date", "2021-06-04")
    assert run_json("status", "P4")["level"] == "F2"
    assert sorted(run_json("status", "P4")["sources"]) == ["P2"]


def test_tree_text_and_json(outbreak, run, run_json):
    text = run("tree", "BN1").output
    assert text.splitlines()[0] == "BN1 Nguyễn Văn Đức · F0 · 2021-06-05"
    assert "└── P2 Trần Thị Bình · F1 · 2021-06-03" in text
    assert "    └── P3 Lê Văn Cường · F2 · 2021-06-04" in text
    tree = run_json("tree", "BN1")
    assert {"id", "level", "date", "children"} <= set(tree)
    assert tree["children"][0]["id"] == "P2" and tree["children"][0]["children"][0]["id"] == "P3"
    shallow = run_json("tree", "BN1", "--depth", "1")
    assert shallow["children"][0]["children"] == []


def test_tree_marks_other_sources_and_never_loops(run, run_json, store):
    for pid in ("A", "B", "C"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}")
    run("contact", "add", "A", "C", "--date", "2021-06-03")
    run("contact", "add", "B", "C", "--date", "2021-06-04")
    run("case", "confirm", "A", "--date", "2021-06-05")
    run("case", "confirm", "B", "--date", "2021-06-05", "--source", "A")
    # a cycle of recorded sources is bad data (`case link` refuses it; an old
    # file or an import may hold one), but must not hang the tree
    assert "A → B → A" in run("case", "link", "A", "--source", "B", ok=False).output
    with store.write("a cycle from elsewhere"):
        store.add_case_sources("A", ["B"])
        from tracing import levels
        levels.rederive_all(store)
    text = run("tree", "A").output
    assert "(also from" in text
    assert text.count("C Người C") == 1
    node = run_json("tree", "A")
    ids = []

    def walk(n):
        ids.append(n["id"])
        for c in n["children"]:
            walk(c)
    walk(node)
    assert len(ids) == len(set(ids))


def test_find_without_diacritics_phone_forms_and_national_id(outbreak, run_json):
    def found(text):
        return [r["id"] for r in run_json("person", "find", text)]
    assert found("nguyen van duc") == ["BN1"]
    assert found("DO THI HA") == ["P4"]            # Đ folds to D
    assert found("+84 912 345 678") == ["BN1"]
    assert found("84912345678") == ["BN1"]
    assert found("0912345678") == ["BN1"]
    assert found("001085012345") == ["BN1"]
    assert found("00108501234") == []             # national ID matches exactly


def test_person_add_refuses_duplicate_id_and_warns_on_shared_phone(outbreak, run, db_path):
    before = db_digest(db_path)
    result = run("person", "add", "--id", "BN1", "--name", "Khác", ok=False)
    assert result.exit_code == 1 and "BN1 already exists" in result.output
    assert db_digest(db_path) == before
    result = run("person", "add", "--id", "P9", "--name", "Vợ anh Đức", "--phone", "+84912345678")
    assert "P9" in result.stdout and "already on BN1" in result.output


@pytest.mark.parametrize("args, words", [
    (("contact", "add", "BN1", "NOBODY", "--date", "2021-06-01"), "no person with id NOBODY"),
    (("contact", "add", "BN1", "BN1", "--date", "2021-06-01"), "two different persons"),
    (("contact", "add", "BN1", "P2", "--date", "2021-07-15"), "in the future"),
    (("contact", "add", "BN1", "P2", "--date", "2021-02-30"), "not a valid date"),
    (("contact", "add", "BN1", "P2", "--date", "yesterday"), "not a date"),
    (("case", "confirm", "P2", "--date", "2021-06-20", "--onset", "2021-07-20"), "in the future"),
    (("case", "confirm", "NOBODY", "--date", "2021-06-20"), "no person with id NOBODY"),
    (("case", "confirm", "P2", "--date", "2021-06-20", "--source", "P2"), "own source"),
    (("case", "confirm", "BN1", "--date", "2021-06-20"), "already a confirmed case"),
    (("checkin", "add", "NOBODY", "Chợ", "--at", "2021-06-01 08:00"), "no person with id NOBODY"),
    (("checkin", "add", "P2", "Chợ", "--at", "2021-06-01 08:00", "--until", "2021-06-01 07:00"), "before"),
    (("status", "NOBODY"), "no person with id NOBODY"),
    (("tree", "NOBODY"), "no person with id NOBODY"),
    (("rules", "set", "trace.max_depth", "9", "--from", "2021-01-01"), "not allowed"),
])
def test_bad_input_is_one_error_line_and_writes_nothing(outbreak, run, db_path, args, words):
    before = db_digest(db_path)
    result = run(*args, ok=False)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.output
    assert "Traceback" not in result.output
    assert db_digest(db_path) == before


#: Every command taking a person id, with NOPE (no such person) in the id's place. Each must say "no person
#: with id NOPE" (issue 15: `care set NOPE` said "not a confirmed case"), exit 1, write nothing.
ID_COMMANDS = [
    ("person", "show", "{id}"),
    ("status", "{id}"),
    ("tree", "{id}"),
    ("render", "{id}", "-o", "{tmp}/map.html"),
    ("contact", "add", "BN1", "{id}", "--date", "2021-06-01"),
    ("contact", "add", "{id}", "BN1", "--date", "2021-06-01"),
    ("checkin", "add", "{id}", "Chợ Long Biên", "--at", "2021-06-01 08:00"),
    ("case", "confirm", "{id}", "--date", "2021-06-20"),
    ("case", "confirm", "P2", "--date", "2021-06-20", "--source", "{id}"),
    ("case", "unconfirm", "{id}"),
    ("case", "link", "{id}", "--source", "BN1"),
    ("case", "link", "BN1", "--source", "{id}"),
    ("case", "recover", "{id}", "--date", "2021-06-20"),
    ("care", "set", "{id}", "--tier", "1", "--from", "2021-06-06"),
    ("zone", "declare", "TDP 5, Ngọc Lâm", "--from", "2021-06-06", "--case", "{id}"),
    ("zone", "declare", "--from", "2021-06-06", "--from-case", "{id}"),
    ("followup", "record", "{id}", "--result", "negative"),
    ("person", "merge", "BN1", "{id}"),
    ("person", "merge", "{id}", "BN1"),
    ("person", "not-duplicate", "BN1", "{id}"),
]


@pytest.mark.parametrize("args", ID_COMMANDS, ids=lambda a: " ".join(a).replace("{id}", "ID").split(" -")[0])
def test_every_command_taking_an_id_says_no_person_with_that_id(outbreak, run, db_path, tmp_path, args):
    before = db_digest(db_path)
    result = run(*[a.format(id="NOPE", tmp=tmp_path) for a in args], ok=False)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "no person with id NOPE" in lines[0], result.output
    assert "not a confirmed case" not in result.output
    if "--source" in args[args.index("{id}") - 1:args.index("{id}")]:
        assert "--source: no person with id NOPE" in result.output  # which option named nobody
    assert db_digest(db_path) == before


@pytest.mark.parametrize("args", [a for a in ID_COMMANDS if a[:2] in (("case", "unconfirm"), ("case", "recover"),
                                                                      ("care", "set"), ("zone", "declare"))
                                  or (a[:2] == ("case", "link") and a[2] == "{id}")],
                         ids=lambda a: " ".join(a).replace("{id}", "ID").split(" -")[0])
def test_a_person_who_is_not_a_case_is_told_apart_from_nobody(outbreak, run, db_path, args):
    """P2 exists but is not a confirmed case: the commands that need a case say so (not 'no person')."""
    before = db_digest(db_path)
    result = run(*[a.format(id="P2") for a in args], ok=False)
    assert result.exit_code == 1 and "P2 is not a confirmed case" in result.output, result.output
    assert "no person with id" not in result.output
    assert db_digest(db_path) == before


def test_unknown_setting_is_a_usage_error(outbreak, run, db_path):
    before = db_digest(db_path)
    result = run("contact", "add", "BN1", "P2", "--setting", "phòng trọ", ok=False)
    assert result.exit_code == 2 and "phòng trọ" in result.output
    assert db_digest(db_path) == before


def test_reading_commands_need_a_database_writing_ones_create_it(run, db_path):
    result = run("status", "X", ok=False)
    assert result.exit_code == 1 and "no database" in result.output and not db_exists(db_path)
    result = run("person", "add", "--name", "Nguyễn Thị Lan")
    # a SQLite file is created; the test's PostgreSQL database is there, empty (db_path), so its tables are set up
    said = "Set up the tracing tables in database" if is_postgres(db_path) else "Created database"
    assert said in result.output and result.stdout.strip() == "P00001"
    if not is_postgres(db_path):
        assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_rules_show_lists_the_rules_in_force(run_json, run):
    run("init")
    rules = {r["key"]: r for r in run_json("rules", "show", "--date", "2022-01-10")}
    assert rules["trace.max_depth"]["value"] == 2
    assert rules["f1.close_contact_required"]["value"] is True
    assert rules["quarantine.plan"]["from"] == "2021-12-16"
    assert run_json("rules", "show", "--date", "2021-06-01")[0]["key"]


def test_json_output_is_one_document(outbreak, run):
    for args in (("status", "P2"), ("list",), ("tree", "BN1"), ("person", "find", "tran")):
        json.loads(run(*args, "--format", "json").stdout)


def test_vietnamese_survives_a_c_locale(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    env.update(LANG="C", LC_ALL="C", TRACING_DB=str(tmp_path / "t.db"), PYTHONUTF8="0")
    cmd = [sys.executable, "-c", "from cli.main import main; main()"]
    subprocess.run(cmd + ["person", "add", "--id", "X1", "--name", "Đặng Thị Hồng"], env=env, check=True,
                   capture_output=True)
    out = subprocess.run(cmd + ["person", "find", "dang thi hong"], env=env, capture_output=True)
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
    assert "Đặng Thị Hồng" in out.stdout.decode("utf-8")


def test_outputs_write_through_devices_and_replace_links_instead_of_following_them(tmp_path):
    from tracing.files import atomic_path
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with atomic_path(link) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("new")
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new"
    assert real.read_text(encoding="utf-8") == "old"  # the file the link pointed to is not another output
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, encoding="utf-8").read()))
    reader.start()
    with atomic_path(fifo) as target:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write("qua ống")
    reader.join(5)
    assert got == ["qua ống"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_level_week_of_blank_is_this_week_and_far_future_is_an_error(run):
    run("init")
    assert run("level", "--week-of", " ").exit_code == 0
    result = run("level", "--week-of", "31/12/9999", ok=False)
    assert result.exit_code == 1 and "--week-of" in result.output and "Traceback" not in result.output


def _tracing(tmp_path, *args, env_extra=None, **kw):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k not in ("TRACING_DB", "PYTHONUNBUFFERED")}
    env.update(PYTHONPATH=root, TRACING_TODAY="2021-06-30", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], cwd=tmp_path, env=env, **kw)


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_reader_that_stops_early_gets_no_broken_pipe_error(tmp_path, unbuffered):
    """`tracing person show X | head -1`: head exits after one line; tracing
    must stop quietly, not print 'Error: Broken pipe' or a Python warning."""
    db = tmp_path / "t.db"
    _tracing(tmp_path, "--db", db, "person", "add", "--id", "X", "--name", "Nguyễn Văn An", "--phone", "0912345678",
             check=True, capture_output=True)
    for args in (("person", "show", "X"), ("list",), ("person", "show", "X", "--format", "json")):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first line is written, as after `head -1`
        try:
            proc = _tracing(tmp_path, "--db", db, *args, env_extra={"PYTHONUNBUFFERED": unbuffered} if unbuffered
                            else None, stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
        finally:
            os.close(write)
        assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert "Exception ignored" not in proc.stderr, proc.stderr


def test_a_failed_first_command_leaves_no_database_and_says_nothing_about_one(tmp_path):
    bad = tmp_path / "persons.csv"
    bad.write_text("bad\n1\n", encoding="utf-8")
    db = tmp_path / "new.db"
    proc = _tracing(tmp_path, "--db", db, "import", "persons", bad, capture_output=True, text=True)
    assert proc.returncode == 1 and "Error:" in proc.stderr
    assert "Created database" not in proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["persons.csv"], "a failed first command left files behind"
    # a bad value in a first `person add`, and a first dry run, leave nothing either
    for args in (("person", "add", "--id", "P1", "--name", "An", "--phone", "12"),
                 ("import", "persons", bad, "--dry-run")):
        proc = _tracing(tmp_path, "--db", db, *args, capture_output=True, text=True)
        assert "Created database" not in proc.stderr and not db.exists(), (args, proc.stderr)
    # the first command that succeeds creates it and says so
    proc = _tracing(tmp_path, "--db", db, "person", "add", "--id", "P1", "--name", "An", capture_output=True, text=True)
    assert proc.returncode == 0 and f"Created database {db}" in proc.stderr and db.exists()


def test_person_show_gives_a_cases_dates_as_status_does(run, run_json, tmp_path):
    """`person show` of a case prints its sample (confirmation), onset and
    isolation dates, or says that the case is undated (issue 13), the same
    line as `status`; the JSON keeps them under status.case."""
    line_list = tmp_path / "cases.csv"
    line_list.write_text("id,name,confirmed,onset\nBN1,An,2021-06-20,2021-06-18\nBN3,Cường,,\n", encoding="utf-8")
    run("import", "cases", line_list)
    for pid in ("BN1", "BN3"):
        case = run_json("status", pid)["case"]
        shown = run("person", "show", pid).stdout
        status_line = run("status", pid).stdout.splitlines()[1].strip()
        assert f"case: {status_line}" in shown
        if case["confirmed"]:
            assert f"confirmed {case['confirmed']}" in shown and f"onset {case['onset']}" in shown
        else:
            assert "no confirmation date (undated case)" in shown

"""Bulk import through the real CLI: all or nothing, skip-invalid, idempotent, levels."""

from __future__ import annotations

import csv

from tests.conftest import db_digest, db_exists


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_contacts_import_creates_persons_and_derives_levels(tmp_path, run, run_json):
    f = write(tmp_path / "c.csv", "from,to,date,setting,ghi chú\nA1,B1,2021-06-01,household,bếp\nB1,C1,02/06/2021,,\n")
    run("import", "cases", write(tmp_path / "k.csv", "id,confirmed\nA1,2021-06-03\n"))
    summary = run_json("import", "contacts", f)
    assert summary["written"]["contacts"] == 2 and summary["rows"] == 2
    assert summary["written"]["persons"] == 2          # B1, C1 are new; A1 exists
    assert summary["extras"] == ["ghi chú"] and summary["dry_run"] is False
    assert run_json("status", "B1")["level"] == "F1"
    assert run_json("status", "C1")["level"] == "F2"
    again = run_json("import", "contacts", f)
    assert again["written"]["contacts"] == 0 and again["written"]["persons"] == 0


def test_bad_row_aborts_with_line_and_field(tmp_path, run, db_path):
    run("import", "persons", write(tmp_path / "p.csv", "id,name\nP0,Seed\n"))
    before = db_digest(db_path)
    f = write(tmp_path / "c.csv", "from,to,date\nA,B,2021-06-01\nA,C,31/02/2021\n")
    result = run("import", "contacts", f, ok=False)
    assert result.exit_code == 1
    assert f"{f} line 3, field date:" in result.stderr
    assert db_digest(db_path) == before


def test_skip_invalid_writes_rejected_file(tmp_path, run_json):
    f = write(tmp_path / "c.csv", "from,to,date\nA,B,2021-06-01\nA,A,2021-06-01\nA,C,not a date\nB,C,\n")
    summary = run_json("import", "contacts", f, "--skip-invalid")
    assert summary["written"]["contacts"] == 2 and summary["rejected"] == 2
    with open(str(f) + ".rejected.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["line"] for r in rows] == ["3", "4"]
    assert "date" in rows[1]["reason"] and rows[1]["date"] == "not a date"


def test_dry_run_writes_nothing(tmp_path, run_json, db_path, run):
    run("import", "persons", write(tmp_path / "p.csv", "id,name\nP0,Seed\n"))
    before = db_digest(db_path)
    summary = run_json("import", "contacts", write(tmp_path / "c.csv", "from,to\nA,B\n"), "--dry-run")
    assert summary["dry_run"] is True and summary["written"]["contacts"] == 1
    assert db_digest(db_path) == before


def test_persons_update_counts_and_duplicate_warning(tmp_path, run_json):
    f = write(tmp_path / "p.csv", "Mã,Họ và tên,SĐT,Năm sinh\nP1,Nguyễn Văn An,0912345678,1980\n")
    assert run_json("import", "persons", f)["written"]["persons"] == 1
    assert run_json("import", "persons", f)["written"]["persons"] == 0
    g = write(tmp_path / "p2.csv", "Mã,Họ và tên,SĐT,Năm sinh\nP1,Nguyễn Văn An,0912345678,1981\n"
              "P9,Nguyen V. An,+84 912 345 678,\n")
    summary = run_json("import", "persons", g)
    assert summary["updated"]["persons"] == 1 and summary["written"]["persons"] == 2
    assert any("P9" in w and "P1" in w for w in summary["warnings"])
    assert run_json("person", "show", "P1")["birth_year"] == 1981


def test_cases_sources_people_or_labels(tmp_path, run_json, run):
    f = write(tmp_path / "k.csv", "id,confirmed,source\n1,2021-06-01,CN\n2,2021-06-05,1;community\n3,2021-06-06,\"2, 1\"\n")
    summary = run_json("import", "cases", f, "--id-prefix", "BN")
    assert summary["written"]["cases"] == 3
    assert summary["written"]["case_sources"] == 3 and summary["written"]["case_labels"] == 2
    assert run_json("status", "BN3")["level"] == "F0"
    result = run("person", "show", "CN", ok=False)
    assert "no person with id" in result.stderr


def test_xlsx_and_columns_and_encoding(tmp_path, run_json):
    from tracing.sheets import write_xlsx
    x = tmp_path / "c.xlsx"
    write_xlsx(x, [("Other", ["x"], [[1]]), ("Tiếp xúc", ["F0", "F1", "Ngày"], [["A", "B", "2021-06-01"]])])
    s = run_json("import", "contacts", x, "--sheet", "Tiếp xúc", "--column", "from=F0", "--column", "to=F1")
    assert s["written"]["contacts"] == 1 and s["sheet"] == "Tiếp xúc"
    import importlib.util, pathlib
    spec = importlib.util.spec_from_file_location(
        "make_samples", pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "files" / "make_samples.py")
    samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(samples)
    p = tmp_path / "p.csv"
    p.write_bytes(samples.cp1258("Mã;Họ tên\nQ1;Đặng Thị Hồng\n"))
    s = run_json("import", "persons", p, "--encoding", "cp1258")
    assert run_json("person", "show", "Q1")["name"] == "Đặng Thị Hồng"


def test_sample_fixture_files_import(run_json):
    import pathlib
    here = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "files"
    s = run_json("import", "persons", here / "persons_cp1258.csv")
    assert s["rejected"] == 0 and s["written"]["persons"] >= 1 and s["encoding"] == "cp1258"
    s = run_json("import", "cases", here / "cases_utf8_bom.csv")
    assert s["written"]["cases"] >= 1


def test_checkins_and_populations(tmp_path, run_json):
    s = run_json("import", "checkins", write(tmp_path / "q.csv",
                 "person,place,at\nP1,Chợ Long Biên,2021-06-01 08:00\nP2,Chợ Long Biên,2021-06-01 08:10\n"))
    assert s["written"]["checkins"] == 2 and s["written"]["persons"] == 2
    assert run_json("import", "checkins", tmp_path / "q.csv")["written"]["checkins"] == 0
    s = run_json("import", "populations", write(tmp_path / "pop.csv",
                 "Địa bàn,Dân số,Cấp\nNgọc Lâm,23400,Phường\nLong Biên,\"320,000\",Quận\n"))
    assert s["written"]["populations"] == 2


def test_big_import_rederives_all(tmp_path, store):
    from tracing import importer
    from tracing.levels import rederive_all
    lines = ["from,to,date"] + [f"A{i},B{i},2021-06-01" for i in range(30)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "k.csv").write_text("id,confirmed\nA1,2021-06-02\nA7,2021-06-02\n")
    importer.import_file(store, "contacts", tmp_path / "c.csv", threshold=10)
    importer.import_file(store, "cases", tmp_path / "k.csv", threshold=10)
    got = {r["person"]: r["level"] for r in store.query("SELECT person, level FROM levels")}
    assert got == {"A1": 0, "A7": 0, "B1": 1, "B7": 1}
    with store.write("check"):
        assert rederive_all(store) == []


def _one_error(result) -> str:
    """The single ``Error:`` line of a failed command (exit 1)."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_encoding_must_be_a_text_encoding(tmp_path, run, run_json, db_path):
    run("import", "persons", write(tmp_path / "p.csv", "id,name\nP0,Seed\n"))
    before = db_digest(db_path)
    f = write(tmp_path / "c.csv", "from,to,date\nA,B,2021-06-01\n")
    for codec in ("rot13", "hex", "base64", "zlib", "bz2", "undefined"):
        assert f"--encoding: '{codec}' is not a text encoding" in _one_error(
            run("import", "contacts", f, "--encoding", codec, ok=False))
    for name in ("nope", " x ", "utf\x00-8", "A" * 100_000):
        assert "--encoding: unknown encoding" in _one_error(run("import", "contacts", f, "--encoding", name, ok=False))
    # real text encodings that do not fit the file: the file and line, not a crash
    for codec in ("utf-16", "utf-32", "idna", "punycode"):
        line = _one_error(run("import", "contacts", f, "--encoding", codec, ok=False))
        assert f"{f}, line 1: cannot be read as {codec}" in line and "--encoding" in line
    assert db_digest(db_path) == before
    assert run_json("import", "contacts", f, "--encoding", "UTF8")["written"]["contacts"] == 1


def test_bad_encoding_does_not_create_a_database(tmp_path, run, db_path):
    f = write(tmp_path / "c.csv", "from,to,date\nA,B,2021-06-01\n")
    assert "--encoding" in _one_error(run("import", "contacts", f, "--encoding", "rot13", ok=False))
    assert not db_exists(db_path)


def _import_with_stderr_on(tmp_path, csv_file, *, terminal: bool) -> tuple[int, bytes, bytes]:
    """Run the real `tracing import contacts` in a child process with stderr
    on a pseudo-terminal or a plain file; (exit code, stdout, stderr bytes)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import TODAY

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "TRACING_TODAY": TODAY, "COLUMNS": "100", "TERM": "xterm", "PYTHONPATH": str(root)}
    db = tmp_path / f"{'tty' if terminal else 'file'}.db"
    argv = [sys.executable, "-m", "cli.main", "--db", str(db), "import", "contacts", str(csv_file)]
    if terminal:
        leader, follower = os.openpty()
        proc = subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = proc.stdout.read()
        proc.wait(timeout=120)
        os.close(leader)
        return proc.returncode, out, b"".join(chunks)
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.run(argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=err, timeout=120)
    return proc.returncode, proc.stdout, (tmp_path / "stderr.txt").read_bytes()


def test_progress_bar_only_when_stderr_is_a_terminal(tmp_path):
    from tracing.importer import PROGRESS_EVERY
    rows = 3 * PROGRESS_EVERY
    lines = "".join(f"Q{i},Q{i + 1},2021-06-{1 + i % 28:02d},household\n" for i in range(rows))
    f = write(tmp_path / "big.csv", "from,to,date,setting\n" + lines)
    code, out, err = _import_with_stderr_on(tmp_path, f, terminal=False)
    assert code == 0 and f"{rows:,} rows".encode() in out
    assert b"import contacts" not in err and b"%" not in err and b"\r" not in err  # quiet in a file
    code, out_tty, err_tty = _import_with_stderr_on(tmp_path, f, terminal=True)
    assert code == 0 and out_tty == out.replace(b"file.db", b"tty.db")
    assert b"import contacts" in err_tty and b"100%" in err_tty and b"[#" in err_tty


def test_ages_in_an_old_line_list_count_from_the_case_date(tmp_path, run, run_json):
    path = tmp_path / "cases.csv"
    path.write_text("id,confirmed,age,name\nBN2,2020-01-23,28,Nguyễn Văn Hai\n", encoding="utf-8")
    run("import", "cases", path)
    assert run_json("person", "show", "BN2")["birth_year"] == 1992

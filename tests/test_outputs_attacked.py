"""Outputs under attack (issue 11, second round): no output is the database
itself, none is written through a name someone swapped for a link while it
was written, a full disk shows one error line, a report's name says what it
holds, and a folder given with a trailing slash is still the link it is."""

from __future__ import annotations

import os

import pytest

from tests.test_files import PRECIOUS, _victim, mode, outbreak, tracing  # noqa: F401  (fixture)
from tests.test_reliability import fill_disk, small_disk  # noqa: F401  (a 1 MB tmpfs fixture)
from tracing import files, report, sheets


def _persons(db) -> str:
    return tracing(db, "list", "--format", "csv").stdout


def test_no_output_is_the_database_itself(outbreak, tmp_path):  # noqa: F811
    before = _persons(outbreak)
    assert "BN1" in before
    link = tmp_path / "link.db"
    link.symlink_to(outbreak)
    hard = tmp_path / "hard.db"
    os.link(outbreak, hard)
    db = str(outbreak)
    attempts = [
        ("report", "--format", "md", "-o", db),
        ("report", "--format", "md", "-o", db + "-wal"),
        ("report", "--format", "json", "-o", db + "-shm"),
        ("report", "--format", "csv", "-o", db + "-journal"),
        ("report", "--format", "xlsx", "-o", link),
        ("report", "--format", "md", "-o", hard),
        ("render", "BN1", "-o", db),
        ("render", "BN1", "--format", "svg", "-o", link),
        ("backup", db + "-wal", "--force"),
    ]
    for args in attempts:
        proc = tracing(outbreak, *args, check=False)
        assert proc.returncode == 1, f"{args}: {proc.returncode} {proc.stderr}"
        assert "is the database itself" in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
        assert _persons(outbreak) == before, f"{args}: the database changed"
    assert link.is_symlink() and os.path.samefile(link, outbreak)


def test_an_output_whose_temporary_name_is_swapped_for_a_link_is_not_put_in_place(tmp_path):
    """Someone replaces the temporary file by a link to a victim while rows
    are written: the victim keeps its bytes and mode, no link lands at the
    output's name, the write fails with a clear message."""
    victim = _victim(tmp_path)
    victim.chmod(0o644)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "contacts.csv"

    def rows():
        for name in os.listdir(out):
            if name.startswith(files.TEMP_PREFIX):
                tmp = out / name
                if tmp.is_dir():
                    continue
                tmp.unlink()
                tmp.symlink_to(victim)
        yield ["BN1", "P2"]

    with pytest.raises(Exception) as caught:
        sheets.write_csv(target, ["a", "b"], rows())
    assert "replaced by someone else" in str(caught.value)
    assert victim.read_text(encoding="utf-8") == PRECIOUS and mode(victim) == 0o644
    assert not os.path.lexists(target)
    assert not [n for n in os.listdir(out) if n.startswith(files.TEMP_PREFIX)]


def test_outputs_never_reopen_their_temporary_file_by_name(tmp_path, monkeypatch):
    """Every writer (text, CSV, XLSX, copy) writes through the one descriptor
    it created with O_EXCL: no second open of the temporary name."""
    opened = []
    real_open = os.open

    def spy(path, flags, *a, **k):
        opened.append((os.fspath(path), flags))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", spy)
    files.write_text(tmp_path / "a.md", "x")
    sheets.write_csv(tmp_path / "b.csv", ["a"], [["1"]])
    sheets.write_xlsx(tmp_path / "c.xlsx", [("S", ["a"], [["1"]])])
    files.copy_into(str(tmp_path / "a.md"), tmp_path / "d.md")
    temps = [(p, f) for p, f in opened if os.path.basename(p).startswith(files.TEMP_PREFIX)]
    assert len(temps) == 4, temps
    assert all(f & os.O_EXCL and f & os.O_NOFOLLOW for _, f in temps), temps
    for name in ("a.md", "b.csv", "c.xlsx", "d.md"):
        assert mode(tmp_path / name) == 0o600


def test_a_report_on_a_full_disk_prints_one_error_line(small_disk, outbreak):  # noqa: F811
    fill_disk(small_disk, leave=2048)
    before = set(os.listdir(small_disk))
    proc = tracing(outbreak, "report", "-o", small_disk / "x.xlsx", check=False)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), proc.stderr
    assert set(os.listdir(small_disk)) == before


def test_a_report_name_with_an_unknown_extension_is_refused(outbreak, tmp_path):  # noqa: F811
    proc = tracing(outbreak, "report", "-o", tmp_path / "x.pdf", check=False)
    assert proc.returncode == 1 and "'.pdf' is not a report format" in proc.stderr
    assert "md|csv|json|xlsx" in proc.stderr.replace("|html", "") and not (tmp_path / "x.pdf").exists()
    # --format does not make a .pdf hold Markdown, nor a .csv a workbook (critic16b F7): refused, nothing written
    for fmt, name in (("md", "x.pdf"), ("xlsx", "x.pdf"), ("xlsx", "x.csv"), ("html", "x.md"), ("csv", "x.xlsx")):
        proc = tracing(outbreak, "report", "--format", fmt, "-o", tmp_path / name, check=False)
        wanted = sorted("." + e for e, f in report.EXTENSIONS.items() if f == fmt)
        assert proc.returncode == 1 and f"--format {fmt} writes" in proc.stderr, proc.stderr
        assert all(e in proc.stderr for e in wanted) and not (tmp_path / name).exists()
    tracing(outbreak, "report", "--format", "md", "-o", tmp_path / "x.txt")  # an extension md is written in
    assert (tmp_path / "x.txt").read_text(encoding="utf-8").startswith("#")


def test_an_export_folder_link_with_a_trailing_slash_is_refused(outbreak, tmp_path):  # noqa: F811
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "elink").symlink_to(target, target_is_directory=True)
    for name in ("elink/", "elink//"):
        proc = tracing(outbreak, "export", "csv", str(tmp_path) + "/" + name, check=False)
        assert proc.returncode == 1 and "symbolic link" in proc.stderr, proc.stderr
        assert os.listdir(target) == []


def test_import_whose_rejected_file_cannot_be_written_writes_nothing(small_disk, outbreak):  # noqa: F811
    import subprocess

    before = _persons(outbreak)
    bad = small_disk / "persons.csv"
    bad.write_text("id,name,phone\nNEW1,Lê Văn Cường,0912000001\nNEW2,,not-a-phone\n", encoding="utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, capture_output=True)
    proc = tracing(outbreak, "import", "persons", bad, "--skip-invalid", check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("Error:") and "Traceback" not in proc.stderr
    assert _persons(outbreak) == before
    shown = tracing(outbreak, "person", "show", "NEW1", check=False)
    assert shown.returncode == 1, "the good rows were committed without their rejected file"


def test_a_first_write_on_a_full_disk_leaves_no_database(small_disk, tmp_path):  # noqa: F811
    fill_disk(small_disk)
    db = small_disk / "new.db"
    proc = tracing(db, "person", "add", "--id", "BN1", "--name", "Nguyễn Văn An", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "Created database" not in proc.stderr
    assert sorted(os.listdir(small_disk)) == ["filler"]
    proc = tracing(db, "list", check=False)
    assert proc.returncode == 1 and "no database at" in proc.stderr, proc.stderr


def test_a_reader_that_goes_away_ends_every_command_with_status_0(outbreak):  # noqa: F811
    """`| head -1`: list, person show, followup and tree all end quietly
    with 0 (before, a longer output ended 1 and a short one 0)."""
    import subprocess
    import sys

    from tests.test_files import ROOT, env

    for args in (("list",), ("person", "show", "BN1"), ("followup",), ("tree", "BN1"), ("status", "P2")):
        cmd = [sys.executable, "-m", "cli.main", "--db", str(outbreak), *args]
        proc = subprocess.run(f"{' '.join(map(repr, cmd))} | head -c 1 >/dev/null; exit ${{PIPESTATUS[0]}}",
                              shell=True, executable="/bin/bash", cwd=ROOT, env=env(), capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0 and proc.stderr == "", (args, proc.returncode, proc.stderr)


def test_ctrl_c_while_the_command_line_loads_says_aborted(tmp_path):
    import subprocess
    import sys

    from tests.test_files import ROOT, env

    # a terminal's Ctrl-C: the default handler, also when this suite runs as a background job (a
    # shell without job control starts those with SIGINT ignored, and Python keeps it so)
    code = ("import cli, os, signal\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"  # Ctrl-C while the modules load
            "from cli.main import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", code, "--db", str(tmp_path / "t.db"), "list"], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and proc.stderr.strip() == "Aborted!", proc.stderr


def test_doctor_on_a_read_only_wal_database_speaks_like_the_other_commands(small_disk, tmp_path):  # noqa: F811
    import json
    import subprocess

    db = small_disk / "ro.db"
    tracing(db, "person", "add", "--id", "BN1", "--name", "Nguyễn Văn An")
    assert not os.path.exists(str(db) + "-shm")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, capture_output=True)
    proc = tracing(db, "doctor", "--format", "json", check=False)
    assert "unable to open" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert proc.returncode == 0 and json.loads(proc.stdout)["counts"]["persons"] == 1

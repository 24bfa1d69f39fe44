"""Files that never lie (issue 11, point 3): every output of a real
`tracing` process is private (0600), never written through a symbolic link
onto another file, whole or absent (also a multi-file export on a full disk
and a killed backup), and an export does not mix into a folder that holds
files unless --force."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_reliability import small_disk  # noqa: F401  (a 1 MB tmpfs fixture)
from tracing.store import Store

ROOT = Path(__file__).resolve().parents[1]
PRECIOUS = "an unrelated file that must survive\n"


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("TRACING_")}
    e.update(TRACING_TODAY="2021-06-30", PYTHONPATH=str(ROOT))
    return e


def tracing(db, *args, check=True, cwd=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "cli.main", "--db", str(db), *map(str, args)], cwd=cwd or ROOT,
                          env=env(), capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"{args} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def outbreak(tmp_path):
    db = tmp_path / "t.db"
    tracing(db, "person", "add", "--id", "BN1", "--name", "Nguyễn Văn An", "--phone", "0912345678")
    tracing(db, "person", "add", "--id", "P2", "--name", "Trần Thị Bình")
    tracing(db, "contact", "add", "BN1", "P2", "--date", "2021-06-20", "--setting", "household")
    tracing(db, "case", "confirm", "BN1", "--date", "2021-06-22")
    return db


def _victim(tmp_path) -> Path:
    victim = tmp_path / "victim" / "notes.txt"
    victim.parent.mkdir(exist_ok=True)
    victim.write_text(PRECIOUS, encoding="utf-8")
    return victim


def test_no_output_follows_a_link_onto_another_file(outbreak, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    bad_csv = out / "contacts.csv"
    bad_csv.write_text("from,to,date\nBN1,P2,2099-01-01\n", encoding="utf-8")
    commands = {
        "map.html": ("render", "BN1", "-o", out / "map.html"),
        "report.md": ("report", "-o", out / "report.md"),
        "report.csv": ("report", "-o", out / "report.csv"),
        "report.xlsx": ("report", "-o", out / "report.xlsx"),
        "report.json": ("report", "--format", "json", "-o", out / "report.json"),
        "backup.db": ("backup", out / "backup.db", "--force"),
        "contacts.csv.rejected.csv": ("import", "contacts", bad_csv, "--skip-invalid"),
    }
    for name, args in commands.items():
        victim = _victim(tmp_path)
        link = out / name
        link.symlink_to(victim)
        tracing(outbreak, *args)
        assert victim.read_text(encoding="utf-8") == PRECIOUS, f"{name}: written through the link"
        assert not link.is_symlink() and link.is_file() and link.stat().st_size > 0, name
        assert mode(link) == 0o600, f"{name}: {oct(mode(link))}"
    # an export folder given as a link is refused, and nothing lands in its target
    target = tmp_path / "elsewhere"
    target.mkdir()
    (out / "export").symlink_to(target, target_is_directory=True)
    proc = tracing(outbreak, "export", "csv", out / "export", "--force", check=False)
    assert proc.returncode == 1 and "symbolic link" in proc.stderr and "Traceback" not in proc.stderr
    assert os.listdir(target) == []


def test_every_output_file_is_private(outbreak, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    tracing(outbreak, "render", "BN1", "-o", out / "map.html")
    tracing(outbreak, "render", "BN1", "--layout", "network", "--redact", "-o", out / "shared.html")
    for fmt in ("md", "csv", "xlsx", "json"):
        tracing(outbreak, "report", "--format", fmt, "-o", out / f"report.{fmt}")
    tracing(outbreak, "backup", out / "backup.db")
    for fmt in ("csv", "epicontacts", "godata"):
        tracing(outbreak, "export", fmt, out / f"export-{fmt}")
    bad = out / "persons.csv"
    bad.write_text("id,name,sex\nX1,Lê Văn C,?\n", encoding="utf-8")
    tracing(outbreak, "import", "persons", bad, "--skip-invalid")
    bad.unlink()
    tracing(outbreak, "demo", "--dir", out / "demo", "--people", "300", cwd=tmp_path)
    made = [p for p in out.rglob("*") if p.is_file()]
    assert len(made) > 25
    loose = {str(p.relative_to(out)): oct(mode(p)) for p in made if mode(p) != 0o600}
    assert not loose, f"files readable by others: {loose}"
    folders = {str(p.relative_to(out)): oct(mode(p)) for p in out.rglob("*") if p.is_dir() and mode(p) & 0o077}
    assert not folders, f"folders open to others: {folders}"


def test_export_into_a_folder_that_holds_files_needs_force(outbreak, tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "mine.txt").write_text(PRECIOUS, encoding="utf-8")
    (folder / "persons.csv").write_text("old\n", encoding="utf-8")
    proc = tracing(outbreak, "export", "csv", folder, check=False)
    assert proc.returncode == 1 and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(os.listdir(folder)) == ["mine.txt", "persons.csv"]
    assert (folder / "persons.csv").read_text(encoding="utf-8") == "old\n"
    tracing(outbreak, "export", "csv", folder, "--force")
    assert (folder / "mine.txt").read_text(encoding="utf-8") == PRECIOUS
    assert "Nguyễn Văn An" in (folder / "persons.csv").read_text(encoding="utf-8-sig")
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")], "a temporary folder was left"


def test_an_export_on_a_full_disk_leaves_no_partial_folder(small_disk, tmp_path):  # noqa: F811
    """Persons fit on the 1 MB disk, the contacts do not: no persons.csv
    without its contacts.csv, nothing at all is left on the disk."""
    db = tmp_path / "big.db"
    store = Store.open(db, create=True)
    with store.write("setup"):
        for i in range(300):
            store.insert_person({"id": f"P{i:04d}", "name": f"Người {i}"})
        pairs = [sorted((f"P{i % 300:04d}", f"P{(i * 7 + 1) % 300:04d}")) for i in range(20000)]
        store.conn.executemany(
            "INSERT INTO contacts (a, b, date, setting, place) VALUES (?, ?, ?, 'work', ?)",
            [(a, b, f"2021-06-{1 + i % 28:02d}", f"nơi làm việc số {i} " * 3)
             for i, (a, b) in enumerate(pairs) if a != b])
    store.close()
    before = os.listdir(small_disk)
    proc = tracing(db, "export", "csv", small_disk / "exp", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert os.listdir(small_disk) == before, os.listdir(small_disk)


KILLED_BACKUP = """
import sys
from tracing.maintenance import backup
from tracing.store import Store
store = Store.open(sys.argv[1])
print("start", flush=True)
backup(store, sys.argv[2])
"""


def test_a_killed_backup_leaves_no_partial_file(tmp_path):
    db = tmp_path / "big.db"
    store = Store.open(db, create=True)
    with store.write("setup"):
        store.conn.executemany(
            "INSERT INTO persons (id, name, address, created_at) VALUES (?, ?, ?, '2021-06-30')",
            [(f"P{i:06d}", f"Người {i}", "số nhà " * 40) for i in range(150_000)])
    store.close()
    dest = tmp_path / "copies"
    dest.mkdir()
    for delay in (0.0, 0.05, 0.15):
        proc = subprocess.Popen([sys.executable, "-c", KILLED_BACKUP, str(db), str(dest / "copy.db")], cwd=ROOT,
                                env=env(), stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "start\n"
        deadline = time.time() + 30
        while not os.listdir(dest) and time.time() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        deadline = time.time() + 5
        while [n for n in os.listdir(dest) if n != "copy.db"] and time.time() < deadline:
            time.sleep(0.05)
        assert [n for n in os.listdir(dest) if n != "copy.db"] == [], "a killed backup left a partial file"
        if (dest / "copy.db").exists():  # the backup finished before the kill: it is whole
            assert Store.open(dest / "copy.db").counts()["persons"] == 150_000

"""`--redact` as an attacker reads it: every file that leaves the machine
(maps in every layout, every export format, the report in every format) is
scanned for every id, name, phone, national id, address, workplace and
free-text place of the fixture persons, also ASCII-folded, in any case and
with the phone written in any form. Tokens must not be reversible without
the database's secret, must be unique in a file, and must be the same for
one person in every file of one database (so redacted files still join)."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from tracing.values import fold

# id, name, phone (as typed), national id, address, workplace, ward, unit
PERSONS = [
    ("0987654321", "Nguyễn Văn An", "0912 345 601", "079201001234", "12 Lê Lợi", "Công ty May Việt Tiến",
     "Ngọc Lâm", "Tổ 5"),
    ("BN1017", "Trần Thị Bình", "+84 912 345 602", "001301009876", "45 Hàng Bạc", "Chợ Đồng Xuân",
     "Ngọc Lâm", "Tổ 5"),
    ("KH-3333", "Lê Văn Cường", "0912.345.603", "031098004567", "7 ngõ Huế", "Trường THCS Chu Văn An",
     "Ngọc Lâm", "Tổ 6"),
    ("BN1018", "Phạm Thị Dung", "0912345604", "C1234567", "88 Phố Huế", "Bệnh viện Thanh Nhàn",
     "Bồ Đề", "Tổ 2"),
    ("F1X77", "Hoàng Văn Em", "0912345605", "024187000321", "3 Tô Hiến Thành", "Xưởng gỗ Minh Phát",
     "Bồ Đề", "Tổ 2"),
]
CONTACT_PLACE = "Quán cà phê Hoa Sữa"
CHECKIN_PLACE = "Siêu thị Hapro Long Biên"
LABEL_NAME = "Đỗ Thị Gấm"               # a source written as a name in a line list: a label, not a person
NOTE = "mẹ của Lý Văn Khải, gọi 0977001122"  # an extra column of the persons file
EXTRA_NAMES = [LABEL_NAME, "Lý Văn Khải"]
EXTRA_PHONES = ["0977001122"]


def typed(tmp_path, run):
    """The fixture district, typed and imported as a team would."""
    rows = ["id,name,phone,national_id,address,workplace,ward,unit,ghi_chu"]
    for pid, name, phone, nid, address, work, ward, unit in PERSONS:
        note = NOTE if pid == "BN1018" else ""
        rows.append(",".join(f'"{v}"' for v in (pid, name, phone, nid, address, work, ward, unit, note)))
    (tmp_path / "persons.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run("import", "persons", tmp_path / "persons.csv")
    run("contact", "add", "0987654321", "BN1017", "--date", "2021-06-01", "--setting", "venue",
        "--place", CONTACT_PLACE)
    run("contact", "add", "BN1017", "KH-3333", "--date", "2021-06-10", "--setting", "household")
    run("contact", "add", "KH-3333", "F1X77", "--date", "2021-06-12", "--setting", "work")
    run("contact", "add", "0987654321", "BN1018", "--date", "2021-06-02", "--setting", "work")
    run("checkin", "add", "BN1018", CHECKIN_PLACE, "--at", "2021-06-02 08:30")
    run("case", "confirm", "0987654321", "--date", "2021-06-03")
    run("case", "confirm", "BN1017", "--date", "2021-06-12", "--source", "0987654321")
    run("followup", "record", "KH-3333", "--date", "2021-06-14", "--result", "negative")
    (tmp_path / "cases.csv").write_text(f"id,confirmed,source\nBN1018,2021-06-05,{LABEL_NAME}\n", encoding="utf-8")
    run("import", "cases", tmp_path / "cases.csv")
    (tmp_path / "pop.csv").write_text(f"area,population,level\nNgọc Lâm,23400,ward\n{PERSONS[0][5]},850,workplace\n",
                                      encoding="utf-8")
    run("import", "populations", tmp_path / "pop.csv")


def _phone_pattern(phone: str) -> re.Pattern:
    """The national number's digits with any separators between them."""
    digits = re.sub(r"\D", "", phone)
    digits = digits[2:] if digits.startswith("84") else digits.lstrip("0")
    return re.compile(r"(?<!\d)(?:\+?84|0)?[\s.\-()]*" + r"[\s.\-()]*".join(digits) + r"(?!\d)")


def secrets() -> list[tuple[str, re.Pattern]]:
    """(what, pattern) for every identifying value of the fixture, matched
    against the output as it is and ASCII-folded, case-insensitively."""
    found = []

    def word(kind, value):
        for form in {value, fold(value)}:
            found.append((f"{kind} {value!r}", re.compile(r"(?<![\w])" + re.escape(form) + r"(?![\w])", re.I)))

    for pid, name, phone, nid, address, work, _ward, _unit in PERSONS:
        word("id", pid)
        word("name", name)
        found.append((f"phone {phone!r}", _phone_pattern(phone)))
        word("national id", nid)
        word("address", address)
        word("workplace", work)
    for value in (CONTACT_PLACE, CHECKIN_PLACE, NOTE):
        word("free text", value)
    for name in EXTRA_NAMES:
        word("name", name)
    for phone in EXTRA_PHONES:
        found.append((f"phone {phone!r}", _phone_pattern(phone)))
    return found


def readable_forms(path: Path) -> str:
    """Every text a reader of the file can get at: the bytes as UTF-8, an
    XLSX's XML members, HTML entities and JSON escapes undone."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            text = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    else:
        text = data.decode("utf-8", "replace")
    forms = [text, html.unescape(text), re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)]
    return "\n".join(forms + [fold(f) for f in forms])


def leaks(path: Path) -> list[str]:
    text = readable_forms(path)
    return [what for what, pattern in secrets() if pattern.search(text)]


def redacted_outputs(tmp_path, run) -> list[Path]:
    out = tmp_path / "shared"
    out.mkdir()
    files = []
    for layout in ("tree", "network", "timeline"):
        page = out / f"map-{layout}.html"
        run("render", "BN1017", "--redact", "--layout", layout, "-o", page)
        files.append(page)
    run("render", "--all", "--redact", "-o", out / "all.html")
    files.append(out / "all.html")
    for layout in ("tree", "timeline"):  # the static drawing for Word goes through the same redaction
        drawing = out / f"map-{layout}.svg"
        run("render", "BN1017", "--redact", "--layout", layout, "-o", drawing)
        files.append(drawing)
    for fmt in ("csv", "epicontacts", "godata"):
        run("export", fmt, out / fmt, "--redact")
        files += sorted((out / fmt).iterdir())
    from tracing import report
    for fmt in report.FORMATS:
        path = out / f"report.{fmt}"
        run("report", "--from", "2021-06-01", "--to", "2021-06-30", "--by", "unit", "--format", fmt, "-o", path)
        files.append(path)
    return files


def test_no_redacted_output_carries_an_identifier_of_a_person(tmp_path, run):
    typed(tmp_path, run)
    files = redacted_outputs(tmp_path, run)
    found = {f.relative_to(tmp_path).as_posix(): leaks(f) for f in files}
    assert {f: what for f, what in found.items() if what} == {}
    # and the scan does find them in the files people keep (the check itself works)
    run("export", "csv", tmp_path / "plain")
    plain = set().union(*(leaks(f) for f in (tmp_path / "plain").iterdir()))
    assert {w.split(" ")[0] for w in plain} >= {"id", "name", "phone", "national", "address", "workplace", "free"}


def test_followup_reasons_keep_their_meaning_with_tokens(tmp_path, run):
    typed(tmp_path, run)
    run("export", "csv", tmp_path / "x", "--redact")
    with open(tmp_path / "x" / "followups.csv", encoding="utf-8-sig", newline="") as fh:
        reasons = {r["cause"] for r in csv.DictReader(fh) if r["cause"]}
    with open(tmp_path / "x" / "persons.csv", encoding="utf-8-sig", newline="") as fh:
        tokens = {r["id"] for r in csv.DictReader(fh)}
    confirm = [r for r in reasons if "case confirm" in r]
    assert confirm, reasons
    # the case's token stands where its id stood, so the reason still names who
    assert all(any(t in r for t in tokens) for r in confirm), confirm


def _ids_in(path: Path, column: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [r[column] for r in csv.DictReader(fh) if r[column]]


def test_the_same_person_has_one_token_in_every_file_of_a_database(tmp_path, run, monkeypatch):
    typed(tmp_path, run)
    run("render", "BN1017", "--redact", "-o", tmp_path / "m.html")
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    nodes = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))["nodes"]
    on_map = {n["pid"] for n in nodes if "pid" in n}
    for fmt in ("csv", "epicontacts", "godata"):
        run("export", fmt, tmp_path / fmt, "--redact")
    persons = set(_ids_in(tmp_path / "csv" / "persons.csv", "id"))
    linelist = set(_ids_in(tmp_path / "epicontacts" / "linelist.csv", "id"))
    godata = set(_ids_in(tmp_path / "godata" / "cases.csv", "visualId")) | \
        set(_ids_in(tmp_path / "godata" / "contacts.csv", "visualId"))
    assert len(persons) == len(PERSONS)
    assert on_map and on_map <= persons and linelist == persons and godata <= persons
    # a second export gives the same tokens (the key is kept in the database)
    run("export", "csv", tmp_path / "again", "--redact")
    assert set(_ids_in(tmp_path / "again" / "persons.csv", "id")) == persons
    # another database holds another key: its tokens for the same ids differ
    monkeypatch.setenv("TRACING_DB", str(tmp_path / "other.db"))
    (tmp_path / "o").mkdir()
    typed(tmp_path / "o", run)
    run("export", "csv", tmp_path / "other", "--redact")
    assert not set(_ids_in(tmp_path / "other" / "persons.csv", "id")) & persons


# --------------------------------------------------------------- brute force

def old_scheme(person_id: str, length: int) -> str:
    """The redaction before this fix: unkeyed SHA-256 of the id, cut short."""
    return hashlib.sha256(person_id.encode("utf-8")).hexdigest()[:length]


def candidates():
    """What an attacker tries: phone-like ids around the district's numbers
    and case codes BN/KH/F1X with up to 5 digits."""
    for n in range(1_000_000):
        yield f"0987{n:06d}"
    for prefix in ("BN", "KH-", "F1X"):
        for n in range(100_000):
            yield f"{prefix}{n}"


def brute_force(tokens: set[str]) -> dict[str, str]:
    """token -> id for the tokens some SHA-256 prefix of a candidate gives."""
    lengths = {len(t) for t in tokens if re.fullmatch(r"[0-9a-f]+", t)}
    found = {}
    if not lengths:
        return found
    longest = max(lengths)
    for cand in candidates():
        digest = hashlib.sha256(cand.encode()).hexdigest()[:longest]
        for n in lengths:
            if digest[:n] in tokens:
                found.setdefault(digest[:n], cand)
    return found


def test_brute_force_reverses_the_old_tokens_but_not_the_new(tmp_path, run):
    # the old scheme falls in seconds: the export token of a phone-like id
    old = {old_scheme("0987654321", 10), old_scheme("BN1017", 10)}
    assert brute_force(old) == {old_scheme("0987654321", 10): "0987654321", old_scheme("BN1017", 10): "BN1017"}
    # the tokens tracing writes now
    typed(tmp_path, run)
    run("export", "csv", tmp_path / "x", "--redact")
    run("render", "BN1017", "--redact", "-o", tmp_path / "m.html")
    tokens = set(_ids_in(tmp_path / "x" / "persons.csv", "id"))
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    tokens |= {n["pid"] for n in json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))["nodes"]
               if "pid" in n}
    assert len(tokens) >= len(PERSONS)
    reversed_ = {t: i for t, i in brute_force(tokens).items() if i in {p[0] for p in PERSONS}}
    assert reversed_ == {}


@pytest.mark.parametrize("n", [36_001])
def test_tokens_are_unique_in_a_big_district(tmp_path, n):
    from tracing.privacy import Redactor
    from tracing.store import Store

    store = Store.open(tmp_path / "t.db", create=True)
    redactor = Redactor.of(store)
    tokens = {redactor.token(f"P{i:05d}") for i in range(n)}
    assert len(tokens) == n
    store.close()

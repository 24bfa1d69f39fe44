"""Issue 13 faults found by the tester critic13c (F2, F7–F10, F12, F13): each
one reproduced with a small file through the CLI, for every import kind and
format it can happen in; expected values come from the rules, not from a run."""

from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import db_rows
from tracing.sources import names_a_source


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# ------------------------------------------------------------------ F8
def test_no_contacts_is_not_reported_for_a_case_whose_source_is_a_label(tmp_path, run, run_json):
    labels = {"L1": "IMPORT", "L2": "Chợ Long Biên", "L3": "F0 nhập cảnh", "L4": "", "L5": "không rõ nguồn",
              "L6": "cộng đồng"}
    f = write(tmp_path / "k.csv", "id,confirmed,source\n" +
              "".join(f"{i},2021-06-01,{label}\n" for i, label in labels.items()))
    run("import", "cases", f)
    found = {x["ids"][0] for x in run_json("check") if x["check"] == "no_contacts"}
    # a label that names where the case was infected is a known source; "unknown"/"the community" is none
    assert found == {i for i, label in labels.items() if not label or not names_a_source(label)}
    assert found == {"L4", "L5", "L6"}


# ------------------------------------------------------------------ F13
HEADERS = {"cases": ["Mã BN", "Ngày xác nhận", "Nguồn"], "persons": ["Mã BN", "Họ tên", "Phường"],
           "contacts": ["Từ", "Đến", "Ngày"]}
DATA = {"cases": ["BN1", "2021-06-01", ""], "persons": ["BN1", "An", "Bồ Đề"],
        "contacts": ["BN1", "BN2", "2021-06-01"]}
TITLES = [["DANH SÁCH CA BỆNH"], ["Quận Long Biên, ngày 02/06/2021"]]


@pytest.mark.parametrize("kind", sorted(HEADERS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("given", [False, True])
def test_a_column_option_naming_no_header_names_the_real_header_line(tmp_path, run, db_path, kind, fmt, given):
    rows = [*TITLES, [], HEADERS[kind], DATA[kind]]
    line = len(TITLES) + 2  # two title rows, a blank row, then the header: line 4 of the file
    if fmt == "csv":
        f = write(tmp_path / "k.csv", "".join(",".join(r) + "\n" for r in rows))
    else:
        f = write_xlsx(tmp_path / "k.xlsx", rows)
    field = "from" if kind == "contacts" else "id"
    args = ["import", kind, f, "--column", f"{field}=Mã ca"] + (["--header-row", line] if given else [])
    r = run(*args, ok=None)
    assert r.exit_code == 1 and "Traceback" not in r.output
    listed = ", ".join(f"'{h}'" for h in HEADERS[kind])
    assert f"{f.name}, line {line}: no header 'Mã ca' for {field} (headers: {listed})" in r.output
    assert not db_rows_or_none(db_path)


def db_rows_or_none(db_path):
    """The persons stored, or [] when the database was never created (nothing written)."""
    from tests.conftest import db_exists
    if not db_exists(db_path):
        return []
    return db_rows(db_path, "SELECT id FROM persons")

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

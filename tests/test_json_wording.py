"""Issue 13 leftover 6: a JSON or JSON Lines file has records with keys, not
a header row, columns or title rows; what is wrong with one is said in those
terms. Each case is the same table written as CSV and as JSON: the CSV
message speaks of headers/columns/lines, the JSON one of keys and records,
and names the same keys."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_importer import write

pytestmark = pytest.mark.sqlite_only("how a file is read and named: no store involved")

TABLE_WORDS = ("header", "column ", "title row", "line 1:", "first line")

CASES = [  # (kind, records, extra options)
    ("cases", [{"name": "An", "x": "1"}], ()),                                   # required field missing
    ("cases", [{"id": "P1", "confirmed": "2021-06-01", "Confirmed": "2021-06-02"}], ()),  # two keys, one field
    ("persons", [{"a": "1"}, {"a": "2"}], ()),                                    # no key names a field
    ("cases", [{"id": "P1", "x": "1"}], ("--column", "confirmed=nosuch")),       # --column names no key
    ("cases", [{"id": "P1", "x": "1"}], ("--column", "confirmed=x", "--column", "onset=x")),  # one key, two fields
]


def as_csv(records) -> str:
    keys = list(dict.fromkeys(k for r in records for k in r))
    out = io.StringIO()
    w = csv.DictWriter(out, keys, lineterminator="\n")
    w.writeheader()
    w.writerows(records)
    return out.getvalue()


@pytest.mark.parametrize("kind,records,options", CASES)
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_errors_speak_of_keys_and_records(tmp_path, run, kind, records, options, suffix):
    text = json.dumps(records) if suffix == ".json" else "".join(json.dumps(r) + "\n" for r in records)
    as_json = run("import", kind, write(tmp_path / f"f{suffix}", text), *options, ok=False).stderr
    as_table = run("import", kind, write(tmp_path / "f.csv", as_csv(records)), *options, ok=False).stderr
    assert any(w in as_table.lower() for w in TABLE_WORDS), as_table  # the CSV wording (the contrast)
    assert not any(w in as_json.lower().replace("--column", "--option") for w in TABLE_WORDS), as_json
    assert "key" in as_json and "Traceback" not in as_json
    # the same keys are named in both
    for key in dict.fromkeys(k for r in records for k in r):
        assert (f"'{key}'" in as_json) == (f"'{key}'" in as_table), (key, as_json, as_table)


def test_keys_beside_the_records_and_header_row(tmp_path, run, run_json):
    records = [{"from": "P1", "to": "P2", "date": "2021-06-01"}]
    f = write(tmp_path / "k.json", json.dumps({"title": "Danh sách tiếp xúc", "rows": records}))
    s = run_json("import", "contacts", f)
    assert s["title_rows"] == [{"line": 1, "outside_records": "rows", "text": "title=Danh sách tiếp xúc"}]
    shown = run("import", "contacts", f).stderr
    assert "Left aside, line 1: title=Danh sách tiếp xúc (not records; the records are the array 'rows')" in shown
    assert "title row" not in shown.lower() and "header" not in shown.lower()
    refused = run("import", "contacts", f, "--header-row", "2", ok=False).stderr
    assert "--header-row applies to CSV and XLSX tables; this is a JSON file" in refused

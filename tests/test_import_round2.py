"""Issue 13, second tester round (critic13): labels kept as written, the tool's own
export imports back, a label is a known source, footer rows, cases dated by any date,
ids written as floats or with thousands separators, one id normalisation for every kind.
Each on a small file through the real CLI; expected values follow from the rules."""

from __future__ import annotations

import csv

from tests.test_import_linelists import rows, write


# ------------------------------------------------------------------ labels as written (point 1)
def test_a_cell_is_cut_only_around_ids(tmp_path, run, run_json, db_path):
    names = ["Công ty TNHH Sản xuất và Thương mại Hải Nam", "Khu công nghiệp Quế Võ, Bắc Ninh",
             "Bar and Grill Buddha"]
    text = "Mã BN,Ngày dương tính,Nguồn lây\nBN0,19/05/2021,\n"
    text += "".join(f'BN{i},2{i}/05/2021,"{n}"\n' for i, n in enumerate(names, 1))
    # ids on both sides of a soft separator are cut there; the rest stays one label
    text += f'BN4,24/05/2021,"BN0 và {names[0]}"\nBN5,25/05/2021,"{names[2]}, BN1 và BN0; IMPORT"\n'
    s = run_json("import", "cases", write(tmp_path / "va.csv", text))
    labels = rows(db_path, "SELECT case_id, label FROM case_labels ORDER BY 1, 2")
    assert labels == sorted([("BN1", names[0]), ("BN2", names[1]), ("BN3", names[2]), ("BN4", names[0]),
                             ("BN5", "IMPORT"), ("BN5", names[2])])
    assert rows(db_path, "SELECT case_id, source FROM case_sources ORDER BY 1, 2") == [
        ("BN4", "BN0"), ("BN5", "BN0"), ("BN5", "BN1")]
    assert s["sources"]["labels"] == len(labels) and s["sources"]["links"] == 3
    assert run_json("status", "BN1")["case"]["labels"] == [names[0]]
    # the export writes the labels back as one cell each, and they import back as they were
    out = tmp_path / "out"
    run("export", "csv", out)
    with open(out / "cases.csv", encoding="utf-8-sig") as fh:
        cells = {r["id"]: r["source"] for r in csv.DictReader(fh)}
    assert cells["BN2"] == names[1] and cells["BN4"] == f"BN0;{names[0]}"
    again = tmp_path / "again.db"
    run("--db", again, "import", "cases", out / "cases.csv")
    assert rows(again, "SELECT case_id, label FROM case_labels ORDER BY 1, 2") == labels

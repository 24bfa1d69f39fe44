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


# ------------------------------------------------------------------ the tool's own export imports back (point 9)
def _dump(path, tables=("persons", "cases", "case_sources", "case_labels", "contacts")):
    """Every stored column but creation times, on either store."""
    from tracing.store import Store
    store = Store.open(str(path))
    try:
        cols = {t: [c for c in store.columns(t) if c != "created_at"] for t in tables}
    finally:
        store.close()
    return {t: sorted(rows(path, f"SELECT {', '.join(cols[t])} FROM {t}"), key=repr) for t in tables}


def test_export_with_field_like_extra_columns_imports_back(tmp_path, run, db_path):
    # extra columns whose headers also mean a field (Phường/xã: ward; Ngày lấy mẫu: confirmed), kept as
    # extras because --column picked the other header
    run("import", "cases", write(tmp_path / "w.csv",
                                 "Mã BN,Ngày lấy mẫu,Ngày dương tính,Phường,Phường/xã,SĐT,Điện thoại người nhà\n"
                                 "BN1,18/05/2021,20/05/2021,Bồ Đề,Gia Thụy,0912345678,0987654321\n"
                                 "BN2,19/05/2021,21/05/2021,Bồ Đề,,,\n"),
        "--column", "ward=Phường", "--column", "phone=SĐT", "--column", "confirmed=Ngày dương tính")
    first = _dump(db_path)
    assert {r[0]: r for r in first["persons"]}["BN1"].count("Bồ Đề") == 1
    out, again = tmp_path / "out", tmp_path / "again.db"
    run("export", "csv", out)
    for kind in ("persons", "contacts", "cases"):
        run("--db", again, "import", kind, out / f"{kind}.csv")
    assert _dump(again) == first
    out2 = tmp_path / "out2"
    run("--db", again, "export", "csv", out2)
    for name in ("persons.csv", "cases.csv", "contacts.csv"):
        assert (out2 / name).read_bytes() == (out / name).read_bytes()
    # an export edited by hand (no longer the file its manifest lists) is still laid out as the tool
    # wrote it: its later columns stay extras
    from tracing.exporter import MANIFEST
    (out / MANIFEST).unlink()
    third = tmp_path / "third.db"
    run("--db", third, "import", "cases", out / "cases.csv")
    extra = rows(third, "SELECT extra FROM cases WHERE person = 'BN1'")[0][0]
    assert rows(third, "SELECT ward FROM persons") == [(None,), (None,)]
    assert extra == rows(db_path, "SELECT extra FROM cases WHERE person = 'BN1'")[0][0]

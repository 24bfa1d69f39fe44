"""A label naming only "the community" is no known source (PA2).

DOMAIN.md / the notices: PA2 is "an F0 with no known source"; a line list's
``community`` / ``cộng đồng`` / ``lây nhiễm cộng đồng`` / ``local`` /
``unlinked`` says the case caught it somewhere outside any known chain, so
such a case counts in ``unknown_source`` exactly like ``không rõ nguồn``,
while ``IMPORT`` or a place's name is a known source.
"""
from __future__ import annotations

from tests.test_import_linelists import write


def test_community_labels_are_unknown_sources_and_places_are_known(tmp_path, run, run_json, monkeypatch):
    from tracing.sources import names_a_source

    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    cells = {"C1": "community", "C2": "Cộng đồng", "C3": "Lây nhiễm cộng đồng", "C4": "Local",
             "C5": "unlinked", "C6": "IMPORT", "C7": "Bến xe Miền Đông", "C8": "Công ty cổ phần Cộng Đồng Xanh"}
    text = "id,confirmed,source\n" + "".join(f"{c},2021-06-0{i},{s}\n" for i, (c, s) in enumerate(cells.items(), 1))
    run("import", "cases", write(tmp_path / "k.csv", text))
    expected = {c for c, s in cells.items() if not names_a_source(s)}
    assert expected == {"C1", "C2", "C3", "C4", "C5"}
    assert {c for c in cells if "unknown_source" in run_json("status", c)["flags"]} == expected
    report = run_json("report", "--from", "2021-06-01", "--to", "2021-06-30", "--format", "json")
    assert report["unknown_source"] == len(expected)

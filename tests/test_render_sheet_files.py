"""A render writes its SVG sheets as FILE-1.svg … FILE-N.svg (issue 16 point 4). A later render to the
same FILE, maybe --redact, must not leave an earlier render's further sheets beside it: they hold the
names, ids and ages the new render may have redacted (critic16b F0, a privacy fault)."""

from __future__ import annotations

import json


def _fan(tmp_path, run, n=150):
    """One F0 (R) with n F1 (names 'Tên K'): a tree wider than one sheet."""
    persons = tmp_path / "p.csv"
    persons.write_text("id,name\nR,Gốc Nguyễn\n" + "".join(f"F{k},Tên Người{k}\n" for k in range(n)),
                       encoding="utf-8")
    contacts = tmp_path / "c.csv"
    contacts.write_text("from,to,date,setting\n" + "".join(f"R,F{k},2021-06-01,household\n" for k in range(n)),
                        encoding="utf-8")
    run("import", "persons", persons)
    run("import", "contacts", contacts)
    run("case", "confirm", "R", "--date", "2021-06-03")


def _render(run, *args):
    """The render's JSON and the warnings it said (stderr)."""
    result = run("render", "R", *args, "--format", "json")
    return json.loads(result.stdout), result.stderr


def test_a_redacted_render_leaves_no_earlier_sheet_beside_it(tmp_path, run):
    _fan(tmp_path, run)
    out = tmp_path / "so-do.svg"
    first, _said = _render(run, "-o", out)
    assert len(first["sheets"]) > 2
    again, said = _render(run, "--redact", "--max-nodes", "12", "-o", out)
    family = sorted(p.name for p in tmp_path.glob("so-do*.svg"))
    assert family == sorted(["so-do.svg", *[p.split("/")[-1] for p in again["sheets"]]])
    assert "sheet files of an earlier render" in said
    for p in tmp_path.glob("so-do*.svg"):
        text = p.read_text(encoding="utf-8")
        assert "Gốc Nguyễn" not in text and "Người1" not in text, p.name


def test_a_file_of_the_sheet_name_that_is_not_a_sheet_is_left_alone(tmp_path, run):
    _fan(tmp_path, run, n=4)
    out = tmp_path / "map.svg"
    mine = tmp_path / "map-1.svg"
    mine.write_text("my notes, not a drawing\n", encoding="utf-8")
    result, said = _render(run, "-o", out)
    assert result["sheets"] == [] and mine.read_text(encoding="utf-8") == "my notes, not a drawing\n"
    assert "map-1.svg is not a sheet of this render" in said and "left as it is" in said

"""A contacts file's setting column as teams write it (issue 13 point 6, critic13c F3): common words
are read as their setting, and a word no vocabulary knows never stops the file: the setting is left
unknown (judged like a blank one) and the words are kept and reported, line by line."""

from __future__ import annotations

from tracing.values import VOCABULARY, fold

KNOWN = {"quán karaoke": "venue", "karaoke": "venue", "quán bar": "venue", "hàng xóm": "social",
         "Hộ GĐ": "household"}
UNKNOWN = ["trong nhà", "phòng trọ", "sân bóng mini"]


def test_setting_words_never_stop_a_contacts_file(tmp_path, run, run_json, db_path):
    from conftest import db_rows
    words = list(KNOWN) + UNKNOWN
    f = tmp_path / "k.csv"
    f.write_text("from,to,date,setting\n" + "".join(f"A,B{i},2021-06-01,{w}\n" for i, w in enumerate(words)),
                 encoding="utf-8")
    summary = run_json("import", "contacts", f)
    assert summary["written"]["contacts"] == len(words)
    by_words = {w["words"]: w["setting"] for w in summary["settings_from_words"]}
    vocab = {fold(w).lower(): s for s, ws in VOCABULARY["setting"].items() for w in ws}
    for w in words:  # the setting is the vocabulary's, else unknown; the words kept either way
        assert by_words[w] == vocab.get(fold(w).lower()), w
    assert all(by_words[w] == KNOWN[w] for w in KNOWN) and all(by_words[w] is None for w in UNKNOWN)
    stored = {r["b"]: r for r in db_rows(db_path, "SELECT b, setting, place FROM contacts")}
    for i, w in enumerate(words):
        assert stored[f"B{i}"]["place"] == w and stored[f"B{i}"]["setting"] == by_words[w]
    said = run("import", "contacts", f, "--dry-run").stderr
    assert "'phòng trọ' -> unknown setting (1)" in said and "'quán karaoke' -> venue (1)" in said


def test_a_typed_unknown_setting_is_still_an_error_on_the_command_line(run):
    result = run("contact", "add", "A", "B", "--date", "2021-06-01", "--setting", "phòng trọ", ok=False)
    assert result.exit_code in (1, 2) and "Traceback" not in result.output

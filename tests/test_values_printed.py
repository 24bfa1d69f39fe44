"""Issue 14 point 4 (finding 9): every word the tool PRINTS for a value is
accepted back as input, with and without diacritics (a user copies the
table's word into the next command or file): the value labels of every
vocabulary, the report's how-found labels, the area words, yes/no, and the
mask column as line lists write it."""

from __future__ import annotations

import pytest

from tracing import i18n
from tracing.report import AREA_WORD, FOUND, LABELS
from tracing.values import VOCABULARY, choice, fold, parse_bool


def _printed():
    """(kind, value, word printed for it) in both languages."""
    out = []
    for lang in ("vi", "en"):
        with i18n.in_language(lang):
            for kind, values in VOCABULARY.items():
                for value in values:
                    if value in i18n.VALUES:
                        out.append((kind, value, i18n.label(value)))
            out += [("found_by", k, LABELS[lang][k]) for k in FOUND]
            out += [("area", k, w[lang]["word"]) for k, w in AREA_WORD.items()]
            out += [("bool", "true", i18n.yes_no(True)), ("bool", "false", i18n.yes_no(False))]
    return out


@pytest.mark.parametrize("kind, value, word", _printed())
def test_every_printed_word_parses_back(kind, value, word):
    for text in (word, fold(word), word.upper()):
        assert choice(text, kind) == value, (kind, text)


@pytest.mark.parametrize("text, kind, value", [
    ("tụ tập xã hội", "setting", "social"), ("tu tap xa hoi", "setting", "social"),
    ("từ tỉnh khác về", "found_by", "entry"), ("tu tinh khac ve", "found_by", "entry"),
    ("có đeo", "bool", "true"), ("không đeo", "bool", "false"), ("khong deo", "bool", "false"),
])
def test_the_testers_words(text, kind, value):
    assert choice(text, kind) == value
    if kind == "bool":
        assert parse_bool(text, "masked") is (value == "true")


def test_on_the_command_line_and_in_files(run, run_json, tmp_path):
    run("person", "add", "--id", "A", "--name", "An")
    run("person", "add", "--id", "B", "--name", "Bình")
    run("contact", "add", "A", "B", "--date", "2021-06-01", "--setting", "tụ tập xã hội")
    path = tmp_path / "c.csv"
    path.write_text("a,b,date,setting,masked\nA,B,2021-06-02,tu tap xa hoi,không đeo\n", encoding="utf-8")
    run("import", "contacts", path)
    run("case", "confirm", "A", "--date", "2021-06-05", "--found-by", "từ tỉnh khác về")
    shown = run_json("person", "show", "A")
    assert {c["setting"] for c in shown["contacts"]} == {"social"}
    assert [c["masked"] for c in shown["contacts"] if c["date"] == "2021-06-02"] == [False]

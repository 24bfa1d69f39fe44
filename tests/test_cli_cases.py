"""`tracing case confirm|unconfirm|link` as a user and a script see them."""

from __future__ import annotations

import json

from conftest import db_digest


def _setup(run):
    for pid, name in (("BN1", "Nguyễn Văn An"), ("P2", "Trần Thị Bình"), ("P3", "Lê Văn Cường")):
        run("person", "add", "--id", pid, "--name", name, "--ward", "Ngọc Lâm", "--unit", "TDP 5")
    run("contact", "add", "BN1", "P2", "--date", "2021-05-06", "--setting", "household")
    run("contact", "add", "P2", "P3", "--date", "2021-05-08")
    run("case", "confirm", "BN1", "--date", "2021-05-08")


def test_json_is_one_document_with_the_contract_keys(db_path, run):
    _setup(run)
    result = run("case", "confirm", "P2", "--date", "2021-05-10", "--format", "json")
    out = json.loads(result.stdout)  # nothing else on stdout
    assert {"id", "scenario", "dry_run", "changes", "schedule", "candidates", "zone"} <= set(out)
    assert all(set(c) >= {"id", "from", "to"} for c in out["changes"])
    assert all(set(s) >= {"id", "level", "quarantine_until", "tests"} for s in out["schedule"])
    assert not any(k.startswith("_") for k in out)


def test_pa2_json_candidates_and_zone_shape(db_path, run, run_json):
    _setup(run)
    run("person", "add", "--id", "BN5", "--name", "Ngô Thị Năm", "--ward", "Ngọc Lâm", "--unit", "TDP 5")
    run("contact", "add", "BN5", "P3", "--date", "2021-05-01")
    out = run_json("case", "confirm", "BN5", "--date", "2021-05-12")
    assert out["scenario"] == "PA2"
    assert out["candidates"] and all(set(c) >= {"id", "score", "reasons"} for c in out["candidates"])
    assert all(isinstance(r, str) for c in out["candidates"] for r in c["reasons"])
    assert set(out["zone"]) >= {"units", "places", "to_test"}


def test_errors_exit_1_and_write_nothing(db_path, run):
    _setup(run)
    digest = db_digest(db_path)
    r = run("case", "confirm", "NOBODY", "--date", "2021-05-10", ok=False)
    assert r.exit_code == 1 and "Error:" in r.stderr and "NOBODY" in r.stderr
    r = run("case", "confirm", "BN1", "--date", "2021-05-10", ok=False)
    assert r.exit_code == 1 and "already a confirmed case" in r.stderr
    r = run("case", "confirm", "P2", "--date", "31/02/2021", ok=False)
    assert r.exit_code == 1
    r = run("case", "link", "P2", "--source", "BN1", ok=False)
    assert "P2 is not a confirmed case" in r.stderr
    assert db_digest(db_path) == digest


def test_unconfirm_shows_the_diff(db_path, run, run_json):
    _setup(run)
    before = {r["id"]: r["level"] for r in run_json("list")}
    run("case", "confirm", "P2", "--date", "2021-05-10")
    text = run("case", "unconfirm", "P2").stdout
    assert "P2: F0 → F1" in text and "P3: F1 → F2" in text
    assert {r["id"]: r["level"] for r in run_json("list")} == before


def test_dry_run_of_unconfirm_and_link(db_path, run, run_json):
    _setup(run)
    digest = db_digest(db_path)
    out = run_json("case", "unconfirm", "BN1", "--dry-run")
    assert out["dry_run"] is True and {"id": "BN1", "from": "F0", "to": None} in out["changes"]
    run("person", "add", "--id", "X", "--name", "Vũ Văn X")
    digest = db_digest(db_path)
    out = run_json("case", "link", "BN1", "--source", "X", "--dry-run")
    assert out["dry_run"] is True and db_digest(db_path) == digest


def test_help_explains_with_examples(db_path, run):
    for args in (("case", "confirm"), ("case", "unconfirm"), ("case", "link"), ("followup",),
                 ("followup", "record")):
        text = run(*args, "--help").stdout
        assert "Example" in text and "tracing " in text, args
    assert "--dry-run" in run("case", "confirm", "--help").stdout

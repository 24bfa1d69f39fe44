"""Redaction: what leaves the health team must not identify a person."""

import subprocess
import sys
from pathlib import Path

from tracing.privacy import initials, redact_id, redact_name, redact_person

ROOT = Path(__file__).resolve().parents[1]


def test_redacted_name_is_initials_and_a_stable_token():
    red = redact_name("Nguyễn Văn An", "079201001234")
    assert red.startswith("N.V.A·")
    assert red.split("·")[1] == redact_id("079201001234")
    assert "079201001234" not in red and "Nguyễn" not in red


def test_token_is_the_same_in_another_python_process():
    # Python's hash() changes between runs; the token must not
    code = "from tracing.privacy import redact_id; print(redact_id('079201001234'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=ROOT).stdout.strip()
    assert out == redact_id("079201001234")


def test_different_ids_usually_get_different_tokens():
    tokens = {redact_id(f"P{i}") for i in range(50)}
    assert len(tokens) >= 45


def test_initials_of_vietnamese_and_odd_names():
    assert initials("đặng thị hồng") == "Đ.T.H"
    assert initials(None) == "?"
    assert initials("<img src=x onerror=alert(1)>") == "I.S.O"


def test_redact_person_drops_contact_details_and_keeps_epidemiology():
    person = {"id": "079201001234", "name": "Trần Thị Bình", "phone": "0912345678",
              "national_id": "079201001234", "address": "12 Lê Lợi", "ward": "Bến Nghé",
              "unit": "Tổ 5", "onset": "2021-05-01", "confirmed": "2021-05-03",
              "sources": ["P2", "P3"], "primary_source": "P2", "level": "F0"}
    red = redact_person(person)
    text = repr(red)
    for secret in ("0912345678", "079201001234", "12 Lê Lợi", "Trần Thị Bình", "P2", "P3"):
        assert secret not in text
    assert red["ward"] == "Bến Nghé" and red["unit"] == "Tổ 5"
    assert (red["onset"], red["confirmed"], red["level"]) == ("2021-05-01", "2021-05-03", "F0")
    assert red["name"] == redact_name("Trần Thị Bình", "079201001234")
    assert red["id"] == redact_id("079201001234")
    assert red["sources"] == [redact_id("P2"), redact_id("P3")] and red["primary_source"] == redact_id("P2")
    assert person["phone"] == "0912345678"  # the input is not changed

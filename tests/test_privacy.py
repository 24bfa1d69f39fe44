"""Redaction: what leaves the health team must not identify a person
(the module's rules; every shared file is scanned in test_redaction.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tracing.errors import TracingError
from tracing.privacy import TOKEN_LENGTH, Redactor

ROOT = Path(__file__).resolve().parents[1]
KEY = b"0123456789abcdef0123456789abcdef"


def test_token_is_keyed_stable_and_the_same_in_another_python_process():
    # Python's hash() changes between runs; the token must not
    code = f"from tracing.privacy import Redactor; print(Redactor({KEY!r}).token('079201001234'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=ROOT).stdout.strip()
    assert out == Redactor(KEY).token("079201001234")
    assert len(out) == TOKEN_LENGTH and "079201001234" not in out
    assert Redactor(KEY[::-1]).token("079201001234") != out


def test_kinds_of_values_have_their_own_tokens():
    r = Redactor(KEY)
    assert len({r.token("Chợ"), r.place("Chợ"), r.label("Chợ")}) == 3
    assert r.place("Chợ Long Biên") == r.place("  cho long  bien ")  # one place however typed
    assert r.place(None) is None and r.label("") is None and r.token(None) is None


def test_a_short_key_is_refused():
    with pytest.raises(TracingError):
        Redactor(b"short")


def test_redact_person_drops_contact_details_and_keeps_epidemiology():
    person = {"id": "079201001234", "name": "Trần Thị Bình", "phone": "0912345678",
              "national_id": "079201001234", "address": "12 Lê Lợi", "ward": "Bến Nghé",
              "unit": "Tổ 5", "onset": "2021-05-01", "confirmed": "2021-05-03", "workplace": "Chợ Lớn",
              "sources": ["P2", "P3"], "primary_source": "P2", "level": "F0", "extra": '{"note": "x"}'}
    r = Redactor(KEY)
    red = r.person(person)
    text = repr(red)
    for secret in ("0912345678", "079201001234", "12 Lê Lợi", "Trần Thị Bình", "P2", "P3", "Chợ Lớn", "note"):
        assert secret not in text
    assert red["ward"] == "Bến Nghé" and red["unit"] == "Tổ 5"
    assert (red["onset"], red["confirmed"], red["level"]) == ("2021-05-01", "2021-05-03", "F0")
    assert "name" not in red and red["id"] == r.token("079201001234")
    assert red["sources"] == [r.token("P2"), r.token("P3")] and red["primary_source"] == r.token("P2")
    assert red["workplace"] == r.place("Chợ Lớn")
    assert person["phone"] == "0912345678"  # the input is not changed


def test_tool_written_text_keeps_words_and_dates_and_loses_ids_and_numbers():
    r = Redactor(KEY)
    text = r.text("no longer traced (F1 → –): case link BN-7 --source P2:x 0987654321 on 2021-05-05 12:30",
                  {"BN-7", "P2"})
    assert text == (f"no longer traced (F1 → –): case link {r.token('BN-7')} --source {r.token('P2')}:x "
                    "########## on 2021-05-05 12:30")

"""Redaction for maps and exports that leave the health team.

A redacted person keeps what an epidemiologist needs (ward, unit, dates,
level, links) and loses what identifies them: the name becomes initials plus
a short stable token of the id, the id itself becomes that token, and phone,
national id and address are dropped. Tokens come from SHA-256 (not Python's
``hash()``, which changes between runs), so the same person gets the same
token on every page.

>>> redact_name("Nguyễn Văn An", "079201001234")
'N.V.A·89dd'
>>> redact_id("079201001234")
'89dd'
"""

from __future__ import annotations

import hashlib
import unicodedata

#: fields removed by :func:`redact_person`
DROPPED = ("phone", "national_id", "address", "email", "birth_date", "notes")
#: fields that hold one person id / a list of person ids
ID_FIELDS = ("id", "primary_source", "source", "person", "person_id")
ID_LIST_FIELDS = ("sources", "children", "contacts")
TOKEN_LENGTH = 4


def redact_id(person_id) -> str:
    """A short stable token for an id: the first hex digits of its SHA-256.

    Short on purpose: many ids share a token, so it cannot be reversed into a
    national-id-like id, yet it tells persons apart on one map.

    >>> redact_id("P1") == redact_id("P1"), len(redact_id("P1"))
    (True, 4)
    """
    return hashlib.sha256(str(person_id).encode("utf-8")).hexdigest()[:TOKEN_LENGTH]


def initials(name) -> str:
    """Upper-case first letters of the words of a name, joined by dots;
    ``?`` for a missing name.

    >>> initials("đặng thị hồng"), initials(None), initials("  ")
    ('Đ.T.H', '?', '?')
    """
    words = [w for w in str(name or "").split() if w]
    letters = []
    for w in words:
        first = next((c for c in unicodedata.normalize("NFC", w) if c.isalnum()), None)
        if first:
            letters.append(first.upper())
    return ".".join(letters) or "?"


def redact_name(name, person_id) -> str:
    """Initials of the name plus the id's token, e.g. ``N.V.A·89dd``.

    >>> redact_name(None, "P7")[:2]
    '?·'
    >>> redact_name("<img src=x>", "P7")
    'I.S·da38'
    """
    return f"{initials(name)}·{redact_id(person_id)}"


def redact_person(person: dict) -> dict:
    """A copy of a person record without phone, national id and address, the
    name replaced by :func:`redact_name` and ids (own id, sources) replaced by
    their tokens; ward, unit, level and dates are kept.

    >>> redact_person({"id": "079201001234", "name": "Nguyễn Văn An", "phone": "0912345678",
    ...                "national_id": "079201001234", "address": "12 Lê Lợi", "ward": "Bến Nghé",
    ...                "confirmed": "2021-05-01", "sources": ["P2"]})
    {'id': '89dd', 'name': 'N.V.A·89dd', 'ward': 'Bến Nghé', 'confirmed': '2021-05-01', 'sources': ['acbb']}
    """
    out = {}
    real_id = person.get("id")
    for key, value in person.items():
        if key in DROPPED:
            continue
        if key == "name":
            out[key] = redact_name(value, real_id if real_id is not None else value)
        elif key in ID_FIELDS:
            out[key] = None if value is None else redact_id(value)
        elif key in ID_LIST_FIELDS and isinstance(value, (list, tuple)):
            out[key] = [redact_id(v) for v in value]
        else:
            out[key] = value
    return out

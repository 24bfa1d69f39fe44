"""Redaction: the one module that decides what a shared file (``render
--redact``, ``export ... --redact``) may carry about a person.

A redacted file keeps what an epidemiologist needs (levels, dates, links,
sex, birth year, ward, unit, district, setting) and carries nothing that
identifies a person:

* **ids** become **tokens**: HMAC-SHA256 of the id keyed with a secret that
  lives in the database (table ``secrets``, made by a migration with
  :mod:`secrets`, never exported), written as :data:`TOKEN_LENGTH` base32
  characters (60 bits). Without the key an id cannot be found by trying
  candidates (unlike a plain hash of an id: a phone number or a ``BN123``
  code falls to a brute force in seconds). With one key per database, one
  person has the same token in every map and export of that database, so
  redacted files can still be joined; another database gives other tokens.
  60 bits keep a district's tokens distinct (the chance of one clash among a
  million persons is below 1 in 2 million) and :class:`Redactor` refuses to
  write a file if two ids ever met on one token.
* **names** are dropped: the token stands for the person (initials were
  dropped too: with ward and birth year they single a person out in a tổ
  dân phố);
* **phone, national id, address, e-mail, birth date, notes and every extra
  attribute** (free-text columns of imported files) are dropped;
* **free-text places and workplaces** (contact ``place``, check-in places,
  ``workplace``) and **source labels** of cases (free text of a line list,
  sometimes a name) become tokens of their own kind, so "same place" and
  "same workplace" still show;
* **texts the tool wrote** (follow-up reasons such as ``case confirm BN12
  (PA1, …)``) keep their words, with every person id in them replaced by
  its token and any long digit run (a phone or id number) masked: see
  :meth:`Redactor.text`.

Maps are redacted as data (:func:`redact_map`) before any renderer sees
them, so every map format (HTML page, SVG drawing) gets the same treatment;
a map also loses the age it would print beside a node (exports keep the
birth year, and the age as typed with the day it is an age at,
``age``/``age_date``, which age-specific rates need; never the birth date).

>>> r = Redactor(b"k" * 32)
>>> r.token("079201001234"), len(r.token("P1")) == TOKEN_LENGTH
('nai6sagyjdli', True)
>>> r.token("P1") == Redactor(b"k" * 32).token("P1") != Redactor(b"x" * 32).token("P1")
True
>>> r.text("confirmed F0: case confirm P1 (PA1, sample 2021-05-05), call 0912345678", ids={"P1"})
'confirmed F0: case confirm wcqqpo7qcfgv (PA1, sample 2021-05-05), call ##########'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import replace

from .errors import TracingError
from .i18n import _

#: characters of a token (base32, 5 bits each: 60 bits)
TOKEN_LENGTH = 12
#: the key's name in the database's ``secrets`` table
SECRET_NAME = "redaction"
#: person fields a redacted file never carries
DROPPED = ("name", "phone", "national_id", "address", "email", "birth_date", "notes", "extra")
#: person fields that hold free text naming a place: written as place tokens
PLACE_FIELDS = ("workplace",)
#: a run of this many digits (spaces, dots, dashes between) in a tool-written text is masked
DIGIT_RUN = 7

_ID_RUN = re.compile(r"[\w.\-/#:]+")
_DIGITS = re.compile(r"(\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d)?)?)(?!\d)|\d(?:[\s.\-()]*\d){%d,}" % (DIGIT_RUN - 1))


class Redactor:
    """Keyed tokens for one database. Build it with :meth:`of` (the key of
    a store) or from a key (tests, pure data).

    Every kind of value has its own token space (a place named like a
    person id does not get that person's token). Tokens are cached, and a
    clash of two values on one token raises :class:`TracingError` instead
    of writing a file that merges two persons.
    """

    def __init__(self, key: bytes):
        if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
            raise TracingError(_("the redaction key must be at least 16 bytes"))
        self._key = bytes(key)
        self._cache: dict[tuple[str, str], str] = {}
        self._owner: dict[str, tuple[str, str]] = {}

    @classmethod
    def of(cls, store) -> "Redactor":
        """The redactor of ``store``'s database (its key, made by a migration)."""
        return cls(store.secret(SECRET_NAME))

    def _token(self, kind: str, value) -> str:
        key = (kind, str(value))
        found = self._cache.get(key)
        if found is not None:
            return found
        digest = hmac.digest(self._key, f"{kind}\0{value}".encode("utf-8"), hashlib.sha256)
        token = base64.b32encode(digest).decode("ascii")[:TOKEN_LENGTH].lower()
        if kind != "person":
            token = f"{kind[0]}-{token}"
        if token in self._owner:
            raise TracingError(_("redaction: two values share the token {token}; nothing was written").format(token=token))
        self._owner[token] = key
        self._cache[key] = token
        return token

    def token(self, person_id) -> str | None:
        """The token of a person id (None stays None)."""
        return None if person_id is None else self._token("person", person_id)

    def place(self, text) -> str | None:
        """The token of a free-text place or workplace, ``p-…`` (blank stays None).
        Spelling variants that fold alike (case, diacritics, spaces) share it."""
        from .values import fold

        folded = fold(text)
        return self._token("place", folded) if folded else None

    def label(self, text) -> str | None:
        """The token of a case's source label, ``l-…``."""
        return None if text in (None, "") else self._token("label", str(text).strip())

    def text(self, value, ids) -> str | None:
        """A text the tool wrote (a follow-up reason) with every word that is
        a person id in ``ids`` (a set, or anything with ``in``) replaced by
        its token, and every run of :data:`DIGIT_RUN` or more digits masked
        with ``#``. Free text that people typed is never passed here: it is
        dropped or tokenised whole."""
        if value is None:
            return None

        def swap(m):
            word = m.group(0)
            for cut in range(len(word), 0, -1):  # "P1:" -> "P1" + ":"
                if word[:cut] in ids:
                    return self.token(word[:cut]) + word[cut:]
            return word

        text = _ID_RUN.sub(swap, str(value))
        return _DIGITS.sub(lambda m: m.group(1) or "#" * sum(c.isdigit() for c in m.group(0)), text)

    def person(self, record: dict) -> dict:
        """A copy of a person record without :data:`DROPPED` fields, its id
        and source ids as tokens, its workplace as a place token.

        >>> Redactor(b"k" * 32).person({"id": "P1", "name": "Nguyễn Văn An", "phone": "0912345678",
        ...     "ward": "Bến Nghé", "workplace": "Chợ Lớn", "sources": ["P2"], "primary_source": None})
        {'id': 'wcqqpo7qcfgv', 'ward': 'Bến Nghé', 'workplace': 'p-zlnes54jodrl', 'sources': ['ao6swoklerw6'], 'primary_source': None}
        """
        out = {}
        for key, value in record.items():
            if key in DROPPED:
                continue
            if key in ("id", "primary_source", "source", "person", "root"):
                out[key] = self.token(value)
            elif key in ("sources", "children", "contacts") and isinstance(value, (list, tuple)):
                out[key] = [self.token(v) for v in value]
            elif key in PLACE_FIELDS:
                out[key] = self.place(value)
            else:
                out[key] = value
        return out


def redact_map(data, redactor: Redactor):
    """A copy of a map (:class:`tracing.render.MapData`) with ids, sources
    and roots as tokens, no names, ages, phones, national ids or addresses, and
    the persons' names and ids in the title swapped for their tokens."""
    tok = redactor.token
    nodes = []
    swaps = []
    for n in data.nodes:
        if n.collapsed:  # a count node: its id is made from its parent's
            nodes.append(replace(n, id="+" + (tok(n.primary_source) or "") + f"-{len(nodes)}",
                                 primary_source=tok(n.primary_source), sources=[tok(s) for s in n.sources],
                                 name=None, phone=None, national_id=None, address=None, age=None, age_typed_on=None,
                                 members=[tok(m) for m in n.members]))
            continue
        if n.name:
            swaps.append((n.name, tok(n.id)))
        swaps.append((n.id, tok(n.id)))
        nodes.append(replace(n, id=tok(n.id), name=None, phone=None, national_id=None, address=None, age=None, age_typed_on=None,
                             sources=[tok(s) for s in n.sources], primary_source=tok(n.primary_source)))
    edges = [replace(e, source=tok(e.source), target=tok(e.target)) for e in data.edges]
    title = data.title
    for old, new in sorted(swaps, key=lambda s: -len(s[0])):
        title = re.sub(r"(?<!\w)" + re.escape(old) + r"(?!\w)", new, title)
    return replace(data, nodes=nodes, edges=edges, title=title, roots=[tok(r) for r in data.roots])

"""Reading the ``source`` cell of a line list as people write it.

A cell names zero or more sources. ``;`` (also full-width ``；``) and a line
break always separate entries (:func:`source_segments`); ``,`` (``，``),
``và``, ``and`` and ``&`` separate ids (``BN1, BN2 và BN3``) but are also
part of names (``Công ty TNHH Sản xuất và Thương mại Hải Nam``, ``Khu công
nghiệp Quế Võ, Bắc Ninh``, ``Bar and Grill Buddha``), so a segment is cut
there only around the parts that are ids of the file: consecutive parts that
are no id stay ONE label, exactly as written between them
(:func:`group_entries`: ``BN1 và Công ty A và B`` is the link BN1 and the
label ``Công ty A và B``). Each entry is then, in this order:

1. an **infection link** to a person of the file or the database: exactly,
   after ``--id-prefix``, or after the documented normalisation
   :func:`id_key` (case, spaces, a ``#``/``№`` sign, a ``-``/``_``/``.`` between
   letters and number, zero padding: ``NB 456``, ``#1024``, ``nb006`` match
   ``NB456``, ``1024``, ``NB6``), when exactly one id of the file has that key;
   when every id of the file has one letter prefix, a bare number names the id
   with that prefix (``#6`` or ``6`` is ``NB6`` in a file of ``NB…`` ids);
2. an **unknown-source person**: an entry with the shape of the file's own
   ids (:func:`looks_like_id`: the same letter prefix, folded, then any number,
   maybe one letter: ``K9`` or ``K 9`` in a file of ``K…`` ids; in a file of
   numbers, a number of as many digits as an id of the file, give or take
   one, or exactly as many from 7 digits without a leading zero:
   :func:`digits_fit`, ``2002000001`` in a KCDC file of ``1000000003``) that matches nobody
   becomes a person who is not a case, stored under the id as written (trimmed:
   ``NB 9`` stays ``NB 9``; a bare number in a file of one prefix takes it,
   ``#88`` is ``BN88`` in a file of ``BN…`` ids, when its digits fit the
   digits of the file's id numbers: a phone number stays a label), so two cases with source
   ``K9`` are one cluster through K9 (``K9`` and ``K 9`` in one file are one
   person, the first spelling kept);
3. otherwise a **label** of the case (``UK``, ``IMPORT``, ``BVBM``, ``community``,
   an F-level ``F1``, ``COVID-19``, ``BV 108`` in a file of ``BN…`` ids; ``0``,
   ``-``, ``không``, ``nan``: what a spreadsheet holds for "none" is never an id
   and, like ``unknown``, says the source is not known: :func:`names_a_source`).

A label becomes a link when a person with its id (or an id with the same
:func:`id_key`) arrives later, and an unknown-source person written ``HN-0042``
becomes the person ``HN42`` when ``HN42`` arrives (:func:`promote_labels`,
called by every import, ``person add`` and ``case confirm``).

>>> split_sources("BN1, BN2 và BN3")
['BN1', 'BN2', 'BN3']
>>> split_sources("Wuhan; TJ14 and JN25\\nK9，UK")
['Wuhan', 'TJ14', 'JN25', 'K9', 'UK']
>>> id_key("NB 456") == id_key("nb456"), id_key("NB006") == id_key("NB6"), id_key("#1024")
(True, True, '1024')
>>> looks_like_id("K9"), looks_like_id("NB 456"), looks_like_id("IMPORT"), looks_like_id("family of TJ17")
(True, True, False, False)
>>> shapes = file_shapes(["NB1", "NB22"])
>>> [looks_like_id(v, shapes) for v in ("NB 9", "nb-0042", "BV108", "F1", "COVID-19", "KCN2")]
[True, True, False, False, False, False]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .errors import InvalidValue
from .i18n import _
from .values import clean_text, fold

_SPLIT = re.compile(r"\s*(?:[;,，；\r\n]+|\s(?:và|and|&)\s)\s*", re.IGNORECASE)
_HARD = re.compile(r"\s*[;；\r\n]+\s*")
_SOFT = re.compile(r"\s*(?:[,，]+|\s(?:và|and|&)\s)\s*", re.IGNORECASE)
_ID_SHAPE = re.compile(r"[A-Z]{0,6}\d{1,15}[A-Z]?")
_NUMBER = re.compile(r"(?<!\d)0+(?=\d)")
_SIGNS = re.compile(r"[\s#№]+")
_LEADING_SIGN = re.compile(r"^[#№]\s*")
#: what people write around an id in a source cell: a wrapping bracket, an end
#: full stop or comma, a note in brackets after it (``BN 7 (vợ)``), a word for
#: "patient" before it (``bệnh nhân BN1``, ``patient 31``, ``ca 12``; plural too, the
#: first of a list: ``Cases 8 and 9``, ``các ca 12 và 13``), the
#: level it was traced at (``F1 của BN2``, ``contact of BN2``, ``tiếp xúc với BN2``)
#: or a field name with a colon (``nguồn: BN3``, ``nguồn lây: BN3``, ``source: BN3``)
_NOTE_AFTER = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_WORD_BEFORE = re.compile(r"^(?:(?:(?:(?:các|cac)\s+)?(?:bệnh nhân|benh nhan|ca bệnh|ca benh|ca)|patients?|cases?|pts?|số|so|no\.?"
                          r"|f[01]\s+(?:của|cua|of)|(?:tiếp xúc|tiep xuc|tx)\s+(?:với|voi)|contact\s+of)\s+"
                          r"|(?:nguồn(?:\s+lây)?|nguon(?:\s+lay)?|source|from|từ|tu)\s*:\s*)", re.I)


def undecorated(entry: str) -> str | None:
    """``entry`` without what people write around an id (:data:`_NOTE_AFTER`,
    :data:`_WORD_BEFORE`, wrapping brackets, end punctuation), or None when
    nothing was around it. Used only to match an id that exists: a label
    stays a label (:meth:`SourceMatcher.resolve`).

    >>> [undecorated(x) for x in ("BN1.", "(BN1)", "bệnh nhân BN1", "BN 7 (vợ)", "patient 31", "BN1")]
    ['BN1', 'BN1', 'BN1', 'BN 7', '31', None]
    >>> [undecorated(x) for x in ("F1 của BN2", "nguồn: BN3", "Nguồn lây:BN3", "contact of 12")]
    ['BN2', 'BN3', 'BN3', '12']
    >>> [undecorated(x) for x in ("Cases 8", "patients 31", "các ca 12", "các bệnh nhân BN4")]  # the plural of a list
    ['8', '31', '12', 'BN4']
    """
    text = entry.strip()
    for _round in range(3):
        before = text
        if len(text) > 2 and text[0] in "([" and text[-1] in ")]":
            text = text[1:-1].strip()
        text = _NOTE_AFTER.sub("", text)
        text = text.strip(" .,;:")
        text = _WORD_BEFORE.sub("", text).strip()
        if text == before:
            break
    return text if text and text != entry.strip() else None
_JOINER = re.compile(r"(?<=[A-Z])[-_.](?=\d)")

#: a run of letters and digits holding a number (``TJ95``, ``BN1550``, ``1551``, ``17A``) in free text
_RUN = re.compile(r"(?<![^\W_])([^\W_]*?\d[^\W_]*)(?![^\W_])")
#: the word just before a run, and what may stand between: ``NB 456``, ``Case 8``, ``BN số 1550``, ``#1024``
_BEFORE_RUN = re.compile(r"([^\W\d_]{1,10})(\s+(?:số|so|no\.?)\s*|\s*[-_.]?\s*|\s*[#№]\s*)$", re.I)
#: words that say a bare number in free text is a patient's (``ca 12``, ``bệnh nhân 31``, ``case 7``, ``#7``)
_ID_WORD = re.compile(r"(?:bệnh nhân|benh nhan|ca|bn|patients?|pts?|cases?|số|so|no\.?|[#№])\s*$", re.I)
#: an F-level word (F0…F5) in the text before an id
_LEVEL_WORD = re.compile(r"(?<![^\W_])f\s?([0-5])(?![^\W_])", re.I)


def ids_in_text(text: str, names) -> tuple[list[str], bool]:
    """The ids of the file or database (``names``: text -> that id or None)
    written inside a free-text source entry, in order, and whether the text
    says they are NOT the infector (issue 13 point 1, critic13 F2/F13).

    A run of letters and digits is read with the word before it when the two
    name an id (``NB 456``, ``Case 8``, ``BN số 1550``), else alone when it
    has letters (``TJ95``, ``TJ50's``); a bare number names an id only after a
    word for a patient (``ca 12``, ``case 7``, ``#7``), so dates, ages and
    counts (``12/7``, ``50 tuổi``) name nobody. The ids are not the infector
    when the text before the first one names a level further down the chain:
    an ``F2`` … ``F5``, or two F-levels (``F2 của BN1``, ``F1 của F1 BN1``:
    a contact of a contact of BN1); ``F1 của BN1`` is a contact of BN1.

    >>> known = {"BN1550": "BN1550", "TJ95": "TJ95", "TJ116": "TJ116", "CASE8": "Case 8", "BN12": "BN12"}
    >>> look = lambda t: known.get(id_key(t)) or (known.get("BN" + id_key(t)) if id_key(t).isdigit() else None)
    >>> [ids_in_text(t, look) for t in ("lây từ BN1550", "vợ BN1550", "BN số 1550", "TJ50's family of TJ95")]
    [(['BN1550'], False), (['BN1550'], False), (['BN1550'], False), (['TJ95'], False)]
    >>> [ids_in_text(t, look) for t in ("F2 của BN1550", "F1 của F1 BN1550", "F1 BN1550", "family of cases TJ95 TJ116")]
    [(['BN1550'], True), (['BN1550'], True), (['BN1550'], False), (['TJ95', 'TJ116'], False)]
    >>> [ids_in_text(t, look) for t in ("met 12/7", "ca 12", "linked to Case 8", "Chợ Long Biên", "50 tuổi")]
    [([], False), (['BN12'], False), (['Case 8'], False), ([], False), ([], False)]
    """
    found: list[str] = []
    first_at = None
    for m in _RUN.finditer(text):
        run = m.group(1)
        if run[-2:].lower() == "'s":
            run = run[:-2]
        before = _BEFORE_RUN.search(text, 0, m.start())
        hit = None
        if before is not None:  # BN số 1550 is BN 1550
            joint = " " if before.group(2).strip().lower() in ("số", "so", "no", "no.") else before.group(2)
            hit = names(before.group(1) + joint + run)
        if hit is None and (not run.isdigit() or _ID_WORD.search(text, 0, m.start())):
            hit = names(run)
        if hit is not None and hit not in found:
            found.append(hit)
            first_at = m.start() if first_at is None else first_at
    if not found:
        return [], False
    levels = [int(x) for x in _LEVEL_WORD.findall(text, 0, first_at)]
    return found, any(n >= 2 for n in levels) or len(levels) >= 2


#: Labels that say the source is NOT known (folded: lower case, no diacritics):
#: a case with only such labels has no known source (PA2).
#: A label that names only "the community" (``community``, ``local``,
#: ``unlinked``, ``cộng đồng``, ``lây nhiễm cộng đồng``) names no source either:
#: the case caught it somewhere unknown outside any known chain, the notices'
#: PA2 ("F0 không rõ nguồn lây tại cộng đồng").
#: What a spreadsheet holds for "nothing" is no source either: ``0``, a dash (``-``, ``—``), ``không``,
#: ``chưa``, ``nan`` (pandas), ``null``, ``nil``, ``#N/A`` (issue 13, critic13 F6).
_UNKNOWN_LABEL = re.compile(r"(?:unknown|unk|n/?a|#n/a|n\.a\.?|none|nan|null|nil|khong|chua|0+(?:\.0+)?|[-‐–—_.]+|\?+"
                            r"|(?:khong|chua)\s+(?:ro|xac\s+dinh|co|biet)"
                            r"(?:\s+nguon(?:\s+lay(?:\s+nhiem)?)?)?|nguon\s+(?:lay\s+)?(?:khong|chua)\s+ro"
                            r"|(?:local(?:ly\s+acquired)?\s+)?community(?:\s+(?:case|transmission|spread))?|local|unlinked"
                            r"|(?:(?:ca|lay(?:\s+nhiem)?|f0)\s+)?(?:tai\s+|trong\s+|ngoai\s+)?cong\s+dong)")


def names_a_source(label) -> bool:
    """Does a label name where the case was infected (``GB``, ``IMPORT``,
    ``F0 nhập cảnh``, ``BV Bạch Mai``: a known source that is no person), or
    does it say the source is unknown (``không rõ nguồn``, ``chưa rõ``,
    ``unknown``, ``?``, or only "the community": ``cộng đồng``, ``community``)?

    >>> [names_a_source(x) for x in ("GB", "F0 nhập cảnh", "Không rõ nguồn lây", "chưa xác định", "Unknown")]
    [True, True, False, False, False]
    >>> [names_a_source(x) for x in ("community", "Cộng đồng", "lây nhiễm cộng đồng", "Local", "Bến xe Miền Đông")]
    [False, False, False, False, True]
    >>> [names_a_source(x) for x in ("0", "-", "—", "không", "Không có", "nan", "NULL", "#N/A", "0.0", "10")]
    [False, False, False, False, False, False, False, False, False, True]
    """
    return _UNKNOWN_LABEL.fullmatch(fold(str(label))) is None


#: Airlines whose flight codes (``VN0054``, ``VJ 981``) name an imported case's
#: source: Vietnamese carriers and those flying into Vietnam (IATA codes).
AIRLINES = ("VN", "VJ", "QH", "BL", "VU", "0V", "SQ", "CX", "KE", "OZ", "JL", "NH", "TG", "CZ", "MU", "CA", "EK",
            "QR", "TK", "AF", "LH", "BA", "CI", "BR", "MH", "AK", "FD", "PR", "5J", "TR", "HX", "KA", "QF", "JQ",
            "UA", "AA", "DL", "SU", "EY", "KL", "3K", "MM", "7C", "LJ", "ZE")
_FLIGHT = re.compile(r"(?:(?:chuyen\s+bay|flight|cb)\s*(?:so\s*)?[a-z0-9]{2}|" + "|".join(
    a.lower() for a in AIRLINES) + r")\s*-?\s*\d{1,4}")
_ENTRY_WORDS = re.compile(r"\b(?:import(?:ed|ation)?|nhap\s+canh|(?:tu\s+)?nuoc\s+ngoai|from\s+abroad|overseas"
                          r"|entry|nhap\s+khau)\b")


def is_entry_label(label) -> bool:
    """Does a source label say the case came in from abroad (an imported
    case, the report's *entry*): the words ``IMPORT``, ``imported``,
    ``nhập cảnh``, ``nước ngoài``, ``from abroad``, ``overseas``, or a flight
    (``VN0054``, ``VJ 981``, ``chuyến bay QH1521``, ``flight SQ176``: a code
    of :data:`AIRLINES`, or any two-character code after ``chuyến
    bay``/``flight``)?

    >>> [is_entry_label(x) for x in ("IMPORT", "imported", "F0 nhập cảnh", "VN0054", "chuyến bay VJ 981")]
    [True, True, True, True, True]
    >>> [is_entry_label(x) for x in ("BV108", "BV Bạch Mai", "Chợ Long Biên", "UK", "cộng đồng")]
    [False, False, False, False, False]
    """
    text = fold(str(label)).strip()
    return bool(_ENTRY_WORDS.search(text) or _FLIGHT.fullmatch(text))


def entered_by_label(store, ids=None) -> set[str]:
    """The cases (of ``ids``; all when None) with a label that says they
    came in from abroad (:func:`is_entry_label`)."""
    from .store import sources as sql

    return {c for c, labels in sql.labels_of(store, ids).items() if any(map(is_entry_label, labels))}


def sourced_by_label(store, ids=None) -> set[str]:
    """The cases (of ``ids``; all when None) with a label that names a source
    (:func:`names_a_source`). Such a case has a known source: it is not an
    unknown-source case (PA2, DOMAIN.md: "an F0 with no known source") in
    levels, status, reports, clusters, maps or exports: one definition,
    :func:`has_known_source`."""
    from .store import sources as sql

    return {c for c, labels in sql.labels_of(store, ids).items() if any(map(names_a_source, labels))}


def has_known_source(links, primary_source, by_label: bool) -> bool:
    """The one definition of a known source (its negation is ``unknown_source``,
    PA2): a recorded infection link, a source derived from an exposure in the
    incubation window (``primary_source``), or a label naming where the case was
    infected (:func:`sourced_by_label`)."""
    return bool(links or primary_source or by_label)


def split_sources(value) -> list[str]:
    """The entries of a source cell, trimmed, blanks and repeats dropped."""
    text = clean_text(value, "source", multiline=True)
    if not text:
        return []
    return list(dict.fromkeys(t.strip() for t in _SPLIT.split(text) if t and t.strip()))


def source_segments(value) -> list[str]:
    """The parts of a source cell between hard separators (``;``, ``；``, a
    line break), trimmed, blanks and repeats dropped; each is then read by
    :func:`group_entries`.

    >>> source_segments("BN1, BN2 và BN3; Công ty A và B\\nUK")
    ['BN1, BN2 và BN3', 'Công ty A và B', 'UK']
    """
    text = clean_text(value, "source", multiline=True)
    if not text:
        return []
    return list(dict.fromkeys(t.strip() for t in _HARD.split(text) if t and t.strip()))


def soft_parts(segment: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the parts of one segment between soft
    separators (``,``, ``và``, ``and``, ``&``), blanks left out."""
    spans, at = [], 0
    for m in _SOFT.finditer(segment):
        spans.append((at, m.start()))
        at = m.end()
    spans.append((at, len(segment)))
    return [(a, b) for a, b in spans if segment[a:b].strip()]


_GROUP_COMMA = re.compile(r"\d[,，]\d{3}(?!\d)")
_THREE_DIGITS = re.compile(r"\d{3}")


def _thousands_joined(segment: str, spans: list[tuple[int, int]], names) -> list[tuple[int, int]]:
    """``spans`` with two parts joined where only a thousands comma stood
    between them (``BN2,900``: a part ending in a digit, a bare comma, a part
    of three digits) and the joined text names an id (``names``)."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            a0, b0 = out[-1]
            if (segment[b0:a] in (",", "，") and segment[b0 - 1].isdigit()
                    and _THREE_DIGITS.fullmatch(segment, a, b) and names(segment[a0:b].strip())):
                out[-1] = (a0, b)
                continue
        out.append((a, b))
    return out


def _date_like(pieces: list[str]) -> bool:
    """Are the ``/``-separated pieces of a part bare numbers that read as a
    day and a month (``12/7``, ``3/11/2020``) either way round? Such a part
    is a date (when the case met its source), never two ids (critic13 F9).

    >>> _date_like(["12", "7"]), _date_like(["3", "11", "2020"]), _date_like(["120", "7"]), _date_like(["BN8", "BN7"])
    (True, True, False, False)
    """
    if len(pieces) not in (2, 3) or not all(p.isdigit() for p in pieces):
        return False
    a, b = int(pieces[0]), int(pieces[1])
    if len(pieces) == 3 and len(pieces[2]) not in (2, 4):
        return False
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


def group_entries(segment: str, is_id, names=None, split=None) -> list[tuple[str, bool]]:
    """The entries of one segment: ``[(text, is an id)]``. A part for which
    ``is_id(part)`` holds is an entry of its own; consecutive parts that are
    not ids are one entry, the segment's text from the first to the last of
    them, byte for byte (issue 13 point 1: a label is kept as written). With
    ``names`` (text -> names an id of the file or database), a comma between a
    digit and three digits (``BN2,900``) is a thousands separator, not a cut,
    when the joined text names an id, and a part whose ``/``-separated pieces
    all name ids (``BN8/BN7``) is those ids (a ``/`` elsewhere stays in the label,
    and so does a date of bare numbers, ``12/7``: :func:`_date_like`);
    ``split(part, pieces)`` is told of each such part (the summary's ``read_as``).

    >>> ids = {"BN1", "BN2", "BN3"}.__contains__
    >>> group_entries("BN1, BN2 và BN3", ids)
    [('BN1', True), ('BN2', True), ('BN3', True)]
    >>> group_entries("Công ty TNHH Sản xuất và Thương mại Hải Nam", ids)
    [('Công ty TNHH Sản xuất và Thương mại Hải Nam', False)]
    >>> group_entries("Bar and Grill, BN2 và Quế Võ, Bắc Ninh", ids)
    [('Bar and Grill', False), ('BN2', True), ('Quế Võ, Bắc Ninh', False)]
    >>> group_entries("BN3/BN2, Bar/Grill", ids, ids)
    [('BN3', True), ('BN2', True), ('Bar/Grill', False)]
    """
    out: list[tuple[str, bool]] = []
    run: tuple[int, int] | None = None
    spans = soft_parts(segment)
    if names is not None and len(spans) > 1 and _GROUP_COMMA.search(segment):
        spans = _thousands_joined(segment, spans, names)
    for a, b in spans:
        part = segment[a:b].strip()
        pieces = [p.strip() for p in part.split("/")] if names is not None and "/" in part else []
        if (len(pieces) > 1 and not _date_like(pieces) and all(p and names(p) for p in pieces)
                and all(is_id(p) for p in pieces)):
            # BN8/BN7: a slash between ids of the file or database (never inside a label: Bar/Grill)
            if run is not None:
                out.append((segment[run[0]:run[1]].strip(), False))
                run = None
            out += [(p, True) for p in pieces]
            if split is not None:
                split(part, pieces)
        elif is_id(part):
            if run is not None:
                out.append((segment[run[0]:run[1]].strip(), False))
                run = None
            out.append((part, True))
        else:
            run = (a, b) if run is None else (run[0], b)
    if run is not None:
        out.append((segment[run[0]:run[1]].strip(), False))
    return out


_FLOAT_ZERO = re.compile(r"(?<=\d)\.0+$")
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}(?:[.,]\d{3})*$)")


def id_key(text) -> str:
    """What two ways of writing one id share: upper case, no spaces, no
    ``#``/``№`` sign, no ``-``/``_``/``.`` between letters and a number, no
    leading zeros in a number, no ``.0`` a spreadsheet or pandas wrote after a
    whole number (``1000000001.0``), no thousands separator (``BN2.899``,
    ``BN2,900``, ``1,024``: Vietnamese bulletins write patient numbers so).

    >>> [id_key(x) for x in ("1000000001.0", "BN2.899", "BN2,900", "1,024", "BN 1.5")]
    ['1000000001', 'BN2899', 'BN2900', '1024', 'BN1.5']
    """
    key = str(text).upper()
    plain = _PLAIN_ID.fullmatch(key)
    if plain is not None:  # the usual shape (P000123, BN17): only a zero padding to drop, no regex pass
        return plain[1] + (plain[2].lstrip("0") or "0")
    return _id_key_written(key)


#: letters then ASCII digits, nothing else: an id whose key only drops the zero padding
_PLAIN_ID = re.compile(r"([A-Z]*)([0-9]+)")


def _id_key_written(key: str) -> str:
    """:func:`id_key` of an upper-cased text, every rule applied in turn."""
    key = _SIGNS.sub("", key)
    key = _JOINER.sub("", key)
    key = _FLOAT_ZERO.sub("", key)
    key = _THOUSANDS.sub("", key)
    return _NUMBER.sub("", key)


_F_LEVEL = re.compile(r"F[0-5]")


def id_shape(text) -> tuple[str, bool] | None:
    """The shape of an id: ``(letter prefix, ends with a letter)`` of its
    :func:`id_key` (``NB 456`` -> ``("NB", False)``, ``BN17A`` -> ``("BN", True)``),
    or None for what is not shaped like an id (names, places, codes without
    digits, more than one space)."""
    raw = str(text).strip()
    if len(raw) > 24 or raw.count(" ") > 1:
        return None
    key = id_key(raw)
    if _ID_SHAPE.fullmatch(key) is None:
        return None
    prefix = re.match(r"[A-Z]*", key).group(0)
    return prefix, key[-1].isalpha()


def _is_zero(text) -> bool:
    """Is the number of an id zero (``0``, ``000``, ``0.0``, ``BN0``)? Patient
    numbers start at 1, and ``0`` is what a spreadsheet holds for "none": such
    an entry names no unknown-source person and no id of a prefix (critic13
    F6), it is a label that says the source is unknown (:func:`names_a_source`)."""
    key = id_key(text)
    return key[-1:].isdigit() and not key.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").strip("0")


def _digits(text) -> int:
    """How many digits the number of an id has, zero padding dropped (``NB006``: 1)."""
    return sum(c.isdigit() for c in id_key(text))


#: from this many digits an id number is a serial of fixed width (KCDC ``1000000003``: 10 digits), not a
#: counter that grows by a digit: see :func:`digits_fit`
FIXED_WIDTH = 7


def digits_fit(text, widths) -> bool:
    """Has the number of ``text`` the digits of an id of the file (``widths``:
    the digit counts of the file's id numbers, zero padding dropped)?

    * below :data:`FIXED_WIDTH` digits: as many digits as an id of the file,
      give or take one (a counter: ``12``, ``2417``, ``99999`` in a file of
      ``1`` … ``2000``);
    * from :data:`FIXED_WIDTH` digits: exactly the digits of an id of the
      file, written without a leading zero (``2002000001`` in a KCDC file of
      ``1000000003``: a patient of another province). A phone number is
      never such an id: it is written with a leading ``0`` (``0912345678``)
      or with the country code ``84``, one digit more (``84912345678``).

    >>> kcdc = {10}
    >>> [digits_fit(v, kcdc) for v in ("2002000001", "0912345678", "84912345678", "100000009", "1000000001.0")]
    [True, False, False, False, True]
    >>> [digits_fit(v, {1, 4}) for v in ("12", "99999", "123456", "1234567")]
    [True, True, False, False]
    """
    n = _digits(text)
    if n < FIXED_WIDTH:
        return any(abs(n - w) <= 1 for w in widths)
    return n in widths and not _SIGNS.sub("", str(text)).startswith("0")


def file_shapes(ids) -> set:
    """The shapes of a file's own ids (:func:`looks_like_id`): ``(prefix,
    ends with a letter)`` of the ids with a letter prefix (:func:`id_shape`),
    and ``("", ends with a letter, digits)`` of the ids that are numbers, with
    the number of digits of each (``1`` … ``2000``: 1 to 4 digits)."""
    out = set()
    for pid in ids:
        shape = id_shape(pid)
        if shape is not None:
            out.add(shape if shape[0] else (*shape, _digits(pid)))
    return out


def looks_like_id(text, shapes=None) -> bool:
    """Is a source entry an id: the rule that makes an entry matching no
    case an **unknown-source person** rather than a label (issue 13 point 1).

    Without ``shapes``: the shape of a person id (:func:`id_shape`: a short
    letter prefix, a number, maybe one letter: ``K9``, ``NB 456``,
    ``#1024``, ``BN17A``). With ``shapes`` (:func:`file_shapes`), the shape
    of the file's own ids:

    * ids with a letter prefix (``BN17``, ``NB006``, ``KR-12``): the same
      prefix, folded (case, a space, ``-``/``_``/``.``, a ``#`` sign), then
      any number (``BN9999``, ``BN 12``, ``bn-7``, ``KR 99``);
    * ids that are numbers (``1`` … ``2000``): a number whose digits (zero
      padding dropped) fit the digits of the file's ids (:func:`digits_fit`:
      ``12``, ``2417``, ``99999`` in a file of ``1`` … ``2000``, not ``1234567``
      nor a phone number; ``2002000001`` in a KCDC file of ``1000000003``);
    * anything else stays a label: place, flight and hospital codes
      (``VN0054``, ``BV108``, ``BV Bạch Mai``, ``KCN2``), ``UK``,
      ``IMPORT``, ``COVID-19``, an F-level (``F0``…``F5``, a note of the
      level the case was traced at) and a number zero (``0``, ``000``,
      ``BN0``: the "none" of a spreadsheet, :func:`_is_zero`).

    >>> numbers = file_shapes(map(str, range(1, 2001)))
    >>> [looks_like_id(v, numbers) for v in ("2417", "12", "#99999", "123456", "0912345678", "VN0054", "UK")]
    [True, True, True, False, False, False, False]
    >>> prefixed = file_shapes(["BN17", "NB006", "KR-12"])
    >>> [looks_like_id(v, prefixed) for v in ("BN9999", "BN 12", "nb-0042", "KR 99", "VN0054", "BV Bạch Mai")]
    [True, True, True, True, False, False]
    """
    shape = id_shape(text)
    if shape is None or _is_zero(text):
        return False
    if shapes is not None:
        if shape[0]:
            fits = shape in shapes
        else:
            fits = digits_fit(text, {s[2] for s in shapes if not s[0] and s[1] == shape[1]})
        if not fits:
            return False
    return _F_LEVEL.fullmatch(id_key(text)) is None


@dataclass
class SourceReport:
    """What the source cells of one import became (the summary's ``sources``).

    Each source value of a case (an entry of its cells, repeats in one case
    counted once) is in exactly one category, and ``values`` is their sum:
    ``links`` (to a case or person of the file or the database),
    ``unknown_source_values`` (naming an unknown-source person; the distinct
    persons are ``unknown_source_persons``), ``labels``, and ``in_cycle``
    (a link that would close a cycle of sources, kept as the attribute
    ``source_in_cycle``). ``top_labels``: the 10 most frequent labels;
    ``labels_no_source``: how many labels say the source is not known
    (``unknown``, ``0``, ``-``, ``không``: :func:`names_a_source`);
    ``not_infector``: labels that name ids further up the chain (``F2 của
    BN1``: :func:`ids_in_text`), kept as labels."""

    links: int = 0
    unknown_source_persons: set = field(default_factory=set)
    unknown_source_values: int = 0
    labels: Counter = field(default_factory=Counter)
    in_cycle: int = 0
    normalised: dict = field(default_factory=dict)
    read_as: dict = field(default_factory=dict)
    not_infector: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        labels = sum(self.labels.values())
        return {"values": self.links + self.unknown_source_values + labels + self.in_cycle,
                "links": self.links, "unknown_source_values": self.unknown_source_values,
                "unknown_source_persons": len(self.unknown_source_persons),
                "unknown_source_ids": sorted(self.unknown_source_persons)[:20],
                "labels": labels, "in_cycle": self.in_cycle,
                "labels_no_source": sum(n for label, n in self.labels.items() if not names_a_source(label)),
                "top_labels": [[label, n] for label, n in
                               sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
                "normalised": len(self.normalised),
                "normalised_examples": [[k, v] for k, v in sorted(self.normalised.items())[:10]],
                "read_as": len(self.read_as),
                "read_as_examples": [[k, v] for k, v in sorted(self.read_as.items())[:10]],
                "not_infector": len(self.not_infector),
                "not_infector_examples": [[k, v] for k, v in sorted(self.not_infector.items())[:10]]}


class SourceMatcher:
    """Resolves source entries against the ids of a file and of the database.

    ``file_ids``: the ids of the rows written; ``known``: a callable giving the
    subset of candidate ids that are persons in the database; ``with_prefix``:
    the ``--id-prefix`` rule; ``stored``: a callable giving every stored person
    id (read once, only when an entry matches no id exactly), so that ``NB 456``
    also names a person ``NB456`` stored by an earlier import."""

    def __init__(self, file_ids, known, with_prefix, stored=None):
        self.file_ids = set(file_ids)
        self.with_prefix = with_prefix
        self._known = known
        self._stored = stored
        self._stored_keys: dict[str, set] | None = None
        self._stored_shape_set: set | None = None
        keys: dict[str, set] = {}
        for pid in self.file_ids:
            keys.setdefault(id_key(pid), set()).add(pid)
        self._by_key = {k: next(iter(v)) for k, v in keys.items() if len(v) == 1}
        # ids of the file that differ only by case, spaces, a sign or zero padding (P2, p2, P 2)
        self.ambiguous = {k: sorted(v) for k, v in keys.items() if len(v) > 1}
        prefixes = {re.match(r"[A-Z]*", k).group(0) for k in keys}
        # ids of one letter prefix (NB1, NB2…): a bare number (#6, 6) means NB6
        self._one_prefix = next(iter(prefixes)) if len(prefixes) == 1 and keys else ""
        # digits of the file's id numbers: a bare number is an id of the file's prefix only with them (digits_fit)
        self._digits = {sum(c.isdigit() for c in k) for k in keys}
        self._db: set[str] = set()
        self._new: dict[str, str] = {}  # key -> id of an unknown-source person made in this import
        self.shapes = file_shapes(self.file_ids)
        self.report = SourceReport()

    def lookup(self, entries) -> None:
        """Ask the database once for every candidate id of ``entries``."""
        wanted = set()
        for e in entries:
            wanted.update((e, self.with_prefix(e)))
        self._db = self._known([w for w in wanted if w and w not in self.file_ids])

    def resolve(self, entry: str) -> tuple[str, str]:
        """``("link", id)``, ``("person", id)`` (an unknown-source person) or ``("label", text)``.

        An exact match (a row of the file, then a stored person) always wins
        over a normalised one. A normalised match naming two ids of the file
        raises :class:`InvalidValue` listing them. An entry with the shape of
        the file's ids or the stored persons' ids (:func:`looks_like_id`) that matches nothing is an
        unknown-source person stored under the id as written (``NB 9``,
        ``HN-0042``; a leading ``#`` dropped; ``#88`` -> ``BN88`` in a file of
        ``BN…`` ids; a second spelling of one key in the file names the first):
        reported in ``read_as``, never as a normalised match. The real id
        arriving later, written either way, is linked (:func:`promote_labels`)."""
        hit = self._link(entry)
        if hit is not None:
            return "link", hit
        plain = undecorated(entry)  # BN1., (BN1), bệnh nhân BN1, BN 7 (vợ), patient 31: an id that exists
        if plain is not None:
            hit = self._link(plain)
            if hit is not None:
                self.report.normalised.pop(plain, None)
                self.report.read_as[entry] = hit
                return "link", hit
        candidate = self.with_prefix(entry)
        key = id_key(candidate)
        bare = (bool(self._one_prefix) and key.isdigit() and candidate == entry and not _is_zero(key)
                and digits_fit(entry, self._digits))  # not a phone number: 0912345678
        if bare or looks_like_id(candidate, self.shapes) or looks_like_id(candidate, self._stored_shapes()):
            if bare:  # #88 in a file of BN… ids is BN88
                key = self._one_prefix + key
            pid = self._new.get(key)
            if pid is None:  # the id as written (trimmed, without a leading sign): NB 9, HN-0042
                pid = key if bare else _LEADING_SIGN.sub("", candidate)
                self._new[key] = pid
            if pid != entry:
                self.report.read_as[entry] = pid
            return "person", pid
        return "label", entry

    def ids_in(self, text: str, case_id: str) -> tuple[list[str], bool]:
        """:func:`ids_in_text` of a label entry against the ids of the file and
        the database (``case_id`` itself left out), reported: read as links
        in ``read_as``, or, when the text says they are not the infector
        (``F2 của BN1``), in ``not_infector`` (the entry stays a label)."""
        def named(candidate):
            try:
                hit = self._link(candidate)
            except InvalidValue:
                return None
            self.report.normalised.pop(candidate, None)
            return hit

        ids, indirect = ids_in_text(text, named)
        ids = [i for i in ids if i != case_id]
        if ids:
            (self.report.not_infector if indirect else self.report.read_as)[text] = ", ".join(ids)
        return ids, indirect

    def names(self, entry: str) -> bool:
        """Does ``entry`` name a person of the file or the database (exactly or
        by :func:`id_key`)? No unknown-source person is made."""
        try:
            return self._link(entry) is not None
        except InvalidValue:
            return False

    def _link(self, entry: str) -> str | None:
        """The id of the file or the database ``entry`` names, or None; raises
        :class:`InvalidValue` when it could name two."""
        candidate = self.with_prefix(entry)
        for c in (candidate, entry):
            if c in self.file_ids or c in self._db:
                return c
        keys = [id_key(candidate), id_key(entry)]
        if self._one_prefix and keys[1].isdigit():
            keys.append(self._one_prefix + keys[1])
        for key in keys:
            ids = set(self.ambiguous.get(key, ())) | ({self._by_key[key]} if key in self._by_key else set())
            ids |= self._stored_ids(key)
            if len(ids) > 1:
                raise InvalidValue("source: " + _("'{entry}' could be any of {ids} (ids that differ only by case, "
                                                  "spaces or zero padding); write the id exactly").format(
                                       entry=entry, ids=", ".join(sorted(ids))))
            if ids:
                hit = next(iter(ids))
                self.report.normalised[entry] = hit
                return hit
        return None


    def _stored_shapes(self) -> set:
        """:func:`file_shapes` of the stored persons' ids: a source shaped like
        the database's ids is an id too (critic13 F17: a district's own
        ``KR-4`` cases naming the national ``BN2`` of an earlier import)."""
        if self._stored is None:
            return set()
        if self._stored_shape_set is None:
            self._stored_ids("")
            self._stored_shape_set = file_shapes(i for ids in self._stored_keys.values() for i in ids)
        return self._stored_shape_set

    def _stored_ids(self, key: str) -> set:
        """Stored person ids whose :func:`id_key` is ``key`` (the file's own ids excluded)."""
        if self._stored is None:
            return set()
        if self._stored_keys is None:
            keys: dict[str, set] = {}
            for pid in self._stored():
                if pid not in self.file_ids:
                    keys.setdefault(id_key(pid), set()).add(pid)
            self._stored_keys = keys
        return self._stored_keys.get(key, set())


class IdSpeller:
    """The one id normalisation of every import kind, for the id columns of
    persons, cases, contacts (``from``/``to``) and check-ins (``person``):
    an id that is no stored person but has the :func:`id_key` of exactly one
    stored person is that person (``BN 1``, ``bn1``, ``BN01``, ``BN1.0`` for
    ``BN1``); a bare number (``#3``, ``3``) is the stored id of the one letter
    prefix every stored id has (``BN3``), as in a source cell. With
    ``in_file`` (contacts, check-ins: ids that name persons, like sources),
    spellings of one key that match no stored person are one person, the
    first spelling kept. ``placeholders`` (persons, cases files): a callable
    giving the unknown-source persons named only as a source (``HN-0042``),
    which are not matched: the real id arriving adopts them in its own
    spelling (:func:`promote_labels`). ``normalised`` maps what was written to the id used
    (the import summary's ``ids_normalised``). ``stored``: a callable giving
    every stored person id, called once, only when an id is not stored."""

    def __init__(self, stored, in_file: bool = False, placeholders=None):
        self._stored_fn = stored
        self._placeholders = placeholders
        self.in_file = in_file
        self._stored: set | None = None
        self._keys: dict[str, set] | None = None
        self._prefix = ""
        self._file: dict[str, str] = {}
        self.normalised: dict[str, str] = {}

    def __call__(self, pid):
        if pid is None:
            return None
        if self._stored is None:
            self._stored = set(self._stored_fn())
        if pid in self._stored:
            return pid
        if not self._stored and not self.in_file:
            return pid
        if self._keys is None:
            keys: dict[str, set] = {}
            skip = set(self._placeholders()) if self._placeholders else set()
            for sid in self._stored:
                if sid not in skip:
                    keys.setdefault(id_key(sid), set()).add(sid)
            self._keys = keys
            prefixes = {re.match(r"[A-Z]*", k).group(0) for k in keys}
            self._prefix = next(iter(prefixes)) if len(prefixes) == 1 and keys else ""
        key = id_key(pid)
        hits = self._keys.get(key)
        if not hits and self._prefix and key.isdigit() and pid.strip()[:1] in "#№0123456789":
            hits = self._keys.get(self._prefix + key)
        if hits and len(hits) == 1:
            hit = next(iter(hits))
            self.normalised[pid] = hit
            return hit
        if self.in_file:
            first = self._file.setdefault(key, pid)
            if first != pid:
                self.normalised[pid] = first
            return first
        return pid

    def as_dict(self) -> dict:
        return {"count": len(self.normalised),
                "examples": [[k, v] for k, v in sorted(self.normalised.items())[:10]]}


def similar_ids(ids) -> list[list[str]]:
    """Groups (sorted, each sorted) of ``ids`` that differ only by case,
    spaces, a sign or zero padding (same :func:`id_key`): likely one person
    written several ways.

    >>> similar_ids(["nb6", "NB 6", "NB006", "NB7", "P1"])
    [['NB 6', 'NB006', 'nb6']]
    """
    keys: dict[str, list] = {}
    for pid in ids:
        keys.setdefault(id_key(pid), []).append(pid)
    return sorted(sorted(g) for g in keys.values() if len(g) > 1)


def promote_labels(store, new_ids, adopted: list | None = None) -> list[tuple[str, str]]:
    """Labels of cases that name one of ``new_ids`` (exactly or by
    :func:`id_key`) become infection links; returns the ``(case, source)``
    pairs made (the caller re-derives those cases). ``adopted``, if given,
    receives ``{"written", "id", "cases"}`` for each unknown-source person
    stored under another spelling of a new id, now that id (the caller says so)."""
    from .store import sources as sql

    new_ids = [i for i in new_ids if i]
    if not new_ids:
        return []
    by_key: dict[str, set] = {}
    for pid in new_ids:
        by_key.setdefault(id_key(pid), set()).add(pid)
    moved = _adopt_unknown_persons(store, by_key, adopted)
    if not sql.has_labels(store):
        return moved
    def target_of(text):
        ids = by_key.get(id_key(text)) or by_key.get(id_key(undecorated(text) or ""))  # F1 của BN2, nguồn: BN3
        if not ids:
            return None
        return text if text in ids else (next(iter(ids)) if len(ids) == 1 else None)

    made, kept = [], []
    for case_id, label in sql.all_labels(store):
        target = target_of(label)
        if target is None and _SOFT.search(label):
            # a label kept whole because no part was an id then ('K9 và gia đình'): the parts that
            # name a new id become links, the rest stays one label as written (group_entries)
            entries = group_entries(label, lambda part: target_of(part) not in (None, case_id))
            if any(is_id for _t, is_id in entries):
                made += [(case_id, target_of(t), label) for t, is_id in entries if is_id]
                kept += [(case_id, t) for t, is_id in entries if not is_id]
                continue
        if target is None:  # wife of TJ95, lây từ BN1550: the ids written in words (not F2 của BN1550)
            ids, indirect = ids_in_text(label, target_of)
            ids = [i for i in ids if i != case_id]
            if ids and not indirect:
                made += [(case_id, i, label) for i in ids]
            continue
        if target == case_id:
            continue
        made.append((case_id, target, label))
    if made:
        sql.labels_to_links(store, made)
        for case_id, text in kept:
            store.add_case_labels(case_id, [text])
    return moved + list(dict.fromkeys((c, s) for c, s, _l in made))


def _adopt_unknown_persons(store, by_key: dict[str, set], adopted: list | None = None) -> list[tuple[str, str]]:
    """An unknown-source person stored under another spelling of a new id
    (same :func:`id_key`: ``HN-0042`` when ``HN42`` arrives; a person with no
    name, case, contact or check-in, named only as a source) is that person:
    its links move to the new id and it is removed (the merge is in the audit
    log). Returns the ``(case, new id)`` links made."""
    from .store import sources as sql
    from .store.duplicates import merge_rows

    made = []
    for placeholder in sql.bare_source_persons(store):
        ids = by_key.get(id_key(placeholder))
        if not ids or placeholder in ids or len(ids) != 1:
            continue
        target = next(iter(ids))
        cases = sql.cases_named(store, placeholder)
        merge_rows(store, target, placeholder)
        store.note(unknown_source_person_adopted={"written": placeholder, "id": target, "cases": cases})
        if adopted is not None:
            adopted.append({"written": placeholder, "id": target, "cases": cases})
        made += [(c, target) for c in cases if c != target]
    return made

"""Bulk import of persons, contacts, cases, check-ins and populations.

A file (CSV in any common encoding, or XLSX) is read by
:func:`tracing.tabular.open_table`, each row is validated with the same
cleaners the single-record commands use, and everything is written in ONE
transaction, in batches (memory does not grow with the file):

* any invalid row aborts the import: ``FILE line N, field F: reason``
  (the header is line 1) and nothing is written; with ``skip_invalid`` the
  good rows are written and the bad ones go to ``FILE.rejected.csv`` with
  their reason;
* re-importing the same file writes nothing new: persons and cases by id
  (same values: unchanged; other values: updated, blank cells never erase),
  contacts by their natural key, check-ins by (person, place, at);
* ids in a contacts or check-ins file that are not persons yet are created;
* in a cases file ``source`` holds zero or more sources (``BN1, BN2 và BN3``;
  ``,``/``và``/``and`` cut only around ids, other text stays one label as
  written), read by :mod:`tracing.sources`: an id of the file or the database (also
  written ``NB 456``, ``#1024``, ``NB006``) is an infection link, an entry
  with the shape of the file's own ids (same letter prefix, then any number;
  or a number of the file's digits, give or take one, exactly from 7 digits:
  :func:`tracing.sources.looks_like_id`)
  that matches nobody an unknown-source person stored as written, anything
  else (``F1``, ``COVID-19``, ``UK``) a label;
  the summary counts each (``sources``);
* dates ``N/N/YYYY`` are read in the order given (``date_order``) or proven
  by each column's values (:mod:`tracing.dateorder`), never guessed silently;
* the same id twice in one file: identical rows are kept once, rows that
  complete each other are merged (both reported, merges flagged for
  ``check``), rows that disagree are an error naming both lines;
* a value of ``age``, ``birth_year``, ``sex``, ``vaccinated`` or ``recovered``
  that cannot be read (``50s``, ``yes (2 doses)``) is kept as the attribute
  ``FIELD_text`` and counted (``kept_as_attributes``), not a rejection;
  doses written in words (``chưa tiêm``, ``không``: 0; ``2 mũi``: 2) are
  stored as the count with the text kept as ``vaccinated_text``;
* cells ``NA``, ``N/A``, ``#N/A``, ``NULL`` are blank; a fractional age
  (infants, ``0.5``) is rounded down to whole years;
* columns that match no field are kept as extra attributes (``extra``);
* levels are re-derived at the end: locally for small imports, the whole
  district above :data:`REDERIVE_ALL_AT` touched persons.

>>> split_sources("BN1; CN ,community，TJ2 và K9")
['BN1', 'CN', 'community', 'TJ2', 'K9']
>>> with_prefix("17", "BN"), with_prefix("BN17", "BN"), with_prefix("17", None)
('BN17', 'BN17', '17')
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import math
import os
import re
import tempfile
from typing import Callable

from . import levels, scenarios, zones
from .cases import Historical, check_plausible, clean_case, earliest_case_date
from .dateorder import DateOrders, Reread, as_iso, check_order
from .encounters import clean_contact, keep_setting_words
from .errors import InvalidValue, TracingError
from .i18n import N_, Msg, _, fmt_date
from .people import (AREA_KEYS, check_id, clean_area, clean_birth_year, clean_name, clean_person, clean_sex,
                     parse_doses)
from .sources import (IdSpeller, SourceMatcher, group_entries, id_key, promote_labels, soft_parts, source_segments,
                      split_sources)
from .store import bulk
from .store import duplicates as dupsql
from .store.reports import POPULATION_KINDS
from .tabular import KINDS, match_header, open_table, result_date_column
from .values import (choice, clean_text, fold, fold_area, normalize_national_id, normalize_phone, parse_bool, parse_date, parse_datetime, parse_int, parse_minutes, past_date, refuse_controls,
                     today)

__all__ = ["import_file", "split_sources", "with_prefix", "ContactCleaner", "clean_checkin", "clean_population"]

REDERIVE_ALL_AT = 2000
"""Above this many touched persons the whole district is re-derived at once."""
NA_VALUES = frozenset({"na", "n/a", "#n/a", "null"})
"""Cell texts that mean "no value" (compared case-insensitively)."""
MAX_WARNINGS = 100
TICKS = frozenset({"x"})
"""Yes/no cells written as a tick: read as yes (a ticked box), and counted
in the summary (``ticks``) since the word is a mark, not a yes."""
PROGRESS_EVERY = 2000

_FLAGS = {"--date": "confirmed", "--onset": "onset", "--isolated": "isolated", "--source": "source",
          "--unknown-source": "unknown_source", "--at": "at", "--until": "until"}
_CASE_FIELDS = ("id", "confirmed", "onset", "isolated", "source", "unknown_source", "found_by")
_CASE_FIELDS_SET = frozenset(_CASE_FIELDS) - {"id"}
SOFT_FIELDS = ("age", "birth_year", "sex", "vaccinated", "recovered", "phone")
#: the soft fields as people read them (not the populations' "vaccinated" rate)
SOFT_FIELD_WORDS = {"age": N_("age"), "birth_year": N_("birth_year"), "sex": N_("sex"),
                    "vaccinated": N_("vaccine doses"), "recovered": N_("recovered before"), "phone": N_("phone")}
"""Person fields whose unreadable values are kept as ``FIELD_text`` attributes
(age bands ``50s``, free-text vaccination ``yes (2 doses)``) instead of
rejecting the row."""
DATE_FIELDS = {"persons": ("birth_date", "age_date", "quarantine_start"), "contacts": ("date",),
               "cases": ("confirmed", "onset", "isolated", "birth_date", "age_date", "quarantine_start"),
               "checkins": (), "populations": ()}
DATETIME_FIELDS = {"checkins": ("at", "until")}


class RowError(TracingError):
    """A row that cannot be imported: ``line``, ``field`` and ``reason``."""

    def __init__(self, path: str, line: int, field: str | None, reason: str):
        self.path, self.line, self.field, self.reason = path, line, field, reason
        where = (_("{path} line {line}, field {field}").format(path=path, line=line, field=field) if field
                 else _("{path} line {line}").format(path=path, line=line))
        super().__init__(_("{where}: {reason}").format(where=where, reason=reason))


def split_reason(message: str) -> tuple[str | None, str]:
    """The field a cleaner's message names, and the rest.

    >>> split_reason("date: '31/02/2021' is not a valid date")
    ('date', "'31/02/2021' is not a valid date")
    >>> split_reason("--onset 2021-01-01 is more than 60 days before the sample date 2021-05-01")
    ('onset', '2021-01-01 is more than 60 days before the sample date 2021-05-01')
    >>> split_reason("a contact needs two different persons (P1 twice)")
    ('to', 'a contact needs two different persons (P1 twice)')
    """
    m = re.match(r"^(--[\w-]+|[a-z_]+): (.*)$", message, re.S)
    if m:
        return _FLAGS.get(m.group(1), m.group(1).lstrip("-").replace("-", "_")), m.group(2)
    m = re.match(r"^(--[\w-]+) (.*)$", message, re.S)
    if m:
        return _FLAGS.get(m.group(1), m.group(1).lstrip("-")), m.group(2)
    if message.startswith("age "):
        return "age", message
    if message.startswith("a contact needs two different persons"):
        return "to", message
    return None, message


def with_prefix(value, prefix: str | None):
    """``value`` with ``prefix`` in front unless it already starts with it."""
    if not prefix or value is None:
        return value
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text or text.startswith(prefix):
        return text
    return prefix + text


def _blank(value, na) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return not text or text.lower() in na


def _fields(row: dict, na, trims: list | None = None) -> dict:
    """The mapped cells of ``row``, NA words and blanks as None; the fields
    whose cells have stray spaces around them (the cleaners trim them) are
    appended to ``trims`` so the import can count them."""
    out = {}
    longest = _longest(na)
    for k, v in row.items():  # _blank inlined: this runs for every cell of a file
        if k == "extra":
            continue
        if v.__class__ is str:
            text = v.strip()  # only a cell as short as an NA word is looked up (lower() of every cell cost 0.3 s / 100k rows)
            if not text or (len(text) <= longest and text.lower() in na):
                out[k] = None
                continue
            out[k] = v
            if len(text) != len(v) and trims is not None:
                trims.append(k)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = None if _text(v) in na else v  # --na -1 also for numbers of XLSX and JSON
        else:
            out[k] = v
    return out


def _longest(na, _cache={}) -> int:
    """Length of the longest NA word of ``na`` (remembered per set)."""
    n = _cache.get(na)
    if n is None:
        n = _cache[na] = max(map(len, na), default=0)
    return n


def _extra(row: dict, na) -> dict:
    out = {}
    for k, v in (row.get("extra") or {}).items():
        if _blank(v, na):
            continue
        if hasattr(v, "isoformat"):
            v = v.isoformat()
        elif isinstance(v, float) and v.is_integer():
            v = int(v)
        out[k] = refuse_controls(v, k, multiline=True) if isinstance(v, str) else v  # byte-exact: never trimmed
    return out


_AGE_YEARS = re.compile(r"(\d+)\s*(?:tuổi|tuoi|t|years?|yrs?|y|yo|năm|nam)\.?", re.IGNORECASE)
_AGE_MONTHS = re.compile(r"(\d+)\s*(?:tháng|thang|th|months?|mos?|m)\.?", re.IGNORECASE)


def _age(value):
    """``(whole years, True)`` from an age cell written otherwise than a whole
    number (``1.5``, ``1,5``, ``45 tuổi``, ``6 tháng``, ``18 months``): the
    age stored is the whole years (``0.5`` and ``6 tháng`` give 0), and True
    says the cell as written must be kept (``age_text``) and reported;
    ``(value, False)`` for any other cell (a whole number, or a band such as
    ``50s`` that the cleaner keeps as text).

    >>> _age("1,5"), _age("45 tuổi"), _age("18 tháng"), _age("34"), _age("50s")
    ((1, True), (45, True), (1, True), ('34', False), ('50s', False))
    """
    if value is None or isinstance(value, bool):
        return value, False
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return value, False
        return (math.floor(value), True) if value > 0 else (value, False)
    text = str(value).strip()
    if re.fullmatch(r"\d+[.,]\d+", text):
        return math.floor(float(text.replace(",", "."))), True
    found = _AGE_YEARS.fullmatch(text)
    if found:
        return int(found[1]), True
    found = _AGE_MONTHS.fullmatch(text)
    if found:
        return int(found[1]) // 12, True
    return value, False


def _person(fields: dict, prefix, kept: dict | None = None) -> dict:
    """A person row cleaned; with ``kept`` (a dict), unreadable values of
    :data:`SOFT_FIELDS` are moved to ``kept`` (``{FIELD_text: raw}``) instead
    of raising."""
    as_of = _recorded_on(fields)
    if as_of is not None or not _CASE_FIELDS_SET.isdisjoint(fields):
        fields = {k: v for k, v in fields.items() if k not in _CASE_FIELDS or k == "id"}
    else:  # a persons file: no case field to drop (the comprehension cost 0.5 s per 100k rows)
        fields = dict(fields)
    if fields.get("id") is None:
        raise InvalidValue(_("id: an id is required"))
    fields["id"] = check_id(with_prefix(fields["id"], prefix))
    if "age" in fields:
        written = fields["age"]
        fields["age"], changed = _age(written)
        if changed and kept is not None:  # 1.5, 6 tháng: the whole years stored, the cell kept as written (reported)
            kept["age_text"] = refuse_controls(str(written).strip(), "age")
    doses = fields.get("vaccinated")
    flags = fields.pop("import_flags", None)
    for _attempt in SOFT_FIELDS:
        try:
            person = clean_person(fields, as_of=as_of)
            break
        except InvalidValue as exc:
            field, _reason = split_reason(str(exc))
            if (kept is None or field not in SOFT_FIELDS or fields.get(field) is None
                    or exc.hard):
                raise
            kept[f"{field}_text"] = refuse_controls(str(fields.pop(field)).strip(), field)
    else:
        person = clean_person(fields, as_of=as_of)
    if kept is not None and person.get("vaccinated") is not None and not _plain_number(doses):
        # words read as a dose count (chưa tiêm: 0, 2 mũi: 2): the count stored, the text kept as written
        kept["vaccinated_text"] = refuse_controls(str(doses).strip(), "vaccinated")
    if flags is not None:
        person["import_flags"] = parse_import_flags(flags)
    return person


def parse_import_flags(text) -> list[tuple[str, str]]:
    """The ``import_flags`` cell ``tracing export csv`` writes: one ``flag:
    detail`` a line, each flag one :data:`tracing.store.bulk.IMPORT_FLAGS`.

    >>> parse_import_flags("duplicate_id_merged: k.csv lines 2, 3")
    [('duplicate_id_merged', 'k.csv lines 2, 3')]
    """
    out = []
    for entry in str(text).splitlines():
        if not entry.strip():
            continue
        flag, sep, detail = entry.partition(":")
        if not sep or flag.strip() not in bulk.IMPORT_FLAGS or not detail.strip():
            raise InvalidValue(_("import_flags: '{entry}' is not 'flag: detail' with a flag of {flags}").format(
                entry=entry.strip()[:60], flags=", ".join(bulk.IMPORT_FLAGS)))
        out.append((flag.strip(), detail.strip()))
    return out


def _plain_number(value) -> bool:
    """A cell that is a number as written (``2``, ``0``; a spreadsheet's 2 or 2.0)."""
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and value.strip().isdigit()


def _recorded_on(fields: dict):
    """The day a case row's age was recorded (its sample, else onset date),
    so ages in old line lists give the right birth year; None if unknown."""
    if fields.get("confirmed") is None and fields.get("onset") is None:  # a persons file: every row
        return None
    for key in ("confirmed", "onset"):
        try:
            day = parse_date(fields.get(key), key, allow_serial=True)
        except InvalidValue:
            day = None  # the case cleaner reports a bad date with its line
        if day is not None:
            return day
    return None


def parse_recorded_on(raw) -> str | None:
    """``recorded_on`` of an import row (an export carries it): the ISO day
    a contact or check-in was first recorded; blank: None (the import day is
    used). Not in the future. DOMAIN.md: no test before the person was
    traced, the day the exposure was recorded when later than the
    confirmation.

    >>> parse_recorded_on("2021-05-10"), parse_recorded_on("")
    ('2021-05-10', None)
    """
    day = parse_date(None if raw is None or str(raw).strip() == "" else raw, "recorded_on")
    if day is not None and day > today():
        raise InvalidValue(_("recorded_on: {day} is in the future").format(day=fmt_date(day)))
    return day.isoformat() if day else None


def clean_checkin(fields: dict) -> dict:
    """Validate a check-in row: ``person``, ``place``, ``at``, ``until``, ``unit``, ``ward``.

    >>> clean_checkin({"person": "P1", "place": "Chợ Long Biên", "at": "2021-05-01 08:30"})["at"]
    '2021-05-01 08:30:00'
    """
    person = check_id(fields.get("person"), "person")
    place = clean_text(fields.get("place"), "place")
    if not place:
        raise InvalidValue(_("place: a place name is required"))
    start = parse_datetime(fields.get("at"), "at")
    if start is None:
        raise InvalidValue(_("at: a date-time is required"))
    end = parse_datetime(fields.get("until"), "until")
    if start.date() > today():
        raise InvalidValue(_("at: {start} is in the future").format(start=fmt_date(start.date())))
    if end is not None and end < start:
        raise InvalidValue(_("until: {end} is before {start}").format(end=fmt_date(end), start=fmt_date(start)))
    return {"person": person, "place": place, "at": start.isoformat(sep=" "),
            "until": end.isoformat(sep=" ") if end else None,
            "unit": clean_text(fields.get("unit"), "unit"), "ward": clean_text(fields.get("ward"), "ward"),
            "recorded_on": parse_recorded_on(fields.get("recorded_on"))}


def clean_population(fields: dict) -> dict:
    """Validate a population row: ``area``, ``population``, ``level``
    (district, ward, unit or workplace, also in Vietnamese; blank means
    ward) and, when given, ``vaccinated`` / ``elderly_vaccinated`` (shares
    fully vaccinated, :func:`parse_share`) and ``capacity`` (yes/no: the area
    meets its treatment capacity plan), criteria 2 and 3 of the level.

    >>> clean_population({"area": "Ngọc Lâm", "population": "23,400", "level": "Phường"})
    {'kind': 'ward', 'area': 'Ngọc Lâm', 'population': 23400}

    A ward with a district (a ``district`` column) is ``WARD, DISTRICT``:
    the same ward name in two districts is two areas.

    >>> clean_population({"area": "Phường 1", "population": "20000", "district": "Quận 3"})["area"]
    'Phường 1, Quận 3'
    """
    area = clean_text(fields.get("area"), "area")
    if not area:
        raise InvalidValue(_("area: an area name is required"))
    raw = fields.get("population")
    if isinstance(raw, str):
        raw = re.sub(r"(?<=\d)[.,\s](?=\d{3}\b)", "", raw.strip())
    population = parse_int(raw, "population", lo=0, hi=100_000_000)
    if population is None:
        raise InvalidValue(_("population: a number is required"))
    level = clean_text(fields.get("level"), "level")
    kind = "ward"
    if level:
        try:  # district, ward, unit, workplace in either language (values.VOCABULARY["area"])
            kind = choice(level, "level", "area")
        except InvalidValue:
            kind = match_header(level, "persons")
            if kind is None and fold(level) in WORKPLACE_WORDS:
                kind = "workplace"
        if kind not in POPULATION_KINDS:
            raise InvalidValue(_("level: '{level}' is not district, ward, unit or workplace").format(
                                   level=level[:30]))
    district = clean_text(fields.get("district"), "district")
    if district and kind == "ward" and ", " not in area:
        area = f"{area}, {district}"  # a ward is (district, ward): stored "WARD, DISTRICT" (tracing.store.areas)
    row = {"kind": kind, "area": area, "population": population}
    if district and kind != "ward" and fold_area(district) != fold_area(area):
        row["extra"] = {"district": district}  # kept, never dropped (principle 7)
    for key in ("vaccinated", "elderly_vaccinated"):
        if clean_text(fields.get(key), key) is not None:
            row[key] = parse_share(fields[key], key)
    if clean_text(fields.get("capacity"), "capacity") is not None:
        row["capacity"] = int(parse_bool(fields["capacity"], "capacity"))
    return row


#: Words of a population row's level that mean a workplace (enterprises, industrial zones).
WORKPLACE_WORDS = {"workplace", "enterprise", "company", "factory", "industrial zone", "doanh nghiep",
                   "cong ty", "nha may", "khu cong nghiep", "co so san xuat", "noi lam viec", "co quan"}


def parse_share(value, field: str) -> float:
    """A share of people as a fraction 0..1: ``82%``, ``82,5 %``, ``0.825`` or
    ``82.5`` (a number above 1 is a percentage).

    >>> parse_share("82,5 %", "vaccinated"), parse_share("0.9", "vaccinated"), parse_share(75, "vaccinated")
    (0.825, 0.9, 0.75)
    """
    text = str(value).strip().replace(" ", "")
    percent = text.endswith("%")
    text = text.rstrip("%").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise InvalidValue(_("{field}: '{value}' is not a share (write 82%, 82,5 % or 0.825)").format(
                               field=field, value=str(value)[:30])) from None
    if percent or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise InvalidValue(_("{field}: {value} is not between 0 and 100 %").format(field=field, value=value))
    return round(number, 4)


_MISS = object()
_FILE_FIELD = {"a": "from", "b": "to"}
_FILE_FIELD.update((k, k) for k in ("date", "setting", "place", "minutes", "masked"))
MEMO_LIMIT = 200_000
"""Distinct raw values remembered per column by the fast contact cleaner."""


class ContactCleaner:
    """:func:`tracing.encounters.clean_contact` for millions of rows: each
    column's raw values are parsed once (ids, dates and settings repeat) with
    the same parsers; any problem is handed to ``clean_contact`` itself, so
    the accepted rows and the error messages are exactly the cleaner's.

    >>> clean = ContactCleaner(NA_VALUES)
    >>> row = {"from": "B", "to": "A", "date": "01/06/2021", "setting": "Household", "masked": "có"}
    >>> got = clean(row, None)
    >>> got.pop("line"), got.pop("recorded_on")  # the file's line, and the day it was recorded (none given)
    (0, None)
    >>> got == clean_contact({"a": "B", "b": "A", "date": "01/06/2021", "setting": "Household", "masked": "có"})
    True
    """

    def __init__(self, na, prefix: str | None = None, dates: DateOrders | None = None, spell=None):
        from .values import setting_with_words

        self.na = na
        self.prefix = prefix
        self.line = 0
        self.trims: list[str] = []
        #: {(words, setting, kept in "place" or "setting_text"): rows}: settings read from more specific words
        self.setting_words: dict[tuple[str, str, str], int] = {}
        self.ticks: dict[str, list[int]] = {}  # {field: [cells, first line]} of yes/no cells written as a tick (x)
        self._spaced: set = set()  # (field, raw cell) of cells with stray spaces around them
        dates = dates or DateOrders("")
        spell = spell or (lambda pid: pid)  # IdSpeller: one id normalisation for every kind
        self._memo = {k: {} for k in ("a", "b", "date", "setting", "place", "minutes", "masked")}
        blank = lambda v: None if _blank(v, na) else v  # noqa: E731
        day_limit = today()

        def setting_or_words(raw):
            # a word no vocabulary knows (a venue's kind, a relation) never stops a file: the setting is
            # unknown (judged as a blank one) and the words are kept like a specific one's (reported)
            try:
                return setting_with_words(blank(raw))
            except InvalidValue:
                return None, clean_text(raw, "setting")

        def date(raw):
            day = dates.date("date", blank(raw), self.line)
            if day is not None and day > day_limit:
                raise InvalidValue(_("date: {day} is in the future").format(day=fmt_date(day)))
            return day.isoformat() if day else None

        self._parse = {
            "a": lambda v: spell(check_id(with_prefix(blank(v), prefix), "from")),
            "b": lambda v: spell(check_id(with_prefix(blank(v), prefix), "to")),
            "date": date,
            "setting": setting_or_words,
            "place": lambda v: clean_text(blank(v), "place"),
            "minutes": lambda v: parse_minutes(blank(v)),
            "masked": lambda v: parse_bool(blank(v), "masked"),
        }

    def _value(self, key, raw):
        memo = self._memo[key]
        try:
            value = memo.get(raw, _MISS)
        except TypeError:  # an unhashable cell
            return self._parse[key](raw)
        if value is _MISS:
            value = self._parse[key](raw)
            if raw.__class__ is str and len(raw.strip()) not in (0, len(raw)):
                self._spaced.add((key, raw))
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[raw] = value
        return value

    def __call__(self, row: dict, extra, line: int = 0) -> dict:
        self.line = line
        raw = {"a": row.get("from"), "b": row.get("to"), "date": row.get("date"), "setting": row.get("setting"),
               "place": row.get("place"), "minutes": row.get("minutes"), "masked": row.get("masked")}
        try:
            out = {k: self._value(k, v) for k, v in raw.items()}
            if self._spaced:  # only files with such cells pay for the look-ups
                spaced = self._spaced
                self.trims.extend(_FILE_FIELD[k] for k, v in raw.items() if (k, v) in spaced)
            if out["a"] == out["b"]:
                raise InvalidValue(_("same person"))
        except InvalidValue:
            fields = {k: (None if _blank(v, self.na) else v) for k, v in raw.items()}
            fields["date"] = self._parse["date"](raw["date"])  # in the file's date order
            fields["a"] = with_prefix(fields["a"], self.prefix)
            fields["b"] = with_prefix(fields["b"], self.prefix)
            return clean_contact(fields)  # raises the cleaner's own message
        recorded = row.get("recorded_on")
        out["recorded_on"] = parse_recorded_on(None if _blank(recorded, self.na) else recorded)
        out["extra"] = extra or None
        masked = raw["masked"]
        if masked.__class__ is str and len(masked) < 4 and masked.strip().lower() in TICKS:
            tick = self.ticks.setdefault("masked", [0, line])
            tick[0] += 1
        out["setting"], words = out["setting"]
        if words is not None:
            kept_in = "place" if out["place"] is None else "setting_text"
            out["place"], out["extra"] = keep_setting_words(words, out["place"], out["extra"])
            key = (words, out["setting"], kept_in)
            self.setting_words[key] = self.setting_words.get(key, 0) + 1
        out["line"] = line
        return out


class PersonCleaner:
    """:func:`_person` for the rows of a big persons file, with the same
    per-field cleaners of :func:`tracing.people.clean_person`: a value that
    repeats down its column (sexes, wards, units, birth years, doses) is
    cleaned once per file, the others (ids, names, phones) once per cell;
    ``today()`` is read once per file. It only vouches for rows it can
    clean completely: a row with a cell that is not text (XLSX, JSON) or that
    a cleaner refuses returns None, and the importer cleans that row with
    :func:`_person` (its error messages, its attributes for unreadable
    values). A file with any other person field (age, birth date, recovered,
    quarantine start) is left to :func:`_person` whole (``usable`` False):
    those fields depend on each other or on the file's date order.

    >>> clean = PersonCleaner(["id", "name", "sex", "ward"], NA_VALUES)
    >>> row = {"id": "BN1", "name": "Lê Văn Tám", "sex": " Nam", "ward": "Bồ Đề", "extra": {}}
    >>> trims = []
    >>> clean(row, trims), trims
    ({'id': 'BN1', 'name': 'Lê Văn Tám', 'sex': 'm', 'ward': 'Bồ Đề'}, ['sex'])
    >>> clean(dict(row, sex="?"), [])  # not a sex: left to _person (which keeps it as sex_text)
    """

    FIELDS = ("id", "name", "phone", "national_id", "birth_year", "sex", *AREA_KEYS, "vaccinated")
    """The fields it cleans, in :func:`tracing.people.clean_person`'s order (that of the row it returns)."""
    ALWAYS = frozenset({"id", "phone", "national_id"})
    """Fields :func:`tracing.people.clean_person` returns even when blank (the id is required)."""
    REPEATING = frozenset({"birth_year", "sex", *AREA_KEYS, "vaccinated"})
    """Fields whose raw values are remembered with their cleaned value."""

    def __init__(self, fields, na, prefix: str | None = None):
        fields = list(fields)
        self.usable = "id" in fields and set(fields) <= set(self.FIELDS)
        self.na = na
        self.longest = _longest(na)
        self.column = {f: i for i, f in enumerate(fields)}  # the file's order: trims are reported in it
        year_now = today().year
        parse = {"id": (lambda v: check_id(with_prefix(v, prefix))) if prefix else check_id, "name": clean_name, "phone": normalize_phone,
                 "national_id": normalize_national_id, "birth_year": lambda v: clean_birth_year(v, year_now),
                 "sex": clean_sex, "vaccinated": _plain_doses}
        parse.update((key, functools.partial(_area, key)) for key in AREA_KEYS)
        self.plan = [(f, parse[f], {} if f in self.REPEATING else None, f in self.ALWAYS)
                     for f in self.FIELDS if f in self.column]

    def _first(self, parse, raw):
        """``(value, spaced)`` of a raw cell, or :data:`_MISS` when it is not
        plain text or its cleaner refuses it."""
        if raw.__class__ is not str:
            return _MISS
        text = raw.strip()
        if not text or (len(text) <= self.longest and text.lower() in self.na):
            return None, False
        try:
            return parse(raw), len(text) != len(raw)
        except InvalidValue:
            return _MISS

    def __call__(self, row: dict, trims: list) -> dict | None:
        """The cleaned person of ``row`` (keys as :func:`_person` gives them),
        the fields of cells with stray spaces appended to ``trims``; None when
        :func:`_person` must clean the row."""
        out = {}
        spaced = None
        na, longest = self.na, self.longest
        for key, parse, memo, always in self.plan:
            raw = row[key]
            if memo is None:  # _first inlined: ids, names, phones rarely repeat
                if raw.__class__ is not str:
                    return None
                text = raw.strip()
                if not text or (len(text) <= longest and text.lower() in na):
                    value = None
                else:
                    try:
                        value = parse(raw)
                    except InvalidValue:
                        return None
                    if len(text) != len(raw):
                        spaced = [key] if spaced is None else [*spaced, key]
            else:
                try:
                    got = memo[raw]
                except KeyError:
                    got = self._first(parse, raw)
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    memo[raw] = got
                except TypeError:  # an unhashable cell
                    return None
                if got is _MISS:
                    return None
                value, space = got
                if space:
                    spaced = [key] if spaced is None else [*spaced, key]
            if value is not None or always:
                out[key] = value
        if out["id"] is None:
            return None  # "id: an id is required", from _person
        if spaced:
            trims.extend(sorted(spaced, key=self.column.__getitem__))
        return out


def _plain_doses(value):
    """:func:`tracing.people.parse_doses` of a plain number; words (``chưa
    tiêm``, ``2 mũi``) are left to :func:`_person`, which keeps their text."""
    if not _plain_number(value):
        raise InvalidValue("vaccinated")  # never shown: PersonCleaner leaves the row to _person
    return parse_doses(value)


def _area(key: str, value):
    return clean_area(value, key)


class _Touched(set):
    """Ids whose levels must be re-derived; past ``limit`` it gives up and
    says ``overflow`` (the whole district is re-derived instead)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.overflow = False

    def update(self, *others) -> None:
        if self.overflow:
            return
        for ids in others:
            super().update(ids)
        if len(self) > self.limit:
            self.overflow = True
            self.clear()


class _Rejects:
    """Bad rows spooled to a temporary file, written as FILE.rejected.csv at the end."""

    def __init__(self, table):
        self.table = table
        self.count = 0
        self.first: list[str] = []
        self._fh = None
        self._fields = list(table.mapping)

    def add(self, line: int, row: dict, error: RowError) -> None:
        import json

        if self._fh is None:
            self._fh = tempfile.TemporaryFile("w+", encoding="utf-8")
        extra = row.get("extra") or {}
        record = [line, [_text(row.get(f)) for f in self._fields], {k: _text(v) for k, v in extra.items()},
                  (f"field {error.field}: " if error.field else "") + error.reason]
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1
        if len(self.first) < 20:
            self.first.append(str(error))

    def write(self, path: str) -> None:
        import json

        from .sheets import write_csv

        if self._fh is None:
            return
        extras = list(self.table.extras)
        columns = ["line", *self.table.mapping.values(), *extras, "reason"]

        def rows():
            self._fh.seek(0)
            for text in self._fh:
                line, cells, extra, reason = json.loads(text)
                yield [line, *cells, *(extra.get(h, "") for h in extras), reason]

        write_csv(path, columns, rows())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


from .store.areas import AREA_FIELDS, ambiguous_wards, area_key, population_key  # noqa: E402

_COMPARE_SKIP = frozenset({"source", "tokens", "unknown_given", "isolated_given"})


def _compare(old: dict, new: dict) -> tuple[str, str | None]:
    """How two cleaned rows of one id relate: ``("identical", None)``,
    ``("sources", None)`` (the later row only adds sources: an edge list),
    ``("merge", None)`` (one fills the other's blanks) or
    ``("conflict", field)`` (a field with two different values)."""
    same, sources = True, False
    for key in [*old, *(k for k in new if k not in old)]:
        if key in _COMPARE_SKIP:
            if key == "tokens" and set(new.get(key) or ()) - set(old.get(key) or ()):
                sources = True
            continue
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) or isinstance(b, dict):
            a, b = a or {}, b or {}
            for k in [*a, *(k for k in b if k not in a)]:
                if a.get(k) is not None and b.get(k) is not None and a[k] != b[k]:
                    return "conflict", k
                if a.get(k) != b.get(k):
                    same = False
            continue
        if a is not None and b is not None and a != b:
            if key in AREA_FIELDS and area_key(key, a) == area_key(key, b):
                continue  # `Bồ Đề` and `BỒ ĐỀ`: one area, stored in one spelling (reported as respelled)
            return "conflict", key
        if a != b:
            same = False
    if not same:
        return "merge", None
    return ("sources", None) if sources else ("identical", None)


class _Importer:
    def __init__(self, store, table, *, skip_invalid, id_prefix, na, progress, threshold, dates: DateOrders):
        self.store = store
        self.table = table
        self.path = table.path
        self.skip = skip_invalid
        self.prefix = id_prefix
        self.na = na
        self.progress = progress
        self.dates = dates
        dates.headers = dict(table.mapping)
        self.rows = 0
        self.line = 0
        self.rejects = _Rejects(table)
        self.warnings: list[str] = []
        #: populations: {(kind, area): [criteria columns whose stored figure was kept]}
        self.criteria_kept: dict[tuple[str, str], list[str]] = {}
        self.n_warnings = 0
        self.touched = _Touched(threshold)
        self._named_ids: set[str] = set()
        self.changed_cases: set[str] = set()
        self.stats = {"persons": {"touched": self.touched, "changes": [], "names_kept": []},
                      "contacts": {"touched": self.touched},
                      "cases": {"touched": self.touched, "changed_cases": self.changed_cases, "changes": [],
                                "sources_kept": []},
                      "checkins": {}, "populations": {}}
        self.line_of: dict[str, int] = {}  # persons and cases: the line of each id (changes are reported with it)
        self.kept: dict[str, int] = {}
        self.setting_words: dict[tuple[str, str, str], int] = {}  # contacts: see ContactCleaner.setting_words
        self.ticks: dict[str, dict] = {}  # {field: {"cells", "first_line"}}: see tick()
        self.trims: dict = {"cells": 0, "example": None}
        self.duplicates = {"identical": 0, "merged": 0, "sources_added": 0, "lines": []}
        self.merged_ids: dict[str, list[int]] = {}
        self.sources = None
        self.undated: list[str] = []
        self.historical = Historical("")
        self.new_ids: set[str] | None = set() if _has_labels(store) else None
        self.promoted: list[tuple[str, str]] = []
        self.adopted: list[dict] = []  # unknown-source persons stored under another spelling of a new id (promote)
        self._all_ids: list[str] | None = None
        # ids written another way than a stored person's (BN 1, bn1, BN01, #1 for BN1): that person
        self.spell = IdSpeller(self._stored_ids, in_file=table.kind in ("contacts", "checkins"),
                               placeholders=None if table.kind in ("contacts", "checkins") else self._placeholders)
        self._token_line: dict[tuple[str, str], int] = {}  # (case, source cell entry) -> its first line
        self._link_line: dict[tuple[str, str], int] = {}   # (case, resolved source) -> that line
        self.cycles: list[dict] = []  # infection links dropped because they closed a cycle
        self.flags_read: list[tuple[str, str, str]] = []  # (person, flag, detail) of an import_flags column

    def flags_of(self, person: dict) -> None:
        """Take the ``import_flags`` read from a row (an export's column) off
        ``person``, to be stored once its person is (:meth:`write_flags`)."""
        flags = person.pop("import_flags", None)
        if flags:
            self.flags_read += [(person["id"], flag, detail) for flag, detail in flags]

    def write_flags(self) -> int:
        return bulk.add_import_flags(self.store, self.flags_read)

    # ------------------------------------------------------------ reading
    def _dates(self, fields: dict, line: int) -> dict:
        """Date cells read in the file's date order (:mod:`tracing.dateorder`)."""
        kind = self.table.kind
        for key in DATE_FIELDS.get(kind, ()):
            if fields.get(key) is not None:
                fields[key] = self.dates.date(key, fields[key], line)
        for key in DATETIME_FIELDS.get(kind, ()):
            if fields.get(key) is not None:
                fields[key] = self.dates.datetime(key, fields[key], line)
        return fields

    def cleaned(self, clean: Callable[[dict, dict], object], fast: Callable[[dict, list], object] | None = None):
        """Yield ``(line, row, clean(fields, row))`` for good rows; bad rows
        raise (or are rejected with ``skip_invalid``). ``fast(row, trims)``,
        if given, is tried first: it returns the same value as ``clean`` for
        the rows it can clean, None for the others."""
        held = None
        for line, row in self.table.rows():
            self.rows += 1
            if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
                self.progress(self.table.position, self.table.size_hint)
            if held is not None:  # only the date orders of the rest of the file: they decide which error is right
                with contextlib.suppress(InvalidValue):
                    self._dates(_fields(row, self.na, []), line)
                continue
            self.line = line
            trims: list = []
            try:
                value = None if fast is None else fast(row, trims)
                if value is None:
                    value = clean(self._dates(_fields(row, self.na, trims), line), row)
            except InvalidValue as exc:
                if not self.skip and self.dates.provisional():
                    # an error found on dates read in an order the file has not proven yet (5/3/2021 read
                    # day first, more than 60 days before a month-first sample): the date-order error (or a
                    # re-read in the proven order) comes first, judged on the whole file
                    held = (line, row, exc)
                    continue
                self.reject(line, row, exc)
                continue
            if trims:
                self.trimmed(line, row, trims)
            yield line, row, value
        if held is not None:
            self.dates.finish()
            self.reject(*held)
        if self.progress is not None:
            self.progress(self.table.size_hint or self.table.position, self.table.size_hint)

    def reject(self, line, row, exc) -> None:
        named = getattr(exc, "field", None)
        if isinstance(exc, RowError):
            error = exc
        elif named and str(exc).startswith(f"{named}: "):
            error = RowError(self.path, line, named, str(exc)[len(named) + 2:])
        elif named:
            error = RowError(self.path, line, named, str(exc))
        else:
            field, reason = split_reason(str(exc))
            error = RowError(self.path, line, field, reason)
        if not self.skip:
            raise error
        self.rejects.add(line, row, error)

    def trimmed(self, line: int, row: dict, fields: list[str]) -> None:
        """Count cells of ``fields`` on ``line`` whose stray spaces the cleaners
        trim (ids, dates, enumerated and text fields; extra attributes are
        never trimmed), keeping the first as an example."""
        self.trims["cells"] += len(fields)
        if self.trims["example"] is None:
            self.trims["example"] = {"line": line, "field": fields[0], "value": _text(row.get(fields[0]))}

    def warn(self, text: str) -> None:
        self.n_warnings += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)

    def tick(self, field: str, line: int, n: int = 1) -> None:
        """Count yes/no cells of ``field`` written as a tick (``x``), read as
        yes (:data:`TICKS`), so the summary says so with the first line."""
        have = self.ticks.setdefault(field, {"cells": 0, "first_line": line})
        have["cells"] += n

    def person_ticks(self, fields: dict, line: int) -> None:
        value = fields.get("recovered")
        if value.__class__ is str and value.strip().lower() in TICKS:
            self.tick("recovered", line)

    def changes(self) -> list[dict]:
        """Every stored value this import changed: ``{"line", "table", "id",
        "field", "old", "new"}`` (an extra attribute is ``extra.KEY``), in
        the order of the file's lines."""
        out = [{"line": self.line_of.get(rid), "table": table, "id": rid, "field": field, "old": old, "new": new}
               for table in ("persons", "cases") for rid, field, old, new in self.stats[table].get("changes", ())]
        # a population's id is its area (as stored), its line is the file's
        out += [{"line": line, "table": "populations", "id": area, "field": field, "old": old, "new": new}
                for area, field, old, new, line in self.stats["populations"].get("changes", ())]
        return sorted(out, key=lambda c: (c["line"] or 0, c["table"] != "persons"))

    def keep(self, line: int, kept: dict, person: dict | None = None) -> None:
        """Count values kept as attributes and say so once per field: a value
        read all the same (``1.5`` as age 1, ``2 mũi`` as 2 doses) says what
        was stored, one not read says so."""
        for key, value in kept.items():
            field = key[: -len("_text")]
            self.kept[field] = self.kept.get(field, 0) + 1
            if self.kept[field] == 1 and len(self.warnings) < MAX_WARNINGS:
                stored = (person or {}).get(field)
                if stored is not None:
                    self.warnings.append(Msg(N_("line {line}: {field} '{value}' stored as {stored}; the value as "
                                                "written is kept as the attribute {key} (so are other such values: "
                                                "see kept_as_attributes)"),
                                             line=line, field=Msg(SOFT_FIELD_WORDS.get(field, field)),
                                             value=str(value)[:30], stored=stored, key=key))
                    continue
                self.warnings.append(Msg(N_("line {line}: {field} '{value}' could not be read; kept as the "
                                            "attribute {key} (so are other such values: see kept_as_attributes)"),
                                         line=line, field=Msg(SOFT_FIELD_WORDS.get(field, field)),
                                         value=str(value)[:30], key=key))

    def check_duplicates(self, chunk: list[tuple[int, dict]]) -> None:
        """Warn about rows that look like people already stored under another id."""
        for field, label in (("phone", N_("phone")), ("national_id", N_("national ID"))):
            values = [p[field] for _line, p in chunk if p.get(field)]
            if not values:
                continue
            found = dupsql.persons_with(self.store, field, values)
            if not found:  # most chunks: the rows of a value are gathered only when someone has it
                continue
            wanted = {value for value, _other, _name in found}
            rows_of: dict[str, list] = {}
            for line, p in chunk:
                if p.get(field) in wanted:
                    rows_of.setdefault(p[field], []).append((line, p["id"]))
            for value, other, name in found:
                for line, pid in rows_of[value]:
                    if pid != other:
                        self.warn(Msg(N_("line {line}: {id} has {field} {value} like {other} ({name}); same person? "
                                         "see `tracing person duplicates`"), line=line, id=pid, field=Msg(label),
                                      value=value, other=other, name=name or Msg(N_("no name"))))

    def repeated(self, key: str, first: int, line: int, how: str) -> None:
        """Count a row that repeats the record of line ``first``: ``identical``
        (kept once), ``merge``/``merged`` (values added to that record) or
        ``sources`` (only more sources: D1 <- K1 on one row, D1 <- K2 on
        another); the first 20 are listed with lines, every kind (nothing
        combined without a word, principle 7)."""
        how = {"merge": "merged"}.get(how, how)
        self.duplicates[{"sources": "sources_added"}.get(how, how)] += 1
        if len(self.duplicates["lines"]) < 20:
            self.duplicates["lines"].append([key, first, line, "merge" if how == "merged" else how])

    def same_id(self, seen: dict, key: str, line: int, row: dict, value: dict) -> str:
        """The second row of an id: ``"new"`` (first time), ``"identical"``
        (dropped), ``"merge"``; a conflict raises (or rejects this later row)."""
        first = seen.get(key)
        if first is None:
            seen[key] = (line, value)
            return "new"
        how, field = _compare(first[1], value)
        if how == "conflict":
            raise RowError(self.path, line, field, _(
                "{id} is also on line {other} with another {field} ('{there}' there, '{here}' here)").format(
                    id=key, other=first[0], field=field, there=_short(_value_of(first[1], field)),
                    here=_short(_value_of(value, field))))
        self.repeated(key, first[0], line, how)
        if how in ("merge", "sources"):  # flagged for `check`: one record from several rows
            self.merged_ids.setdefault(key, [first[0]]).append(line)
        if how != "identical":
            seen[key] = (first[0], _merge_values(first[1], value))
        return how

    # ------------------------------------------------------------ kinds
    def distinct_rows(self, clean: Callable[[dict, dict], tuple], record: Callable[[tuple], tuple[str, dict]],
                      fast: Callable[[dict, list], tuple | None] | None = None):
        """Yield ``(line, row, clean(fields, row))`` like :meth:`cleaned`, less
        the rows that repeat an earlier row of their id: ``record(value)``
        gives ``(id, values compared)``; identical repeats are counted and
        dropped, rows that disagree are rejected naming both lines
        (:meth:`same_id`). ``clean`` returns a tuple ending with the values
        kept as attributes (counted by :meth:`keep`). Persons and cases."""
        seen: dict[str, tuple[int, dict]] = {}
        for line, row, value in self.cleaned(clean, fast):
            key, compared = record(value)
            if key not in seen:  # the first row of its id (same_id's "new", without the call)
                seen[key] = (line, compared)
            else:
                try:
                    how = self.same_id(seen, key, line, row, compared)
                except RowError as exc:
                    self.reject(line, row, exc)
                    continue
                if how == "identical":
                    continue
            if value[-1]:
                self.keep(line, value[-1], value[0])
            yield line, row, value

    def persons(self) -> None:
        def clean(fields, row):
            kept: dict = {}
            person = _person(fields, self.prefix, kept)
            person["id"] = self.spell(person["id"])
            self.flags_of(person)
            self.person_ticks(fields, self.line)
            extra = {**_extra(row, self.na), **kept}
            if extra:
                person["extra"] = extra
            return person, kept

        cleaner = PersonCleaner(self.table.mapping, self.na, self.prefix)
        na, no_kept, spell = self.na, {}, self.spell

        def fast(row, trims):  # clean() of a row PersonCleaner can clean whole (nothing kept as attributes)
            person = cleaner(row, trims)
            if person is None:
                return None
            person["id"] = spell(person["id"])
            if row["extra"]:
                extra = _extra(row, na)
                if extra:
                    person["extra"] = extra
            return person, no_kept

        def rows():
            new_ids = self.new_ids
            for line, row, (person, _kept) in self.distinct_rows(clean, lambda v: (v[0]["id"], v[0]),
                                                                 fast if cleaner.usable else None):
                if new_ids is not None:
                    new_ids.add(person["id"])
                yield line, row, person

        for chunk in bulk.batches(rows()):
            chunk = self.named(chunk)
            for line, _row, p in chunk:
                self.line_of.setdefault(p["id"], line)
            self.check_duplicates([(line, p) for line, _row, p in chunk])
            bulk.bulk_persons(self.store, [p for _l, _r, p in chunk], stats=self.stats["persons"])
            zones.enrol(self.store, [p["id"] for _l, _r, p in chunk])  # residents of a zoned unit: mass tests
        # rows of one id merged (each filled the other's blanks): flagged for `check`, as a cases file's
        bulk.flag_merges(self.store, {pid: lines for pid, lines in self.merged_ids.items() if pid in self.line_of},
                         os.path.basename(self.path))

    def named(self, chunk: list) -> list:
        """The rows of a persons file that may be written: a row that makes a
        new person and tells anything about them needs a name (as ``person
        add`` does); a row for a known person updates it, and a bare id
        declares a person the way a contacts file does (CLI.md: nameless).
        A file of ``tracing export``, unchanged since (its manifest), is a
        copy of a database whose nameless persons came in by cases or
        contacts files: it imports as it is."""
        from .i18n import _

        if getattr(self.table, "own_export", False):
            return chunk

        def tells(person) -> bool:  # anything besides the id
            return any(v not in (None, "", {}) for k, v in person.items() if k != "id")

        nameless = [p["id"] for _l, _r, p in chunk if not p.get("name") and tells(p)]
        if not nameless:
            self._named_ids.update(p["id"] for _l, _r, p in chunk)
            return chunk
        known = bulk.existing_ids(self.store, nameless) | self._named_ids
        kept = []
        for line, row, person in chunk:
            if person.get("name") or person["id"] in known or person["id"] in self._named_ids or not tells(person):
                kept.append((line, row, person))
                self._named_ids.add(person["id"])
                continue
            self.reject(line, row, InvalidValue(
                _("name: a name is required for a new person (a row with only an id may stay nameless)"),
                field="name"))
        return kept

    def contacts(self) -> None:
        fast = ContactCleaner(self.na, self.prefix, self.dates, spell=self.spell)
        new_ids = self.new_ids

        def rows():
            for line, row in self.table.rows():
                self.rows += 1
                if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
                    self.progress(self.table.position, self.table.size_hint)
                try:
                    out = fast(row, _extra(row, self.na) if row["extra"] else None, line)
                except InvalidValue as exc:
                    fast.trims.clear()
                    self.reject(line, row, exc)
                    continue
                if fast.trims:
                    self.trimmed(line, row, fast.trims)
                    fast.trims.clear()
                if new_ids is not None:
                    new_ids.update((out["a"], out["b"]))
                yield out
            if self.progress is not None:
                self.progress(self.table.size_hint or self.table.position, self.table.size_hint)

        bulk.bulk_contacts(self.store, rows(), stats=self.stats["contacts"])
        self.setting_words = fast.setting_words
        for field, (n, first) in fast.ticks.items():
            self.tick(field, first, n)
        self.stats["persons"]["inserted"] = self.stats["contacts"].pop("persons_created", 0)
        for (a, b, date, setting, place), first, line, how, _fields in self.stats["contacts"].pop("repeats", ()):
            key = f"{a}–{b}" + (f" {date}" if date else "") + (f" {setting}" if setting else "") \
                + (f" {place}" if place else "")
            self.repeated(key, first, line, how)
        for (a, b, date, _setting, _place), line, _how, fields in self.stats["contacts"].pop("stored_differ", ()):
            key = f"{a}–{b}" + (f" {date}" if date else "")
            self.warn(Msg(N_("line {line}: contact {key} was stored before with other details; the two records were "
                             "merged (longer duration, unmasked over masked, blanks filled, other columns joined, "
                             "earliest recording day): {fields} changed"), line=line, key=key, fields=", ".join(fields)))

    def once(self, seen: dict, key: tuple, shown: str, line: int, value: dict, merged: tuple = ()) -> bool:
        """Whether the row of ``line`` repeats an earlier row of the same
        record ``key``: identical values are kept once (counted, True); values
        that differ only in the fields ``merged`` are counted as merged
        (False: the row is stored, merged into the record by its rule); other
        values raise a :class:`RowError` naming both lines (the later row is
        rejected with ``--skip-invalid``). Check-ins and populations."""
        first = seen.get(key)
        if first is None:
            seen[key] = (line, value)
            return False
        differ = [f for f in dict.fromkeys([*first[1], *value]) if first[1].get(f) != value.get(f)]
        if differ and set(differ) <= set(merged):
            self.repeated(shown, first[0], line, "merged")
            return False
        for field in [f for f in differ if f not in merged][:1]:
            raise InvalidValue(_("{key} is also on line {other} with another {field} ('{there}' there, "
                                 "'{here}' here)").format(key=shown, other=first[0], field=field,
                                                          there=_short(first[1].get(field)),
                                                          here=_short(value.get(field))), field=field)
        self.repeated(shown, first[0], line, "identical")
        return True

    def checkins(self) -> None:
        seen: dict[tuple, tuple[int, dict]] = {}

        def clean(fields, row):
            fields["person"] = with_prefix(fields.get("person"), self.prefix)
            out = clean_checkin(fields)
            out["person"] = self.spell(out["person"])
            extra = _extra(row, self.na) if row.get("extra") else None
            if extra:
                out["extra"] = extra  # the file's other columns are kept (checkins.extra)
            # the same check-in with another check-out or other columns: merged (the widest stay,
            # tracing.contactmerge), whatever the order of the rows
            if self.once(seen, (out["person"], out["place"], out["at"]),
                         f"{out['person']} {out['place']} {out['at']}", self.line,
                         {k: v for k, v in out.items() if k not in ("person", "at")}, merged=("until", "extra")):
                return None
            if self.new_ids is not None:
                self.new_ids.add(out["person"])
            # overlapping check-ins are exposures (rule checkin.exposure): the
            # persons who checked in are re-derived like the ends of a contact
            self.touched.update([out["person"]])
            return out

        bulk.bulk_checkins(self.store, (c for _l, _r, c in self.cleaned(clean) if c is not None),
                           stats=self.stats["checkins"])
        self.stats["persons"]["inserted"] = self.stats["checkins"].pop("persons_created", 0)

    def populations(self) -> None:
        seen: dict[tuple, tuple[int, dict]] = {}

        def clean(fields, row):
            out = clean_population(fields)
            extra = _extra(row, self.na) if row.get("extra") else None
            if extra:
                out["extra"] = {**out.get("extra", {}), **extra}  # the file's other columns are kept (populations.extra)
            if self.once(seen, (out["kind"], population_key(out["kind"], out["area"])), out["area"], self.line,
                         {k: v for k, v in out.items() if k not in ("kind", "area")}):
                return None
            return out

        bulk.bulk_populations(self.store, ({**p, "line": line} for line, _r, p in self.cleaned(clean) if p is not None),
                              stats=self.stats["populations"], kept=self.criteria_kept)

    def cases(self) -> None:
        """Cases are gathered first (a source may be a case further down the
        file), then written: persons, cases, infection links, labels."""
        pending: dict[str, dict] = {}
        earliest = earliest_case_date(self.store)
        self.historical = Historical(earliest)

        def clean(fields, row):
            kept: dict = {}
            person = _person(fields, self.prefix, kept)
            person["id"] = self.spell(person["id"])
            self.flags_of(person)
            self.person_ticks(fields, self.line)
            cid = person["id"]
            unknown = parse_bool(fields.get("unknown_source"), "unknown_source")
            case = {"id": cid, "confirmed": fields.get("confirmed"), "onset": fields.get("onset"),
                    "isolated": fields.get("isolated"), "unknown_source": bool(unknown),
                    "found_by": fields.get("found_by")}
            if case["confirmed"] is not None:
                checked = clean_case(case)
                if case["isolated"] is None:  # not given: derived (issue 12 point 2), set when written
                    checked["isolated"] = None
            else:  # a partial row (an edge list) or an undated case: dates come from the case stored, if any
                checked = {"person": cid, "confirmed": None, "unknown_source": int(bool(unknown)),
                           "found_by": choice(fields.get("found_by"), "found_by")}
                for key, flag in (("onset", "--onset"), ("isolated", "--isolated")):
                    day = past_date(case[key], flag)
                    checked[key] = day.isoformat() if day else None
            if self.historical.note(cid, self.line, checked):  # before the earliest case date: judged on the whole file
                check_plausible(checked, earliest)
            checked.pop("sources", None)
            checked["tokens"] = source_segments(fields.get("source"))
            for token in _parts(checked["tokens"]):
                own = with_prefix(token, self.prefix)
                if own == cid:  # a normalised self-reference is caught when sources resolve (exact match first)
                    raise InvalidValue("source: " + _("{id} cannot be its own source ('{entry}')").format(
                        id=cid, entry=token))
            checked["unknown_given"] = unknown is not None
            # as `case confirm`: a value in the file is given and stays; absent, it is derived and
            # re-derived after every later write (scenarios.settle_cases)
            checked["isolated_given"] = checked.get("isolated") is not None
            extra = {**_extra(row, self.na), **kept}
            if extra:
                checked["extra"] = extra
            return person, checked, kept

        def record(value):
            person, case, _kept = value
            return person["id"], {**person, **{k: v for k, v in case.items() if k != "person"}}

        for line, row, (person, case, _kept) in self.distinct_rows(clean, record):
            cid = person["id"]
            for token in case["tokens"]:
                self._token_line.setdefault((cid, token), line)
            entry = pending.get(cid)
            if entry is None:
                pending[cid] = {"lines": [line], "rows": [row], "person": person, "case": case}
                continue
            entry["lines"].append(line)
            entry["rows"].append(row)
            entry["person"].update({k: v for k, v in person.items() if v is not None and k != "extra"})
            if person.get("extra"):
                entry["person"]["extra"] = {**(entry["person"].get("extra") or {}), **person["extra"]}
            old = entry["case"]
            for key in ("confirmed", "onset", "isolated"):
                if case.get(key) is not None:
                    old[key] = case[key]
            old["isolated_given"] = old["isolated_given"] or case["isolated_given"]
            if case["unknown_given"]:
                old["unknown_source"], old["unknown_given"] = case["unknown_source"], True
            old["tokens"] = list(dict.fromkeys(old["tokens"] + case["tokens"]))
            if case.get("extra"):
                old["extra"] = {**(old.get("extra") or {}), **case["extra"]}

        for cid in self.historical.refused(pending):  # a file of today's dates: an old one is a typo
            try:
                check_plausible(pending[cid]["case"], earliest)
            except InvalidValue as exc:
                self._reject_entry(pending.pop(cid), exc)
        if self.historical.lines and pending:
            self.warn(Msg(N_("{n} cases dated before {earliest}, the earliest plausible case date (rule "
                             "case.earliest_date), from line {line}: no case date of the file is later, so it is read "
                             "as a historical line list and kept; the rules apply with their earliest values"), n=len(self.historical.lines), earliest=fmt_date(earliest),
                          line=min(self.historical.lines.values())))
        stored = bulk.cases_of(self.store, pending)
        for cid, entry in list(pending.items()):
            try:
                self._dates_from_store(entry["case"], stored.get(cid))
            except InvalidValue as exc:
                self._reject_entry(entry, exc)
                del pending[cid]
        # sources: resolve against the ids that will be written; a case rejected
        # on the way is no longer one of them (its namers keep the reference as
        # an unknown-source person or a label), so resolve again until stable
        tokens = set(_parts(t for e in pending.values() for t in e["case"]["tokens"]))
        while True:
            matcher = SourceMatcher(pending, lambda ids: bulk.existing_ids(self.store, ids),
                                    lambda t: with_prefix(t, self.prefix), stored=self._stored_ids)
            matcher.lookup(tokens)
            rejected = []
            for cid, entry in pending.items():
                try:
                    self._resolve(cid, entry["case"], matcher)
                except InvalidValue as exc:
                    self._reject_entry(entry, exc)
                    rejected.append(cid)
            if not rejected:
                break
            for cid in rejected:
                del pending[cid]
        self._drop_cycles(pending)
        self.sources = matcher.report
        self.sources.links -= len(self.cycles)  # not made: counted apart, as kept in source_in_cycle
        self.sources.in_cycle = len(self.cycles)
        for ids in matcher.ambiguous.values():
            lines = sorted(line for i in ids if i in pending for line in pending[i]["lines"])
            self.warn(Msg(N_("ids {ids} (lines {lines}) differ only by case, spaces or zero padding: "
                             "one person written several ways?"), ids=", ".join(ids), lines=", ".join(map(str, lines))))
        persons, cases = [], []
        for cid, entry in pending.items():
            persons.append((entry["lines"][0], entry["person"]))
            cases.append(entry["case"])
            self.line_of.setdefault(cid, entry["lines"][0])
        self.check_duplicates(persons)
        unknown = sorted(matcher.report.unknown_source_persons)
        bulk.create_bare_persons(self.store, unknown, stats=self.stats["cases"])
        bulk.bulk_persons(self.store, [p for _l, p in persons], stats=self.stats["persons"])
        # "found in quarantine" only when the quarantine period covers the sample date (DOMAIN.md)
        found = scenarios.found_in_quarantine(self.store, cases)
        for case in cases:
            case["prior_level"] = found.get(case["person"])
        bulk.bulk_cases(self.store, cases, stats=self.stats["cases"])
        bulk.flag_merges(self.store, {cid: lines for cid, lines in self.merged_ids.items() if cid in pending},
                         os.path.basename(self.path))
        if self.new_ids is not None:
            self.new_ids.update(pending)
            self.new_ids.update(unknown)

    def _placeholders(self) -> list[str]:
        """Unknown-source persons named only as a source (adopted by their real id)."""
        from .store import sources as sql
        return sql.bare_source_persons(self.store)

    def _stored_ids(self) -> list[str]:
        """Every stored person id, read once per import (normalised sources)."""
        if self._all_ids is None:
            from .store import sources as sql
            self._all_ids = list(sql.person_ids(self.store))
        return self._all_ids

    def _drop_cycles(self, pending: dict[str, dict]) -> None:
        """Drop each infection link that would close a cycle of sources (A
        source of B, B source of A; A→B→C→A; or against links already
        stored), keeping the earlier links in file order: both rows are
        written, the dropped source is kept as the case's attribute
        ``source_in_cycle`` and named with its line in the summary
        (``source_cycles``, a warning): nothing is lost (principle 7), and
        the levels and trees get no cycle. ``case link`` refuses such a link
        instead (:func:`tracing.cases.source_cycle`)."""
        from .checks import cycles
        links = sorted((self._link_line.get((cid, s), 0), i, cid, s)
                       for cid, e in pending.items() for i, s in enumerate(e["case"].get("sources") or ()))
        if not links:
            return
        ups: dict[str, set[str]] = {}
        frontier = {s for _l, _i, _c, s in links}
        seen = set(frontier)
        while frontier:  # the links already stored above the file's sources, one query per generation
            nxt = set()
            for case_id, sources in self.store.case_sources(sorted(frontier)).items():
                ups.setdefault(case_id, set()).update(sources)
                nxt.update(s for s in sources if s not in seen)
            seen |= nxt
            frontier = nxt
        stored_edges = {(s, c) for c, srcs in ups.items() for s in srcs}
        groups = cycles(stored_edges | {(s, c) for _l, _i, c, s in links})
        if not groups:
            return  # no cycle anywhere: every link is kept (the usual file)
        group_of = {p: n for n, g in enumerate(groups) for p in g}
        kept = {c: set(srcs) for c, srcs in ups.items()}
        for line, _i, cid, source in links:
            if group_of.get(cid) is None or group_of.get(cid) != group_of.get(source):
                kept.setdefault(cid, set()).add(source)
                continue
            path = _up_path(kept, source, cid)
            if path is None:
                kept.setdefault(cid, set()).add(source)
                continue
            case = pending[cid]["case"]
            case["sources"] = [s for s in case["sources"] if s != source]
            extra = dict(case.get("extra") or {})
            extra["source_in_cycle"] = "; ".join(x for x in (extra.get("source_in_cycle"), source) if x)
            case["extra"] = extra
            cycle = [cid, *path]
            self.cycles.append({"line": line, "case": cid, "source": source, "cycle": cycle})
            if len(self.warnings) < MAX_WARNINGS:
                self.warnings.append(Msg(N_(
                    "line {line}: {source} as the source of {case} would close a cycle of sources ({cycle}); "
                    "the link is not made, {source} is kept as {case}'s attribute source_in_cycle"),
                    line=line, source=source, case=cid, cycle=" → ".join(cycle)))

    def _reject_entry(self, entry: dict, exc: InvalidValue) -> None:
        for line, row in zip(entry["lines"], entry["rows"]):
            self.reject(line, row, exc)

    def _dates_from_store(self, case: dict, stored: dict | None) -> None:
        """A row without a confirmation date adds to the stored case; with no
        stored case it is an undated case (stored, flagged ``undated_case``).
        An isolation date (and unknown source) the file does not give keeps
        what the stored case was told, else it is derived like `case
        confirm`'s (``isolated_given``/``unknown_given`` 0: re-derived after
        every write, issue 12 point 2): the sample date until the levels say
        the person was in quarantine."""
        if case["confirmed"] is None and stored is None:
            if case.get("onset") is None:  # an onset dates a case too (levels.Case.day)
                self.undated.append(case["person"])
        elif case["confirmed"] is None:
            for key in ("confirmed", "onset", "isolated"):
                if case.get(key) is None:
                    case[key] = stored[key]
            if not case["unknown_given"]:
                case["unknown_source"] = stored["unknown_source"]
        if not case["isolated_given"]:
            told = stored is not None and stored["isolated_given"] == 1
            # derived: start from what is stored (re-derived with the levels), else the sample date
            case["isolated"] = (stored or {}).get("isolated") or case["confirmed"]
            case["isolated_given"] = told
        case["isolated_given"] = int(case["isolated_given"])
        if not case["unknown_given"] and stored is not None:  # told before, or derived (re-derived with the levels)
            case["unknown_source"], case["unknown_given"] = stored["unknown_source"], stored["unknown_given"] == 1
        case["unknown_given"] = int(bool(case["unknown_given"]))

    def _resolve(self, cid: str, case: dict, matcher: SourceMatcher) -> None:
        sources, labels, persons = [], [], []
        entries = []
        for segment in case["tokens"]:  # a segment's parts that are no id stay one label, as written
            resolved: dict[str, tuple[str, str]] = {}

            def is_id(part):
                resolved[part] = matcher.resolve(part)
                return resolved[part][0] != "label"

            def split(part, pieces):
                matcher.report.read_as[part] = ", ".join(pieces)

            for text, is_person in group_entries(segment, is_id, matcher.names, split):
                if is_person:
                    entries.append((segment, *resolved[text]))
                    continue
                # ids of the file written in words (lây từ BN1550, wife of TJ95): links, unless the
                # words say they are further up the chain (F2 của BN1550): then the label as written
                ids, indirect = matcher.ids_in(text, cid)
                if ids and not indirect:
                    entries += [(segment, "link", i) for i in ids]
                else:
                    entries.append((segment, "label", text))
        for token, kind, value in entries:
            if value == cid and kind != "label":
                raise InvalidValue("source: " + _("{id} cannot be its own source ('{entry}')").format(
                    id=cid, entry=token))
            if kind == "label":
                token = value
                if len(token) > 200:
                    raise InvalidValue(_("source: '{token}…' is neither a person id nor a short label").format(
                                           token=token[:30]))
                labels.append(value)
            else:
                sources.append(value)
                self._link_line.setdefault((cid, value), self._token_line.get((cid, token), 0))
                if kind == "person":
                    persons.append(value)
        if case["unknown_source"] and sources and case["unknown_given"]:
            raise InvalidValue(_("unknown_source: contradicts the source {sources}").format(sources=sources[0]))
        case["sources"], case["labels"] = list(dict.fromkeys(sources)), list(dict.fromkeys(labels))
        persons = set(persons)
        matcher.report.unknown_source_values += len(persons)  # each value in one category (critic13c F7)
        matcher.report.links += len(case["sources"]) - len(persons)
        matcher.report.unknown_source_persons.update(persons)
        matcher.report.labels.update(case["labels"])

    # ------------------------------------------------------------ after
    def promote(self) -> None:
        """Labels of earlier imports that name an id of this one become links."""
        if not self.new_ids:
            return
        self.promoted = promote_labels(self.store, self.new_ids, self.adopted)
        if self.promoted:
            cases = {c for c, _s in self.promoted}
            self.changed_cases.update(cases)
            self.touched.update(cases)

    def rederive(self) -> int:
        from . import followups
        if self.touched.overflow:
            changes = levels.rederive_all(self.store)
            followups.after_rederive(self.store, changes, "import")
            return len(changes)
        if self.touched or self.changed_cases:
            region: set[str] = set()
            changes = levels.rederive(self.store, set(self.touched) | self.changed_cases,
                                      changed_cases=self.changed_cases, region_out=region)
            followups.after_rederive(self.store, changes, "import", region=region)
            return len(changes)
        return 0


def _up_path(ups: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """``[start, …, goal]`` following sources upwards (``ups``: person ->
    their sources), or None when ``goal`` is not above ``start``."""
    parent: dict[str, str | None] = {start: None}
    todo = [start]
    while todo:
        node = todo.pop(0)
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = parent[node]
            return path[::-1]
        for up in sorted(ups.get(node, ())):
            if up not in parent:
                parent[up] = node
                todo.append(up)
    return None


def _parts(segments):
    """The parts of source segments between soft separators (candidate ids)."""
    for segment in segments:
        for a, b in soft_parts(segment):
            yield segment[a:b].strip()


def _has_labels(store) -> bool:
    from .store import sources as sql

    return sql.has_labels(store) or sql.has_bare_source_persons(store)


def _short(value, limit: int = 30) -> str:
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value_of(row: dict, field: str):
    if field in row:
        return row[field]
    return (row.get("extra") or {}).get(field)


def _merge_values(old: dict, new: dict) -> dict:
    out = dict(old)
    for k, v in new.items():
        if isinstance(v, dict):
            out[k] = {**(old.get(k) or {}), **{a: b for a, b in v.items() if b is not None}}
        elif k in ("tokens",):
            out[k] = list(dict.fromkeys((old.get(k) or []) + (v or [])))
        elif v is not None:
            out[k] = v
    return out


def rejected_path(path) -> str:
    """Where the bad rows of ``path`` go: the file name plus ``.rejected.csv``.

    >>> rejected_path("data/contacts.csv")
    'data/contacts.csv.rejected.csv'
    """
    return f"{path}.rejected.csv"


@contextlib.contextmanager
def _no_cyclic_gc():
    """Automatic cyclic garbage collection off while a file is imported, back
    as it was after. An import keeps every row seen so far (duplicate ids,
    the batch being written) and each row allocates a handful of dicts, so the
    collector kept walking all of them: a quarter of the CPU time of
    ``import persons`` on 100,000 rows (benchmarks/README.md). Rows hold no
    reference cycles, so nothing piles up: their memory is freed by reference
    counting as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_file(store, kind: str, path, *, columns: dict[str, str] | None = None, encoding: str | None = None,
                sheet: str | None = None, dry_run: bool = False, skip_invalid: bool = False,
                id_prefix: str | None = None, na=NA_VALUES, progress: Callable[[int, int | None], None] | None = None,
                threshold: int = REDERIVE_ALL_AT, date_order: str | None = None,
                header_row: int | None = None) -> dict:
    """Import ``path`` as ``kind`` (one of :data:`tracing.tabular.KINDS`) in
    one transaction and return the summary::

        {"file", "kind", "rows", "written": {"persons", "contacts", "cases", "checkins",
         "populations", "case_sources", "case_labels"}, "updated": {...}, "rejected",
         "rejected_file", "dry_run", "extras", "mapping", "warnings", "possible_duplicates",
         "levels_changed", "encoding", "sheet", "sheets_not_read" (other sheets with data),
         "formulas_without_value": [{"line", "column", "formula"}] (XLSX cells read as blank), "header_line", "title_rows", "date_order",
         "date_serials": [{"column", "count", "line", "value", "date"}] (bare numbers read as Excel serial days),
         "date_cells_swappable": [{"column", "cells", "line", "date", "order"}] (workbook date cells beside text dates),
         "footer_rows": [{"line", "text"}] (totals/signature rows skipped),
         "column_numbers_row": {"line", "text"} | None (a form's (1), (2), (3)… under the header, skipped),
         "ids_normalised": {"count", "examples": [[written, id]]} (sources.IdSpeller),
         "duplicates": {"identical", "merged", "lines"}, "kept_as_attributes": {field: n},
         "sources": {"values" = "links" + "unknown_source_values" + "labels" + "in_cycle",
                     "unknown_source_persons" (distinct), "top_labels" (10), "normalised", ...}
                     (sources.SourceReport: each source value in exactly one category),
         "labels_linked", "ids_adopted": [{"written", "id", "cases"}] (sources.promote_labels), "criteria_kept": [{"kind", "area", "kept": [column]}],
         "formula_guards_removed", "ignored_columns",
         "settings_from_words": [{"words", "setting", "kept_in", "rows"}],
         "changes": [{"line", "table", "id", "field", "old", "new"}], "names_kept": [{"line", "id", "stored", "file"}],
         "ticks": {field: {"cells", "first_line"}}}

    ``ticks``: yes/no cells written as a tick (``x``, :data:`TICKS`) and read
    as yes, per field (``masked``, ``recovered``), with the first line.

    ``changes``: every stored value of a person or case that the file
    changed, old and new, with the line (an update is never silent);
    ``names_kept``: names not replaced because the file's is the stored
    name without its diacritics (:func:`tracing.store.bulk.poorer_spelling`).

    ``formula_guards_removed`` counts cells whose leading ``'`` before
    ``= + - @`` (tab, CR) was dropped: the guard :func:`tracing.sheets.neutralise`
    writes, undone in every file (an edited export, a fixed rejected file).
    ``settings_from_words`` (contacts): setting cells that said more than
    their category (``chợ`` is ``venue``), kept as the place (``kept_in``
    ``place``) or, when the row has a place, as ``setting_text``.
    ``ignored_columns`` are the ``line``/``reason`` columns of the tool's own
    ``FILE.rejected.csv`` (:func:`tracing.tabular.rejected_columns`).

    ``date_order`` (``dmy``, ``mdy``, ``ymd``) fixes how ``N/N/YYYY`` dates
    are read; without it each column's values decide (:mod:`tracing.dateorder`).
    ``criteria_kept`` (populations): the areas whose stored vaccination /
    capacity figures were kept because the file did not give them (no
    column, or a blank cell): a population file without those columns updates
    populations and leaves the level's criteria 2 and 3 as they were, and
    says so. ``header_row`` is the line of the header (title rows above it are skipped
    and listed). ``progress(done, total)`` is called now and then (bytes for
    CSV, rows for XLSX).
    """
    if kind not in KINDS:
        raise TracingError(_("unknown import kind '{kind}' (use one of {KINDS})").format(
                               kind=kind, KINDS=', '.join(KINDS)))
    if id_prefix is not None:
        id_prefix = check_id(id_prefix, "--id-prefix")
    date_order = check_order(date_order)
    na = frozenset(x.lower() for x in na)
    _refuse_other_exports(path)
    fixed: dict[str, str] = {}
    while True:
        table = open_table(path, kind, columns=columns, encoding=encoding, sheet=sheet, header_row=header_row)
        try:
            _refuse_other_exports(path, table.headers)
        except TracingError:
            table.close()
            raise
        dates = DateOrders(str(path), date_order, fixed)
        imp = _Importer(store, table, skip_invalid=skip_invalid, id_prefix=id_prefix, na=na,
                        progress=progress, threshold=threshold, dates=dates)
        try:
            with _no_cyclic_gc():
                return _run(store, kind, path, table, imp, dry_run, columns)
        except Reread as again:
            fixed = again.orders
        finally:
            imp.rejects.close()


def _refuse_other_exports(path, headers=None) -> None:
    """A file of `tracing export epicontacts` or `godata` is written for those
    tools, not read back (critic13 F14): its line list holds every person with
    a level (P7, an F1, would become an undated F0) and its contacts repeat the
    infection links. Refused, naming what moves data between databases; known
    by the export's manifest, or with ``headers`` by the epicontacts columns
    (a copy saved again, so changed since)."""
    from .exporter import epicontacts_layout, export_format

    fmt = export_format(path) if headers is None else epicontacts_layout(headers)
    if fmt in ("epicontacts", "godata"):
        raise TracingError(_("{path} is a file of `tracing export {format}`, written for that tool and not read "
                             "back: imported, its persons who are not cases would become cases and links would "
                             "be counted twice. To move data to another database use `tracing export csv DIR` "
                             "and import its persons.csv, contacts.csv, cases.csv in that order, or `tracing "
                             "copy SRC DST`").format(path=path, format=fmt))


def _run(store, kind, path, table, imp: "_Importer", dry_run: bool, columns=None) -> dict:
    with table, store.write(f"import {kind}", dry_run=dry_run) as st:
        try:
            getattr(imp, kind)()
            flags_kept = imp.write_flags()
        except RowError:
            imp.dates.finish()  # a date-order error (or a re-read in the proven order) comes first
            raise
        imp.dates.finish()
        result_column = result_date_column(table.mapping, columns) if kind == "cases" else None
        if result_column is not None:  # the day a result came is read as the sample day: said (critic13 F12)
            imp.warnings.insert(0, Msg(N_(
                "column '{column}' is a result date, read as each case's sample date (confirmed): a result comes "
                "a day or more after its sample, so infectious windows and F1 lists start that much later; if the "
                "file has the sample date in another column, import again with --column confirmed=THAT_COLUMN"),
                column=result_column))
        for w in reversed(imp.dates.swappable()):  # first among the warnings: every date of those rows may be wrong
            imp.warnings.insert(0, Msg(N_(
                "column '{column}' mixes dates typed as text (read {order}) with {n} date cells of the workbook "
                "whose day is 12 or less (e.g. line {line}: {date}): Excel may have swapped their day and month "
                "when they were typed in the other order; check them"),
                column=w["column"], order=w["order"], n=w["cells"], line=w["line"], date=w["date"]))
        imp.promote()
        changed = imp.rederive()
        s = imp.stats
        written = {
            "persons": s["persons"].get("inserted", 0) + s["persons"].get("updated", 0)
            + s["cases"].get("persons_created", 0),
            "contacts": s["contacts"].get("inserted", 0),
            "cases": s["cases"].get("inserted", 0) + s["cases"].get("updated", 0),
            "checkins": s["checkins"].get("inserted", 0),
            "populations": s["populations"].get("inserted", 0) + s["populations"].get("updated", 0),
            "case_sources": s["cases"].get("sources", 0) + len(imp.promoted),
            "case_labels": s["cases"].get("labels", 0),
        }
        updated = {"persons": s["persons"].get("updated", 0), "cases": s["cases"].get("updated", 0),
                   "populations": s["populations"].get("updated", 0), "contacts": s["contacts"].get("updated", 0),
                   "checkins": s["checkins"].get("updated", 0)}
        # rows of the file equal to what was stored (known for populations: each area is new, updated or unchanged)
        unchanged = {"populations": s["populations"].get("unchanged", 0)} if kind == "populations" else {}
        respelled = dict(sorted(st.areas().renamed.items()))
        adopted_links = {(c, a["id"]) for a in imp.adopted for c in a["cases"]}  # links moved, not labels
        # a ward without a district named in several districts: kept apart, said (inside the
        # transaction: a dry run rolls back)
        ambiguous = ambiguous_wards(st, imp.line_of) if kind in ("persons", "cases") else None
        st.note(file=os.path.basename(str(path)), rows=imp.rows, written=written, rejected=imp.rejects.count)
        rejected_file = None
        if imp.rejects.count and not dry_run:
            # inside the transaction: a rejected file that cannot be written
            # (read-only folder, full disk) rolls the good rows back too
            rejected_file = rejected_path(path)
            imp.rejects.write(rejected_file)
    summary = {
        "file": str(path), "kind": kind, "rows": imp.rows, "written": written, "updated": updated,
        "unchanged": unchanged, "rejected": imp.rejects.count, "rejected_file": rejected_file, "rejections": imp.rejects.first,
        "dry_run": dry_run, "extras": list(table.extras), "mapping": dict(table.mapping),
        "warnings": imp.warnings, "possible_duplicates": imp.n_warnings, "levels_changed": changed,
        "encoding": table.encoding, "sheet": table.sheet, "sheets_not_read": list(table.other_sheets),
        "formulas_without_value": [{"line": ln, "column": col, "formula": f} for ln, col, f in table.formulas_blank],
        "merged_cells_filled": merged_cells_filled(table),
        "header_line": table.header_line,
        "title_rows": list(table.title_rows), "footer_rows": list(table.footer_rows),
        "column_numbers_row": table.numbers_row,
        "ids_normalised": imp.spell.as_dict(),
        "date_order": imp.dates.summary(), "date_serials": imp.dates.serials(),
        "date_cells_swappable": imp.dates.swappable(),
        "duplicates": imp.duplicates, "kept_as_attributes": dict(sorted(imp.kept.items())),
        "labels_linked": [[c, src] for c, src in sorted(set(imp.promoted) - adopted_links)], "ids_adopted": imp.adopted, "areas_respelled": respelled,
        "places_respelled": dict(sorted(st.places_respelled.items())),
        "undated_cases": len(imp.undated), "trimmed": imp.trims, "source_cycles": imp.cycles,
        "criteria_kept": [{"kind": k, "area": a, "kept": cols} for (k, a), cols in sorted(imp.criteria_kept.items())],
        "formula_guards_removed": table.unguarded, "ignored_columns": list(table.rejected_columns),
        "import_flags_kept": flags_kept,
        "settings_from_words": [{"words": w, "setting": st, "kept_in": k, "rows": n}
                                for (w, st, k), n in sorted(imp.setting_words.items())],
        "ticks": dict(sorted(imp.ticks.items())), "changes": imp.changes(), "names_kept": [
            {"line": imp.line_of.get(pid), "id": pid, "stored": stored, "file": typed}
            for pid, stored, typed in s["persons"]["names_kept"]],
    }
    if ambiguous is not None:
        summary["wards_ambiguous"] = ambiguous
    if imp.sources is not None and "source" in table.mapping:
        summary["sources"] = imp.sources.as_dict()
        # stored cases whose source cell is blank: their stored sources and labels are kept (said)
        summary["sources_kept"] = [{"line": imp.line_of.get(cid), "id": cid, "kept": kept}
                                   for cid, kept in s["cases"]["sources_kept"]]
    return summary


def merged_cells_filled(table) -> list[dict]:
    """The merged ranges of an XLSX sheet read into every row they cover
    (:class:`tracing.sheets.XlsxRows`), for the summary: the range, the
    header of its column, the value (as text; a date cell as its date) and
    the lines it was read into (only ranges that filled a line)."""
    import datetime as dt

    out = []
    for m in table.merged_filled:
        if not m.get("lines"):
            continue
        value = m["value"]
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            value = value.date()
        header = table.headers[m["column"] - 1] if m["column"] <= len(table.headers) else None
        out.append({"range": m["range"], "column": header,
                    "value": value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value),
                    "lines": list(m["lines"])})
    return out

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
* in a cases file ``source`` holds zero or more ids separated by ``;`` or
  ``,``: a source that is a person (an id in the same file or in the
  database) becomes an infection link, anything else (a country code,
  ``community``, a hospital cluster) a label of the case, never a person;
* cells ``NA``, ``N/A``, ``#N/A``, ``NULL`` are blank; a fractional age
  (infants, ``0.5``) is rounded down to whole years;
* columns that match no field are kept as extra attributes (``extra``);
* levels are re-derived at the end: locally for small imports, the whole
  district above :data:`REDERIVE_ALL_AT` touched persons.

>>> split_sources("BN1; CN ,community，TJ2")
['BN1', 'CN', 'community', 'TJ2']
>>> with_prefix("17", "BN"), with_prefix("BN17", "BN"), with_prefix("17", None)
('BN17', 'BN17', '17')
"""

from __future__ import annotations

import csv
import math
import os
import re
import tempfile
from typing import Callable

from . import levels
from .cases import clean_case
from .encounters import clean_contact
from .errors import InvalidValue, TracingError
from .people import check_id, clean_person
from .store import bulk
from .store import duplicates as dupsql
from .store.reports import POPULATION_KINDS
from .tabular import KINDS, match_header, open_table
from .values import (clean_text, fold, parse_bool, parse_date, parse_datetime, parse_int, past_date, refuse_controls,
                     today)

REDERIVE_ALL_AT = 2000
"""Above this many touched persons the whole district is re-derived at once."""
NA_VALUES = frozenset({"na", "n/a", "#n/a", "null"})
"""Cell texts that mean "no value" (compared case-insensitively)."""
MAX_WARNINGS = 100
PROGRESS_EVERY = 2000

_FLAGS = {"--date": "confirmed", "--onset": "onset", "--isolated": "isolated", "--source": "source",
          "--unknown-source": "unknown_source", "--at": "at", "--until": "until"}
_CASE_FIELDS = ("id", "confirmed", "onset", "isolated", "source", "unknown_source")


class RowError(TracingError):
    """A row that cannot be imported: ``line``, ``field`` and ``reason``."""

    def __init__(self, path: str, line: int, field: str | None, reason: str):
        self.path, self.line, self.field, self.reason = path, line, field, reason
        where = f"{path} line {line}" + (f", field {field}" if field else "")
        super().__init__(f"{where}: {reason}")


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


def split_sources(value) -> list[str]:
    """Source entries of a cases cell: separated by ``;``, ``,`` (also the
    full-width ``，``), trimmed, blanks dropped."""
    text = clean_text(value, "source", multiline=True)
    if not text:
        return []
    return [t.strip() for t in re.split(r"[;,，；]", text) if t.strip()]


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
    return value is None or (isinstance(value, str) and (not value.strip() or value.strip().lower() in na))


def _fields(row: dict, na) -> dict:
    return {k: (None if _blank(v, na) else v) for k, v in row.items() if k != "extra"}


def _extra(row: dict, na) -> dict:
    out = {}
    for k, v in (row.get("extra") or {}).items():
        if _blank(v, na):
            continue
        if hasattr(v, "isoformat"):
            v = v.isoformat()
        elif isinstance(v, float) and v.is_integer():
            v = int(v)
        out[k] = refuse_controls(v.strip(), k, multiline=True) if isinstance(v, str) else v
    return out


def _age(value):
    """Whole years from an age cell; ``0.5`` (an infant) gives 0."""
    if value is None:
        return None
    text = str(value).strip().replace(",", ".")
    if re.fullmatch(r"\d+\.\d+", text):
        return math.floor(float(text))
    return value


def _person(fields: dict, prefix) -> dict:
    as_of = _recorded_on(fields)
    fields = {k: fields.get(k) for k in fields if k not in _CASE_FIELDS or k == "id"}
    if fields.get("id") is None:
        raise InvalidValue("id: an id is required")
    fields["id"] = check_id(with_prefix(fields["id"], prefix))
    if "age" in fields:
        fields["age"] = _age(fields["age"])
    return clean_person(fields, as_of=as_of)


def _recorded_on(fields: dict):
    """The day a case row's age was recorded (its sample, else onset date),
    so ages in old line lists give the right birth year; None if unknown."""
    for key in ("confirmed", "onset"):
        try:
            day = parse_date(fields.get(key), key, allow_serial=True)
        except InvalidValue:
            day = None  # the case cleaner reports a bad date with its line
        if day is not None:
            return day
    return None


def clean_checkin(fields: dict) -> dict:
    """Validate a check-in row: ``person``, ``place``, ``at``, ``until``, ``unit``, ``ward``.

    >>> clean_checkin({"person": "P1", "place": "Chợ Long Biên", "at": "2021-05-01 08:30"})["at"]
    '2021-05-01 08:30:00'
    """
    person = check_id(fields.get("person"), "person")
    place = clean_text(fields.get("place"), "place")
    if not place:
        raise InvalidValue("place: a place name is required")
    start = parse_datetime(fields.get("at"), "at")
    if start is None:
        raise InvalidValue("at: a date-time is required")
    end = parse_datetime(fields.get("until"), "until")
    if start.date() > today():
        raise InvalidValue(f"at: {start:%Y-%m-%d} is in the future")
    if end is not None and end < start:
        raise InvalidValue(f"until: {end:%Y-%m-%d %H:%M} is before {start:%Y-%m-%d %H:%M}")
    return {"person": person, "place": place, "at": start.isoformat(sep=" "),
            "until": end.isoformat(sep=" ") if end else None,
            "unit": clean_text(fields.get("unit"), "unit"), "ward": clean_text(fields.get("ward"), "ward")}


def clean_population(fields: dict) -> dict:
    """Validate a population row: ``area``, ``population``, ``level``
    (district, ward, unit or workplace, also in Vietnamese; blank means
    ward) and, when given, ``vaccinated`` / ``elderly_vaccinated`` (shares
    fully vaccinated, :func:`parse_share`) and ``capacity`` (yes/no: the area
    meets its treatment capacity plan), criteria 2 and 3 of the level.

    >>> clean_population({"area": "Ngọc Lâm", "population": "23,400", "level": "Phường"})
    {'kind': 'ward', 'area': 'Ngọc Lâm', 'population': 23400}
    """
    area = clean_text(fields.get("area"), "area")
    if not area:
        raise InvalidValue("area: an area name is required")
    raw = fields.get("population")
    if isinstance(raw, str):
        raw = re.sub(r"(?<=\d)[.,\s](?=\d{3}\b)", "", raw.strip())
    population = parse_int(raw, "population", lo=0, hi=100_000_000)
    if population is None:
        raise InvalidValue("population: a number is required")
    level = clean_text(fields.get("level"), "level")
    kind = "ward"
    if level:
        kind = level.lower() if level.lower() in POPULATION_KINDS else match_header(level, "persons")
        if kind is None and fold(level) in WORKPLACE_WORDS:
            kind = "workplace"
        if kind not in POPULATION_KINDS:
            raise InvalidValue(f"level: '{level[:30]}' is not district, ward, unit or workplace")
    row = {"kind": kind, "area": area, "population": population}
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
        raise InvalidValue(f"{field}: '{str(value)[:30]}' is not a share (write 82%, 82,5 % or 0.825)") from None
    if percent or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise InvalidValue(f"{field}: {value} is not between 0 and 100 %")
    return round(number, 4)


_MISS = object()
MEMO_LIMIT = 200_000
"""Distinct raw values remembered per column by the fast contact cleaner."""


class ContactCleaner:
    """:func:`tracing.encounters.clean_contact` for millions of rows: each
    column's raw values are parsed once (ids, dates and settings repeat) with
    the same parsers; any problem is handed to ``clean_contact`` itself, so
    the accepted rows and the error messages are exactly the cleaner's.

    >>> clean = ContactCleaner(NA_VALUES)
    >>> row = {"from": "B", "to": "A", "date": "01/06/2021", "setting": "Household", "masked": "có"}
    >>> clean(row, None) == clean_contact({"a": "B", "b": "A", "date": "01/06/2021",
    ...                                    "setting": "Household", "masked": "có"})
    True
    """

    def __init__(self, na, prefix: str | None = None):
        from .values import parse_setting

        self.na = na
        self.prefix = prefix
        self._memo = {k: {} for k in ("a", "b", "date", "setting", "place", "minutes", "masked")}
        blank = lambda v: None if _blank(v, na) else v  # noqa: E731
        day_limit = today()

        def date(raw):
            day = parse_date(blank(raw), "date", allow_serial=True)
            if day is not None and day > day_limit:
                raise InvalidValue(f"date: {day} is in the future")
            return day.isoformat() if day else None

        self._parse = {
            "a": lambda v: check_id(with_prefix(blank(v), prefix), "from"),
            "b": lambda v: check_id(with_prefix(blank(v), prefix), "to"),
            "date": date,
            "setting": lambda v: parse_setting(blank(v)),
            "place": lambda v: clean_text(blank(v), "place"),
            "minutes": lambda v: parse_int(blank(v), "minutes", lo=0, hi=7 * 24 * 60),
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
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[raw] = value
        return value

    def __call__(self, row: dict, extra) -> dict:
        raw = {"a": row.get("from"), "b": row.get("to"), "date": row.get("date"), "setting": row.get("setting"),
               "place": row.get("place"), "minutes": row.get("minutes"), "masked": row.get("masked")}
        try:
            out = {k: self._value(k, v) for k, v in raw.items()}
            if out["a"] == out["b"]:
                raise InvalidValue("same person")
        except InvalidValue:
            fields = {k: (None if _blank(v, self.na) else v) for k, v in raw.items()}
            fields["a"] = with_prefix(fields["a"], self.prefix)
            fields["b"] = with_prefix(fields["b"], self.prefix)
            return clean_contact(fields)  # raises the cleaner's own message
        out["extra"] = extra or None
        return out


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
        self.columns = ["line", *table.mapping.values(), *table.extras, "reason"]
        self._fields = list(table.mapping)

    def add(self, line: int, row: dict, error: RowError) -> None:
        if self._fh is None:
            self._fh = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
            self._writer = csv.writer(self._fh)
        extra = row.get("extra") or {}
        cells = [line, *(row.get(f) for f in self._fields), *(extra.get(h) for h in self.table.extras),
                 (f"field {error.field}: " if error.field else "") + error.reason]
        self._writer.writerow(["" if c is None else str(c) for c in cells])
        self.count += 1
        if len(self.first) < 20:
            self.first.append(str(error))

    def write(self, path: str) -> None:
        from .sheets import write_csv

        if self._fh is None:
            return
        self._fh.seek(0)
        write_csv(path, self.columns, csv.reader(self._fh))

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class _Importer:
    def __init__(self, store, table, *, skip_invalid, id_prefix, na, progress, threshold):
        self.store = store
        self.table = table
        self.path = table.path
        self.skip = skip_invalid
        self.prefix = id_prefix
        self.na = na
        self.progress = progress
        self.rows = 0
        self.rejects = _Rejects(table)
        self.warnings: list[str] = []
        self.n_warnings = 0
        self.touched = _Touched(threshold)
        self.changed_cases: set[str] = set()
        self.stats = {"persons": {"touched": self.touched}, "contacts": {"touched": self.touched},
                      "cases": {"touched": self.touched, "changed_cases": self.changed_cases},
                      "checkins": {}, "populations": {}}

    # ------------------------------------------------------------ reading
    def cleaned(self, clean: Callable[[dict, dict], object]):
        """Yield ``(line, row, clean(fields, row))`` for good rows; bad rows
        raise (or are rejected with ``skip_invalid``)."""
        for line, row in self.table.rows():
            self.rows += 1
            if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
                self.progress(self.table.position, self.table.size_hint)
            try:
                value = clean(_fields(row, self.na), row)
            except InvalidValue as exc:
                self.reject(line, row, exc)
                continue
            yield line, row, value
        if self.progress is not None:
            self.progress(self.table.size_hint or self.table.position, self.table.size_hint)

    def reject(self, line, row, exc) -> None:
        named = getattr(exc, "field", None)
        if isinstance(exc, RowError):
            error = exc
        elif named and str(exc).startswith(f"{named}: "):
            error = RowError(self.path, line, named, str(exc)[len(named) + 2:])
        else:
            field, reason = split_reason(str(exc))
            error = RowError(self.path, line, field, reason)
        if not self.skip:
            raise error
        self.rejects.add(line, row, error)

    def warn(self, text: str) -> None:
        self.n_warnings += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)

    def check_duplicates(self, chunk: list[tuple[int, dict]]) -> None:
        """Warn about rows that look like people already stored under another id."""
        for field, label in (("phone", "phone"), ("national_id", "national ID")):
            values = {}
            for line, p in chunk:
                if p.get(field):
                    values.setdefault(p[field], []).append((line, p["id"]))
            if not values:
                continue
            for value, other, name in dupsql.persons_with(self.store, field, list(values)):
                for line, pid in values[value]:
                    if pid != other:
                        self.warn(f"line {line}: {pid} has {label} {value} like {other} ({name or 'no name'}); "
                                  "same person? see `tracing person duplicates`")

    # ------------------------------------------------------------ kinds
    def persons(self) -> None:
        def clean(fields, row):
            person = _person(fields, self.prefix)
            extra = _extra(row, self.na)
            if extra:
                person["extra"] = extra
            return person

        for chunk in bulk.batches(self.cleaned(clean)):
            self.check_duplicates([(line, p) for line, _row, p in chunk])
            bulk.bulk_persons(self.store, [p for _l, _r, p in chunk], stats=self.stats["persons"])

    def contacts(self) -> None:
        fast = ContactCleaner(self.na, self.prefix)

        def rows():
            for line, row in self.table.rows():
                self.rows += 1
                if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
                    self.progress(self.table.position, self.table.size_hint)
                try:
                    yield fast(row, _extra(row, self.na) if row["extra"] else None)
                except InvalidValue as exc:
                    self.reject(line, row, exc)
            if self.progress is not None:
                self.progress(self.table.size_hint or self.table.position, self.table.size_hint)

        bulk.bulk_contacts(self.store, rows(), stats=self.stats["contacts"])
        self.stats["persons"]["inserted"] = self.stats["contacts"].pop("persons_created", 0)

    def checkins(self) -> None:
        def clean(fields, row):
            fields["person"] = with_prefix(fields.get("person"), self.prefix)
            return clean_checkin(fields)

        bulk.bulk_checkins(self.store, (c for _l, _r, c in self.cleaned(clean)), stats=self.stats["checkins"])
        self.stats["persons"]["inserted"] = self.stats["checkins"].pop("persons_created", 0)

    def populations(self) -> None:
        bulk.bulk_populations(self.store, (p for _l, _r, p in self.cleaned(lambda f, r: clean_population(f))),
                              stats=self.stats["populations"])

    def cases(self) -> None:
        """Cases are gathered first (a source may be a case further down the
        file), then written: persons, cases, infection links, labels."""
        pending: dict[str, dict] = {}

        def clean(fields, row):
            person = _person(fields, self.prefix)
            cid = person["id"]
            unknown = parse_bool(fields.get("unknown_source"), "unknown_source")
            case = {"id": cid, "confirmed": fields.get("confirmed"), "onset": fields.get("onset"),
                    "isolated": fields.get("isolated"), "unknown_source": bool(unknown)}
            if case["confirmed"] is not None:
                checked = clean_case(case)
            else:  # a partial row (e.g. an edge list): dates come from the case stored or above
                checked = {"person": cid, "confirmed": None, "unknown_source": int(bool(unknown))}
                for key, flag in (("onset", "--onset"), ("isolated", "--isolated")):
                    day = past_date(case[key], flag)
                    checked[key] = day.isoformat() if day else None
                if not case["isolated"]:
                    checked["isolated"] = None
            checked.pop("sources", None)
            checked["tokens"] = split_sources(fields.get("source"))
            checked["unknown_given"] = unknown is not None
            extra = _extra(row, self.na)
            if extra:
                checked["extra"] = extra
            return person, checked

        for line, row, (person, case) in self.cleaned(clean):
            cid = person["id"]
            entry = pending.get(cid)
            if entry is None:
                pending[cid] = {"lines": [line], "rows": [row], "person": person, "case": case}
                continue
            entry["lines"].append(line)
            entry["rows"].append(row)
            entry["person"].update({k: v for k, v in person.items() if v is not None and k != "extra"})
            old = entry["case"]
            for key in ("confirmed", "onset", "isolated"):
                if case.get(key) is not None:
                    old[key] = case[key]
            if case["unknown_given"]:
                old["unknown_source"], old["unknown_given"] = case["unknown_source"], True
            old["tokens"] = list(dict.fromkeys(old["tokens"] + case["tokens"]))
            if case.get("extra"):
                old["extra"] = {**(old.get("extra") or {}), **case["extra"]}

        stored = bulk.cases_of(self.store, pending)
        tokens = {with_prefix(t, self.prefix) for e in pending.values() for t in e["case"]["tokens"]}
        known = set(pending) | bulk.existing_ids(self.store, [t for t in tokens if t not in pending])
        persons, cases = [], []
        for cid, entry in pending.items():
            case = entry["case"]
            line, row = entry["lines"][-1], entry["rows"][-1]
            try:
                self._finish_case(cid, case, stored.get(cid), known)
            except InvalidValue as exc:
                for line, row in zip(entry["lines"], entry["rows"]):
                    self.reject(line, row, exc)
                continue
            persons.append((entry["lines"][0], entry["person"]))
            cases.append(case)
        self.check_duplicates(persons)
        bulk.bulk_persons(self.store, [p for _l, p in persons], stats=self.stats["persons"])
        bulk.bulk_cases(self.store, cases, stats=self.stats["cases"])

    def _finish_case(self, cid: str, case: dict, stored: dict | None, known: set[str]) -> None:
        if case["confirmed"] is None:
            if stored is None:
                raise InvalidValue("--date: a date is required (the case is not in the database or the file)")
            for key in ("confirmed", "onset", "isolated"):
                if case.get(key) is None:
                    case[key] = stored[key]
            if not case["unknown_given"]:
                case["unknown_source"] = stored["unknown_source"]
        sources, labels = [], []
        for token in case.pop("tokens"):
            candidate = with_prefix(token, self.prefix)
            if candidate in known:
                if candidate == cid:
                    raise InvalidValue(f"--source: {cid} cannot be its own source")
                sources.append(candidate)
            else:
                if len(token) > 200:
                    raise InvalidValue(f"source: '{token[:30]}…' is neither a person id nor a short label")
                labels.append(token)
        if case["unknown_source"] and sources:
            raise InvalidValue(f"unknown_source: contradicts the source {sources[0]}")
        case.pop("unknown_given", None)
        case["sources"], case["labels"] = sources, labels

    # ------------------------------------------------------------ levels
    def rederive(self) -> int:
        if self.touched.overflow:
            return len(levels.rederive_all(self.store))
        if self.touched or self.changed_cases:
            return len(levels.rederive(self.store, set(self.touched) | self.changed_cases,
                                       changed_cases=self.changed_cases))
        return 0


def rejected_path(path) -> str:
    """Where the bad rows of ``path`` go: the file name plus ``.rejected.csv``.

    >>> rejected_path("data/contacts.csv")
    'data/contacts.csv.rejected.csv'
    """
    return f"{path}.rejected.csv"


def import_file(store, kind: str, path, *, columns: dict[str, str] | None = None, encoding: str | None = None,
                sheet: str | None = None, dry_run: bool = False, skip_invalid: bool = False,
                id_prefix: str | None = None, na=NA_VALUES, progress: Callable[[int, int | None], None] | None = None,
                threshold: int = REDERIVE_ALL_AT) -> dict:
    """Import ``path`` as ``kind`` (one of :data:`tracing.tabular.KINDS`) in
    one transaction and return the summary::

        {"file", "kind", "rows", "written": {"persons", "contacts", "cases", "checkins",
         "populations", "case_sources", "case_labels"}, "updated": {...}, "rejected",
         "rejected_file", "dry_run", "extras", "mapping", "warnings", "possible_duplicates",
         "levels_changed", "encoding", "sheet"}

    ``progress(done, total)`` is called now and then (bytes for CSV, rows for XLSX).
    """
    if kind not in KINDS:
        raise TracingError(f"unknown import kind '{kind}' (use one of {', '.join(KINDS)})")
    if id_prefix is not None:
        id_prefix = check_id(id_prefix, "--id-prefix")
    table = open_table(path, kind, columns=columns, encoding=encoding, sheet=sheet)
    imp = _Importer(store, table, skip_invalid=skip_invalid, id_prefix=id_prefix,
                    na=frozenset(x.lower() for x in na), progress=progress, threshold=threshold)
    try:
        with table, store.write(f"import {kind}", dry_run=dry_run) as st:
            getattr(imp, kind)()
            changed = imp.rederive()
            s = imp.stats
            written = {
                "persons": s["persons"].get("inserted", 0) + s["persons"].get("updated", 0)
                + s["cases"].get("persons_created", 0),
                "contacts": s["contacts"].get("inserted", 0),
                "cases": s["cases"].get("inserted", 0) + s["cases"].get("updated", 0),
                "checkins": s["checkins"].get("inserted", 0),
                "populations": s["populations"].get("inserted", 0) + s["populations"].get("updated", 0),
                "case_sources": s["cases"].get("sources", 0),
                "case_labels": s["cases"].get("labels", 0),
            }
            updated = {"persons": s["persons"].get("updated", 0), "cases": s["cases"].get("updated", 0),
                       "populations": s["populations"].get("updated", 0)}
            st.note(file=os.path.basename(str(path)), rows=imp.rows, written=written, rejected=imp.rejects.count)
        rejected_file = None
        if imp.rejects.count and not dry_run:
            rejected_file = rejected_path(path)
            imp.rejects.write(rejected_file)
    finally:
        imp.rejects.close()
    return {
        "file": str(path), "kind": kind, "rows": imp.rows, "written": written, "updated": updated,
        "rejected": imp.rejects.count, "rejected_file": rejected_file, "rejections": imp.rejects.first,
        "dry_run": dry_run, "extras": list(table.extras), "mapping": dict(table.mapping),
        "warnings": imp.warnings, "possible_duplicates": imp.n_warnings, "levels_changed": changed,
        "encoding": table.encoding, "sheet": table.sheet,
    }

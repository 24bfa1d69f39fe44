"""Export the database for other tools: epicontacts (R), Go.Data, plain CSV.

* ``epicontacts``: ``linelist.csv`` (``id`` first, then attributes; a case's
  sources that name no person, ``UK``, ``F0 nhập cảnh``, in ``source_labels``
  separated by ``;``) and
  ``contacts.csv`` (``from``, ``to`` first, then date, setting, place,
  minutes, masked, ``type`` = ``contact`` or ``infection`` for a recorded
  case source, ``checkin`` = ``true`` for an exposure derived from
  overlapping QR check-ins with an infectious case, setting ``venue``,
  minutes = the overlap), so that ``make_epicontacts(read.csv("linelist.csv"),
  read.csv("contacts.csv"))`` reads them as they are (UTF-8 without BOM).
* ``godata``: ``cases.csv``, ``contacts.csv`` (traced persons F1, F2…) and
  ``relationships.csv`` in the flat column layout of Go.Data's import
  (``visualId``, ``firstName``, ``lastName``, ``gender``, ``age.years``,
  ``classification``, ``dateOfReporting``, ``dateOfOnset``, ``addresses[1]…``;
  relationships ``persons[1].visualId`` (source) / ``persons[2].visualId``
  (target), ``contactDate``, ``exposureTypeId``). ``age.years`` is the age at
  the record's date (a case's confirmation, else onset; a contact's
  exposure), :func:`tracing.people.age_on`: from a birth date when known,
  else the age as typed (not re-aged to the export's date), else from the
  birth year; the epicontacts line list has the same age in ``age`` and the
  day it is an age at in ``age_date``. Column names follow Go.Data's
  data model (person, relationship); Go.Data's importer maps columns in its UI,
  so exact names are not required, reference values use its ``LNG_…`` keys.
* ``csv``: every table as the importer reads it, every stored value
  (``persons``, ``contacts`` with ``recorded_on``, ``cases`` (sources and
  labels in ``source``, ``found_by``; ``isolated`` and ``unknown_source``
  blank where they are derived, not given), ``checkins``, ``populations``
  with the criteria columns and kind, extra attributes of each as columns)
  plus the derived ``levels``, ``followups`` and ``not_duplicates``, for
  reading: importing the first five into a new database gives the same data,
  levels and report (tests/test_import_values.py). Recorded test results,
  not-duplicate pairs, care, zones, rules and the audit log have no import
  path: ``tracing copy`` moves a whole database.

``redact=True`` applies :mod:`tracing.privacy` (which owns the rules): ids
become the database's keyed tokens, places, workplaces and source labels
tokens of their own, follow-up reasons keep their words with ids as tokens;
names, phones, national IDs, addresses and extra attributes are dropped.
CSV files are written atomically (:func:`tracing.sheets.write_csv`).
"""

from __future__ import annotations

import json
import os
from typing import Callable, Iterator

from .i18n import _
from . import checkins, files
from .errors import TracingError
from .levels import chain_root, level_name
from .people import age_at_record
from .privacy import DROPPED, Redactor
from .sheets import write_csv

FORMATS = ("epicontacts", "godata", "csv")
PERSON_COLUMNS_BEFORE_AGES = ["id", "name", "phone", "national_id", "birth_year", "sex", "address", "unit", "ward",
                              "district", "workplace", "vaccinated", "recovered", "quarantine_start"]
#: an age as typed and the day it is an age at (tracing.people.age_on), the birth date as typed: added
#: after the columns older exports wrote, which are still read as an export's (:func:`export_layouts`)
PERSON_COLUMNS = PERSON_COLUMNS_BEFORE_AGES + ["birth_date", "age", "age_date"]
#: What imports found that `check` reports (``duplicate_id_merged``), one
#: ``flag: detail`` a line, so the csv round trip keeps them (critic13c F12).
FLAGS = "import_flags"
CONTACT_COLUMNS = ["from", "to", "date", "setting", "place", "minutes", "masked"]
#: The day a contact or check-in was recorded (``recorded_on``: no test before
#: the person was traced, DOMAIN.md), kept by the csv round trip.
RECORDED = "recorded_on"
#: Recorded sources (``case link``/``--source``) with the exposure each link
#: stands for: the last qualifying contact before the infectee's onset (the
#: date :mod:`tracing.levels` keeps on the source), not its confirmation date.
LINKED_EDGES = """SELECT s.source, s.case_id, ls.date AS exposure FROM case_sources s
                   JOIN cases c ON c.person = s.case_id
                   LEFT JOIN level_sources ls ON ls.person = s.case_id AND ls.source = s.source
                   ORDER BY s.case_id, s.source"""
CASE_COLUMNS = ["id", "confirmed", "onset", "isolated", "unknown_source", "source", "found_by"]
CHECKIN_COLUMNS = ["person", "place", "at", "until", "unit", "ward", RECORDED]
POPULATION_COLUMNS = ["area", "population", "level", "vaccinated", "elderly_vaccinated", "capacity"]


class _Shown:
    """How values appear in one export: as stored, or redacted by the
    database's :class:`tracing.privacy.Redactor`."""

    def __init__(self, store, redact: bool):
        self.store = store
        self.redact = redact
        self.redactor = Redactor.of(store) if redact else None
        self._ids: set[str] | None = None

    def __call__(self, person_id):
        """A person id (or None)."""
        return person_id if self.redactor is None else self.redactor.token(person_id)

    def place(self, text):
        return text if self.redactor is None else self.redactor.place(text)

    def label(self, text):
        return text if self.redactor is None else self.redactor.label(text)

    def text(self, text):
        """A text the tool wrote, e.g. a follow-up reason."""
        if self.redactor is None or text is None:
            return text
        if self._ids is None:
            self._ids = {r[0] for r in self.store.conn.execute("SELECT id FROM persons")}
        return self.redactor.text(text, self._ids)

    def person(self, row: dict) -> dict:
        return row if self.redactor is None else self.redactor.person(row)

    def columns(self, columns: list[str]) -> list[str]:
        return [c for c in columns if not self.redact or c not in DROPPED]


def _rows(store, sql: str, params=()) -> Iterator[dict]:
    cur = store.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(names, row))


def spread_extras(extra: dict) -> list[dict]:
    """The rows that carry ``extra`` in a CSV file: one row, or, when a key
    holds several values (repeated rows of an imported file,
    :func:`tracing.store.bulk.merge_extras`), one row per value, in order
    (a shorter list repeats its last value), so that importing the rows
    again merges them back into the same lists.

    >>> spread_extras({"link_type": ["related", "cluster_link"], "note": "x"})
    [{'link_type': 'related', 'note': 'x'}, {'link_type': 'cluster_link', 'note': 'x'}]
    """
    lists = {k: v for k, v in extra.items() if isinstance(v, list) and v}
    if not lists:
        return [extra]
    n = max(map(len, lists.values()))
    return [{k: (v[min(i, len(v) - 1)] if k in lists else v) for k, v in extra.items()} for i in range(n)]


def person_and_case_extras(person: dict | None, case: dict | None) -> dict:
    """The extra attributes of a person and of its case as one mapping, the
    person's first. A name on both with different values keeps both: the
    case's as ``NAME (case)`` (a line list and a persons file may both have
    a ``Ghi chú`` column; neither value hides the other).

    >>> person_and_case_extras({"Ghi chú": "a", "x": 1}, {"Ghi chú": "b", "x": 1})
    {'Ghi chú': 'a', 'x': 1, 'Ghi chú (case)': 'b'}
    """
    out = dict(person or {})
    for key, value in (case or {}).items():
        if key in out and out[key] != value:
            out[f"{key} (case)"] = value
        else:
            out[key] = value
    return out


def _extra_keys(store, table: str) -> list[str]:
    keys: dict[str, None] = {}
    for (extra,) in store.conn.execute(f"SELECT extra FROM {table} WHERE extra IS NOT NULL"):
        keys.update(dict.fromkeys(json.loads(extra)))
    return sorted(keys)


def _bool(value):
    return None if value is None else ("true" if value else "false")


def _sources_of_all(store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case_id, source in store.conn.execute("SELECT case_id, source FROM case_sources ORDER BY case_id, source"):
        out.setdefault(case_id, []).append(source)
    return out


def _labels_of_all(store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case_id, label in store.conn.execute("SELECT case_id, label FROM case_labels ORDER BY case_id, label"):
        out.setdefault(case_id, []).append(label)
    return out


# ---------------------------------------------------------------- csv
def _csv(store, out_dir: str, redact: bool, tick) -> dict[str, int]:
    ids = _Shown(store, redact)
    counts = {}

    p_extra = [] if redact else _extra_keys(store, "persons")
    p_cols = ids.columns(PERSON_COLUMNS) + [FLAGS] + [k for k in p_extra if k not in PERSON_COLUMNS + [FLAGS]]
    from .store.reports import all_import_flags
    flags = all_import_flags(store)

    def persons():
        for r in _rows(store, "SELECT * FROM persons ORDER BY id"):
            extra = json.loads(r["extra"]) if r["extra"] and not redact else {}
            row = {**{k: v for k, v in extra.items()}, **{c: r.get(c) for c in PERSON_COLUMNS}}
            row[FLAGS] = "\n".join(f"{flag}: {detail}" for flag, detail in flags.get(r["id"], ())) or None
            row["recovered"] = _bool(r["recovered"])
            tick()
            yield ids.person(row)

    counts["persons"] = write_csv(os.path.join(out_dir, "persons.csv"), p_cols, persons())

    c_extra = [] if redact else _extra_keys(store, "contacts")
    c_cols = CONTACT_COLUMNS + [RECORDED] + [k for k in c_extra if k not in CONTACT_COLUMNS + [RECORDED]]

    n_contacts = 0

    def contacts():
        nonlocal n_contacts
        for r in _rows(store, "SELECT * FROM contacts ORDER BY a, b, date, setting, place"):
            extra = json.loads(r["extra"]) if r["extra"] and not redact else {}
            tick()
            n_contacts += 1
            row = {"from": ids(r["a"]), "to": ids(r["b"]), "date": r["date"], "setting": r["setting"],
                   "place": ids.place(r["place"]), "minutes": r["minutes"], "masked": _bool(r["masked"]),
                   RECORDED: r["recorded_on"]}
            for values in spread_extras(extra):
                yield {**values, **row}

    write_csv(os.path.join(out_dir, "contacts.csv"), c_cols, contacts())
    counts["contacts"] = n_contacts

    k_extra = [] if redact else _extra_keys(store, "cases")
    k_cols = CASE_COLUMNS + [k for k in k_extra if k not in CASE_COLUMNS]
    sources, labels = _sources_of_all(store), _labels_of_all(store)

    def cases():
        for r in _rows(store, "SELECT * FROM cases ORDER BY person"):
            extra = json.loads(r["extra"]) if r["extra"] and not redact else {}
            src = [ids(s) for s in sources.get(r["person"], [])] + [ids.label(x) for x in labels.get(r["person"], [])]
            # a derived isolation / unknown source (not given: *_given 0) is left blank, as the importer
            # reads a blank: derived again from the levels (issue 12), not frozen as if given
            yield {**extra, "id": ids(r["person"]), "confirmed": r["confirmed"], "onset": r["onset"],
                   "isolated": None if r["isolated_given"] == 0 else r["isolated"],
                   "unknown_source": None if r["unknown_given"] == 0 else _bool(r["unknown_source"]),
                   "source": ";".join(src), "found_by": r["found_by"]}

    counts["cases"] = write_csv(os.path.join(out_dir, "cases.csv"), k_cols, cases())
    i_extra = [] if redact else _extra_keys(store, "checkins")

    def checkin_rows():
        for r in _rows(store, """SELECT c.person, p.name AS place, c.at, c.until, p.unit, p.ward, c.recorded_on,
                                        c.extra FROM checkins c
                                 JOIN places p ON p.id = c.place ORDER BY c.person, c.at, p.name"""):
            extra = json.loads(r.pop("extra")) if r["extra"] and not redact else {}
            r.pop("extra", None)
            for values in spread_extras(extra):
                yield {**values, **r, "person": ids(r["person"]), "place": ids.place(r["place"])}

    counts["checkins"] = write_csv(os.path.join(out_dir, "checkins.csv"),
                                   CHECKIN_COLUMNS + [k for k in i_extra if k not in CHECKIN_COLUMNS], checkin_rows())
    o_extra = [] if redact else _extra_keys(store, "populations")

    def population_rows():
        for r in _rows(store, """SELECT area, population, kind AS level, vaccinated, elderly_vaccinated, capacity,
                                        extra FROM populations ORDER BY kind, area"""):
            extra = json.loads(r.pop("extra")) if r["extra"] and not redact else {}
            r.pop("extra", None)
            # a workplace is named like the persons' workplace: the same token keeps them joined
            row = {**r, "area": ids.place(r["area"]) if r["level"] == "workplace" else r["area"],
                   "capacity": _bool(r["capacity"])}
            for values in spread_extras(extra):
                yield {**values, **row}

    counts["populations"] = write_csv(os.path.join(out_dir, "populations.csv"),
                                      POPULATION_COLUMNS + [k for k in o_extra if k not in POPULATION_COLUMNS],
                                      population_rows())
    lsrc: dict[str, list[str]] = {}
    for person, source in store.conn.execute("SELECT person, source FROM level_sources ORDER BY person, source"):
        lsrc.setdefault(person, []).append(ids(source))
    entries = store.levels([r["person"] for r in store.query("SELECT person FROM levels")])
    counts["levels"] = write_csv(
        os.path.join(out_dir, "levels.csv"),
        ["id", "level", "primary_source", "sources", "exposure", "quarantine", "root", "flags"],
        ({"id": ids(r["person"]), "level": level_name(r["level"]), "primary_source": ids(r["primary_source"]),
          "sources": ";".join(lsrc.get(r["person"], [])), "exposure": r["exposure"], "quarantine": r["quarantine"],
          "root": ids(chain_root(entries.get, r["person"])), "flags": ";".join(json.loads(r["flags"])) if r["flags"] else None}
         for r in _rows(store, "SELECT * FROM levels ORDER BY person")))
    counts["followups"] = write_csv(
        os.path.join(out_dir, "followups.csv"), ["person", "kind", "due", "status", "result", "reason", "cause"],
        # reason: the stored code (tracing.followups.CANCEL_REASONS, language-neutral); cause: the write
        ({**r, "person": ids(r["person"]), "reason": ids.text(r["reason"]), "cause": ids.text(_cause(r["detail"]))}
         for r in _rows(store, "SELECT person, kind, due, status, result, reason, detail FROM followups "
                               "ORDER BY person, due, kind, id")))
    counts["not_duplicates"] = write_csv(
        os.path.join(out_dir, "not_duplicates.csv"), ["a", "b"],
        ({"a": ids(r["a"]), "b": ids(r["b"])} for r in _rows(store, "SELECT a, b FROM not_duplicates ORDER BY a, b")))
    return counts


# ---------------------------------------------------------------- epicontacts
def _infector_first(store):
    """``orient(a, b) -> (from, to, known)``: the two persons of a contact
    (stored in id order), the one who passed it on first (``from`` the
    infector ``to`` the infectee, as epicontacts and Go.Data read a link)
    when a recorded source or a derived exposure says so (``known``,
    :func:`tracing.store.reports.exposed_by`); as stored otherwise."""
    from .store.reports import exposed_by

    pairs = exposed_by(store)

    def orient(a, b):
        ab, ba = (a, b) in pairs, (b, a) in pairs
        if ab and not ba:
            return b, a, True
        return a, b, ba and not ab
    return orient


def _epicontacts(store, out_dir: str, redact: bool, tick) -> dict[str, int]:
    ids = _Shown(store, redact)
    infector_first = _infector_first(store)
    cols = ids.columns(["id", "name", "sex", "birth_year", "age", "age_date", "ward", "unit", "district", "level",
                        "primary_source", "exposure", "confirmed", "onset", "isolated", "unknown_source",
                        "source_labels"])
    # a case's sources that are no person (UK, F0 nhập cảnh): kept beside the links (issue 13: nothing dropped)
    labels = _labels_of_all(store)

    def linelist():
        for r in _rows(store, """SELECT p.id, p.name, p.sex, p.birth_year, p.birth_date, p.age, p.age_date,
                                        p.ward, p.unit, p.district, l.level, l.primary_source, l.exposure,
                                        c.confirmed, c.onset, c.isolated, c.unknown_source
                                 FROM persons p LEFT JOIN levels l ON l.person = p.id
                                 LEFT JOIN cases c ON c.person = p.id ORDER BY p.id"""):
            r["level"] = level_name(r["level"])
            r["unknown_source"] = _bool(r["unknown_source"])
            r["age"], r["age_date"] = record_age(r)
            tick()
            pid = r["id"]
            out = ids.person(r)
            out["source_labels"] = ";".join(ids.label(x) for x in labels.get(pid, [])) or None
            yield out

    def links():
        for r in _rows(store, "SELECT a, b, date, setting, place, minutes, masked FROM contacts "
                              "ORDER BY a, b, date, setting, place"):
            tick()
            a, b, _known = infector_first(r["a"], r["b"])
            yield {"from": ids(a), "to": ids(b), "date": r["date"], "setting": r["setting"],
                   "place": ids.place(r["place"]), "minutes": r["minutes"], "masked": _bool(r["masked"]),
                   "type": "contact", "checkin": "false"}
        # the exposures the levels derived from overlapping check-ins (DOMAIN.md 'QR check-ins'),
        # so the export holds every exposure the levels used
        for e in checkins.infectious_exposures(store, store.rules()):
            tick()
            yield {"from": ids(e.source), "to": ids(e.other), "date": e.date, "setting": e.setting,
                   "place": ids.place(e.place), "minutes": e.minutes, "masked": None,
                   "type": "contact", "checkin": "true"}
        # an infection link is dated with its exposure (the contact that fits it), blank when unknown
        for r in _rows(store, """SELECT s.source, s.case_id, ls.date FROM case_sources s
                                 LEFT JOIN level_sources ls ON ls.person = s.case_id AND ls.source = s.source
                                 ORDER BY s.case_id, s.source"""):
            yield {"from": ids(r["source"]), "to": ids(r["case_id"]), "date": r["date"], "type": "infection"}

    person_extra = {} if redact else {pid: json.loads(x) for pid, x in store.conn.execute(
        "SELECT id, extra FROM persons WHERE extra IS NOT NULL")}
    case_extra = {} if redact else {pid: json.loads(x) for pid, x in store.conn.execute(
        "SELECT person, extra FROM cases WHERE extra IS NOT NULL")}
    merged = {pid: person_and_case_extras(person_extra.get(pid), case_extra.get(pid))
              for pid in dict.fromkeys(list(person_extra) + list(case_extra))}
    extras = [k for k in dict.fromkeys(k for m in merged.values() for k in m) if k not in cols]
    plain = linelist

    def linelist():  # noqa: F811 - the line list with its extra columns
        if not extras:
            yield from plain()
            return
        for r in plain():  # not redacted: r["id"] is the id
            yield {**{k: v for k, v in merged.get(r["id"], {}).items() if k in extras}, **r}

    return {
        "linelist": write_csv(os.path.join(out_dir, "linelist.csv"), cols + extras, linelist(), bom=False),
        "contacts": write_csv(os.path.join(out_dir, "contacts.csv"),
                              CONTACT_COLUMNS + ["checkin", "type"], links(), bom=False),
    }


# ---------------------------------------------------------------- Go.Data
_GENDER = {"m": "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE", "f": "LNG_REFERENCE_DATA_CATEGORY_GENDER_FEMALE"}
_SETTING = {"household": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_FAMILY",
            "work": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_WORK",
            "school": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_SCHOOL",
            "healthcare": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_HEALTHCARE",
            "transport": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_TRAVEL",
            "venue": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_PUBLIC_PLACE",
            "social": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_SOCIAL",
            "other": "LNG_REFERENCE_DATA_CATEGORY_CONTEXT_OF_TRANSMISSION_OTHER"}
GODATA_PERSON = ["visualId", "firstName", "lastName", "gender", "age.years", "classification", "dateOfReporting",
                 "dateOfOnset", "dateOfLastContact", "riskLevel", "addresses[1].addressLine1", "addresses[1].city",
                 "addresses[1].phoneNumber", "documents[1].type", "documents[1].number"]
GODATA_RELATIONSHIP = ["persons[1].visualId", "persons[1].type", "persons[2].visualId", "persons[2].type",
                       "contactDate", "contactDateEstimated", "certaintyLevelId", "exposureTypeId",
                       "socialRelationshipTypeId"]


def _split_name(name) -> tuple[str | None, str | None]:
    """Vietnamese order: family name first -> (firstName, lastName).

    >>> _split_name("Nguyễn Văn An")
    ('Văn An', 'Nguyễn')
    """
    words = str(name or "").split()
    if not words:
        return None, None
    if len(words) == 1:
        return words[0], None
    return " ".join(words[1:]), words[0]


def record_age(r: dict) -> tuple[int | None, str | None]:
    """``(age, age_date)`` of a person row with its case and exposure
    columns: :func:`tracing.people.age_at_record`."""
    age, day = age_at_record(r, confirmed=r.get("confirmed"), onset=r.get("onset"), exposure=r.get("exposure"))
    return (None, None) if age is None else (age.years, day)


def _godata(store, out_dir: str, redact: bool, tick) -> dict[str, int]:
    ids = _Shown(store, redact)
    infector_first = _infector_first(store)

    def person_rows(where: str):
        for r in _rows(store, f"""SELECT p.*, l.level, l.exposure, c.confirmed, c.onset FROM persons p
                                  JOIN levels l ON l.person = p.id LEFT JOIN cases c ON c.person = p.id
                                  WHERE {where} ORDER BY p.id"""):
            first, last = (ids(r["id"]), None) if redact else _split_name(r["name"])
            tick()
            yield {"visualId": ids(r["id"]), "firstName": first, "lastName": last, "gender": _GENDER.get(r["sex"]),
                   "age.years": record_age(r)[0],
                   "classification": "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_CONFIRMED"
                   if r["confirmed"] else None,
                   "dateOfReporting": r["confirmed"] or r["exposure"], "dateOfOnset": r["onset"],
                   "dateOfLastContact": None if r["confirmed"] else r["exposure"],
                   "riskLevel": None if r["confirmed"] else f"F{r['level']}",
                   "addresses[1].addressLine1": None if redact else r["address"],
                   "addresses[1].city": ", ".join(x for x in (r["unit"], r["ward"], r["district"]) if x) or None,
                   "addresses[1].phoneNumber": None if redact else r["phone"],
                   "documents[1].type": "LNG_REFERENCE_DATA_CATEGORY_DOCUMENT_TYPE_NATIONAL_ID_CARD"
                   if r["national_id"] and not redact else None,
                   "documents[1].number": None if redact else r["national_id"]}

    def relationships():
        kinds = {p: ("case" if lvl == 0 else "contact") for p, lvl in store.conn.execute("SELECT person, level FROM levels")}
        kind = lambda p: "LNG_REFERENCE_DATA_CATEGORY_PERSON_TYPE_" + ("CASE" if kinds[p] == "case" else "CONTACT")  # noqa: E731
        for r in _rows(store, LINKED_EDGES):
            if r["source"] in kinds and r["case_id"] in kinds:
                yield {"persons[1].visualId": ids(r["source"]), "persons[1].type": kind(r["source"]),
                       "persons[2].visualId": ids(r["case_id"]), "persons[2].type": kind(r["case_id"]),
                       "contactDate": r["exposure"], "contactDateEstimated": "true",
                       "certaintyLevelId": "LNG_REFERENCE_DATA_CATEGORY_CERTAINTY_LEVEL_3_HIGH"}
        for r in _rows(store, "SELECT a, b, date, setting FROM contacts ORDER BY a, b, date, setting, place"):
            if r["a"] not in kinds or r["b"] not in kinds:
                continue
            a, b, known = infector_first(r["a"], r["b"])
            if not known and kinds[b] == "case" and kinds[a] != "case":  # the case is the source side
                a, b = b, a
            tick()
            yield {"persons[1].visualId": ids(a), "persons[1].type": kind(a), "persons[2].visualId": ids(b),
                   "persons[2].type": kind(b), "contactDate": r["date"],
                   "contactDateEstimated": "false" if r["date"] else "true",
                   "certaintyLevelId": "LNG_REFERENCE_DATA_CATEGORY_CERTAINTY_LEVEL_2_MEDIUM",
                   "exposureTypeId": _SETTING.get(r["setting"])}
        for e in checkins.infectious_exposures(store, store.rules()):  # derived from check-ins
            if e.source in kinds and e.other in kinds:
                tick()
                yield {"persons[1].visualId": ids(e.source), "persons[1].type": kind(e.source),
                       "persons[2].visualId": ids(e.other), "persons[2].type": kind(e.other),
                       "contactDate": e.date, "contactDateEstimated": "false",
                       "certaintyLevelId": "LNG_REFERENCE_DATA_CATEGORY_CERTAINTY_LEVEL_2_MEDIUM",
                       "exposureTypeId": _SETTING[e.setting]}

    return {
        "cases": write_csv(os.path.join(out_dir, "cases.csv"), GODATA_PERSON, person_rows("l.level = 0")),
        "contacts": write_csv(os.path.join(out_dir, "contacts.csv"), GODATA_PERSON, person_rows("l.level > 0")),
        "relationships": write_csv(os.path.join(out_dir, "relationships.csv"), GODATA_RELATIONSHIP, relationships()),
    }


def export(store, fmt: str, out_dir, *, redact: bool = False, force: bool = False,
           progress: Callable[[int], None] | None = None) -> dict:
    """Write the export ``fmt`` into ``out_dir`` (created if missing).
    Returns ``{"format", "dir", "redacted", "files": {name: rows}}``.
    ``progress(n)`` is called with row increments.

    All or nothing (:func:`tracing.files.atomic_folder`): every file is
    written into a private temporary folder first and put in place at the
    end. A folder that already holds files needs ``force`` (then the
    export's files in it are replaced, others left alone); a folder given as
    a symbolic link is refused. Raises :class:`TracingError` /
    :class:`Conflict` naming the folder."""
    if fmt not in FORMATS:
        raise TracingError(_("unknown export format '{fmt}' (use one of {FORMATS})").format(
                               fmt=fmt, FORMATS=', '.join(FORMATS)))
    out_dir = str(out_dir)
    files.check_folder(out_dir, force=force)
    counter = [0]

    def tick():
        counter[0] += 1
        if progress is not None and counter[0] % 5000 == 0:
            progress(5000)

    with files.atomic_folder(out_dir, force=force) as tmp:
        written = {"csv": _csv, "epicontacts": _epicontacts, "godata": _godata}[fmt](store, tmp, redact, tick)
        write_manifest(tmp, [f"{name}.csv" for name in written], fmt)
    return {"format": fmt, "dir": out_dir, "redacted": redact,
            "files": {f"{name}.csv": n for name, n in written.items()}}


MANIFEST = "tracing-export.json"
"""Written beside an export: its files and their SHA-256, so that an import
knows a file is the tool's own, unchanged (its formula guard is undone)."""


def _sha256(path: str) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(out_dir: str, names: list[str], fmt: str) -> None:
    """:data:`MANIFEST` in ``out_dir`` (the export's own folder, made atomically)."""
    manifest = {"written_by": "tracing export", "format": fmt,
                "files": {n: _sha256(os.path.join(out_dir, n)) for n in sorted(names)}}
    with open(os.path.join(out_dir, MANIFEST), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.write("\n")


def export_layouts(kind: str) -> list[list[str]]:
    """The fixed leading columns ``export csv`` writes for an import ``kind``
    (with and without the columns a redacted export leaves out); every later
    column of such a file is an extra column, as the export wrote it."""
    fixed = {"persons": PERSON_COLUMNS + [FLAGS], "contacts": CONTACT_COLUMNS + [RECORDED], "cases": CASE_COLUMNS,
             "checkins": CHECKIN_COLUMNS, "populations": POPULATION_COLUMNS}.get(kind)
    if fixed is None:
        return []
    layouts = [fixed]
    if kind == "persons":  # exports written before the age columns, and before the import_flags column
        layouts += [PERSON_COLUMNS_BEFORE_AGES + [FLAGS], PERSON_COLUMNS_BEFORE_AGES]
    return [kept for layout in layouts  # longest layouts first: each with and without the redacted columns
            for kept in [layout] + ([[c for c in layout if c not in DROPPED]] if any(c in DROPPED for c in layout)
                                    else [])]


def written_by_export(path) -> bool:
    """True when ``path`` is a file of a ``tracing export``, unchanged since
    (listed with its SHA-256 in the folder's :data:`MANIFEST`)."""
    return export_format(path) is not None


#: Columns only the files of ``export epicontacts`` have: the line list's
#: derived level and labels, the contacts' link type.
EPICONTACTS_SIGNS = ({"level", "primary_source", "source_labels"}, {"from", "to", "checkin", "type"})


def epicontacts_layout(headers) -> str | None:
    """``epicontacts`` when ``headers`` are those of a file of ``export
    epicontacts`` (:data:`EPICONTACTS_SIGNS`), else None.

    >>> epicontacts_layout(["id", "level", "primary_source", "exposure", "source_labels"])
    'epicontacts'
    >>> epicontacts_layout(["id", "confirmed", "source", "level"]) is None
    True
    """
    names = {str(h).strip().lower() for h in headers if h is not None}
    return "epicontacts" if any(sign <= names for sign in EPICONTACTS_SIGNS) else None


def export_format(path) -> str | None:
    """The format (``csv``, ``epicontacts``, ``godata``) of the ``tracing
    export`` that wrote ``path``, when it is unchanged since; else None."""
    folder, name = os.path.split(os.path.abspath(str(path)))
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
            manifest = json.load(fh)
        wanted = manifest["files"][name]
        fmt = str(manifest.get("format") or "csv")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:
        return fmt if _sha256(str(path)) == wanted else None
    except OSError:
        return None


def total_rows(store) -> int:
    """Rough amount of work of an export, for a progress bar."""
    c = store.counts()
    return c["persons"] + c["contacts"]


def _cause(detail) -> str | None:
    """The write that cancelled a follow-up (its ``detail``'s ``cause``)."""
    try:
        value = json.loads(detail).get("cause") if detail else None
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None

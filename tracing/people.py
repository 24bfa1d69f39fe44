"""People: adding, finding and showing the persons of a line list.

>>> import tempfile, os
>>> from tracing.store import Store
>>> store = Store.open(os.path.join(tempfile.mkdtemp(), "t.db"), create=True)
>>> with store.write("person add"):
...     pid, warnings = add_person(store, {"id": "BN17", "name": "Đặng Thị Hồng", "phone": "+84 912 345 678"})
>>> [p["id"] for p in find_persons(store, "dang thi hong")], [p["id"] for p in find_persons(store, "0912345678")]
(['BN17'], ['BN17'])
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .i18n import N_, Msg, _, fmt_date
from .errors import InvalidValue, NotFound
from .values import (MIN_YEAR, clean_text, fold, normalize_national_id, normalize_phone, parse_bool, parse_date, parse_int,
                     parse_sex, past_date, today)

ID_PATTERN = re.compile(r"(?=.{1,64}$)[\w.\-/#:]+(?: [\w.\-/#:]+)*")


#: a cell saying no dose was given (folded: no diacritics, lower case)
_NO_DOSES = re.compile(r"(?:chua|khong|chua\s+duoc|khong\s+duoc)\s+tiem(?:\s+(?:mui\s+nao|vac\s*xin|vaccine))?"
                       r"|chua|unvaccinated|not\s+vaccinated|no\s+doses?|none")
_DOSES = re.compile(r"\s*(\d{1,2})\s*(?:mũi|mui|liều|lieu|doses?)\s*", re.IGNORECASE)


def check_id(value, field: str = "id") -> str:
    """A person id as typed: letters, digits and ``. - _ / # :``, single spaces
    inside (``Bukit Merah Market``), at most 64."""
    if value.__class__ is str:
        return _check_id(value, field)
    return _check_id(clean_text(value, field) or "", field)


@functools.lru_cache(maxsize=8)  # the importer checks a row's id, then clean_person checks it again
def _check_id(value: str, field: str) -> str:
    text = clean_text(value, field)
    if not text:
        raise InvalidValue(_("{field}: an id is required").format(field=field))
    if not ID_PATTERN.fullmatch(text):
        raise InvalidValue(_("{field}: '{text}' is not a valid id (letters, digits, . - _ / # :, single spaces "
                             "inside; at most 64)").format(field=field, text=text[:40]))
    return text


ESTIMATED = "birth_year_estimated"
"""Set (True) on a :func:`clean_person` row whose ``birth_year`` is only counted from its typed age: an
import keeps a birth year already stored (:func:`tracing.store.bulk.bulk_persons`); not a stored field."""


def clean_person(fields: dict, *, require_name: bool = False, as_of=None) -> dict:
    """Validate and normalise person fields as typed (CLI or a file row).

    Unknown keys are refused by callers. An ``age`` is kept as typed with
    ``age_date``, the day it is an age at: the row's own ``age_date`` (an
    export), else ``as_of`` (the date of the record it came with, e.g. a
    case's confirmation in a 2020 line list), else today (the day it was
    typed); see :func:`age_on`. It also gives an estimated ``birth_year``
    when none is typed (duplicate and birth checks). A ``birth_date`` is
    kept whole.

    >>> import datetime as dt
    >>> row = clean_person({"name": "A", "age": "28"}, as_of=dt.date(2020, 1, 23))
    >>> row["age"], row["age_date"], row["birth_year"]
    (28, '2020-01-23', 1992)
    """
    row: dict = {}
    if fields.get("id") not in (None, ""):
        row["id"] = check_id(fields["id"])
    name = clean_name(fields.get("name"))
    if require_name and not name:
        raise InvalidValue(_("name: a name is required"))
    if name is not None:
        row["name"] = name
    if "phone" in fields:
        row["phone"] = normalize_phone(fields["phone"])
    if "national_id" in fields:
        row["national_id"] = normalize_national_id(fields["national_id"])
    birth_year = clean_birth_year(fields.get("birth_year"))
    birth_date = past_date(fields.get("birth_date"), "birth_date")
    if birth_date is not None:
        if birth_year is not None and birth_year != birth_date.year:
            raise InvalidValue(_("birth_date: {day} contradicts birth year {birth_year}").format(
                                   day=fmt_date(birth_date), birth_year=birth_year), hard=True)
        birth_year = birth_date.year
        row["birth_date"] = birth_date.isoformat()
    age = parse_int(fields.get("age"), "age", lo=0, hi=125)
    if age is not None:
        # the age as typed and the day it is an age at (ages_on's rule): an export carries its age_date
        on = past_date(fields.get("age_date"), "age_date") or as_of or today()
        if not age_agrees(age, on, birth_date=birth_date, birth_year=birth_year):
            if birth_date is not None:
                raise InvalidValue(_("age {age} on {day} contradicts birth date {born}").format(
                                       age=age, day=fmt_date(on), born=fmt_date(birth_date)), hard=True)
            raise InvalidValue(_("age {age} on {day} contradicts birth year {birth_year}").format(
                                   age=age, day=fmt_date(on), birth_year=birth_year), hard=True)
        row["age"], row["age_date"] = age, on.isoformat()
        if birth_year is None:  # an estimate (±1) for the duplicate and birth checks: never over a stored year
            birth_year, row[ESTIMATED] = on.year - age, True
    if birth_year is not None:
        row["birth_year"] = birth_year
    sex = clean_sex(fields.get("sex"))
    if sex is not None:
        row["sex"] = sex
    for key in AREA_KEYS:
        value = clean_area(fields.get(key), key)
        if value is not None:
            row[key] = value
    if fields.get("vaccinated") not in (None, ""):
        row["vaccinated"] = parse_doses(fields["vaccinated"])
    recovered = parse_bool(fields.get("recovered"), "recovered")
    if recovered is not None:
        row["recovered"] = int(recovered)
    quarantine = parse_date(fields.get("quarantine_start"), "quarantine_start", allow_serial=True)
    if quarantine is not None:
        row["quarantine_start"] = quarantine.isoformat()
    return row


@dataclass(frozen=True)
class Age:
    """A person's age in whole years (:func:`age_on`). ``typed_on`` is None
    when ``years`` is the age at the day asked; else the ISO day the typed
    age is an age at (shown ``34 (2021)``: never re-aged silently)."""
    years: int
    typed_on: str | None = None

    def label(self, fmt_years: str = "{n}") -> str:
        """``fmt_years`` with the years, and the year the age was typed for when it is not the day asked:
        ``34`` or ``34 (2021)``."""
        text = fmt_years.format(n=self.years)
        return text if self.typed_on is None else f"{text} ({self.typed_on[:4]})"


def record_day(person: Mapping, *, confirmed=None, onset=None, exposure=None) -> str | None:
    """The day a person's age is given at: a case's confirmation, else its
    onset; a traced contact's exposure; else the day the age was typed
    (``age_date``). ISO text or None."""
    for day in (confirmed, onset, exposure, person.get("age_date")):
        if day:
            return str(day)[:10]
    return None


def age_on(person: Mapping, day) -> Age | None:
    """The age of ``person`` (a stored row: ``birth_date``, ``birth_year``,
    ``age``, ``age_date``) on ``day`` (a date or ISO text; None: the day
    the age was typed). The one rule every output uses:

    1. a birth date gives the exact age on ``day``;
    2. else a typed age is shown as typed: at its own day it is the age;
       on another day it keeps its value and says the day it was typed for
       (``typed_on``) rather than being re-aged;
    3. else a birth year gives ``day``'s year minus it;
    4. else (or an age outside 0..129) None.

    >>> p = {"age": 34, "age_date": "2021-06-02", "birth_year": 1987}
    >>> age_on(p, "2021-06-02"), age_on(p, "2026-12-02"), age_on(p, None)
    (Age(years=34, typed_on=None), Age(years=34, typed_on='2021-06-02'), Age(years=34, typed_on=None))
    >>> age_on({"birth_date": "1987-09-01", "age": 34, "age_date": "2021-06-02"}, "2026-12-02")
    Age(years=39, typed_on=None)
    >>> age_on({"birth_year": 1987}, "2020-03-01")
    Age(years=33, typed_on=None)
    """
    day = None if day is None or day == "" else dt.date.fromisoformat(str(day)[:10])
    born = person.get("birth_date")
    typed, typed_day = person.get("age"), person.get("age_date")
    if born and (day is not None or typed_day):
        years = _whole_years(dt.date.fromisoformat(str(born)[:10]), day or dt.date.fromisoformat(typed_day[:10]))
        return Age(years) if 0 <= years < 130 else None
    if typed is not None:
        same = day is None or typed_day is None or str(typed_day)[:10] == day.isoformat()
        return Age(int(typed), None if same else str(typed_day)[:10])
    year = person.get("birth_year")
    if year is not None and day is not None:
        years = day.year - int(year)
        return Age(years) if 0 <= years < 130 else None
    return None


def age_at_record(person: Mapping, *, confirmed=None, onset=None, exposure=None) -> tuple[Age | None, str | None]:
    """A person's age at their record's day (:func:`record_day`) and the ISO
    day it is an age at: that day, or the day a typed age was typed for
    (shown as typed, :func:`age_on`). ``(None, None)`` when unknown.

    >>> age_at_record({"age": 34, "age_date": "2021-06-02"}, confirmed="2022-06-10")
    (Age(years=34, typed_on='2021-06-02'), '2021-06-02')
    >>> age_at_record({"birth_year": 1987}, exposure="2021-05-01")
    (Age(years=34, typed_on=None), '2021-05-01')
    """
    day = record_day(person, confirmed=confirmed, onset=onset, exposure=exposure)
    age = age_on(person, day)
    if age is None:
        return None, None
    return age, age.typed_on or day


def _whole_years(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_agrees(age: int, day: dt.date, *, birth_date: dt.date | None = None, birth_year: int | None = None) -> bool:
    """Whether an age typed for ``day`` fits a birth date (exactly) or a
    birth year (``day``'s year minus it, or one less before the birthday;
    one more is let pass as a common rounding of line lists)."""
    if birth_date is not None:
        return _whole_years(birth_date, day) == age
    return birth_year is None or abs((day.year - birth_year) - age) <= 1


# One cleaner per field of :func:`clean_person` (each depends on its value alone), so that the importer can
# clean a value that repeats down a column once (:class:`tracing.importer.PersonCleaner`) with the same rules.

AREA_KEYS = ("address", "unit", "ward", "district", "workplace")
"""The free-text place fields of a person, in :func:`clean_person`'s order."""


def clean_name(value) -> str | None:
    """A name as typed (:func:`tracing.values.clean_text`), at most 200 characters; blank gives None."""
    name = clean_text(value, "name")
    if name is not None and len(name) > 200:
        raise InvalidValue(_("name: longer than 200 characters"))
    return name


def clean_birth_year(value, year_now: int | None = None) -> int | None:
    """A birth year from :data:`MIN_YEAR` to this year (``year_now``, default
    :func:`tracing.values.today`'s); blank gives None."""
    if value is None or value == "":
        return None
    return parse_int(value, "birth_year", lo=MIN_YEAR, hi=today().year if year_now is None else year_now)


def clean_sex(value) -> str | None:
    """``m`` or ``f`` (:func:`tracing.values.parse_sex`) from a cell as typed; blank gives None."""
    return parse_sex(clean_text(value, "sex"))


def clean_area(value, key: str) -> str | None:
    """``key`` (one of :data:`AREA_KEYS`) as typed, at most 500 characters
    (an address may hold line breaks); blank gives None."""
    text = clean_text(value, key, multiline=key == "address")
    if text is not None and len(text) > 500:
        raise InvalidValue(_("{key}: longer than 500 characters").format(key=key))
    return text


def parse_doses(doses) -> int | None:
    """Vaccine doses received, 0..10: a number, a number with its word
    (``2 mũi``, ``3 doses``, ``1 liều``), or a no-word (``không``: 0); a
    yes-word does not say how many (an error). Blank gives None.

    >>> parse_doses("2 mũi"), parse_doses(" 3 "), parse_doses("không"), parse_doses("")
    (2, 3, 0, None)
    >>> [parse_doses(x) for x in ("chưa tiêm", "chua tiem", "Chưa tiêm mũi nào", "không tiêm", "unvaccinated")]
    [0, 0, 0, 0, 0]
    """
    if isinstance(doses, str):  # "2 mũi", "3 doses", "1 liều"
        m = _DOSES.fullmatch(doses)
        doses = m.group(1) if m else doses
        if _NO_DOSES.fullmatch(fold(doses).strip()):  # "chưa tiêm", "không tiêm": not vaccinated
            return 0
    if doses.__class__ is str and doses.isascii() and doses.strip().isdigit():
        return parse_int(doses, "vaccinated", lo=0, hi=10)  # "2": no yes/no word is a number but 0/1
    if doses in (None, ""):
        return None
    # the field counts doses: "no"/"không" is 0 doses, but a yes-word (có, yes, x, true) does not say how
    # many, so it is not a dose count (the importer keeps it as the text attribute vaccinated_text)
    flag = None
    try:
        flag = parse_bool(doses, "vaccinated")
    except InvalidValue:
        pass
    if flag and str(doses).strip() != "1":
        raise InvalidValue(_("vaccinated: '{text}' is not a dose count (a yes-word does not say how many "
                             "doses; write 0, 1, 2…)").format(text=str(doses).strip()[:30]))
    return 0 if flag is False and str(doses).strip() != "0" else parse_int(doses, "vaccinated", lo=0, hi=10)


def new_person_id(store) -> str:
    n = store.conn.execute("SELECT count(*) FROM persons").fetchone()[0] + 1
    while store.get_person(f"P{n:05d}"):
        n += 1
    return f"P{n:05d}"


def likely_duplicates(store, row: dict, *, exclude: str | None = None) -> list[str]:
    """Warnings for a new or changed person whose phone or national id is
    already on someone else."""
    warnings = []
    for field, label in (("phone", N_("phone")), ("national_id", N_("national ID"))):
        if row.get(field):
            for other in store.persons_by(field, row[field], exclude=exclude):
                warnings.append(Msg(N_("{what} {value} is already on {id} ({name}): same person? see "
                                       "`tracing person duplicates`"), what=Msg(label), value=row[field],
                                    id=other["id"], name=other["name"] or Msg(N_("no name"))))
    return warnings


def add_person(store, fields: dict) -> tuple[str, list[str]]:
    """Add a person; returns ``(id, warnings)``. Refuses an existing id."""
    row = clean_person(fields, require_name=True)
    row.setdefault("id", new_person_id(store))
    warnings = likely_duplicates(store, row, exclude=row["id"])
    store.insert_person(row)
    store.note(person=row["id"])
    warnings += link_labels(store, [row["id"]])
    warnings += same_id_written_otherwise(store, row["id"])
    from . import zones  # someone recorded in a zoned unit is mass-tested with it
    zones.enrol(store, [row["id"]])
    return row["id"], warnings


def same_id_written_otherwise(store, person_id: str) -> list:
    """Warnings naming stored persons whose id is ``person_id`` written
    another way (same :func:`tracing.sources.id_key`: ``X09`` beside ``X9``
    or ``X 9``): likely one person under two spellings (issue 13). The
    unknown-source persons the new id adopted are gone by then."""
    from .sources import id_key
    from .store import sources as sql

    key = id_key(person_id)
    others = sorted(pid for pid in sql.person_ids(store) if pid != person_id and id_key(pid) == key)
    if not others:
        return []
    return [Msg(N_("id {id} is {others} written another way: same person? see `tracing person merge`"),
                id=person_id, others=", ".join(others))]


def link_labels(store, ids) -> list[str]:
    """Case source labels that name one of the new ``ids`` become infection
    links (:func:`tracing.sources.promote_labels`); the cases are re-derived.
    Returns one line per link made."""
    from . import levels
    from .sources import promote_labels

    adopted: list[dict] = []
    made = promote_labels(store, ids, adopted)
    if made:
        cases = {c for c, _s in made}
        from . import followups
        region: set[str] = set()
        changes = levels.rederive(store, cases | {s for _c, s in made}, changed_cases=cases, region_out=region)
        followups.after_rederive(store, changes, "labels linked", region=region)
        store.note(labels_linked=[list(m) for m in made])
    # Msgs: JSON keeps the English sentence, people read it in their language
    moved = {(c, a["id"]) for a in adopted for c in a["cases"]}
    return [adopted_message(a) for a in adopted] + [
        Msg(N_("case {case} gave {source} as its source before {source} was recorded, so it was kept as text; "
               "it is now an infection link from {source} to {case}"), case=c, source=s)
        for c, s in made if (c, s) not in moved]


def adopted_message(adopted: dict) -> Msg:
    """What is said when a new id takes over the unknown-source person stored
    under another spelling of it (``BN9`` named as a source, ``bn9`` added):
    the stored id is renamed, never silently (critic13 F16)."""
    return Msg(N_("{id} is the same id as {written} written another way ({written}: no name, stored as the source "
                  "of {cases}): {written} is now {id}, its links kept"), id=adopted["id"],
               written=adopted["written"], cases=", ".join(adopted["cases"]))


def no_person(person_id: str, field: str | None = None, *, hint: str | None = None) -> NotFound:
    """The one error for an id that names nobody: ``no person with id X``
    (``FIELD: no person with id X`` for an option; ``hint`` ``add`` or
    ``find`` says what to do). Every command taking an id says this, never
    a message about what the person is not (issue 15: ``care set NOPE`` said
    "not a confirmed case")."""
    text = (_("{field}: no person with id {id}").format(field=field, id=person_id) if field
            else _("no person with id {id}").format(id=person_id))
    if hint == "add":
        text += " " + _("(add it with `tracing person add --id {id} --name ...`)").format(id=person_id)
    elif hint == "find":
        text += " " + _("(see `tracing person find`)")
    return NotFound(text)


def require_case(store, case_id, field: str | None = None, *, hint: bool = False) -> dict:
    """The stored case row of ``case_id`` (checked as an id). An id naming
    nobody: :func:`no_person`; a person who is not a confirmed case:
    ``ID is not a confirmed case`` (with ``hint``, how to confirm it)."""
    cid = check_id(case_id, field or "id")
    row = store.get_case(cid)
    if row is not None:
        return row
    if store.get_person(cid) is None:
        raise no_person(cid, field)
    if hint:
        raise NotFound(_("{id} is not a confirmed case (confirm it first: `tracing case confirm {id} --date D`)").format(
            id=cid))
    raise NotFound(_("{field}: {id} is not a confirmed case").format(field=field, id=cid) if field
                   else _("{case_id} is not a confirmed case").format(case_id=cid))


def ensure_persons(store, ids, *, create: bool = False, field: str | None = None) -> None:
    """Check that every id exists (or create bare persons for them)."""
    missing = store.missing_persons(ids)
    if missing and not create:
        raise no_person(missing[0], field, hint="add")
    for pid in missing:
        store.insert_person({"id": check_id(pid)})


def find_persons(store, text: str) -> list[dict]:
    """Match a name without diacritics (every word), a phone in any form, an
    id or a national id."""
    text = (text or "").strip()
    if not text:
        raise InvalidValue(_("person find: give a name, phone, id or national ID"))
    phone = nid = None
    try:
        phone = normalize_phone(text) if re.fullmatch(r"[\d\s()+.\-]{9,}", text) else None
    except InvalidValue:
        phone = None
    try:
        nid = normalize_national_id(text) if re.fullmatch(r"[\dA-Za-z\s.\-]{5,20}", text) else None
    except InvalidValue:
        nid = None
    return store.find_persons(folded=fold(text), phone=phone, national_id=nid, person_id=text)


def get_person(store, person_id: str) -> dict:
    row = store.get_person(person_id)
    if row is None:
        raise no_person(person_id)
    return row

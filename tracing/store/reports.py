"""SQL for supervisor reports, epidemic levels and data checks
(:mod:`tracing.report`, :mod:`tracing.epilevel`, :mod:`tracing.checks`)."""

from __future__ import annotations

from ..i18n import _
from ..errors import InvalidValue


# ------------------------------------------------------------- cases
def cases_between(store, start: str, end: str) -> list[dict]:
    """Cases counted in ``[start, end]`` with their area and how they were found. A case
    is counted on the day it is dated by (``confirmed``: its confirmation, else its
    onset; levels.Case.day): a case with only an onset is no undated case."""
    return store.query(
        """SELECT k.person AS id, COALESCE(k.confirmed, k.onset) AS confirmed, k.isolated, k.prior_level, k.unknown_source, k.unknown_given, k.found_by,
                  p.district, p.ward, p.unit, p.workplace,
                  (EXISTS (SELECT 1 FROM case_sources s WHERE s.case_id = k.person)
                   OR l.primary_source IS NOT NULL) AS has_source
           FROM cases k JOIN persons p ON p.id = k.person
           LEFT JOIN levels l ON l.person = k.person
           WHERE COALESCE(k.confirmed, k.onset) BETWEEN ? AND ?
           ORDER BY COALESCE(k.confirmed, k.onset), k.person""", (start, end))


def count_cases(store, start: str | None, end: str) -> int:
    """Cases counted (confirmation, else onset) up to ``end``, from ``start`` when given."""
    if start is None:
        return store.conn.execute("SELECT count(*) FROM cases WHERE COALESCE(confirmed, onset) <= ?",
                                  (end,)).fetchone()[0]
    return store.conn.execute("SELECT count(*) FROM cases WHERE COALESCE(confirmed, onset) BETWEEN ? AND ?",
                              (start, end)).fetchone()[0]


def count_undated_cases(store) -> int:
    """Cases stored without any date (no confirmation, no onset: flagged ``undated_case``)."""
    return store.conn.execute("SELECT count(*) FROM cases WHERE confirmed IS NULL AND onset IS NULL").fetchone()[0]


def undated_cases(store) -> list[str]:
    """Ids of the cases stored without any date (no confirmation, no onset), sorted."""
    return [r[0] for r in store.conn.execute(
        "SELECT person FROM cases WHERE confirmed IS NULL AND onset IS NULL ORDER BY person")]


def traced_persons(store) -> list[dict]:
    """Traced persons who are not cases (level 1 or deeper) with what their
    quarantine needs."""
    return store.query(
        """SELECT l.person AS id, l.level, l.quarantine, l.exposure, p.vaccinated, p.recovered,
                  p.district, p.ward, p.unit
           FROM levels l JOIN persons p ON p.id = l.person
           WHERE l.level > 0 ORDER BY l.person""")


def has_followups(store, kind: str) -> bool:
    return store.conn.execute("SELECT 1 FROM followups WHERE kind = ? LIMIT 1", (kind,)).fetchone() is not None


def followups_due(store, kind: str, start: str, end: str) -> list[dict]:
    """Pending follow-ups of ``kind`` due in ``[start, end]``."""
    return store.query(
        """SELECT f.person AS id, f.due, p.district, p.ward, p.unit FROM followups f
           JOIN persons p ON p.id = f.person
           WHERE f.kind = ? AND f.status = 'pending' AND f.due BETWEEN ? AND ?
           ORDER BY f.due, f.person""", (kind, start, end))


# ------------------------------------------------------------- populations
#: Population kinds: areas of an epidemic level, and workplaces (enterprises,
#: industrial zones: the notices assess "cấp độ dịch theo khu công nghiệp, doanh nghiệp").
POPULATION_KINDS = ("district", "ward", "unit", "workplace")
CRITERIA_COLUMNS = ("vaccinated", "elderly_vaccinated", "capacity")


def set_population(store, kind: str, area: str, population: int, **criteria) -> None:
    """Store (or replace) the population of an area. A unit's area is
    ``"UNIT, WARD"`` (unit names repeat across wards). ``criteria``: any of
    ``vaccinated``, ``elderly_vaccinated`` (shares 0..1) and ``capacity``
    (1 met, 0 not met) for the epidemic level's criteria 2 and 3."""
    if kind not in POPULATION_KINDS:
        raise InvalidValue(_("population kind '{kind}' is not one of {POPULATION_KINDS}").format(
                               kind=kind, POPULATION_KINDS=', '.join(POPULATION_KINDS)))
    if not isinstance(population, int) or population < 0:
        raise InvalidValue(_("population of {area}: {population!r} is not a whole number >= 0").format(
                               area=area, population=population))
    area = store.areas().population(kind, area)
    store.conn.execute(
        """INSERT INTO populations (kind, area, population) VALUES (?, ?, ?)
           ON CONFLICT(kind, area) DO UPDATE SET population = excluded.population""", (kind, area, population))
    cols = [k for k in CRITERIA_COLUMNS if k in criteria]
    if cols:
        store.conn.execute(f"UPDATE populations SET {', '.join(f'{c} = ?' for c in cols)} WHERE kind = ? AND area = ?",
                           [*(criteria[c] for c in cols), kind, area])


def populations(store, kind: str) -> dict[str, int]:
    return dict(store.conn.execute("SELECT area, population FROM populations WHERE kind = ?", (kind,)))


def population_criteria(store, kind: str) -> dict[str, dict]:
    """``{area: {"vaccinated", "elderly_vaccinated", "capacity"}}`` (None where not given)."""
    return {r["area"]: r for r in store.query(
        "SELECT area, vaccinated, elderly_vaccinated, capacity FROM populations WHERE kind = ?", (kind,))}


# ------------------------------------------------------------- checks
def source_pairs(store) -> list[dict]:
    """Infector/infectee pairs between cases: recorded sources, and derived
    primary sources that are cases."""
    return store.query(
        """SELECT s.case_id AS infectee, s.source AS infector, 'recorded' AS how,
                  a.onset AS infectee_onset, b.onset AS infector_onset, b.isolated AS infector_isolated
           FROM case_sources s JOIN cases a ON a.person = s.case_id JOIN cases b ON b.person = s.source
           UNION
           SELECT l.person, l.primary_source, 'derived', a.onset, b.onset, b.isolated
           FROM levels l JOIN cases a ON a.person = l.person JOIN cases b ON b.person = l.primary_source
           WHERE NOT EXISTS (SELECT 1 FROM case_sources s WHERE s.case_id = l.person AND s.source = l.primary_source)
           ORDER BY 1, 2""")


def contacts_between_pairs(store, pairs) -> dict[tuple[str, str], list[str | None]]:
    """Dates of the contacts between each ``(x, y)`` pair."""
    out: dict[tuple[str, str], list[str | None]] = {}
    for x, y in pairs:
        a, b = sorted((x, y))
        out[(x, y)] = [r[0] for r in store.conn.execute(
            "SELECT date FROM contacts WHERE a = ? AND b = ? ORDER BY date", (a, b))]
    return out


def typed_ages_with_birth(store) -> list[dict]:
    """Persons with a typed age and a birth date or year, by id."""
    return store.query("SELECT id, age, age_date, birth_date, birth_year FROM persons WHERE age IS NOT NULL "
                       "AND age_date IS NOT NULL AND (birth_date IS NOT NULL OR birth_year IS NOT NULL) ORDER BY id")


def contacts_before_birth(store) -> list[dict]:
    # 1 January of the birth year as text (SQLite's printf has no PostgreSQL twin)
    jan1 = ("printf('%04d-01-01', p.birth_year)" if store.dialect == "sqlite"
            else "lpad(CAST(p.birth_year AS TEXT), 4, '0') || '-01-01'")
    return store.query(
        # driven from the persons with a birth year, each through the (a, date) /
        # (b, date) index up to 1 January of that year: no scan of all contacts
        # (1M contacts: 1.65 s -> well under a second)
        f"""SELECT * FROM (
             SELECT c.id, c.a, c.b, c.date, p.id AS person, p.birth_year FROM persons p
               CROSS JOIN contacts c ON c.a = p.id AND c.date < {jan1}
             WHERE p.birth_year IS NOT NULL
             UNION ALL
             SELECT c.id, c.a, c.b, c.date, p.id AS person, p.birth_year FROM persons p
               CROSS JOIN contacts c ON c.b = p.id AND c.date < {jan1}
             WHERE p.birth_year IS NOT NULL) AS before_birth
           ORDER BY date, id, person""")


def persons_in_two_wards(store, field: str) -> list[dict]:
    """Groups of persons sharing ``field`` (phone or national_id) with different wards."""
    assert field in ("phone", "national_id")
    if store.dialect == "postgresql":  # string_agg takes its order itself; group_concat follows the subquery's
        ids, wards = "string_agg(id, chr(31) ORDER BY id)", "string_agg(ward, chr(31) ORDER BY id)"
        districts = "string_agg(coalesce(district, ''), chr(31) ORDER BY id)"
    else:
        ids, wards = "group_concat(id, char(31))", "group_concat(ward, char(31))"
        districts = "group_concat(coalesce(district, ''), char(31))"
    # a ward is (district, ward): the same ward name in two districts is two wards
    # (the caller compares them as areas are grouped: tracing.store.areas.WardGroups)
    return store.query(
        f"""SELECT {field} AS value, {ids} AS ids, {wards} AS wards, {districts} AS districts
            FROM (SELECT id, {field}, ward, district FROM persons
                  WHERE {field} IS NOT NULL AND {field} != '' AND ward IS NOT NULL
                    AND {field} IN (SELECT {field} FROM persons WHERE {field} IS NOT NULL AND ward IS NOT NULL
                                    GROUP BY {field}
                                    HAVING count(DISTINCT ward) > 1 OR count(DISTINCT district) > 1)
                  ORDER BY {field}, id) AS shared
            GROUP BY {field} ORDER BY {field}""")


def cases_without_contacts(store, before: str) -> list[dict]:
    """Cases confirmed before ``before`` with no contact, no recorded source
    and that no case names as its source (an isolated record)."""
    return store.query(
        """SELECT k.person AS id, k.confirmed FROM cases k
           WHERE k.confirmed < ?
             AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.a = k.person)
             AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.b = k.person)
             AND NOT EXISTS (SELECT 1 FROM case_sources s WHERE s.case_id = k.person)
             AND NOT EXISTS (SELECT 1 FROM case_sources s WHERE s.source = k.person)
           ORDER BY k.confirmed, k.person""", (before,))


def onset_after_confirmation(store) -> list[dict]:
    """Cases whose onset is after their confirmation date."""
    return store.query("""SELECT person AS id, onset, confirmed FROM cases
                          WHERE onset IS NOT NULL AND confirmed IS NOT NULL AND onset > confirmed
                          ORDER BY person""")


def onset_long_before_confirmation(store, days: int) -> list[dict]:
    """Cases whose onset is more than ``days`` days before their confirmation."""
    return [r for r in store.query("""SELECT person AS id, onset, confirmed FROM cases
                                      WHERE onset IS NOT NULL AND confirmed IS NOT NULL AND onset < confirmed
                                      ORDER BY person""")
            if (_day(r["confirmed"]) - _day(r["onset"])).days > days]


def _day(text):
    import datetime as dt
    return dt.date.fromisoformat(text)


def import_flags(store, flag: str) -> list[dict]:
    """``{"id", "detail"}`` of persons an import flagged with ``flag``."""
    return store.query("SELECT person AS id, detail FROM import_flags WHERE flag = ? ORDER BY person, detail",
                       (flag,))


def exposed_by(store) -> set[tuple[str, str]]:
    """``(person, source)`` pairs: a recorded infection link, or an exposure
    the levels derived (``level_sources``), so a contact can be written from
    the one who passed it on to the one exposed."""
    return {(p, s) for p, s in store.conn.execute(
        "SELECT person, source FROM level_sources UNION SELECT case_id, source FROM case_sources")}


def all_import_flags(store) -> dict[str, list[tuple[str, str]]]:
    """``{person: [(flag, detail)]}`` of every import flag, sorted."""
    out: dict[str, list[tuple[str, str]]] = {}
    for person, flag, detail in store.conn.execute(
            "SELECT person, flag, detail FROM import_flags ORDER BY person, flag, detail"):
        out.setdefault(person, []).append((flag, detail))
    return out


def recorded_source_edges(store) -> list[tuple[str, str]]:
    return store.conn.execute("SELECT source, case_id FROM case_sources ORDER BY source, case_id").fetchall()

"""The schema, versioned: ``PRAGMA user_version`` holds the version and
``MIGRATIONS[n]`` takes a database from version ``n`` to ``n + 1``.

A migration is a list of steps run inside the opening transaction: SQL
statements, or functions called with the connection (for values SQL cannot
make well, such as a secret key). Never edit a released migration: append a
new one.
"""


def _redaction_key(conn) -> None:
    """The key of :mod:`tracing.privacy`'s tokens: 32 random bytes from the
    operating system (:func:`secrets.token_bytes`), one per database."""
    import secrets as _secrets  # only when a database is made or migrated

    conn.execute("INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES ('redaction', ?, datetime('now'))",
                 (_secrets.token_bytes(32),))


def _cases_without_dates(conn) -> None:
    """Let a case have no date (issue 13: a case needs only its id): drop the
    NOT NULL of ``cases.confirmed`` and ``cases.isolated``. SQLite's documented
    way to remove NOT NULL constraints without rebuilding the table (which
    would cascade-delete ``case_sources``): edit the schema text, bump
    ``schema_version`` (https://www.sqlite.org/lang_altertable.html#otheralter)."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":  # PostgreSQL says it directly
        conn.execute("ALTER TABLE cases ALTER COLUMN confirmed DROP NOT NULL")
        conn.execute("ALTER TABLE cases ALTER COLUMN isolated DROP NOT NULL")
        return
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cases'").fetchone()
    new = sql.replace("confirmed TEXT NOT NULL", "confirmed TEXT").replace("isolated TEXT NOT NULL", "isolated TEXT")
    if new == sql:
        return
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'cases'", (new,))
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def _one_spelling_per_area(conn, schema: int = 11) -> None:
    """Merge the areas an older version stored under several spellings
    (``Bồ Đề``, ``BỒ ĐỀ``, ``Bo De``: issue 13 point 8) into the populations
    file's spelling, else the first seen (:func:`tracing.store.areas.merge_spellings`),
    and record what was merged in the audit log (nothing changes silently)."""
    import json

    from . import _now, actor
    from .areas import merge_spellings
    merged = merge_spellings(conn)
    if merged["rows"]:
        conn.execute("INSERT INTO audit (at, actor, command, detail) VALUES (?, ?, ?, ?)",
                     (_now(), actor(), "upgrade", json.dumps({"schema": schema, "areas_merged": merged},
                                                             ensure_ascii=False, sort_keys=True)))


def _one_spelling_per_prefixed_area(conn) -> None:
    """Schema 13: the same merge again, now that a prefix typed without
    diacritics (``phuong phuc dong``) and zero padding (``Phường 01``,
    ``TDP 05``) name the known area too (issue 13 tester round 2)."""
    _one_spelling_per_area(conn, 13)


_LEGACY_REASONS = (  # the English texts follow-ups were cancelled with before schema 12 -> (code, value group, cause group)
    (r"no longer traced \(.*?\): (?P<cause>.*)", "no_longer_traced", None),
    (r"confirmed F0, moves to treatment: (?P<cause>.*)", "now_a_case", None),
    (r"superseded by the (?P<value>F\d+) schedule: (?P<cause>.*)", "superseded", "value"),
    (r"zone (?P<value>Z\d+) released on .*", "zone_released", "value"),
    (r"zone (?P<value>Z\d+) cancelled on .*", "zone_cancelled", "value"),
    (r"merged into (?P<value>.+?): .* has the same follow-up", "merged_into", "value"),
)


def _followup_reason_codes(conn) -> None:
    """Cancelled follow-ups of older versions said why in English; they get
    the language-neutral codes of :data:`tracing.followups.CANCEL_REASONS`
    (shown translated), the write that caused it moving to ``detail``
    (``cause``). A text of no known shape is kept as it is."""
    import json
    import re

    rows = []
    for fid, reason, detail in conn.execute(
            "SELECT id, reason, detail FROM followups WHERE status = 'cancelled' AND reason IS NOT NULL").fetchall():
        for pattern, code, value in _LEGACY_REASONS:
            m = re.fullmatch(pattern, reason, re.S)
            if m:
                had = json.loads(detail) if detail else {}
                if m.groupdict().get("cause"):
                    had["cause"] = m.group("cause")
                rows.append((f"{code}:{m.group(value)}" if value else code,
                             json.dumps(had, ensure_ascii=False, sort_keys=True) if had else None, fid))
                break
    conn.executemany("UPDATE followups SET reason = ?, detail = ? WHERE id = ?", rows)


def _one_place_per_venue(conn) -> None:
    """Merge the venues an older version stored under several spellings
    (``Quán A``, ``quan a``) into the first one (:func:`tracing.store.areas.merge_places`),
    recording what was merged in the audit log."""
    import json

    from . import _now, actor
    from .areas import merge_places
    merged = merge_places(conn)
    if merged["places"]:
        conn.execute("INSERT INTO audit (at, actor, command, detail) VALUES (?, ?, ?, ?)",
                     (_now(), actor(), "upgrade", json.dumps({"schema": 12, "places_merged": merged},
                                                             ensure_ascii=False, sort_keys=True)))


def _one_spelling_per_numbered_area(conn) -> None:
    """Schema 14: the same merge again, now that a number word before an
    area's number (``Phường số 1``, ``Phuong so 1``, ``Phường #1``, ``Khu phố
    số 3``: :data:`tracing.values.NUMBER_WORDS`) names the known area too."""
    _one_spelling_per_area(conn, 14)


def _zone_districts(conn) -> None:
    """Schema 14: a zone's unit is (district, ward, unit) (issue 13 point 8).
    Each zoned unit of an older zone gets the district of the persons who live
    in it (its ward and unit as stored) when they are of one district; when
    they are of several (an older version merged two districts' same-named
    wards) or of none, the district stays empty and ``tracing check`` reports
    the zone (``zone_ward_ambiguous``): never guessed."""
    rows = conn.execute("SELECT DISTINCT a.ward, a.unit, p.district FROM zone_areas a "
                        "CROSS JOIN persons p ON p.ward = a.ward AND p.unit = a.unit "
                        "WHERE a.kind = 'unit' AND p.district IS NOT NULL").fetchall()
    found: dict[tuple, set] = {}
    for ward, unit, district in rows:
        found.setdefault((ward, unit), set()).add(district)
    conn.executemany("UPDATE zone_areas SET district = ? WHERE kind = 'unit' AND ward = ? AND unit = ?",
                     [(districts.pop(), ward, unit) for (ward, unit), districts in sorted(found.items())
                      if len(districts) == 1])


APPLICATION_ID = 0x54524331  # "TRC1": marks a file as a tracing database

MIGRATIONS: list[list[str]] = [
    # 0 -> 1: the core
    [
        """CREATE TABLE persons (
            id TEXT PRIMARY KEY,
            name TEXT, name_folded TEXT,
            phone TEXT, national_id TEXT,
            birth_year INTEGER, sex TEXT CHECK (sex IN ('m', 'f')),
            address TEXT, unit TEXT, ward TEXT, district TEXT, workplace TEXT,
            vaccinated INTEGER, recovered INTEGER,
            quarantine_start TEXT,
            extra TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX persons_name_folded ON persons(name_folded)",
        "CREATE INDEX persons_phone ON persons(phone)",
        "CREATE INDEX persons_national_id ON persons(national_id)",
        "CREATE INDEX persons_ward_unit ON persons(ward, unit)",
        """CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            a TEXT NOT NULL REFERENCES persons(id),
            b TEXT NOT NULL REFERENCES persons(id),
            date TEXT, setting TEXT, place TEXT, minutes INTEGER, masked INTEGER,
            extra TEXT,
            CHECK (a < b)
        )""",
        "CREATE INDEX contacts_a ON contacts(a, date)",
        "CREATE INDEX contacts_b ON contacts(b, date)",
        """CREATE UNIQUE INDEX contacts_natural ON contacts(
            a, b, ifnull(date, ''), ifnull(setting, ''), ifnull(place, ''))""",
        """CREATE TABLE places (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE, name_folded TEXT,
            unit TEXT, ward TEXT, kind TEXT
        )""",
        """CREATE TABLE checkins (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL REFERENCES persons(id),
            place INTEGER NOT NULL REFERENCES places(id),
            at TEXT NOT NULL, until TEXT,
            UNIQUE (person, place, at)
        )""",
        "CREATE INDEX checkins_place ON checkins(place, at)",
        "CREATE INDEX checkins_person ON checkins(person, at)",
        """CREATE TABLE cases (
            person TEXT PRIMARY KEY REFERENCES persons(id),
            confirmed TEXT NOT NULL, onset TEXT, isolated TEXT NOT NULL,
            unknown_source INTEGER NOT NULL DEFAULT 0,
            prior_level INTEGER,
            tier INTEGER,
            extra TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX cases_confirmed ON cases(confirmed)",
        """CREATE TABLE case_sources (
            case_id TEXT NOT NULL REFERENCES cases(person) ON DELETE CASCADE,
            source TEXT NOT NULL REFERENCES persons(id),
            PRIMARY KEY (case_id, source)
        )""",
        "CREATE INDEX case_sources_source ON case_sources(source)",
        """CREATE TABLE case_labels (
            case_id TEXT NOT NULL REFERENCES cases(person) ON DELETE CASCADE,
            label TEXT NOT NULL,
            PRIMARY KEY (case_id, label)
        )""",
        # Derived: one row per person with a level (cases included), rewritten
        # by tracing.levels for the neighbourhood a write touches.
        """CREATE TABLE levels (
            person TEXT PRIMARY KEY REFERENCES persons(id),
            level INTEGER NOT NULL,
            primary_source TEXT, exposure TEXT, quarantine TEXT, root TEXT,
            exposure_level INTEGER,
            flags TEXT
        )""",
        "CREATE INDEX levels_level ON levels(level)",
        "CREATE INDEX levels_root ON levels(root)",
        """CREATE TABLE level_sources (
            person TEXT NOT NULL REFERENCES persons(id),
            source TEXT NOT NULL REFERENCES persons(id),
            date TEXT,
            PRIMARY KEY (person, source)
        )""",
        "CREATE INDEX level_sources_source ON level_sources(source)",
        """CREATE TABLE rules (
            key TEXT NOT NULL, effective TEXT NOT NULL, value TEXT NOT NULL,
            note TEXT, created_at TEXT NOT NULL,
            PRIMARY KEY (key, effective)
        )""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL, actor TEXT NOT NULL, command TEXT NOT NULL, detail TEXT
        )""",
        """CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL REFERENCES persons(id),
            kind TEXT NOT NULL,
            due TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            result TEXT, reason TEXT, detail TEXT,
            created_at TEXT NOT NULL, done_at TEXT
        )""",
        "CREATE INDEX followups_due ON followups(status, due)",
        "CREATE INDEX followups_person ON followups(person)",
        """CREATE TABLE populations (
            kind TEXT NOT NULL, area TEXT NOT NULL, population INTEGER NOT NULL,
            PRIMARY KEY (kind, area)
        )""",
        """CREATE TABLE not_duplicates (
            a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)
        )""",
    ],
    # 1 -> 2: stable cluster ids (tracing.clusters): each case's cluster id and
    # the ids ever given, with the id a merged cluster went into.
    [
        """CREATE TABLE cluster_ids (
            id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, created TEXT NOT NULL,
            merged_into TEXT, merged_at TEXT
        )""",
        """CREATE TABLE cluster_members (
            case_id TEXT PRIMARY KEY, cluster TEXT NOT NULL REFERENCES cluster_ids(id)
        )""",
        "CREATE INDEX cluster_members_cluster ON cluster_members(cluster)",
    ],
    # 2 -> 3: secrets kept in the database and never exported (the key of
    # redaction tokens, tracing.privacy)
    [
        "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL, created_at TEXT NOT NULL)",
        _redaction_key,
    ],
    # 3 -> 4: outbreak management (tracing.zones, tracing.care, tracing.epilevel):
    # declared zones (khoanh vùng / phong tỏa) with their units and places,
    # F0 treatment tiers with history, and per-area vaccination coverage and
    # treatment capacity (criteria 2 and 3 of 4800/QĐ-BYT and 218/QĐ-BYT).
    [
        """CREATE TABLE zones (
            n INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('zone', 'lockdown')),
            start TEXT NOT NULL,
            case_id TEXT REFERENCES persons(id),
            window_from TEXT NOT NULL, window_to TEXT NOT NULL,
            released TEXT, forced INTEGER NOT NULL DEFAULT 0, release_note TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE zone_areas (
            zone INTEGER NOT NULL REFERENCES zones(n) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('unit', 'place')),
            name TEXT NOT NULL,
            unit TEXT, ward TEXT, place INTEGER REFERENCES places(id),
            PRIMARY KEY (zone, kind, name)
        )""",
        "CREATE INDEX zone_areas_unit ON zone_areas(ward, unit)",
        "CREATE INDEX zone_areas_place ON zone_areas(place)",
        """CREATE TABLE care (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL REFERENCES cases(person) ON DELETE CASCADE,
            start TEXT NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('care', 'recovered')),
            tier INTEGER CHECK (tier IN (1, 2, 3)),
            place TEXT,
            created_at TEXT NOT NULL,
            CHECK ((event = 'care') = (tier IS NOT NULL)),
            UNIQUE (person, start, event)
        )""",
        "CREATE INDEX care_person ON care(person, start)",
        "ALTER TABLE populations ADD COLUMN vaccinated REAL",
        "ALTER TABLE populations ADD COLUMN elderly_vaccinated REAL",
        "ALTER TABLE populations ADD COLUMN capacity INTEGER",
    ],
    # 4 -> 5: what imports found that `check` reports (duplicate-id merges),
    # and cases without any date (flagged undated_case)
    [
        """CREATE TABLE import_flags (
            person TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
            flag TEXT NOT NULL, detail TEXT NOT NULL, created_at TEXT NOT NULL,
            PRIMARY KEY (person, flag, detail)
        )""",
        _cases_without_dates,
    ],
    # 5 -> 6: how a case was found (`case confirm --found-by`: quarantine,
    # community, screening, entry); blank: derived by the report
    [
        "ALTER TABLE cases ADD COLUMN found_by TEXT",
    ],
    # 6 -> 7: which case facts the user gave (1) and which are derived (0) and
    # so re-derived whenever a later write changes the case's sources or
    # quarantine (issue 12: order of writes). NULL (rows from before, imports):
    # kept as stored.
    [
        "ALTER TABLE cases ADD COLUMN isolated_given INTEGER",
        "ALTER TABLE cases ADD COLUMN unknown_given INTEGER",
    ],
    # 7 -> 8: the day an exposure was recorded (TRACING_TODAY/today at the
    # write): no test is scheduled before the person was traced (DOMAIN.md),
    # which is that day when it is later than the source's confirmation.
    # NULL (rows from before): not later than the confirmation.
    [
        "ALTER TABLE contacts ADD COLUMN recorded_on TEXT",
        "ALTER TABLE checkins ADD COLUMN recorded_on TEXT",
    ],
    # 8 -> 9: a zone declared by mistake (or planned and not held) is
    # cancelled (`tracing zone cancel`): the day it was cancelled, its reason
    # in release_note; its outstanding mass tests are cancelled with it.
    [
        "ALTER TABLE zones ADD COLUMN cancelled TEXT",
    ],
    # 9 -> 10: the extra columns of check-ins and populations files, kept
    # like those of contacts (JSON object; NULL: none) instead of announced
    # and dropped
    [
        "ALTER TABLE checkins ADD COLUMN extra TEXT",
        "ALTER TABLE populations ADD COLUMN extra TEXT",
    ],
    # 10 -> 11: one spelling per area in databases written before areas were
    # folded on the way in (persons, places, zone units, populations), what
    # was merged recorded in the audit log
    [
        _one_spelling_per_area,
    ],
    # 11 -> 12: the derived column ``levels.root`` held the case whose
    # tracing chain reached a person (a case: itself), which is not the root
    # that status, exports, clusters and tree show (the top of the primary
    # chain, tracing.levels.chain_root); named for what it is so "root" has
    # one definition (issue 12 finding 5); cancelled follow-ups' English
    # reasons become codes shown in the reader's language (issue 14); venues
    # stored under several spellings become one place (issue 13)
    [
        "ALTER TABLE levels RENAME COLUMN root TO chain_case",
        "DROP INDEX levels_root",
        "CREATE INDEX levels_chain_case ON levels(chain_case)",
        # and the reasons of cancelled follow-ups become language-neutral codes
        _followup_reason_codes,
        # and a venue stored under several spellings becomes one place
        _one_place_per_venue,
    ],
    # 12 -> 13: areas typed "phuong phuc dong" beside "Phường Phúc Đồng",
    # "Phường 01" beside "Phường 1", "TDP 05" beside "TDP 5" become one area
    # (tracing.store.areas.area_spelling), merged as 10 -> 11 did
    [
        _one_spelling_per_prefixed_area,
    ],
    # 13 -> 14: "Phường số 1", "Phuong so 1", "Phường #1" beside "Phường 1"
    # become one area (merged as 10 -> 11 did); a zone's unit is (district,
    # ward, unit): zone_areas.district, filled from the unit's residents when
    # they are of one district (else empty and reported by `check`)
    [
        _one_spelling_per_numbered_area,
        "ALTER TABLE zone_areas ADD COLUMN district TEXT",
        _zone_districts,
    ],
    # 14 -> 15: an age is an age at a date (a 2021 line list's "34" is 34 in
    # 2021, not today): the age as typed and the day it is an age at, and a
    # birth date kept whole (was reduced to its year); see tracing.people.age_on.
    # NULL (rows from before): the birth year alone, as before
    [
        "ALTER TABLE persons ADD COLUMN birth_date TEXT",
        "ALTER TABLE persons ADD COLUMN age INTEGER",
        "ALTER TABLE persons ADD COLUMN age_date TEXT",
    ],
]

LATEST = len(MIGRATIONS)

"""Data-quality checks: records that cannot all be right.

Each finding is ``{"check", "ids", "message"}``, naming the records:

* ``onset_order`` – an infectee's onset is before its infector's onset
  (recorded sources, and derived primary sources that are cases);
* ``contact_after_isolation`` – a case's recorded source is a case, and every
  dated contact between them is after the source was isolated;
* ``contact_before_birth`` – a contact dated before a person's birth year;
* ``age_disagrees`` – a typed age that does not fit the birth date (exactly)
  or birth year (±1) stored for the person (e.g. a persons file gave the
  birth year, a line list of another year the age:
  :func:`tracing.people.age_agrees`);
* ``two_wards`` – the same national id or phone on persons in different wards;
* ``no_contacts`` – a case confirmed more than 2 days (48 h) before today
  with no contact traced, no recorded source, no label naming where it was
  infected (``IMPORT``, a place: :func:`tracing.sources.names_a_source`) and
  no case it infected;
* ``source_cycle`` – recorded sources that form a cycle (A from B, B from A);
* ``date_order`` – an onset after the confirmation that fits before it once
  day and month are swapped (a M/D/Y date read as D/M/Y, or the reverse), or
  an onset over four weeks before it that fits within two weeks once swapped;
* ``duplicate_id_merged`` – rows of one id in an imported file that were
  merged into one record (each filled the other's blanks): same person?
* ``onset_after_sample`` – a case whose onset is after its positive sample
  date (its infectious window starts before the sample: DOMAIN.md);
* ``undated_case`` – a case stored without any date, no confirmation nor onset (its contacts
  are judged conservatively until the date is imported);
* ``no_infectious_window`` – a case isolated before its infectious window
  would begin (an F1 isolated in quarantine days before its onset or
  sample): its window is empty, said plainly, never inverted; its zone
  proposal has no window and no place (:meth:`tracing.levels.Case.infectious`);
* ``similar_ids`` – person ids that differ only by case, spaces, a sign or
  zero padding (``nb6``, ``NB 6``, ``NB006``: :func:`tracing.sources.id_key`),
  likely one person written several ways;
* ``area_spellings`` – one area (district, ward, unit, workplace, a
  populations area, or a check-in place) stored under several spellings (``Bồ Đề``, ``Bo De``):
  every write stores the known spelling and the upgrade to schema 11 merges
  older ones (:func:`tracing.store.areas.merge_spellings`), so this names
  whatever is left apart;
* ``ward_districts`` – records an older version keyed by a ward's name alone
  when that name is in several districts (it merged ``Phường 1`` of ``Quận 3``
  and of ``Quận 10``): persons of that ward without a district (counted in
  none of them), a population of the bare name (applies to none), a zoned
  unit without a district (holds none), a ward spelling an upgrade to schema
  11 or 13 respelled other spellings into (by name alone before session 6),
  a population such an upgrade merged by name; each says which persons' records name
  which district, so the team can add the district
  (:func:`tracing.store.areas.wards_in_several_districts`).

>>> cycles({("A", "B"), ("B", "A"), ("B", "C")})
[['A', 'B']]
"""

from __future__ import annotations

import datetime as dt

from . import checkins
from .i18n import N_, Msg
from .people import age_agrees
from .sources import sourced_by_label
from .store import reports as sql
from .store.areas import WardGroups
from .values import today

CHECKS = ("onset_order", "contact_after_isolation", "contact_before_birth", "age_disagrees", "two_wards",
          "no_contacts", "source_cycle", "date_order", "duplicate_id_merged", "onset_after_sample", "undated_case",
          "no_infectious_window", "similar_ids", "area_spellings", "ward_districts")
SWAP_WINDOW_DAYS = 60
"""A swapped onset counts as plausible when it falls this many days before confirmation or fewer."""


def swapped(day: dt.date) -> dt.date | None:
    """``day`` with day and month exchanged, or None when that is no date.

    >>> swapped(dt.date(2020, 5, 3)), swapped(dt.date(2020, 5, 13))
    (datetime.date(2020, 3, 5), None)
    """
    if day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)


def date_order_suspect(onset: str, confirmed: str) -> str | None:
    """Why an onset after its confirmation looks like a day/month swap, or None."""
    o, c = dt.date.fromisoformat(onset), dt.date.fromisoformat(confirmed)
    for label, so, sc in (("onset", swapped(o), c), ("confirmation", o, swapped(c))):
        if so is None or sc is None:
            continue
        if so <= sc and (sc - so).days <= SWAP_WINDOW_DAYS:
            day = (so if label == "onset" else sc).isoformat()
            # a Msg: English in JSON, translated (and the date written the language's way) for people
            return (Msg(N_("onset {date} with day and month swapped"), date=day) if label == "onset"
                    else Msg(N_("confirmation {date} with day and month swapped"), date=day))
    return None


LONG_GAP_DAYS = 28
"""An onset more than this many days (four weeks) before confirmation is far
longer than an infection takes to be found; with day and month swapped it
may be a M/D/Y pair read as D/M/Y (07/01, 07/02 read as 7 Jan, 7 Feb)."""
PLAUSIBLE_GAP_DAYS = 14
"""Swapped, the onset must fall at most this many days (an incubation
period) before confirmation, and not after it."""


def month_shift_suspect(onset: str, confirmed: str) -> str | None:
    """Why an onset more than :data:`LONG_GAP_DAYS` before its confirmation
    looks like day/month swaps (onset, confirmation, or both swapped give an
    onset 0 to :data:`PLAUSIBLE_GAP_DAYS` days before), or None.

    >>> str(month_shift_suspect("2021-01-07", "2021-02-07"))
    'onset 2021-07-01 and confirmation 2021-07-02 with day and month swapped'
    >>> month_shift_suspect("2021-01-20", "2021-02-25") is None
    True
    """
    o, c = dt.date.fromisoformat(onset), dt.date.fromisoformat(confirmed)
    if (c - o).days <= LONG_GAP_DAYS:
        return None
    for so, sc in ((swapped(o), swapped(c)), (swapped(o), c), (o, swapped(c))):
        if so is None or sc is None or not 0 <= (sc - so).days <= PLAUSIBLE_GAP_DAYS:
            continue
        if so != o and sc != c:
            return Msg(N_("onset {onset} and confirmation {date} with day and month swapped"),
                       onset=so.isoformat(), date=sc.isoformat())
        if so != o:
            return Msg(N_("onset {date} with day and month swapped"), date=so.isoformat())
        return Msg(N_("confirmation {date} with day and month swapped"), date=sc.isoformat())
    return None


def cycles(edges) -> list[list[str]]:
    """Strongly connected groups of 2+ nodes (or a self-loop) of a directed
    graph given as ``(from, to)`` edges, each sorted; iterative Tarjan."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    for k in graph:
        graph[k].sort()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for j in range(i, len(graph[node])):
                nxt = graph[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == node:
                        break
                if len(group) > 1 or node in graph[node]:
                    out.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(out)


#: persons named per district in a ``ward_districts`` finding (then "+N more")
SHOWN_IDS = 5

_WARD_DISTRICTS = {
    "persons": N_("ward '{ward}' is in several districts ({districts}); {ids} have this ward and no district: "
                  "counted in none of them (add their district)"),
    "population": N_("the population of ward '{ward}' ({population}) has no district, and that ward is in several "
                     "districts ({districts}): it applies to none of them (import populations with a district "
                     "column: 'WARD, DISTRICT')"),
    "respelled": N_("ward '{ward}' is stored for several districts ({districts}), and an upgrade respelled {typed} "
                    "to it (older versions did so by name alone, whatever the district): check which of these "
                    "persons' ward was typed otherwise"),
    "population_merged": N_("an upgrade merged the population of '{area}' ({population}) into ward '{ward}' by "
                            "name, and that ward is in several districts ({districts}): import populations with a "
                            "district column ('WARD, DISTRICT')"),
    "zone": N_("zone {zone} unit '{unit}' has no district, and its ward is in several districts ({districts}): it "
               "holds none of their residents (cancel it and declare 'UNIT, WARD, DISTRICT')"),
}


def _ward_districts(store, pairs) -> list[dict]:
    """The ``ward_districts`` findings (module doc); ``pairs``: the persons' (district, ward)."""
    from .store.areas import wards_in_several_districts

    out = []
    for f in wards_in_several_districts(store, pairs):
        named = "; ".join(
            f"{d}: {', '.join(ids[:SHOWN_IDS])}" + (f" (+{len(ids) - SHOWN_IDS})" if len(ids) > SHOWN_IDS else "")
            for d, ids in sorted(f["districts"].items()))
        out.append({"check": "ward_districts", "ids": f["ids"],
                    "message": Msg(_WARD_DISTRICTS[f["what"]], ward=f["ward"], districts=named,
                                   ids=", ".join(f["ids"]), population=f.get("population"), zone=f"Z{f.get('zone')}",
                                   unit=f.get("unit"), area=f.get("area"),
                                   typed=", ".join(f"'{t}'" for t in f.get("typed", ())))})
    return out


def run(store) -> list[dict]:
    """Every finding, ordered by check then ids: ``[{"check", "ids", "message"}]``."""
    out: list[dict] = []
    pairs = sql.source_pairs(store)
    for p in pairs:
        if p["infectee_onset"] and p["infector_onset"] and p["infectee_onset"] < p["infector_onset"]:
            out.append({"check": "onset_order", "ids": [p["infectee"], p["infector"]],
                        "message": Msg(N_("{infectee} (onset {date_a}) has {infector} as {how} source, whose "
                                          "onset is later ({date_b})"), infectee=p["infectee"],
                                       date_a=p["infectee_onset"], infector=p["infector"], how=p["how"],
                                       date_b=p["infector_onset"])})
    recorded = [p for p in pairs if p["how"] == "recorded"]
    dates = sql.contacts_between_pairs(store, [(p["infectee"], p["infector"]) for p in recorded])
    for p in recorded:
        dated = [d for d in dates[(p["infectee"], p["infector"])] if d]
        if dated and p["infector_isolated"] and all(d > p["infector_isolated"] for d in dated):
            out.append({"check": "contact_after_isolation", "ids": [p["infectee"], p["infector"]],
                        "message": Msg(N_("{infectee} has source {infector}, but their contacts ({dates}) are "
                                          "after {infector} was isolated ({date})"), infectee=p["infectee"],
                                       infector=p["infector"], dates=", ".join(dated),
                                       date=p["infector_isolated"])})
    for r in sql.contacts_before_birth(store):
        other = r["b"] if r["person"] == r["a"] else r["a"]
        out.append({"check": "contact_before_birth", "ids": [r["person"], other],
                    "message": Msg(N_("contact {a}–{b} on {date} is before {person} was born ({year})"),
                                   a=r["a"], b=r["b"], date=r["date"], person=r["person"], year=r["birth_year"])})
    for r in sql.typed_ages_with_birth(store):
        day = dt.date.fromisoformat(r["age_date"][:10])
        born = dt.date.fromisoformat(r["birth_date"][:10]) if r["birth_date"] else None
        if not age_agrees(r["age"], day, birth_date=born, birth_year=r["birth_year"]):
            out.append({"check": "age_disagrees", "ids": [r["id"]],
                        "message": Msg(N_("{person}: age {age} on {date} does not fit the birth date or year {born}"),
                                       person=r["id"], age=r["age"], date=r["age_date"],
                                       born=r["birth_date"] or r["birth_year"])})
    groups = None
    for field, word in (("national_id", N_("national id")), ("phone", N_("phone"))):
        for r in sql.persons_in_two_wards(store, field):
            groups = groups or WardGroups.of(store)  # Phường 1 of two districts is two wards
            wards = sorted({groups.label(d or None, w) for w, d in
                            zip(r["wards"].split("\x1f"), r["districts"].split("\x1f"))})
            if len(wards) < 2:
                continue
            out.append({"check": "two_wards", "ids": sorted(r["ids"].split("\x1f")),
                        "message": Msg(N_("{what} {value} is on persons in different wards: {wards}"),
                                       what=Msg(word), value=r["value"], wards=", ".join(wards))})
    before = (today() - dt.timedelta(days=2)).isoformat()
    lonely = sql.cases_without_contacts(store, before)
    if lonely:  # a label naming where the case was infected (IMPORT, a market) is a known source
        by_label = sourced_by_label(store, [r["id"] for r in lonely])
        lonely = [r for r in lonely if r["id"] not in by_label]
    # an exposure derived from check-ins with an infectious case is a contact traced (DOMAIN.md 'QR check-ins')
    via_checkins = {x for e in checkins.infectious_exposures(store, store.rules(), [r["id"] for r in lonely])
                    for x in (e.source, e.other)} if lonely else set()
    for r in lonely:
        if r["id"] in via_checkins:
            continue
        out.append({"check": "no_contacts", "ids": [r["id"]],
                    "message": Msg(N_("case {id} confirmed {date} has no contact traced after 48 h"),
                                   id=r["id"], date=r["confirmed"])})
    for group in cycles(sql.recorded_source_edges(store)):
        out.append({"check": "source_cycle", "ids": group,
                    "message": Msg(N_("recorded sources form a cycle: {ids}"), ids=" ↔ ".join(group))})
    for r in sql.onset_after_confirmation(store):
        why = date_order_suspect(r["onset"], r["confirmed"])
        if why:
            out.append({"check": "date_order", "ids": [r["id"]],
                        "message": Msg(N_("case {id}: onset {date_onset} is after confirmation {date}; fits as "
                                          "{why}: day and month read the wrong way round? (re-import with --date-order)"),
                                       id=r["id"], date_onset=r["onset"], date=r["confirmed"], why=why)})
    for r in sql.onset_long_before_confirmation(store, LONG_GAP_DAYS):
        why = month_shift_suspect(r["onset"], r["confirmed"])
        if why:
            out.append({"check": "date_order", "ids": [r["id"]],
                        "message": Msg(N_("case {id}: onset {date_onset} is over {days} days before confirmation "
                                          "{date}; fits as {why}: day and month read the wrong way round? "
                                          "(re-import with --date-order)"), id=r["id"], date_onset=r["onset"],
                                       days=LONG_GAP_DAYS, date=r["confirmed"], why=why)})
    for r in sql.import_flags(store, "duplicate_id_merged"):
        out.append({"check": "duplicate_id_merged", "ids": [r["id"]],
                    "message": Msg(N_("{id}: rows of {detail} were merged into one record; same person?"),
                                   id=r["id"], detail=r["detail"])})
    for r in sql.onset_after_confirmation(store):
        out.append({"check": "onset_after_sample", "ids": [r["id"]],
                    "message": Msg(N_("case {id}: onset {date_onset} is after the sample date {date}; the "
                                      "infectious window starts 2 days before the sample"),
                                   id=r["id"], date_onset=r["onset"], date=r["confirmed"])})
    for cid in sql.undated_cases(store):
        out.append({"check": "undated_case", "ids": [cid],
                    "message": Msg(N_("case {id} has no date (no confirmation, no onset): import its sample date"), id=cid)})
    from .levels import case_from_row
    rules = store.rules()
    for cid, row in sorted(store.cases().items()):
        case = case_from_row(row)
        if case.dated and case.isolated and case.infectious(rules) is None:
            out.append({"check": "no_infectious_window", "ids": [cid],
                        "message": Msg(N_("case {id} was isolated on {date_isolated}, before its infectious window "
                                          "would begin ({date}): no infectious window, no place to zone"),
                                       id=cid, date_isolated=case.isolated, date=case.window(rules)[0])})
    from .sources import similar_ids
    from .store.sources import person_ids
    for group in similar_ids(person_ids(store)):
        out.append({"check": "similar_ids", "ids": group,
                    "message": Msg(N_("ids {ids} differ only by case, spaces or zero padding: one person written "
                                      "several ways? (see `tracing person duplicates`)"), ids=", ".join(group))})
    from .store.areas import separate_spellings, ward_pairs

    pairs = ward_pairs(store)  # read once for the area checks
    words = {"district": N_("district"), "ward": N_("ward"), "unit": N_("unit"), "workplace": N_("workplace"),
             "place": N_("place")}
    for g in separate_spellings(store, pairs):
        out.append({"check": "area_spellings", "ids": g["spellings"],
                    "message": Msg(N_("{field} {spellings}: one area stored under several spellings (reports and "
                                      "filters group them as one)"), field=Msg(words[g["field"]]),
                                   spellings=", ".join(f"'{v}'" for v in g["spellings"]))})
    out += _ward_districts(store, pairs)
    order = {c: i for i, c in enumerate(CHECKS)}
    out.sort(key=lambda f: (order[f["check"]], f["ids"]))
    return out

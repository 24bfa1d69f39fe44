"""Confirmed cases: confirm, unconfirm (a false positive) and link a source.

Each re-derives only the neighbourhood the case touches and returns the level
changes, the case itself included (``F1`` -> ``F0`` or ``None`` -> ``F0``),
the new quarantine/test schedules of everyone whose level or exposure changed
(and keeps the ``followups`` table in step), and for a confirmation the
scenario of the notices:

* ``PA1``: the person had a known source or exposure (in quarantine as a
  traced F1/F2 on the sample date, a recorded ``--source``, an encounter with
  an earlier case's chain inside its incubation window): the chain is promoted;
* ``PA2``: no known source: the case is marked ``unknown_source``, candidate
  sources are ranked over the incubation window and a zone is proposed (also
  for PA1 with ``zone=True``).

The result has the keys of ``shared/CLI.md``: ``id``, ``scenario``,
``dry_run``, ``changes``, ``schedule``, ``candidates``, ``zone``.
"""

from __future__ import annotations

from . import followups, levels, scenarios
from .errors import Conflict, InvalidValue
from .i18n import N_, Msg, _, fmt_date
from .levels import level_name
from .people import check_id, ensure_persons, require_case
from .values import choice, past_date, today

#: the date fields of a case and the option that sets each (case confirm)
CASE_DATES = (("confirmed", "--date"), ("onset", "--onset"), ("isolated", "--isolated"))


def earliest_case_date(store) -> str:
    """The earliest plausible case date in force (rule ``case.earliest_date``,
    ISO text): the disease's first cases. Generic date parsing accepts far
    older dates (historical line lists); this rule is what keeps a COVID
    case out of 1900."""
    return str(store.rules().at("case.earliest_date", today()))


def check_plausible(row: dict, earliest: str) -> None:
    """Refuse a case date (``confirmed``, ``onset``, ``isolated``, ISO text)
    before ``earliest``, naming the option and the rule.

    >>> check_plausible({"confirmed": "1900-01-02"}, "2019-12-01")
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: --date: 1900-01-02 is before 2019-12-01, the earliest plausible case date (rule case.earliest_date; for a historical line list: tracing rules set case.earliest_date YYYY-MM-DD --from 2020-01-01)
    """
    from .i18n import _

    for key, option in CASE_DATES:
        day = row.get(key)
        if day and str(day) < earliest:
            raise InvalidValue(_("{option}: {day} is before {earliest}, the earliest plausible case date (rule "
                                 "case.earliest_date; for a historical line list: tracing rules set "
                                 "case.earliest_date YYYY-MM-DD --from 2020-01-01)").format(
                option=option, day=fmt_date(day), earliest=fmt_date(earliest)))


class Historical:
    """Case dates before the earliest plausible date (rule ``case.earliest_date``)
    in one imported file. A line list whose case dates are all before it is a
    historical outbreak (1861 measles): kept, and said once. In a file that
    also holds later dates they are typos, refused naming their line.

    >>> h = Historical("2019-12-01")
    >>> h.note("184", 2, {"onset": "1861-10-30"}), h.note("185", 3, {"onset": "1861-11-05"})
    (False, False)
    >>> h.refused({"184": {}, "185": {}}), h.lines
    ([], {'184': 2, '185': 3})
    >>> h.note("A1", 4, {"confirmed": "2021-05-03"}), h.note("A2", 5, {"confirmed": "1900-01-02"})
    (False, True)
    >>> h.refused({"184": {}, "185": {}})
    ['184', '185']
    """

    def __init__(self, earliest: str):
        self.earliest = earliest
        self.lines: dict[str, int] = {}  # {case id: its first line} of the dates before the earliest
        self.recent = False  # a case date on or after the earliest was read

    def note(self, cid: str, line: int, row: dict) -> bool:
        """Note ``row``'s case dates; True when they must be checked now (an
        old date after a recent one)."""
        days = [str(row[key]) for key, _option in CASE_DATES if row.get(key)]
        if not any(day < self.earliest for day in days):
            self.recent = self.recent or bool(days)
            return False
        if self.recent:
            return True
        self.lines.setdefault(cid, line)
        return False

    def refused(self, cases) -> list[str]:
        """The ids of ``cases`` noted as old in a file that also has recent
        dates: each must be checked (and refused); none in a historical file."""
        if not self.recent:
            return []
        ids = [cid for cid in self.lines if cid in cases]
        self.lines = {}
        return ids


def clean_case(fields: dict) -> dict:
    """Validate ``id``, ``confirmed``, ``onset``, ``isolated``, ``sources``, ``unknown_source``."""
    cid = check_id(fields.get("id"), "id")
    confirmed = past_date(fields.get("confirmed"), "--date", required=True)
    onset = past_date(fields.get("onset"), "--onset")
    isolated = past_date(fields.get("isolated"), "--isolated") or confirmed
    if onset and (confirmed - onset).days > 60:
        raise InvalidValue(_("--onset {onset} is more than 60 days before the sample date {confirmed}").format(
                               onset=fmt_date(onset), confirmed=fmt_date(confirmed)))
    sources = [check_id(s, "--source") for s in fields.get("sources") or []]
    if cid in sources:
        raise InvalidValue(_("--source: {cid} cannot be its own source").format(cid=cid))
    unknown = bool(fields.get("unknown_source"))
    if unknown and sources:
        raise InvalidValue(_("--unknown-source contradicts --source"))
    found_by = choice(fields.get("found_by"), "--found-by", "found_by")
    return {"person": cid, "confirmed": confirmed.isoformat(), "onset": onset.isoformat() if onset else None,
            "isolated": isolated.isoformat(), "unknown_source": int(unknown), "sources": list(dict.fromkeys(sources)),
            "found_by": found_by}


def changes_json(changes) -> list[dict]:
    """Level changes as ``[{"id", "from", "to"}]`` (only where the level moved)."""
    return [{"id": c.id, "from": level_name((c.old or {}).get("level")), "to": level_name((c.new or {}).get("level"))}
            for c in changes if c.level_changed]


def _merge(first, second) -> list:
    """Two successive lists of changes as one (old of the first, new of the last)."""
    by_id = {c.id: levels.Change(c.id, c.old, c.new) for c in first}
    for c in second:
        if c.id in by_id:
            by_id[c.id].new = c.new
        else:
            by_id[c.id] = levels.Change(c.id, c.old, c.new)
    return [c for _, c in sorted(by_id.items()) if not levels._same(c.old, c.new)]


def onset_warning(row: dict) -> str | None:
    """The warning for an onset after the sample date (DOMAIN.md: the window
    then starts before the sample; ``check`` reports ``onset_after_sample``).
    A Msg: English in JSON, translated for people.

    >>> onset_warning({"person": "B", "onset": "2021-07-25", "confirmed": "2021-07-22"})
    'B: onset 2021-07-25 is after the sample date 2021-07-22; the infectious window starts 2 days before the sample'
    """
    if row.get("onset") and row.get("confirmed") and row["onset"] > row["confirmed"]:
        return Msg(N_("{id}: onset {date_onset} is after the sample date {date}; the infectious window starts "
                      "2 days before the sample"), id=row["person"], date_onset=row["onset"], date=row["confirmed"])
    return None


def source_cycle(store, case_id: str, sources) -> list[str] | None:
    """The cycle ``[case_id, s, …, case_id]`` that recording ``sources`` as
    sources of ``case_id`` would close, following recorded sources
    (``case_sources``) and derived ones (``level_sources``); None when there
    is none. Breadth-first from the sources, indexed lookups only."""
    parent: dict[str, str | None] = {s: None for s in sources}
    frontier = list(dict.fromkeys(sources))
    while frontier:
        if case_id in parent:
            break
        recorded = store.case_sources(frontier)
        derived = store.levels(frontier)
        nxt = []
        for p in frontier:
            ups = set(recorded.get(p, [])) | set((derived.get(p) or {}).get("sources") or {})
            for up in sorted(ups):
                if up not in parent:
                    parent[up] = p
                    nxt.append(up)
        frontier = nxt
    if case_id not in parent:
        return None
    return _cycle_path(case_id, parent)


def _cycle_path(case_id: str, parent: dict) -> list[str]:
    """``[case_id, new source, …, case_id]``, each having the next as source."""
    chain = []
    node = case_id
    while node is not None:
        chain.append(node)
        node = parent[node]
    return [case_id, *reversed(chain[1:]), case_id] if len(chain) > 1 else [case_id, case_id]


def _refuse_cycle(store, case_id: str, sources) -> None:
    cycle = source_cycle(store, case_id, sources)
    if cycle:
        raise Conflict(_("--source: would make a cycle of sources: {cycle} (each has the next as source); "
                         "nothing was written").format(cycle=" → ".join(cycle)))


def _bookkeeping(store, changes, why: str, *, case_id=None, case_row=None, region=()) -> tuple[list[dict], dict]:
    return followups.reschedule(store, changes, why, region=region, case_id=case_id, case_row=case_row)


def confirm(store, fields: dict) -> dict:
    """Make a person F0, re-derive every level it affects, name the scenario
    (PA1/PA2), schedule the promoted and, for PA2 (or ``fields["zone"]``),
    rank candidate sources and propose a zone.

    ``fields``: ``id``, ``confirmed``, ``onset``, ``isolated``, ``sources``,
    ``unknown_source``, ``zone`` (bool), ``declare_zone`` (bool: record the
    proposed zone, :func:`tracing.zones.declare`), ``candidates`` (how many to show).
    """
    row = clean_case(fields)
    check_plausible(row, earliest_case_date(store))
    cid = row["person"]
    ensure_persons(store, [cid])
    ensure_persons(store, row["sources"], field="--source")
    existing = store.get_case(cid)
    if existing:
        raise Conflict(_("{cid} is already a confirmed case (sample {confirmed}); use `tracing case link` for "
                         "a source or `tracing case unconfirm` to correct it").format(
                           cid=cid, confirmed=fmt_date(existing['confirmed'])))
    # issue 12: "found in quarantine" (the quarantine period covering the sample
    # date, DOMAIN.md), the isolation default (11042/BYT-DP: the start of that
    # quarantine) and the unknown source are derived with the levels
    # (scenarios.settle_cases), here and after every later write
    row["isolated_given"] = int(bool(fields.get("isolated")))
    row["unknown_given"] = int(bool(row["unknown_source"]))
    row["prior_level"] = None
    warnings = [w for w in [onset_warning(row)] if w]
    sources = row.pop("sources")
    _refuse_cycle(store, cid, sources)
    known = store.cases(sources)
    warnings += [Msg(N_("{source} is not a confirmed case: recorded as the source of {case} all the same"),
                     source=s, case=cid) for s in sources if s not in known]
    store.upsert_case(row)
    store.add_case_sources(cid, sources)
    region: set[str] = set()
    changes = levels.rederive(store, {cid}, changed_cases={cid}, region_out=region)
    entry = store.levels([cid]).get(cid) or {}
    stored = store.get_case(cid)  # settled by the re-derivation
    row.update({k: stored[k] for k in ("isolated", "prior_level", "unknown_source")})
    # PA1 only with a source, given or derived inside the incubation window
    scenario = scenarios.scenario_of(sources, entry.get("primary_source"), bool(row["unknown_given"]))
    why = f"case confirm {cid} ({scenario}, sample {row['confirmed']})"
    schedule, counts = _bookkeeping(store, changes, why, case_id=cid, case_row=row, region=region)
    candidates, zone = [], None
    # the case as settled and its person, read once for the candidates and the zone
    person = store.get_person(cid) if scenario == "PA2" or fields.get("zone") or fields.get("declare_zone") else None
    if scenario == "PA2":
        candidates = scenarios.candidates(store, cid, limit=fields.get("candidates") or scenarios.CANDIDATE_LIMIT,
                                          case=stored, person=person)
    if scenario == "PA2" or fields.get("zone") or fields.get("declare_zone"):
        zone = scenarios.zone(store, cid, case=stored, person=person)
    if fields.get("declare_zone"):
        from . import zones  # the proposal becomes a zone record, from the sample date
        declared = zones.declare(store, [], row["confirmed"], case_id=cid, from_case=True)
        zone["declared"] = {k: declared[k] for k in ("id", "kind", "start", "tests")}
    public = changes_json(changes)
    store.note(case=cid, confirmed=row["confirmed"], scenario=scenario, changes=public,
               followups=counts, why=why)
    return {"id": cid, "scenario": scenario, "dry_run": store.dry_run, "changes": public, "warnings": warnings,
            "schedule": schedule, "candidates": candidates, "zone": zone, "followups": counts,
            "prior_level": level_name(row["prior_level"]), "case": row, "sources": sources,
            "unknown_source": bool(row["unknown_source"]), "_changes": changes}


def unconfirm(store, case_id: str) -> dict:
    """Remove a confirmation (false positive) and restore the levels: the
    result is the diff, schedules are recomputed (the person's own quarantine
    comes back if they are still traced; persons who drop out are cancelled)."""
    case = require_case(store, case_id)
    case_id = case["person"]
    store.delete_case(case_id)
    region: set[str] = set()
    changes = levels.rederive(store, {case_id}, changed_cases={case_id}, region_out=region)
    why = f"case unconfirm {case_id} (sample {case['confirmed']} was a false positive)"
    schedule, counts = _bookkeeping(store, changes, why, case_row=case, region=region)
    public = changes_json(changes)
    store.note(case=case_id, changes=public, followups=counts, why=why)
    return {"id": case_id, "dry_run": store.dry_run, "changes": public, "schedule": schedule,
            "followups": counts, "_changes": changes}


def link(store, case_id: str, sources: list[str]) -> dict:
    """Record a source found later (a PA2 case becomes linked:
    ``unknown_source`` is cleared, so reports count it as linked).

    A link that would close a cycle of sources raises :class:`Conflict`
    naming the cycle (nothing written); a source that is not a confirmed case
    is accepted with a warning (``warnings``). The link's date is the last
    qualifying contact before the case's onset (:mod:`tracing.levels`)."""
    case = require_case(store, case_id)
    case_id = case["person"]
    sources = [check_id(s, "--source") for s in sources]
    if not sources:
        raise InvalidValue(_("--source: give the source id"))
    if case_id in sources:
        raise InvalidValue(_("--source: {case_id} cannot be its own source").format(case_id=case_id))
    ensure_persons(store, sources, field="--source")
    _refuse_cycle(store, case_id, sources)
    known = store.cases(sources)
    warnings = [Msg(N_("{source} is not a confirmed case: recorded as the source of {case} all the same"),
                    source=s, case=case_id) for s in sources if s not in known]
    was_unknown = bool(case["unknown_source"])
    store.add_case_sources(case_id, sources)
    if was_unknown:
        case["unknown_source"] = 0
        store.upsert_case(case)
    region: set[str] = set()
    changes = levels.rederive(store, {case_id}, region_out=region)
    why = f"case link {case_id} --source {' '.join(sources)}"
    schedule, counts = _bookkeeping(store, changes, why, case_row=case, region=region)
    public = changes_json(changes)
    store.note(case=case_id, sources=sources, was_unknown_source=was_unknown, changes=public, followups=counts)
    return {"id": case_id, "dry_run": store.dry_run, "sources": store.case_sources([case_id]).get(case_id, []),
            "scenario": "linked", "was_unknown_source": was_unknown, "unknown_source": False, "warnings": warnings,
            "changes": public, "schedule": schedule, "followups": counts, "_changes": changes}

"""Deriving F-levels: who is F0, F1, F2… and through whom, time-aware.

Levels are never typed in. They follow ``shared/DOMAIN.md``:

* a confirmed case is ``F0``; its infectious window runs from
  ``window.infectious_before_days`` before the earlier of onset and positive
  sample (a positive sample proves infection that day; no onset: the sample)
  to the day it was isolated, both days included (11042/BYT-DP);
* encounters are recorded contacts and, where rule ``checkin.exposure`` is in
  force, overlapping QR check-ins (:mod:`tracing.checkins`), judged alike; a
  check-in exposure only comes from an F0 in its infectious window
  (:func:`tracing.checkins.passes`); a source known only through check-ins
  is flagged ``checkin``;
* a contact with a transmitter makes the other person one level deeper when it
  is dated inside the transmitter's window: an F0's infectious window, or for an
  F1, F2… the days from its first qualifying exposure to the day it was
  quarantined (recorded, else the confirmation date of the case at the top of
  its primary chain). Undated contacts count and are flagged ``undated``; an
  undated one is a case's exposure source only when the transmitter's window
  and the case's look-back window share a day (:meth:`Case.fits_incubation`). Where
  the rule ``f1.close_contact_required`` is in force (from 2021-12-29) a contact
  also needs to be close (household, unmasked, or masked for
  ``f1.masked_minutes``); unknown mask or duration counts and is flagged
  ``unverified_contact``. An undated contact is judged by the rules of the
  transmitter's last infectious day;
* levels go down to ``trace.max_depth`` (F2 by default); a person's level is the
  lowest reachable, their sources are the transmitters that give that level and
  the primary source is the one with the earliest qualifying exposure, except
  a case's recorded ``--source`` (CLI.md: a known infector; an investigation's
  conclusion beats the earliest derived exposure), which stays primary; the
  entry's ``exposure`` (first exposure) is always the earliest qualifying one;
* a person is quarantined (``quarantine``: found in quarantine, default
  isolation, F2 cut-off, PA1 window end) from the day they were traced
  (:func:`traced_day`, per exposure: the transmitter's traced day, or the
  exposure's ``recorded_on`` when later; the earliest over their qualifying
  exposures), unless a ``quarantine_start`` is recorded; an exposure traced
  after a case's own sample put it in no quarantine;
* a case also gets *exposure* sources: the earlier cases, or traced persons of
  earlier cases' chains, it met in their windows and inside its own
  incubation window (``window.incubation_days`` before onset, else sample:
  DOMAIN.md 'A source must fit in time'), so the tree can hang a case under
  the chain it came from. A case recorded with ``--source`` uses that; the
  date of a recorded source is the last qualifying contact with it on or
  before the case's onset (else sample), None when they have none.

The work is local: :func:`rederive` starts from the persons a write touched,
adds everyone whose stored level depended on them, derives that region with
its boundary fixed, and grows it until nothing outside would change.

Levels are computed breadth-first by level, so every transmitter's window is
final before it is used. The result is the same as deriving the whole district
(``tests/test_levels.py`` checks that against a brute-force reference).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from .checkins import CHECKIN, exposures as checkin_exposures, passes
from .i18n import _
from .sources import has_known_source, sourced_by_label
from .rules import Rules
from .values import today

UNDATED = "undated"
UNVERIFIED = "unverified_contact"
UNKNOWN_SOURCE = "unknown_source"
UNDATED_CASE = "undated_case"  # a case stored without any date (no confirmation, no onset)


def level_name(level: int | None) -> str | None:
    """``0`` -> ``'F0'``; None stays None."""
    return None if level is None else f"F{level}"


def parse_level(text: str) -> int:
    """``'F1'``/``'f1'``/``'1'``, also in Vietnamese (``tiếp xúc gần``,
    ``ca bệnh``: tracing.values.VOCABULARY["level"]) -> 1.

    >>> parse_level("F1"), parse_level("ca benh"), parse_level("Tiếp xúc gần")
    (1, 0, 1)
    """
    from .errors import InvalidValue
    from .values import choice
    try:
        found = choice(text, "--level", "level")
    except InvalidValue:
        found = None
    if found is None:
        raise InvalidValue(_("--level: '{text}' is not a level (F0 … F5)").format(text=text))
    return int(found[1:])


@dataclass(frozen=True)
class Case:
    id: str
    confirmed: str | None  # None: an undated case (flagged undated_case)
    onset: str | None
    isolated: str | None

    @property
    def dated(self) -> bool:
        return bool(self.onset or self.confirmed)

    @property
    def day(self) -> str | None:
        """The day the case is counted on (reports, clusters, foci): its
        confirmation, else its onset (a case with only an onset, as in
        historical line lists, is dated); None for an undated case."""
        return self.confirmed or self.onset

    @property
    def reference(self) -> str | None:
        """The earlier of onset and positive sample: onset after the sample
        does not move infection later than the sample proves (DOMAIN.md);
        None for an undated case."""
        return min(d for d in (self.onset, self.confirmed) if d) if self.dated else None

    @property
    def key(self) -> tuple:
        """Order of cases in time: who can have infected whom."""
        return (self.reference or "", self.confirmed or "", self.id)

    def window(self, rules: Rules) -> tuple[str | None, str | None]:
        """Infectious window ``(first day, last day)``: rule
        ``window.infectious_before_days`` before :attr:`reference` to isolation;
        an end left open (None) when unknown: a case without dates is
        infectious whenever (judged like undated contacts).

        >>> Case("A", "2021-07-22", "2021-07-25", "2021-07-22").window(Rules.defaults())
        ('2021-07-20', '2021-07-22')
        """
        if not self.dated:
            return None, None
        before = rules.at("window.infectious_before_days", self.confirmed or self.onset)
        start = dt.date.fromisoformat(self.reference) - dt.timedelta(days=before)
        return start.isoformat(), self.isolated

    def infectious(self, rules: Rules) -> tuple[str | None, str | None] | None:
        """:meth:`window` for people (zones, proposals): None when the case was
        isolated before its window began (an F1 isolated in quarantine days
        before its onset): it was never infectious outside isolation, and a
        window is never shown inverted.

        >>> Case("A", "2022-02-19", "2022-02-19", "2022-02-08").infectious(Rules.defaults()) is None
        True
        """
        lo, hi = self.window(rules)
        if lo is not None and hi is not None and hi < lo:
            return None
        return lo, hi

    def incubation(self, rules: Rules) -> tuple[str | None, str | None]:
        """Look-back (incubation) window ``(far, near)``: rule
        ``window.incubation_days`` (default 14 to 2) days before :attr:`reference`
        (DOMAIN.md, PA2 and 'A source must fit in time').

        >>> Case("B", "2021-10-20", None, "2021-10-20").incubation(Rules.defaults())
        ('2021-10-06', '2021-10-18')
        """
        if not self.dated:
            return None, None
        far, near = rules.at("window.incubation_days", self.confirmed or self.onset)
        ref = dt.date.fromisoformat(self.reference)
        return (ref - dt.timedelta(days=int(far))).isoformat(), (ref - dt.timedelta(days=int(near))).isoformat()

    def fits_incubation(self, date: str | None, rules: Rules,
                        window: tuple[str | None, str | None] = (None, None)) -> bool:
        """Can an exposure on ``date`` be this case's source? Rule
        ``window.source_incubation``. An undated exposure counts (flagged
        ``undated``) only when some day could fit both the source's
        ``window`` (its infectious window, or an F1's exposure-to-quarantine
        days; an end None: open) and this case's look-back window (issue 12
        point 1): an undated contact with a case from a year before is no
        source.

        >>> b = Case("B", "2021-10-20", None, "2021-10-20")
        >>> b.fits_incubation(None, Rules.defaults(), ("2020-07-30", "2020-08-01"))
        False
        >>> b.fits_incubation(None, Rules.defaults(), ("2021-10-01", "2021-10-08"))
        True
        """
        if not self.dated or not rules.at("window.source_incubation", self.confirmed or self.onset):
            return True
        lo, hi = self.incubation(rules)
        if date is None:
            w_lo, w_hi = window
            return (w_lo is None or w_lo <= hi) and (w_hi is None or lo <= w_hi)
        return lo <= date <= hi


def case_from_row(row: dict) -> Case:
    return Case(row["person"], row["confirmed"], row["onset"], row["isolated"])


def qualifies(date: str | None, setting: str | None, minutes: int | None, masked: int | None,
              lo: str | None, hi: str | None, rules: Rules) -> tuple[bool, bool]:
    """Does a contact on ``date`` fall in the window ``[lo, hi]`` and count as
    close under the rules of its day? Returns ``(counts, verified)``.

    >>> r = Rules.defaults()
    >>> qualifies("2021-05-03", "work", None, None, "2021-05-01", "2021-05-05", r)
    (True, True)
    >>> qualifies("2022-01-03", "venue", 5, 1, "2022-01-01", "2022-01-05", r)
    (False, True)
    >>> qualifies(None, "venue", None, None, "2022-01-01", "2022-01-05", r)
    (True, False)
    """
    if date is not None and ((lo is not None and date < lo) or (hi is not None and date > hi)):
        return False, True
    if not rules.at("f1.close_contact_required", date or hi or lo):
        return True, True
    if setting == "household" or masked == 0:
        return True, True
    if masked == 1 and minutes is not None:
        return minutes >= rules.at("f1.masked_minutes", date or hi or lo), True
    return True, False  # mask or duration unknown: count it, flag it


class _Pair:
    """What one transmitter gave one receiver: earliest date, undated,
    unverified, known only through check-ins."""
    __slots__ = ("date", "dated", "verified", "recorded", "traced")

    def __init__(self):
        self.date = None
        self.dated = False
        self.verified = False
        self.recorded = False
        self.traced = None  # the earliest day one of these exposures made the receiver traced

    def add(self, date, verified, via=None, traced=None):
        if date is not None and (self.date is None or date < self.date):
            self.date = date
        self.dated = self.dated or date is not None
        self.verified = self.verified or verified
        self.recorded = self.recorded or via != CHECKIN
        if traced is not None and (self.traced is None or traced < self.traced):
            self.traced = traced


def traced_day(source_traced: str | None, recorded_on: str | None) -> str | None:
    """The day an exposure made its receiver traced (DOMAIN.md, issue 12
    point 5): the day its source was traced (an F0: its confirmation; an F1,
    F2…: its own traced day), or the day the exposure was recorded when later
    (``recorded_on`` None: unknown, taken as not later).

    >>> traced_day("2021-10-14", "2021-10-25"), traced_day("2021-10-14", None)
    ('2021-10-25', '2021-10-14')
    """
    return max(filter(None, (source_traced, recorded_on)), default=None)


def _earliest_traced(pairs) -> str | None:
    return min(filter(None, (p.traced for p in pairs)), default=None)


def _sort_key(item):
    source, pair = item
    return (pair.date is None, pair.date or "", source)


class _Reads:
    """What the derivations of one write read, each row read once (issue 17
    point 6: on a server every statement is a round trip, and a write derives
    its region several times as the region grows, then again when a case's
    isolation settles).

    A write re-derives without writing in between what these hold:
    encounters (``edges``), ``quarantine_start`` and case labels do not change
    while it re-derives (it writes levels and the derived facts of cases
    only), so one :class:`_Reads` serves the whole write, its settling
    included; stored levels are written when a region is stored
    (:meth:`stored_levels` then holds what was written) and cases when they
    settle (the cases read are forgotten then). Rows handed out are copies: a
    caller may change them."""

    def __init__(self, store):
        self.store = store
        self.edges: dict[str, list] = {}  # person -> encounters
        self.quarantine_start: dict[str, str | None] = {}
        self._labels: dict[str, bool] = {}  # case -> a label names its source
        self.fresh_rows()

    def fresh_rows(self) -> None:
        """Forget the stored levels and cases read so far (they were just written)."""
        self._levels: dict[str, dict | None] = {}
        self._cases: dict[str, tuple[dict, list[str]] | None] = {}

    def stored_levels(self, written: dict[str, dict | None]) -> None:
        """``written`` (``{id: entry or None}``) was just stored by
        :meth:`Store.replace_levels`: hold it as :meth:`Store.levels` would read
        it back (flags sorted, sources in source order), and forget the cases
        read (settling the cases writes them next)."""
        self._cases = {}
        for p, e in written.items():
            self._levels[p] = None if e is None else {
                "person": p, "level": e["level"], "primary_source": e["primary_source"],
                "exposure": e["exposure"], "quarantine": e["quarantine"], "chain_case": e["chain_case"],
                "exposure_level": e.get("exposure_level"), "flags": sorted(e["flags"]),
                "sources": dict(sorted(e["sources"].items()))}

    def levels(self, ids) -> dict[str, dict]:
        """:meth:`Store.levels` of ``ids``, reading only those not read yet."""
        todo = [p for p in ids if p not in self._levels]
        if todo:
            got = self.store.levels(todo)
            for p in todo:
                self._levels[p] = got.get(p)
        return {p: {**e, "flags": list(e["flags"]), "sources": dict(e["sources"])}
                for p in ids if (e := self._levels[p]) is not None}

    def cases_with_sources(self, ids) -> tuple[dict[str, dict], dict[str, list[str]]]:
        """:meth:`Store.cases_with_sources` of ``ids``, reading only those not read yet."""
        ids = sorted(set(ids))
        todo = [p for p in ids if p not in self._cases]
        if todo:
            rows, recorded = self.store.cases_with_sources(todo)
            for p in todo:
                self._cases[p] = (rows[p], recorded.get(p, [])) if p in rows else None
        rows, recorded = {}, {}
        for p in ids:
            if (got := self._cases[p]) is not None:
                rows[p] = dict(got[0])
                if got[1]:
                    recorded[p] = list(got[1])
        return rows, recorded

    def sourced_by_label(self, ids) -> set[str]:
        """:func:`sourced_by_label` of the cases ``ids``, reading only those not read yet."""
        todo = [c for c in ids if c not in self._labels]
        if todo:
            named = sourced_by_label(self.store, todo)
            self._labels.update((c, c in named) for c in todo)
        return {c for c in ids if self._labels[c]}


class Derivation:
    """One breadth-first derivation over a region (``None`` = everyone)."""

    def __init__(self, store, region: set[str] | None, reads: _Reads | None = None):
        self.store = store
        # what this write read so far (None: the whole district, read here at once)
        self.reads = _Reads(store) if reads is None else reads
        self.edge_cache = self.reads.edges  # person -> encounters, within one write
        self.rules = store.rules()
        self.depth = int(self.rules.at("trace.max_depth", today()))
        self.region = region
        self.cases: dict[str, Case] = {}
        self.case_rows: dict[str, dict] = {}
        self.recorded: dict[str, list[str]] = {}
        self.fixed: dict[str, dict] = {}
        self.adj: dict[str, list[tuple]] | None = None
        self.boundary_edges: list[tuple] = []
        # person -> quarantine_start: persons are not written while a write re-derives, so the
        # derivations of one write share what they read (fewer statements: issue 17 point 6)
        self.quarantine_start: dict[str, str | None] = self.reads.quarantine_start
        self.case_traced: dict[str, dict[int, dict[str, _Pair]]] = defaultdict(lambda: defaultdict(dict))
        self.transmitter_roots: dict[str, str] = {}

    # -- inputs
    def load(self) -> None:
        store = self.store
        if self.region is None:
            self.case_rows = store.cases()
        else:
            missing = [p for p in self.region if p not in self.edge_cache]
            for p in missing:
                self.edge_cache[p] = []
            for edge in encounters(store, missing, self.rules):
                self.edge_cache[edge[0]].append(edge)
            edges = [edge for p in sorted(self.region) for edge in self.edge_cache[p]]
            adj: dict[str, list[tuple]] = defaultdict(list)
            outside = set()
            for edge in edges:
                x, y = edge[0], edge[1]
                adj[x].append(edge[1:])
                if y not in self.region:
                    adj[y].append((x, *edge[2:]))  # the boundary sees the edge from its side
                    outside.add(y)
                    self.boundary_edges.append(edge)
            self.adj = adj
            # the region's stored levels with the boundary's: one statement (rederive compares them after)
            self.reads.levels(sorted(self.region | outside))
            self.fixed = self.reads.levels(sorted(outside))
            roots = {e["chain_case"] for e in self.fixed.values() if e["chain_case"]}
            self.case_rows, recorded = self.reads.cases_with_sources(self.region | outside | roots)
        self.cases = {cid: case_from_row(r) for cid, r in self.case_rows.items()}
        case_ids_in = list(self.cases) if self.region is None else [c for c in self.cases if c in self.region]
        if self.region is None:
            self.recorded = store.case_sources(case_ids_in)
        else:  # read with the cases: the recorded sources of those in the region
            self.recorded = {c: s for c, s in recorded.items() if c in self.region}
        self.by_label = (sourced_by_label(store, None) if self.region is None
                         else self.reads.sourced_by_label(case_ids_in))

    def neighbours(self, transmitters: list[str]) -> dict[str, list[tuple]]:
        if self.adj is not None:
            return {t: self.adj.get(t, []) for t in transmitters}
        out: dict[str, list[tuple]] = defaultdict(list)
        for edge in encounters(self.store, transmitters, self.rules):
            out[edge[0]].append(edge[1:])
        return out

    def in_region(self, person: str) -> bool:
        return self.region is None or person in self.region

    def window(self, person: str, entry: dict) -> tuple[str | None, str | None]:
        if entry["level"] == 0:
            return self.cases[person].window(self.rules)
        return entry["exposure"], entry["quarantine"]

    def may_be_source(self, t: str, entry: dict, case: str) -> bool:
        """Can transmitter ``t`` (its level ``entry``) be an exposure source
        of ``case``? DOMAIN.md 'A source must fit in time' (issue 12 point 1):
        an earlier case (an undated one counts, judged conservatively, issue
        13 point 7), or a traced person down the chain of a dated case earlier
        than ``case``. Never a person of the case's own chain (an F1 it
        infected), and never a person who is not a case when the order is
        unknown (the case or the chain's case undated): a contact with an
        F1 the case may have infected itself cannot make that F1 its infector.
        Two cases that are both undated are not each other's source either
        (critic13 F5): nothing says who infected whom, and counting each as
        the other's would make each the other's primary source, a cycle the
        tree draws without end; a recorded link (``--source``) still says it."""
        root = entry["chain_case"] if entry["level"] else t
        root_case, this = self.cases.get(root), self.cases[case]
        if root_case is None or root == case:
            return False
        if entry["level"]:
            return root_case.dated and this.dated and root_case.key < this.key
        if not root_case.dated and not this.dated:
            return False
        return not (root_case.dated and this.dated) or root_case.key < this.key

    def case_key(self, person: str) -> tuple | None:
        case = self.cases.get(person)
        return case.key if case else None

    # -- the derivation
    def run(self) -> dict[str, dict]:
        self.load()
        new: dict[str, dict] = {}
        for cid, case in self.cases.items():
            if self.in_region(cid):
                new[cid] = {"level": 0, "chain_case": cid, "exposure": None, "quarantine": None,
                            "primary_source": None, "sources": {}, "flags": set(), "exposure_level": None}
        case_cands: dict[str, dict[int, dict[str, _Pair]]] = defaultdict(lambda: defaultdict(dict))
        for level in range(1, self.depth + 1):
            transmitters = {p: e for p, e in new.items() if e["level"] == level - 1}
            transmitters.update({p: e for p, e in self.fixed.items() if e["level"] == level - 1})
            for p, e in transmitters.items():
                self.transmitter_roots.setdefault(p, e["chain_case"] if e["level"] else p)
            if not transmitters:
                continue  # boundary persons at deeper levels may still transmit into the region
            cands: dict[str, dict[str, _Pair]] = defaultdict(dict)
            need_quarantine = set()
            for t, edges in self.neighbours(sorted(transmitters)).items():
                entry = transmitters[t]
                lo, hi = self.window(t, entry)
                t_traced = self._traced_day_of(t, entry)
                for other, date, setting, minutes, masked, _place, via, recorded_on in edges:
                    if not self.in_region(other) or not passes(via, entry["level"]):
                        continue
                    traced = traced_day(t_traced, recorded_on)
                    if other in self.cases and self._traced_before(entry["chain_case"] if entry["level"] else t, other) \
                            and not (traced and self.cases[other].confirmed and traced > self.cases[other].confirmed):
                        # traced as a contact before the confirmation, whatever the incubation
                        # window says: the quarantine the person was in (issue 12: isolated,
                        # found in quarantine are derived, not stored at confirmation). An
                        # exposure recorded after the person's own sample put them in no
                        # quarantine (issue 12 point 5: traced on the day it was recorded)
                        t_ok, _verified = qualifies(date, setting, minutes, masked, lo, hi, self.rules)
                        if t_ok:
                            self.case_traced[other][level].setdefault(t, _Pair()).add(date, True, via, traced)
                    if other in self.cases:
                        if not self.may_be_source(t, entry, other):
                            continue
                        if not self.cases[other].fits_incubation(date, self.rules, (lo, hi)):
                            continue  # DOMAIN.md: a source must fit in time
                    elif other in new:
                        continue
                    ok, verified = qualifies(date, setting, minutes, masked, lo, hi, self.rules)
                    if not ok:
                        continue  # no empty bucket: an exposure level needs a qualifying encounter
                    if other in self.cases:
                        bucket = case_cands[other][level]
                    else:
                        bucket = cands[other]
                        need_quarantine.add(other)
                    bucket.setdefault(t, _Pair()).add(date, verified, via, traced)
            self._load_quarantine(need_quarantine)
            for person, pairs in cands.items():
                if not pairs:
                    continue
                primary, pair = min(pairs.items(), key=_sort_key)
                source_entry = transmitters[primary]
                root = source_entry["chain_case"]
                new[person] = {
                    "level": level, "primary_source": primary, "exposure": pair.date, "chain_case": root,
                    "quarantine": self.quarantine_start.get(person) or _earliest_traced(pairs.values()),
                    "sources": {s: p.date for s, p in pairs.items()},
                    "flags": _pair_flags(pairs.values()), "exposure_level": None,
                }
        link_dates = self._recorded_dates([c for c in new if c in self.cases and self.recorded.get(c)])
        for cid in list(new):
            if cid in self.cases:
                self._finish_case(cid, new[cid], case_cands.get(cid, {}), link_dates)
        return new

    def _traced_day_of(self, person: str, entry: dict) -> str | None:
        """The day ``person`` (a transmitter) was traced: an F0 its
        confirmation; an F1, F2… the day it was quarantined (its entry,
        derived from :func:`traced_day`), not before its root's confirmation."""
        if entry["level"] == 0:
            case = self.cases.get(person)
            return case.confirmed if case else None
        root = self.cases.get(entry["chain_case"])
        return traced_day(root.confirmed if root else None, entry["quarantine"])

    def _traced_before(self, root: str, case: str) -> bool:
        """Can the chain of ``root`` have put ``case`` in quarantine before
        its sample? Only a chain whose case comes earlier in time (DOMAIN.md
        'found in quarantine': the quarantine covers the sample date, and it
        starts at the root's confirmation). A later case's chain is not even
        considered: otherwise a later case's window could hide the earlier
        chain and the derived isolation of the two cases would depend on each
        other, with no single answer (found by benchmarks/bench_teams.py)."""
        if root == case:
            return False
        root_case, this = self.cases.get(root), self.cases[case]
        if root_case is None or not root_case.dated or not this.dated:
            return True
        return root_case.key < this.key

    def _recorded_dates(self, case_ids: list[str]) -> dict[tuple[str, str], str | None]:
        """``{(case, recorded source): date}``: the last contact with the
        source that counts under the rules of its day, on or before the case's
        onset (else sample): the exposure a recorded link stands for."""
        out: dict[tuple[str, str], str | None] = {}
        if not case_ids:
            return out
        for cid, edges in self.neighbours(case_ids).items():
            case = self.cases[cid]
            wanted = set(self.recorded.get(cid, []))
            for other, date, setting, minutes, masked, _place, _via, _recorded in edges:
                if other not in wanted or date is None:
                    continue
                if not qualifies(date, setting, minutes, masked, None, case.reference, self.rules)[0]:
                    continue
                if out.get((cid, other)) is None or date > out[(cid, other)]:
                    out[(cid, other)] = date
        return out

    def _load_quarantine(self, persons: set[str]) -> None:
        todo = [p for p in persons if p not in self.quarantine_start]
        if todo:
            for pid, row in self.store.persons(todo).items():
                self.quarantine_start[pid] = row["quarantine_start"]
            for p in todo:
                self.quarantine_start.setdefault(p, None)

    def _finish_case(self, cid: str, entry: dict, by_level: dict[int, dict[str, _Pair]],
                     link_dates: dict[tuple[str, str], str | None]) -> None:
        recorded = self.recorded.get(cid, [])
        pairs = by_level[min(by_level)] if by_level else {}
        entry["exposure_level"] = min(by_level) if by_level else None
        entry["flags"] = _pair_flags(pairs.values())
        sources = {s: p.date for s, p in pairs.items()}
        if recorded:
            dated = {s: pairs[s] for s in recorded if s in pairs}
            primary = min(dated.items(), key=_sort_key)[0] if dated else recorded[0]
            for s in recorded:
                sources[s] = link_dates.get((cid, s))
        elif pairs:
            primary = min(pairs.items(), key=_sort_key)[0]
        else:
            primary = None
            row = self.case_rows[cid]
            # derived (not given): no link, no derived source and no label naming one is an unknown
            # source (sources.has_known_source); given: as given
            derived = row.get("unknown_given") == 0
            if (not has_known_source(None, None, cid in self.by_label)) if derived else row["unknown_source"]:
                entry["flags"].add(UNKNOWN_SOURCE)
        if not self.cases[cid].dated:  # dated by any of its dates (an onset alone will do)
            entry["flags"].add(UNDATED_CASE)
        entry["primary_source"] = primary
        entry["sources"] = sources
        # the first exposure is the earliest qualifying one, whoever the primary
        # source is: a recorded --source (a known infector, kept primary: an
        # investigation's conclusion beats the earliest derived exposure) does
        # not move it (issue 12 finding 3)
        dated = [p.date for p in pairs.values() if p.date] + [sources[s] for s in recorded if sources.get(s)]
        entry["exposure"] = min(dated) if dated else None


    def traced_entries(self, new: dict[str, dict]) -> dict[str, dict | None]:
        """For each case of ``new``: the level entry it had as a traced
        contact when it was not yet a case (``{"level", "sources",
        "primary_source", "chain_case", "exposure", "quarantine"}``), None when no
        case's chain reached it. The quarantine it was in is derived from
        this (:func:`tracing.scenarios.settle_cases`)."""
        out: dict[str, dict | None] = {}
        self._load_quarantine({cid for cid, entry in new.items() if entry["level"] == 0 and cid in self.cases
                               and self.case_traced.get(cid)})  # one statement for all, not one per case
        for cid, entry in new.items():
            if entry["level"] != 0 or cid not in self.cases:
                continue
            by_level = self.case_traced.get(cid)
            if not by_level or min(by_level) > self.depth:
                out[cid] = None
                continue
            level = min(by_level)
            pairs = by_level[level]
            primary, pair = min(pairs.items(), key=_sort_key)
            root = self.transmitter_roots.get(primary, primary)
            self._load_quarantine({cid})
            out[cid] = {"level": level, "primary_source": primary, "chain_case": root, "exposure": pair.date,
                        "sources": {s: p.date for s, p in pairs.items()},
                        "quarantine": self.quarantine_start.get(cid) or _earliest_traced(pairs.values()),
                        "flags": set(), "exposure_level": None}
        return out


def chain_root(entry_of, person: str) -> str | None:
    """The root of ``person``'s chain as ``clusters`` and ``tree`` reach it:
    from the case whose tracing chain reached the person (its stored
    ``chain_case``; a case: itself) up through each case's primary source to
    a case with none. ``entry_of(id)`` gives a stored level entry or None.
    The one definition of root for status, exports, clusters and maps (issue
    12 finding 5; nothing stores another "root"); a cycle (never derived:
    sources are earlier cases) stops where it closes."""
    entry = entry_of(person)
    root = entry["chain_case"] if entry else None
    seen = set()
    while root is not None and root not in seen:
        seen.add(root)
        top = entry_of(root)
        source = top["primary_source"] if top and top["level"] == 0 else None
        if source is None:
            break
        up = entry_of(source)
        if up is None or up["chain_case"] is None:
            break
        root = up["chain_case"]
    return root


def _pair_flags(pairs) -> set[str]:
    flags = set()
    for pair in pairs:
        if not pair.dated:
            flags.add(UNDATED)
        if not pair.verified:
            flags.add(UNVERIFIED)
        if not pair.recorded:
            flags.add(CHECKIN)
    return flags


def encounters(store, ids, rules: Rules) -> list[tuple]:
    """Every encounter of ``ids``, seen from them:
    ``(person, other, date, setting, minutes, masked, place, via, recorded_on)``
    with ``via`` None for a recorded contact and ``"checkin"`` for one derived
    from overlapping check-ins (:mod:`tracing.checkins`); ``recorded_on`` the
    day that exposure was recorded (None: unknown, not later), which decides
    the day it made someone traced (:func:`traced_day`)."""
    ids = list(ids)
    return [(*edge[:7], None, edge[7]) for edge in store.contacts_of(ids)] + checkin_exposures(store, ids, rules)


def _same(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a["level"], a["primary_source"], a["exposure"], a["quarantine"], a["chain_case"], a["sources"],
            sorted(a["flags"]), a.get("exposure_level")) == \
           (b["level"], b["primary_source"], b["exposure"], b["quarantine"], b["chain_case"], b["sources"],
            sorted(b["flags"]), b.get("exposure_level"))


@dataclass
class Change:
    id: str
    old: dict | None
    new: dict | None

    @property
    def level_changed(self) -> bool:
        return (self.old or {}).get("level") != (self.new or {}).get("level")


def rederive(store, seeds, *, changed_cases=(), region_out: set | None = None, _depth: int = 0,
             _reads: _Reads | None = None) -> list[Change]:
    """Re-derive what a write to ``seeds`` can change and store it.

    ``changed_cases``: persons whose case status or dates changed (their
    dependents are re-derived too; a case whose dates did not change passes
    nothing new down its chain). Returns every changed entry, sorted by id;
    ``region_out`` (a set) receives every person re-derived, so schedules that
    depend on more than the entry (the last exposure) can follow.
    """
    seeds = set(seeds)
    if not seeds:
        return []
    expand_through = set(changed_cases)
    region: set[str] = set()
    pending = set(seeds)
    reads = _Reads(store) if _reads is None else _reads  # nothing is written while the region grows
    while True:
        _close(store, region, pending, expand_through)
        derivation = Derivation(store, region, reads)
        new = derivation.run()
        before = reads.levels(sorted(region))  # read with the boundary's by the derivation
        changed = {p for p in region if p in seeds or p in expand_through
                   or not _same(before.get(p), _public(new.get(p)))}
        grow = _boundary_changes(derivation, new, before, changed, expand_through)
        if not grow:
            break
        pending = grow
    if region_out is not None:
        region_out |= region
    old = before  # read for this same region, and nothing was written since: no second read
    changes = [Change(p, old.get(p), _public(new.get(p))) for p in sorted(region)
               if not _same(old.get(p), _public(new.get(p)))]
    store.replace_levels([c.id for c in changes], {c.id: c.new for c in changes if c.new})
    reads.stored_levels({c.id: c.new for c in changes})  # and settling writes cases
    return _settle(store, derivation, new, changes, region_out, _depth)


def _settle(store, derivation: Derivation, new: dict, changes: list[Change], region_out, depth: int) -> list[Change]:
    """Re-derive the derived facts of the cases just derived (isolation
    default, found in quarantine, unknown source: issue 12, any order of
    writes gives the same result); a case whose isolation moved changes its
    infectious window, so its neighbourhood is derived again."""
    from .scenarios import settle_cases
    moved = settle_cases(store, new, derivation.traced_entries(new))
    if not moved or depth > 8:
        return changes
    again = rederive(store, moved, changed_cases=moved, region_out=region_out, _depth=depth + 1,
                     _reads=derivation.reads)
    by_id = {c.id: Change(c.id, c.old, c.new) for c in changes}
    for c in again:
        if c.id in by_id:
            by_id[c.id].new = c.new
        else:
            by_id[c.id] = c
    return [c for _i, c in sorted(by_id.items()) if not _same(c.old, c.new)]


def _close(store, region: set[str], pending: set[str], expand_through: set[str]) -> None:
    """Add ``pending`` and, transitively, everyone whose stored entry depends on them."""
    frontier = pending - region
    region |= frontier
    # a case's dependents hang on it only through the cases it passes on (expand_through)
    region |= store.dependents_closure(frontier, region, expand_through)


def _boundary_changes(d: Derivation, new: dict[str, dict], before: dict[str, dict],
                      changed: set[str], dates_changed: set[str]) -> set[str]:
    """Persons outside the region that the region's new entries would change.

    Principle 3 (a write re-derives its neighbourhood; the result equals a
    derivation of the whole district) needs every way an entry reaches a
    neighbour: its level and sources (F1/F2 rules), a case's exposure
    sources (DOMAIN.md 'A source must fit in time') and the quarantine a
    case was traced into before its confirmation, which decides "found in
    quarantine" and its default isolation (DOMAIN.md, 11042/BYT-DP) and so
    its own infectious window. That last relation is stored nowhere and
    ignores the incubation window, so a case met by a person whose entry or
    window ``changed`` is re-derived when the contact falls in the old or the
    new window (any contact when the person's own case dates changed: the
    old window is gone).
    """
    grow = set()
    for inside, outside, date, setting, minutes, masked, _place, via, _recorded in d.boundary_edges:
        entry = new.get(inside)
        if outside in d.cases and inside in changed and _may_have_traced(
                d, inside, outside, (entry, before.get(inside)), inside in dates_changed,
                (date, setting, minutes, masked)):
            grow.add(outside)
            continue
        if entry is None or entry["level"] >= d.depth or not passes(via, entry["level"]):
            continue
        lo, hi = d.window(inside, entry)
        if outside in d.cases:
            if not d.may_be_source(inside, entry, outside):
                continue
            if not d.cases[outside].fits_incubation(date, d.rules, (lo, hi)):
                continue
            current = d.fixed.get(outside, {}).get("exposure_level")
        else:
            current = d.fixed.get(outside, {}).get("level")
        if current is not None and current < entry["level"] + 1:
            continue
        if qualifies(date, setting, minutes, masked, lo, hi, d.rules)[0]:
            grow.add(outside)
    return grow


def _may_have_traced(d: Derivation, inside: str, case: str, entries, dates_changed: bool, contact) -> bool:
    """Did or does ``inside`` (under its old or new entry) put ``case`` in
    quarantine through this contact (:meth:`Derivation._traced_before`, the
    same test as :meth:`Derivation.run`)?"""
    for e in entries:
        if e is None or e["level"] >= d.depth:
            continue
        if e["level"] == 0 and (dates_changed or inside not in d.cases):
            return True  # its old infectious window is not known any more
        if not d._traced_before(e["chain_case"] if e["level"] else inside, case):
            continue
        lo, hi = d.window(inside, e)
        if qualifies(*contact, lo, hi, d.rules)[0]:
            return True
    return False


def _public(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    out = dict(entry)
    out["flags"] = sorted(entry["flags"])
    return out


def rederive_all(store) -> list[Change]:
    """Derive the whole district again (after a rule change or a bulk import)."""
    derivation = Derivation(store, None)
    new = {p: _public(e) for p, e in derivation.run().items()}
    old = store.query("SELECT person FROM levels")
    old_entries = store.levels([r["person"] for r in old])
    ids = sorted(set(old_entries) | set(new))
    changes = [Change(p, old_entries.get(p), new.get(p)) for p in ids if not _same(old_entries.get(p), new.get(p))]
    store.clear_levels()
    store.replace_levels([], new)
    return _settle(store, derivation, new, changes, None, 0)

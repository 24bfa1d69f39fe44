"""Clusters (chùm ca bệnh): connected groups of confirmed cases.

**Definition.** Two persons are *linked* when

1. one is a recorded source of the other (``case confirm --source``,
   ``case link``), whether or not the source is a case;
2. the level derivation made one the transmitter of the other: the contact
   that made a person F1/F2… or exposed a case, dated inside the
   transmitter's window (``level_sources``);
3. they have a recorded contact that touches a confirmed case and whose other
   end is traced (another case, or an F1/F2… person), or a recorded contact
   between two F1 persons; an undated one only when some day could fall in
   both persons' windows (a case's infectious window, a traced person's
   first exposure to quarantine: issue 12).

A cluster is the set of cases connected by a chain of links, also through
traced persons who are not cases (e.g. case → F1 → case). Contacts between
two F2 (or deeper) persons do not join clusters: household and work contacts
among them would otherwise join most of a district. Only the ``levels`` side
of the contacts table is read (cases and traced persons), through indexes.

**Roots**: cases of the cluster with no infector inside it (the infector of
a case is its primary source when that is a case, else the case at the top of
the primary source's chain), and for every cycle of infectors the cycle's
earliest case (a cycle has no case outside it to start from), so ``tree``
from the roots reaches every case. **Active**: some link of the cluster, or the
confirmation of one of its cases, is dated within ``cluster.followup_days``
(a rule) before today.

**Stable ids.** Each computation is matched with the stored one (table
``cluster_members``): a cluster keeps the oldest id among its cases' previous
ids (so on a merge the oldest id wins and the others are reported as
"C3 merged into C1"); when a cluster split, the part with most of the old
cases keeps the id. New clusters get the next number. Ids are given to every
group of 2 or more cases (and to single cases when they are listed).
Storing the ids is the only write of ``clusters`` and ``cluster show``: one
transaction, made only once the whole answer is ready, so a command that
fails (an unknown id, a bad option) writes nothing.

>>> uf = UnionFind()
>>> uf.union("A", "P"); uf.union("P", "B"); uf.find("B") == uf.find("A")
True
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from . import foci, measures
from .errors import InvalidValue, NotFound
from .i18n import N_, _, fmt_date
from .store import clusters as sql
from .store.areas import WardGroups
from .values import today


class UnionFind:
    """Disjoint sets over hashable items (path halving, union by size)."""

    def __init__(self):
        self.parent: dict = {}
        self.size: dict = {}

    def find(self, x):
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.size[x] = 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def _groups(store) -> tuple[dict[str, dict], list[list[str]], dict[str, str | None]]:
    """Cases, their connected groups (each sorted, groups in order of first
    case) and the latest link date of each group (keyed by its first case)."""
    facts = {r["id"]: r for r in sql.case_facts(store)}
    uf = UnionFind()
    for c in facts:
        uf.find(c)
    latest: dict = {}  # latest link date per person (one end of the link is enough)

    def link(a, b, date):
        uf.union(a, b)
        if date and (a not in latest or date > latest[a]):
            latest[a] = date

    for case_id, source in sql.recorded_sources(store):
        uf.union(case_id, source)
    for person, source, date in sql.derived_sources(store):
        link(person, source, date)
    undated = []
    for rows in (sql.case_contacts_with_traced(store), sql.f1_contacts(store)):
        for a, b, date in rows:
            if date is None:
                undated.append((a, b))
            else:
                link(a, b, date)
    windows = _windows(store, {x for pair in undated for x in pair})
    for a, b in undated:
        if _may_meet(windows[a], windows[b]):
            link(a, b, None)
    members: dict = defaultdict(list)
    for c in facts:
        members[uf.find(c)].append(c)
    last_link: dict = {}
    for a, date in latest.items():
        root = uf.find(a)
        if root in members and (last_link.get(root) is None or date > last_link[root]):
            last_link[root] = date
    groups = []
    link_date = {}
    for root, cases in members.items():
        cases.sort(key=lambda c: (facts[c]["day"] or UNDATED_LAST, c))
        groups.append(cases)
        link_date[cases[0]] = last_link.get(root)
    groups.sort(key=lambda g: (facts[g[0]]["day"] or UNDATED_LAST, g[0]))
    return facts, groups, link_date


def _windows(store, ids: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """The window in which each of ``ids`` could pass or catch infection: a
    case its infectious window, a traced person its first exposure to its
    quarantine (:mod:`tracing.levels`); an end None: open."""
    from .levels import case_from_row
    if not ids:
        return {}
    rules = store.rules()
    cases = store.cases(ids)
    entries = store.levels(ids)
    out = {}
    for p in ids:
        if p in cases:
            out[p] = case_from_row(cases[p]).window(rules)
        elif p in entries:
            out[p] = (entries[p]["exposure"], entries[p]["quarantine"])
        else:
            out[p] = (None, None)
    return out


def _may_meet(w1: tuple, w2: tuple) -> bool:
    """Could an undated contact fall in both windows (some day common to
    both)? Issue 12: an undated contact is conservative for tracing, but
    links two persons only when a date could fit both (a case confirmed
    14 months after another is no cluster of it through an undated contact).

    >>> _may_meet(("2020-07-30", "2020-08-01"), ("2021-10-18", "2021-10-20"))
    False
    >>> _may_meet(("2021-10-01", None), ("2021-10-18", "2021-10-20"))
    True
    """
    (lo1, hi1), (lo2, hi2) = w1, w2
    return (lo1 is None or hi2 is None or lo1 <= hi2) and (lo2 is None or hi1 is None or lo2 <= hi1)


UNDATED_LAST = "9999-12-31"
"""Sort key of a case without a confirmation date (flagged ``undated_case``): last."""


def infectors(facts: dict[str, dict], cases) -> dict[str, str | None]:
    """``{case: infector case or None}`` within ``cases`` (see the module doc)."""
    inside = set(cases)
    out = {}
    for c in cases:
        f = facts[c]
        src = f["primary_source"]
        if src is not None and src not in facts:
            src = f["source_root"]
        out[c] = src if src in inside and src != c else None
    return out


def tree_roots(tree: dict[str, str | None], cases: list[str]) -> list[str]:
    """Cases with no infector, plus the first case (in ``cases`` order: by
    confirmation) of every cycle of infectors, in ``cases`` order.

    >>> tree_roots({"A": None, "B": "A", "C": "D", "D": "C"}, ["A", "B", "C", "D"])
    ['A', 'C']
    """
    order = {c: i for i, c in enumerate(cases)}
    roots = {c for c in cases if tree.get(c) is None}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in cases:
        path = []
        node = start
        while node is not None and node in order and node not in state:
            state[node] = 1
            path.append(node)
            node = tree.get(node)
        if node is not None and state.get(node) == 1:  # the path closed a cycle at node
            cycle = path[path.index(node):]
            roots.add(min(cycle, key=order.__getitem__))
        for n in path:
            state[n] = 2
    return [c for c in cases if c in roots] or cases[:1]


def _number(cluster_id: str) -> int:
    return int(cluster_id[1:])


def _match(store, groups: list[list[str]], keep_singles: bool, facts) -> tuple[list, list, list]:
    """Give ids to groups: ``(ids per group, new ids, merges)``."""
    old = sql.assignments(store)
    known = sql.cluster_ids(store)
    want = [g for g in groups if len(g) >= 2 or keep_singles or any(c in old for c in g)]
    # each group's old ids, by (cases it holds) - the oldest id is preferred
    claims = []
    for gi, g in enumerate(want):
        counts: dict[str, int] = defaultdict(int)
        for c in g:
            if c in old:
                counts[old[c]] += 1
        for cid, n in counts.items():
            claims.append((_number(cid), -n, gi, cid))
    ids: dict[int, str] = {}
    taken: set[str] = set()
    claims_of: dict[str, list[tuple]] = defaultdict(list)  # by id: a scan per claim was quadratic
    for c in claims:
        claims_of[c[3]].append(c)
    for _num, _neg, gi, cid in sorted(claims):
        if gi in ids or cid in taken:
            continue
        # an id two groups want (a split) goes to the one holding most of it
        rivals = [c for c in claims_of[cid] if c[2] not in ids]
        best = min(rivals, key=lambda c: (c[1], facts[want[c[2]][0]]["day"] or UNDATED_LAST, want[c[2]][0]))
        if best[2] != gi:
            continue
        ids[gi] = cid
        taken.add(cid)
    # groups left: another pass over their remaining old ids, then new numbers
    for _num, _neg, gi, cid in sorted(claims):
        if gi not in ids and cid not in taken:
            ids[gi] = cid
            taken.add(cid)
    n = max([_number(i) for i in known] + [0]) + 1
    new_ids = []
    for gi in range(len(want)):
        if gi not in ids:
            ids[gi] = f"C{n}"
            new_ids.append((ids[gi], n))
            n += 1
    merges = []
    for gi, g in enumerate(want):
        for cid in sorted({old[c] for c in g if c in old} - {ids[gi]}, key=_number):
            if cid not in taken and not (known.get(cid) or {}).get("merged_into"):
                merges.append((cid, ids[gi]))
    return [(ids[gi], g) for gi, g in enumerate(want)], new_ids, merges


def _persist(store, named, new_ids, merges) -> None:
    members = {c: cid for cid, g in named for c in g}
    old = sql.assignments(store)
    if members == old and not new_ids and not merges:
        return
    day = today().isoformat()
    if not store.may_write():  # a supervisor: through the one function granted for it (PostgreSQL)
        sql.record_for_reader(store, members, new_ids, merges, day)
        return
    if store.conn.in_transaction:
        sql.save_assignments(store, members, new_ids, merges, day)
        return
    try:
        with store.write("clusters", detail={"new": [i for i, _ in new_ids],
                                             "merged": [f"{a}->{b}" for a, b in merges]}):
            # under the write lock: a reader that ran at the same moment may
            # have saved these very ids already (then nothing is written, and
            # the log does not record the same merge twice)
            if sql.assignments(store) == members:
                raise _AlreadySaved
            known = sql.cluster_ids(store)
            merges = [(a, b) for a, b in merges if not (known.get(a) or {}).get("merged_into")]
            new_ids = [(i, n) for i, n in new_ids if i not in known]
            store.note(new=[i for i, _ in new_ids], merged=[f"{a}->{b}" for a, b in merges])
            sql.save_assignments(store, members, new_ids, merges, day)
    except Exception:  # noqa: BLE001 - a read-only file still lists clusters (ids not kept)
        pass


def adopt(store, theirs: dict[str, str]) -> list[dict]:
    """Cluster ids after ``copy --merge`` (critic17 F2), inside the merge's
    write: the destination's clusters keep their ids (as `clusters` keeps
    them); a cluster new here takes the id its cases had in the source
    (``theirs``: ``{case: id}`` as the source stored them) when no cluster
    of the destination ever had it, else the next free number. Stores the
    ids and returns every source id that names another cluster here now,
    ``[{"from": source id, "to": id here, "cases": [ids]}]`` (listed by
    `copy`: an id a ward reported upward is found again)."""
    facts, groups, _link = _groups(store)
    named, new_ids, merges = _match(store, groups, False, facts)
    fresh = {cid for cid, _n in new_ids}
    used = set(sql.cluster_ids(store)) | {cid for cid, _g in named if cid not in fresh}
    final: dict[int, str] = {}
    for gi, (cid, cases) in enumerate(named):
        if cid not in fresh:
            final[gi] = cid
            continue
        counts: dict[str, int] = defaultdict(int)
        for c in cases:
            if c in theirs:
                counts[theirs[c]] += 1
        for wanted, _k in sorted(counts.items(), key=lambda kv: (-kv[1], _number(kv[0]))):
            if wanted not in used:
                final[gi] = wanted
                used.add(wanted)
                break
    n = max([_number(i) for i in used] + [0]) + 1
    for gi, (cid, _cases) in enumerate(named):
        if gi not in final:
            final[gi] = f"C{n}"
            n += 1
    new_ids = [(final[gi], _number(final[gi])) for gi, (cid, _g) in enumerate(named) if cid in fresh]
    named = [(final[gi], cases) for gi, (_cid, cases) in enumerate(named)]
    _persist(store, named, new_ids, merges)
    here = {c: cid for cid, cases in named for c in cases}
    renamed = []
    for source_id in sorted(set(theirs.values()), key=_number):
        members = sorted(c for c, i in theirs.items() if i == source_id)
        counts = defaultdict(int)
        for c in members:
            if c in here:
                counts[here[c]] += 1
        if not counts:
            continue
        now = min(counts, key=lambda i: (-counts[i], _number(i)))
        if now != source_id:
            renamed.append({"from": source_id, "to": now, "cases": members})
    return renamed


class _AlreadySaved(Exception):
    """Another process saved the same cluster ids a moment ago."""


def compute(store, min_size: int = 2, active: bool = False) -> list[dict]:
    """Clusters of at least ``min_size`` cases (only active ones with
    ``active``), largest first then by first confirmation:
    ``[{"id", "size", "cases", "first", "last", "roots", "wards", "active",
    "last_link", "focus", "focus_over_from", "last_isolated", "merged"}]``
    where ``merged`` lists the ids merged into this cluster by this
    computation and ``focus`` is the status of the outbreak focus
    (:mod:`tracing.foci`: ``active`` or ``over`` by rule ``focus.over_days``). Stores the ids (see the module doc).
    """
    out, pending = _compute(store, min_size, active)
    _persist(store, *pending)
    return out


def _compute(store, min_size: int, active: bool) -> tuple[list[dict], tuple]:
    """:func:`compute` without storing: ``(clusters, (named, new_ids, merges))``,
    the second part for :func:`_persist` once the caller has succeeded."""
    if min_size < 1:
        raise InvalidValue(_("--min-size must be 1 or more"))
    facts, groups, link_date = _groups(store)
    named, new_ids, merges = _match(store, groups, min_size <= 1, facts)
    now = today()
    merged_into: dict[str, list[str]] = defaultdict(list)
    for a, b in merges:
        merged_into[b].append(a)
    out = []
    wards = _ward_groups(store, facts)
    for cid, cases in named:
        if len(cases) < min_size:
            continue
        record = _record(store, cid, cases, facts, link_date.get(cases[0]), merged_into.get(cid, []), now, wards)
        if active and not record["active"]:
            continue
        out.append(record)
    out.sort(key=lambda c: (-c["size"], c["first"] or UNDATED_LAST, _number(c["id"])))
    return out, (named, new_ids, merges)


def _ward_groups(store, facts: dict[str, dict]) -> WardGroups | None:
    """How the cases' wards are named (None when no case has a ward)."""
    return WardGroups.of(store) if any(f["ward"] for f in facts.values()) else None


def ward_names(wards: WardGroups | None, facts: dict[str, dict], cases) -> list[str]:
    """The wards of ``cases``, each named as ``level`` and ``report`` name it:
    a ward is (district, ward), so ``Phường 1`` of two districts is two names
    (``Phường 1, Quận 3``, ``Phường 1, Quận 10``) and a ward without a district
    whose name is in several districts stays apart (:class:`WardGroups`)."""
    return sorted({wards.label(facts[c]["district"], facts[c]["ward"]) for c in cases if facts[c]["ward"]})


def unit_names(wards: WardGroups | None, facts: dict[str, dict], cases) -> list[str]:
    """The units of ``cases``, ``UNIT, WARD`` with the ward named as :func:`ward_names` does."""
    return sorted({wards.unit_label(facts[c]["district"], facts[c]["ward"], facts[c]["unit"]) if wards
                   else facts[c]["unit"] for c in cases if facts[c]["unit"]})


def _record(store, cid: str, cases: list[str], facts: dict[str, dict], last_link: str | None,
            merged: list[str], now: dt.date, wards: WardGroups | None) -> dict:
    """One cluster as :func:`compute` lists it; ``cases`` in order, ``facts``
    holding them and every case among their primary sources; ``wards`` names
    their wards (:func:`ward_names`)."""
    days = int(store.rules().at("cluster.followup_days", now))
    since = (now - dt.timedelta(days=days)).isoformat()
    dates = [facts[c]["day"] for c in cases if facts[c]["day"]] or [None]
    events = [d for d in dates + [last_link] if d and d <= now.isoformat()]
    tree = infectors(facts, cases)
    focus, over_from, last_isolated = foci.status(
        store.rules(), [(facts[c]["day"], facts[c]["isolated"]) for c in cases], now.isoformat())
    return {"id": cid, "size": len(cases), "cases": cases, "first": min(dates), "last": max(dates),
            "roots": tree_roots(tree, cases), "wards": ward_names(wards, facts, cases),
            "active": any(d >= since for d in events), "last_link": last_link,
            "focus": focus, "focus_over_from": over_from, "last_isolated": last_isolated, "merged": merged}


def _component(store, seed: set[str]) -> tuple[set[str], str | None]:
    """The persons linked to ``seed`` by a chain of links (the module doc's
    definition, as :func:`_groups` follows them over the district), found
    from ``seed`` outwards one step at a time through the indexes, and the
    latest date of a link among them (None: no dated link)."""
    seen = set(seed)
    frontier = sorted(seed)
    latest = None
    while frontier:
        pairs = list(sql.recorded_sources_touching(store, frontier))
        undated = []
        for a, b, date in [*sql.derived_sources_touching(store, frontier)]:
            pairs.append((a, b))
            if date and (latest is None or date > latest):
                latest = date
        for a, b, date in sql.contact_links_touching(store, frontier):
            if date is None:
                undated.append((a, b))
                continue
            pairs.append((a, b))
            if latest is None or date > latest:
                latest = date
        if undated:
            windows = _windows(store, {x for pair in undated for x in pair})
            pairs += [(a, b) for a, b in undated if _may_meet(windows[a], windows[b])]
        frontier = sorted({x for pair in pairs for x in pair} - seen)
        seen.update(frontier)
    return seen, latest


def one(store, cluster_id: str) -> dict | None:
    """The cluster ``cluster_id`` as :func:`compute` lists it (``merged``
    empty), worked out locally: from the cases stored under that id, the
    links are followed outwards and only the persons reached are read. When
    the cases reached are exactly the stored ones, :func:`compute` would give
    that group the same id (no other group holds any of its cases), so the
    answer is the same and nothing needs storing. None when that cannot be
    said: an unknown or merged id, or the cluster grew, split or lost a case
    since the ids were stored (then :func:`compute` decides, over the district).
    """
    members = sql.members_of(store, cluster_id)
    if not members:
        return None
    persons, last_link = _component(store, set(members))
    facts = {r["id"]: r for r in sql.case_facts(store, persons)}
    if set(facts) != set(members):
        return None
    cases = sorted(facts, key=lambda c: (facts[c]["day"] or UNDATED_LAST, c))
    # a primary source outside the cluster that is a case still counts as one (infectors)
    outside = {f["primary_source"] for f in facts.values() if f["primary_source"]} - set(facts)
    known = facts | {r["id"]: r for r in sql.case_facts(store, outside)} if outside else facts
    return _record(store, cluster_id, cases, known, last_link, [], today(), _ward_groups(store, facts))


def check_cluster_id(value) -> str:
    """A cluster id as stored (``C`` and a number), else :class:`InvalidValue`.

    >>> check_cluster_id(" c12 ")
    'C12'
    """
    text = str(value).strip().upper()
    if not re.fullmatch(r"C[0-9]{1,18}", text):
        shown = text if len(text) <= 40 else text[:39] + "…"
        what = "an id is required" if not text else f"'{shown}' is not a cluster id"
        raise InvalidValue(_("cluster ID: {what} (like C1; see `tracing clusters`)").format(what=what))
    return text


def merges(store) -> list[str]:
    """Every merge ever recorded, as ``"C3 merged into C1 (2021-06-30)"``."""
    rows = sorted((r for r in sql.cluster_ids(store).values() if r["merged_into"]), key=lambda r: r["n"])
    return [f"{r['id']} merged into {r['merged_into']} ({r['merged_at']})" for r in rows]


DEFINITION = N_(
    "Cases are in one cluster when a chain of links joins them: a recorded source, a derived "
    "transmission (the contact that made someone F1/F2 or exposed a case, inside the "
    "transmitter's window), a contact touching a case whose other end is traced, or a contact "
    "between two F1s. Contacts between F2 (or deeper) persons do not join clusters.")


#: fewer cases than this and ``cluster show`` reports no dispersion k
MIN_CASES_FOR_K = 10


def show(store, cluster_id: str) -> dict:
    """One cluster in detail::

        {"id", "size", "cases", "first", "last", "roots", "wards", "units", "places",
         "active", "generations", "traced": {"F1": n, "F2": n, ...},
         "unknown_source": [id], "labels": {case: [label]},
         "secondary": {"mean", "offspring": {case: n}, "dispersion_k", "dispersion_k_moments",
                       "top_share_80"},
         "serial_interval": {"n", "mean", "median", "min", "max"},
         "attack_rates": [{"setting", "contacts", "cases", "rate"}],
         "tree": {case: infector|None}, "definition": str}

    A merged id raises :class:`NotFound` naming the cluster it went into.
    The ids are stored (see the module doc) only when the cluster is found.
    """
    cluster_id = check_cluster_id(cluster_id)
    everything, pending = _compute(store, 1, False)
    found = next((c for c in everything if c["id"] == cluster_id), None)
    if found is None:
        merged_now = dict(pending[2])
        if cluster_id in merged_now:
            raise NotFound(_("cluster {cluster_id} was merged into {cluster_id2} on {today}").format(
                               cluster_id=cluster_id, cluster_id2=merged_now[cluster_id], today=fmt_date(today())))
        known = sql.cluster_ids(store).get(cluster_id)
        if known and known["merged_into"]:
            raise NotFound(_("cluster {cluster_id} was merged into {merged_into} on {merged_at}").format(
                               cluster_id=cluster_id, merged_into=known['merged_into'], merged_at=known['merged_at']))
        raise NotFound(_("no cluster {cluster_id} (see `tracing clusters`)").format(cluster_id=cluster_id))
    facts = {r["id"]: r for r in sql.case_facts(store)}
    cases = found["cases"]
    tree = infectors(facts, cases)
    counts = measures.offspring(tree)
    traced = sql.traced_by_root(store, cases)
    contacts = sql.contacts_of_cases(store, cases)
    places = sorted({p for *_x, p in contacts if p} | set(sql.checkin_places(store, cases)))
    exposures = []
    key = {c: (f["onset"] or f["confirmed"], f["confirmed"], c) for c, f in facts.items()
           if f["onset"] or f["confirmed"]}  # an undated case: order unknown, counted as at risk
    for case, other, _date, setting, _place in contacts:
        if other in key and case in key and key[other] < key[case]:
            continue  # an earlier case: not at risk from this one
        exposures.append((setting, other, other in facts))
    # every source pair of two cases of the cluster (recorded, derived, and the
    # tree's infector links), each once, as epicontacts get_pairwise does
    inside = set(cases)
    source_pairs = {(c, s) for c, s in tree.items() if s is not None}
    source_pairs |= {(c, s) for c, s in sql.case_source_pairs(store, cases) if s in inside and s != c}
    pairs = [(facts[s]["onset"], facts[c]["onset"]) for c, s in sorted(source_pairs)]
    serial = measures.serial_intervals(pairs)
    serial.pop("values")
    result = {
        **{k: found[k] for k in ("id", "size", "cases", "first", "last", "roots", "wards", "active", "focus",
                                 "focus_over_from")},
        "units": unit_names(_ward_groups(store, facts), facts, cases),
        "places": places,
        "generations": measures.generations(tree),
        "traced": {f"F{lv}": n for lv, n in sorted(traced.items())},
        "unknown_source": [c for c in cases if facts[c]["unknown_source"]],
        "labels": sql.labels_of(store, cases),
        "secondary": {"mean": round(measures.mean(counts.values()), 3),
                      "offspring": {c: n for c, n in counts.items() if n},
                      # a negative binomial fitted on a handful of cases is noise, not a finding
                      "dispersion_k": _round(measures.dispersion_k(counts.values()))
                      if len(counts) >= MIN_CASES_FOR_K else None,
                      "dispersion_k_moments": _round(measures.dispersion_k_moments(counts.values()))
                      if len(counts) >= MIN_CASES_FOR_K else None,
                      "top_share_80": _round(measures.top_share(counts))},
        "serial_interval": serial,
        "attack_rates": measures.attack_rates(exposures),
        "tree": tree,
        "definition": DEFINITION,
    }
    _persist(store, *pending)
    return result


def _round(x, digits: int = 3):
    return None if x is None else round(x, digits)

"""A synthetic district for benchmarks, demos and drills (modelled on Long Biên, Hà Nội).

Everything is drawn from a seeded :class:`random.Random`, so the same arguments
give the same rows (and :func:`write_csv_dir` the same bytes). Only a compact
skeleton is held in memory (a few ``array`` entries per person: age, sex,
household, workplace team); the rows themselves are produced by generators,
so a million persons and ten million contacts stream through.

What is modelled:

* households of 1–7 (census-like sizes, mean ≈ 3.5) with couples, children and
  grandparents; families share a family name (wives keep their own);
* 14 wards, each with ``TDP 1`` … ``TDP 40`` and a few apartment blocks;
* schools by age, workplaces (offices, KCN Sài Đồng factories, markets,
  hospitals, cafés) split into teams of a few people who meet on workdays;
* QR check-ins at markets, cafés, restaurants, supermarkets and pharmacies, and
  the encounters of people checked in at the same place at the same time;
* bus rides, visits between neighbours, hospital visits;
* a few outbreaks in the last three weeks: confirmed cases whose recorded
  sources are earlier cases with a recorded contact inside the source's
  infectious window; index cases (and some others) have no known source;
* messy details a tracing team meets: phones in ``+84`` form, children sharing
  a parent's phone, missing CCCD, a few persons registered twice, blank
  minutes/masks.

About 10 contact rows per person over six weeks (household pairs about every
other week, team contacts, venue encounters, transport and visits).

>>> d = generate(300, seed=7)
>>> rows = list(d.persons)
>>> len(rows), rows[0]["id"], rows[0]["district"]
(300, 'P000001', 'Long Biên')
>>> rows == list(d.persons)          # each access regenerates the same rows
True
>>> all(c["from"] != c["to"] for c in d.contacts)
True
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterator

from .data import vn_names as V
from .errors import InvalidValue
from .i18n import _, fmt_int
from .values import fold

DISTRICT = "Long Biên"

PERSON_FIELDS = ["id", "name", "phone", "national_id", "birth_year", "sex", "address",
                 "unit", "ward", "district", "workplace", "vaccinated"]
CONTACT_FIELDS = ["from", "to", "date", "setting", "place", "minutes", "masked"]
CHECKIN_FIELDS = ["person", "place", "at", "until"]
CASE_FIELDS = ["id", "confirmed", "onset", "source", "unknown_source"]
POPULATION_FIELDS = ["area", "population", "level"]

# Contact-rate knobs (tuned so a district gets ~10 contact rows per person).
HOUSEHOLD_WEEKLY = 0.5      # chance a household pair is recorded in a given week
TEAM_WEEKLY = 0.8           # recorded team contacts per team member per week
TRANSPORT_WEEKLY = 0.05     # bus contacts per commuter per week
SOCIAL_WEEKLY = 0.09        # visits per person per week
HEALTHCARE_WEEKLY = 0.01    # hospital visits per person per week
CHECKINS_WEEKLY = 0.45      # QR check-ins per person (age >= 12) per week
VENUE_PAIRING = 0.55        # chance a check-in meets an overlapping earlier one
CASES_PER_PERSON = 1 / 1000
DUPLICATE_SHARE = 0.003     # persons registered twice

# Household size distribution (1..7), roughly the 2019 census for Hà Nội.
_HH_SIZES = [1, 2, 3, 4, 5, 6, 7]
_HH_CUM = list(accumulate([10.9, 18.0, 21.0, 27.0, 13.0, 6.0, 4.1]))

# Roles in a household.
HEAD, SPOUSE, CHILD, GRANDPARENT = 0, 1, 2, 3

# Place kinds and the contact setting of their staff / visitors.
_KIND_SETTING = {
    "school": "school", "university": "school", "factory": "work", "company": "work",
    "market": "work", "hospital": "work", "cafe": "work", "restaurant": "work",
    "supermarket": "work", "pharmacy": "work",
}
_VENUE_KINDS = ("market", "cafe", "restaurant", "supermarket", "pharmacy")
# venue kind -> (opening windows as (from_minute, to_minute), stay min..max minutes, masked share)
_VENUE_HOURS = {
    "market": ([(360, 540), (930, 1080)], (15, 60), 0.85),
    "cafe": ([(420, 1260)], (30, 120), 0.25),
    "restaurant": ([(660, 780), (1080, 1230)], (30, 90), 0.15),
    "supermarket": ([(480, 1260)], (20, 60), 0.9),
    "pharmacy": ([(480, 1200)], (5, 15), 0.95),
}

# Source codes kept in the per-day buckets (place index >= 0 means "that place").
_HH, _SOCIAL, _TRANSPORT0 = -1, -2, -100   # transport: _TRANSPORT0 - route index


@dataclass
class _Skeleton:
    n: int                          # all persons (duplicates included)
    n_real: int                     # persons living in a household
    hh_start: array                 # household h = persons [hh_start[h], hh_start[h+1])
    hh_unit: array                  # unit index of each household
    hh_seq: array                   # position of the household inside its unit
    unit_start: array               # unit u = persons [unit_start[u], unit_start[u+1])
    person_hh: array
    age: array
    sex: array                      # 0 male, 1 female
    role: array
    group: array                    # place index of workplace / school, -1 none
    team_of: array                  # team index, -1 none
    team_start: array               # team t = team_order[team_start[t]:team_start[t+1]]
    team_order: array
    dup_of: dict[int, int]          # duplicate record -> original person


@dataclass
class District:
    """A generated district. ``persons``, ``contacts`` and ``checkins`` are
    properties that return a *fresh* generator on each access (re-runnable,
    same rows every time); ``places``, ``cases`` and ``populations`` are lists.
    """

    size: int
    seed: int
    start: dt.date
    weeks: int
    places: list[dict]
    cases: list[dict]
    populations: list[dict]
    units: list[tuple[str, str]] = field(repr=False)     # (ward, unit) per unit index
    _sk: _Skeleton = field(repr=False)
    _planted: dict = field(repr=False)                  # day -> [(a, b, code)]
    _planted_checkins: dict = field(repr=False)         # day -> [(person, place, start, minutes)]
    _isolated: dict = field(repr=False)                 # case person -> day index of isolation

    @property
    def end(self) -> dt.date:
        """The last day of the generated period (inclusive)."""
        return self.start + dt.timedelta(days=7 * self.weeks - 1)

    @property
    def persons(self) -> Iterator[dict]:
        return self.persons_rows()

    @property
    def contacts(self) -> Iterator[dict]:
        return self.contact_rows()

    @property
    def checkins(self) -> Iterator[dict]:
        return self.checkin_rows()

    def person_id(self, index: int) -> str:
        """``P000123``: zero-padded (at least 6 digits) so ids sort in order."""
        return self._id_format % (index + 1)

    @property
    def _id_format(self) -> str:
        return self._cache("id_format", lambda: "P%0" + str(max(6, len(str(self.size)))) + "d")

    def households(self) -> Iterator[list[str]]:
        """Person ids of each household, in order (duplicate records excluded)."""
        sk = self._sk
        for h in range(len(sk.hh_start) - 1):
            yield [self.person_id(i) for i in range(sk.hh_start[h], sk.hh_start[h + 1])]

    # ------------------------------------------------------------------ persons
    def persons_rows(self) -> Iterator[dict]:
        """One dict per person (fields :data:`PERSON_FIELDS`), in id order."""
        sk = self._sk
        rng = random.Random(f"{self.seed}/persons")
        places = self.places
        year = self.start.year
        fam_cum = list(accumulate(w for _, w in V.FAMILY_NAMES))
        fam_names = [f for f, _ in V.FAMILY_NAMES]
        fam_total = fam_cum[-1]
        prov_cum = list(accumulate(w for _, w in V.CCCD_PROVINCES))
        mid = {}
        for sex, table in ((0, V.MIDDLE_MALE), (1, V.MIDDLE_FEMALE)):
            for young in (0, 1):
                mid[sex, young] = ([m for m, *_ in table], list(accumulate(t[1 + young] for t in table)))
        given = {0: V.GIVEN_MALE, 1: V.GIVEN_FEMALE}
        saved: dict[int, dict] = {}
        dup_originals = set(sk.dup_of.values())

        def family() -> str:
            return fam_names[bisect_right(fam_cum, rng.random() * fam_total)]

        for h in range(len(sk.hh_start) - 1):
            lo, hi = sk.hh_start[h], sk.hh_start[h + 1]
            ward, unit = self.units[sk.hh_unit[h]]
            address = _address(ward, unit, sk.hh_unit[h], sk.hh_seq[h])
            family_name = family()
            head_phone = ""
            for i in range(lo, hi):
                age, sex, role = sk.age[i], sk.sex[i], sk.role[i]
                if role == SPOUSE or (role == GRANDPARENT and sex == 1) or (role == HEAD and sex == 1 and hi - lo > 1 and sk.role[lo + 1] == SPOUSE):
                    fname = family()
                else:
                    fname = family_name
                names, cum = mid[sex, 1 if year - age >= 1985 else 0]
                middle = names[bisect_right(cum, rng.random() * cum[-1])]
                first = rng.choice(given[sex])
                while first == middle:
                    first = rng.choice(given[sex])
                name = f"{fname} {middle} {first}"
                # phone
                r = rng.random()
                own = ""
                if age >= 15 and not (age >= 75 and r < 0.3):
                    phone = own = _phone(rng)
                    if not head_phone:
                        head_phone = phone
                    shown = phone if r < 0.97 else _phone_variant(phone, rng)
                elif head_phone and r < 0.35:                    # child declared with a parent's phone
                    shown = _phone_variant(head_phone, rng) if rng.random() < 0.3 else head_phone
                else:
                    shown = ""
                # national id
                nid = ""
                if age >= 14:
                    r = rng.random()
                    if r < 0.88:
                        prov = V.CCCD_PROVINCES[bisect_right(prov_cum, rng.random() * prov_cum[-1])][0]
                        by = year - age
                        century = (0 if by < 2000 else 2) + sex
                        nid = f"{prov}{century}{by % 100:02d}{rng.randrange(1_000_000):06d}"
                    elif r < 0.92:
                        nid = f"0{rng.randrange(10_000_000, 99_999_999)}"   # old 9-digit CMND
                g = sk.group[i]
                row = {
                    "id": self.person_id(i), "name": name, "phone": shown, "national_id": nid,
                    "birth_year": "" if rng.random() < 0.01 else str(year - age),
                    "sex": "mf"[sex], "address": address, "unit": unit, "ward": ward,
                    "district": DISTRICT, "workplace": places[g]["name"] if g >= 0 else "",
                    "vaccinated": _doses(age, rng),
                }
                if i in dup_originals:
                    saved[i] = dict(row, _address=(ward, unit, sk.hh_unit[h], sk.hh_seq[h]),
                                    _phone=own or head_phone)
                yield row
        for i in range(sk.n_real, sk.n):
            orig = saved[sk.dup_of[i]]
            name = orig["name"]
            r = rng.random()
            if r < 0.25:
                name = fold(name).title()           # typed without diacritics
            elif r < 0.45:
                name = name.upper()
            phone = orig["_phone"]
            yield {
                "id": self.person_id(i), "name": name,
                "phone": _phone_variant(phone, rng) if phone else "",
                "national_id": orig["national_id"] if rng.random() < 0.3 else "",
                "birth_year": orig["birth_year"] if rng.random() < 0.8 else "",
                "sex": orig["sex"], "address": _address(*orig["_address"], messy=True),
                "unit": orig["unit"], "ward": orig["ward"], "district": DISTRICT,
                "workplace": "", "vaccinated": "",
            }

    # ----------------------------------------------------------------- checkins
    def _day_checkins(self, day: int) -> list[tuple[int, int, int, int]]:
        """Check-ins of one day as (person, place, start minute, minutes), sorted."""
        sk = self._sk
        rng = random.Random(f"{self.seed}/checkins/{day}")
        weekday = (self.start + dt.timedelta(days=day)).weekday()
        rate = CHECKINS_WEEKLY / 7 * (1.3 if weekday >= 5 else 0.88)
        count = _stochastic_round(sk.n_real * rate, rng)
        by_ward = self._venues_by_ward
        all_venues = self._venues
        iso = self._isolated
        out = []
        for _ in range(count):
            p = rng.randrange(sk.n_real)
            if sk.age[p] < 12:
                continue
            if iso and day > iso.get(p, day):
                continue
            ward = self.units[sk.hh_unit[sk.person_hh[p]]][0]
            local = by_ward.get(ward)
            v = rng.choice(local) if local and rng.random() < 0.7 else rng.choice(all_venues)
            hours, (lo, hi), _ = _VENUE_HOURS[self.places[v]["kind"]]
            a, b = rng.choice(hours)
            stay = rng.randint(lo, hi)
            out.append((p, v, rng.randrange(a, b - 5), stay))
        out.extend(self._planted_checkins.get(day, ()))
        out.sort()
        return out

    def checkin_rows(self) -> Iterator[dict]:
        """QR check-ins (fields :data:`CHECKIN_FIELDS`), day by day."""
        for day in range(7 * self.weeks):
            date = self.start + dt.timedelta(days=day)
            seen = set()
            for p, v, at, stay in self._day_checkins(day):
                if (p, v, at) in seen:
                    continue
                seen.add((p, v, at))
                yield {"person": self.person_id(p), "place": self.places[v]["name"],
                       "at": _at(date, at), "until": _at(date, min(at + stay, 1439))}

    # ----------------------------------------------------------------- contacts
    def contact_rows(self) -> Iterator[dict]:
        """Dated contacts (fields :data:`CONTACT_FIELDS`), in date order.

        No self-contacts, nothing outside ``start .. end``, no two rows with
        the same pair, date, setting and place, and nobody meets anyone after
        being isolated as a confirmed case.
        """
        sk = self._sk
        places = self.places
        iso = self._isolated
        fmt = self._id_format
        n_days = 7 * self.weeks
        for week in range(self.weeks):
            buckets = self._week_buckets(week)
            for wd in range(7):
                day = week * 7 + wd
                if day >= n_days:
                    break
                date = self.start + dt.timedelta(days=day)
                date_s = date.isoformat()
                rng = random.Random(f"{self.seed}/contacts/{day}")
                seen = set()
                rows = list(_triples(buckets[wd]))
                rows.extend(self._planted.get(day, ()))
                rows.extend(self._venue_encounters(day, rng))
                for a, b, code in rows:
                    if a == b or (iso and (day > iso.get(a, day) or day > iso.get(b, day))):
                        continue
                    if code == _HH:
                        setting, place = "household", ""
                        minutes = "" if rng.random() < 0.5 else str(120 + 30 * int(rng.random() * 21))
                        masked = "false" if rng.random() < 0.9 else ""
                    elif code == _SOCIAL:
                        setting, place = "social", ""
                        minutes = "" if rng.random() < 0.3 else str(20 + 10 * int(rng.random() * 17))
                        masked = ("false", "true", "")[_pick3(rng, 0.55, 0.25)]
                    elif code <= _TRANSPORT0:
                        setting, place = "transport", V.BUS_ROUTES[_TRANSPORT0 - code]
                        minutes = str(10 + 5 * int(rng.random() * 8)) if rng.random() < 0.7 else ""
                        masked = ("true", "false", "")[_pick3(rng, 0.8, 0.05)]
                    elif code >= 1_000_000:                      # venue encounter, minutes encoded
                        v, overlap = divmod(code - 1_000_000, 10_000)
                        place = places[v]["name"]
                        setting = "venue"
                        minutes = str(overlap) if rng.random() < 0.8 else ""
                        share = _VENUE_HOURS[places[v]["kind"]][2]
                        masked = ("true", "false", "")[_pick3(rng, share * 0.9, (1 - share) * 0.9)]
                    else:
                        pl = places[code]
                        place = pl["name"]
                        if pl["kind"] == "hospital" and sk.group[a] != code:
                            setting = "healthcare"                # a patient and the staff
                        else:
                            setting = _KIND_SETTING[pl["kind"]]
                        minutes = str(15 * (1 + int(rng.random() * 16))) if rng.random() < 0.75 else ""
                        masked = ("true", "false", "")[_pick3(rng, 0.65, 0.2)]
                    key = (a, b, setting, place) if a < b else (b, a, setting, place)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield {"from": fmt % (a + 1), "to": fmt % (b + 1), "date": date_s,
                           "setting": setting, "place": place, "minutes": minutes, "masked": masked}

    def _venue_encounters(self, day: int, rng: random.Random) -> Iterator[tuple[int, int, int]]:
        """People checked in at the same place with overlapping times."""
        by_place: dict[int, list[tuple[int, int, int]]] = {}
        for p, v, at, stay in self._day_checkins(day):
            by_place.setdefault(v, []).append((at, at + stay, p))
        for v in sorted(by_place):
            visits = sorted(by_place[v])
            for i in range(1, len(visits)):
                at, until, p = visits[i]
                for j in range(i - 1, max(-1, i - 4), -1):
                    at2, until2, q = visits[j]
                    overlap = min(until, until2) - at
                    if overlap >= 5 and q != p and rng.random() < VENUE_PAIRING:
                        yield (q, p, 1_000_000 + v * 10_000 + min(overlap, 9_999))
                        break

    def _week_buckets(self, week: int) -> list[array]:
        """Household, team, transport, visit and hospital contacts of one week,
        as flat (a, b, code) arrays per weekday."""
        sk = self._sk
        rng = random.Random(f"{self.seed}/week/{week}")
        buckets = [array("i") for _ in range(7)]
        rnd, rr = rng.random, rng.randrange
        # households: each pair about every other week, any day
        hs = sk.hh_start
        for h in range(len(hs) - 1):
            lo, hi = hs[h], hs[h + 1]
            for a in range(lo, hi - 1):
                for b in range(a + 1, hi):
                    if rnd() < HOUSEHOLD_WEEKLY:
                        buckets[int(rnd() * 7)].extend((a, b, _HH))
        # teams: a few contacts per member and week on workdays
        ts, order = sk.team_start, sk.team_order
        places = self.places
        for t in range(len(ts) - 1):
            lo, hi = ts[t], ts[t + 1]
            size = hi - lo
            if size < 2:
                continue
            place = sk.group[order[lo]]
            days = 6 if places[place]["kind"] in ("factory", "market", "hospital", "cafe", "restaurant",
                                                   "supermarket", "pharmacy") else 5
            for _ in range(_stochastic_round(size * TEAM_WEEKLY, rng)):
                i = lo + int(rnd() * size)
                j = lo + int(rnd() * (size - 1))
                if j >= i:
                    j += 1
                buckets[int(rnd() * days)].extend((order[i], order[j], place))
        # transport: commuters on the same bus
        commuters = self._commuters
        if len(commuters) > 1:
            for _ in range(_stochastic_round(len(commuters) * TRANSPORT_WEEKLY, rng)):
                a, b = commuters[rr(len(commuters))], commuters[rr(len(commuters))]
                if a != b:
                    buckets[int(rnd() * 5)].extend((a, b, _TRANSPORT0 - rr(len(V.BUS_ROUTES))))
        # visits: neighbours in the same unit, sometimes anyone in the district
        us = sk.unit_start
        hu = sk.hh_unit
        for _ in range(_stochastic_round(sk.n_real * SOCIAL_WEEKLY, rng)):
            a = rr(sk.n_real)
            if rnd() < 0.6:
                u = hu[sk.person_hh[a]]
                b = rr(us[u], us[u + 1])
            else:
                b = rr(sk.n_real)
            if sk.person_hh[a] != sk.person_hh[b]:
                buckets[int(rnd() * 7)].extend((a, b, _SOCIAL))
        # hospital visits: a patient meets a member of staff
        staff = self._hospital_staff
        if staff:
            for _ in range(_stochastic_round(sk.n_real * HEALTHCARE_WEEKLY, rng)):
                a = rr(sk.n_real)
                s = staff[rr(len(staff))]
                if a != s:
                    buckets[int(rnd() * 6)].extend((a, s, sk.group[s]))
        # duplicate records: named by someone in the original's household
        for d, o in sorted(sk.dup_of.items()):
            if rnd() < 0.3:
                h = sk.person_hh[o]
                lo, hi = hs[h], hs[h + 1]
                b = rr(lo, hi) if hi - lo > 1 else rr(sk.n_real)
                if b == o:
                    b = lo if o != lo else hi - 1
                if b != o:
                    buckets[int(rnd() * 7)].extend((d, b, _HH if hs[h] <= b < hs[h + 1] else _SOCIAL))
        return buckets

    # cached lookups built lazily from the skeleton
    @property
    def _venues(self) -> list[int]:
        return self._cache("venues", lambda: [i for i, p in enumerate(self.places) if p["kind"] in _VENUE_KINDS])

    @property
    def _venues_by_ward(self) -> dict[str, list[int]]:
        def build():
            out: dict[str, list[int]] = {}
            for i in self._venues:
                out.setdefault(self.places[i]["ward"], []).append(i)
            return out
        return self._cache("venues_by_ward", build)

    @property
    def _commuters(self) -> array:
        sk = self._sk
        return self._cache("commuters", lambda: array("i", (i for i in range(sk.n_real)
                                                            if sk.group[i] >= 0 and sk.age[i] >= 15)))

    @property
    def _hospital_staff(self) -> array:
        sk = self._sk
        hospitals = {i for i, p in enumerate(self.places) if p["kind"] == "hospital"}
        return self._cache("staff", lambda: array("i", (i for i in range(sk.n_real) if sk.group[i] in hospitals)))

    def _cache(self, key, build):
        store = self.__dict__.setdefault("_lookup", {})
        if key not in store:
            store[key] = build()
        return store[key]


# ---------------------------------------------------------------------- helpers
def _triples(buf: array) -> Iterator[tuple[int, int, int]]:
    it = iter(buf)
    return zip(it, it, it)


def _stochastic_round(x: float, rng: random.Random) -> int:
    n = int(x)
    return n + (rng.random() < x - n)


def _pick3(rng: random.Random, p0: float, p1: float) -> int:
    r = rng.random()
    return 0 if r < p0 else 1 if r < p0 + p1 else 2


def _at(date: dt.date, minute: int) -> str:
    return f"{date.isoformat()} {minute // 60:02d}:{minute % 60:02d}"


def _phone(rng: random.Random) -> str:
    return rng.choice(V.PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def _phone_variant(phone: str, rng: random.Random) -> str:
    """The same number written another way (``+84 912 345 678``, ``84912345678``,
    ``0912 345 678``).

    >>> from tracing.values import normalize_phone
    >>> r = random.Random(1)
    >>> {normalize_phone(_phone_variant("0912345678", r)) for _ in range(20)}
    {'0912345678'}
    """
    n = phone[1:]
    r = rng.random()
    if r < 0.5:
        return f"+84 {n[:2]}{n[2]} {n[3:6]} {n[6:]}"
    if r < 0.75:
        return "84" + n
    return f"{phone[:4]} {phone[4:7]} {phone[7:]}"


def _doses(age: int, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.02:
        return ""
    r = rng.random()
    if age < 12:
        return "0"
    if age < 18:
        return "0" if r < 0.4 else "1" if r < 0.9 else "2"
    if age < 65:
        return "0" if r < 0.03 else "1" if r < 0.18 else "2" if r < 0.95 else "3"
    return "0" if r < 0.08 else "1" if r < 0.2 else "2" if r < 0.92 else "3"


def _address(ward: str, unit: str, unit_index: int, seq: int, messy: bool = False) -> str:
    """A household address, unique inside its unit.

    >>> _address("Bồ Đề", "TDP 3", 2, 31)
    'Số 2, ngõ 25, đường Bồ Đề'
    """
    streets = V.WARDS[ward][1]
    if unit.startswith("TDP"):
        street = streets[unit_index % len(streets)]
        house, lane = seq % 30 + 1, 1 + 11 * (unit_index % 9) + seq // 30 * 2
        if messy:
            return f"số {house} ngõ {lane} {street}"
        return f"Số {house}, ngõ {lane}, đường {street}"
    tower = "ABC"[seq % 3]
    floor, room = seq // 3 // 10 + 2, seq // 3 % 10 + 1
    if messy:
        return f"P{floor}{room:02d} tòa {tower}"
    return f"Căn {floor}{room:02d}, tòa {tower}"


def _units() -> tuple[list[tuple[str, str]], list[float]]:
    """(ward, unit) of every unit and its relative weight."""
    units, weights = [], []
    for w, (ward, (weight, streets)) in enumerate(V.WARDS.items()):
        n_blocks = 2 + w % 3
        total = 40 + 3 * n_blocks             # an apartment block counts as three TDPs
        for k in range(1, 41):
            units.append((ward, f"TDP {k}"))
            weights.append(weight / total)
        for k in range(n_blocks):
            units.append((ward, f"Chung cư {('CT', 'HH', 'A')[k % 3]}{k + 1}"))
            weights.append(3 * weight / total)
    return units, weights


def _places(n: int, rng: random.Random) -> list[dict]:
    """Schools, workplaces and venues, scaled to the district size."""
    places: list[dict] = []
    names: set[str] = set()

    def add(name: str, kind: str, ward: str) -> None:
        base, k = name, 2
        while name in names:
            name = f"{base} {k}"
            k += 1
        names.add(name)
        places.append({"name": name, "kind": kind, "ward": ward})

    wards = list(V.WARDS)
    for ward in wards:
        add(f"Trường Mầm non {ward}", "school", ward)
        add(f"Trường Tiểu học {ward}", "school", ward)
        add(f"Trường THCS {ward}", "school", ward)
    for name, ward in zip(V.HIGH_SCHOOLS, ("Bồ Đề", "Long Biên", "Thạch Bàn", "Phúc Lợi")):
        add(name, "school", ward)
    for name in V.UNIVERSITIES:
        add(name, "university", "")
    add(V.HOSPITALS[0], "hospital", "Đức Giang")
    add(V.HOSPITALS[1], "hospital", "Ngọc Lâm")
    for _ in range(max(3, n // 2500)):
        add(f"Công ty TNHH {rng.choice(V.FACTORY_TRADES)} {rng.choice(V.BRAND_WORDS)} (KCN Sài Đồng)",
            "factory", rng.choice(("Phúc Đồng", "Sài Đồng", "Thạch Bàn")))
    for _ in range(max(5, n // 400)):
        kind = rng.choice(("TNHH", "CP"))
        add(f"Công ty {kind} {rng.choice(V.COMPANY_TRADES)} {rng.choice(V.BRAND_WORDS)}",
            "company", rng.choice(wards))
    for ward in wards:
        add(f"Chợ {ward}", "market", ward)
    for _ in range(max(14, n // 250)):
        ward = rng.choice(wards)
        street = rng.choice(V.WARDS[ward][1])
        r = rng.random()
        if r < 0.4:
            add(f"Cà phê {rng.choice(V.CAFE_WORDS)} {street}", "cafe", ward)
        elif r < 0.75:
            add(f"{rng.choice(V.FOOD_KINDS)} {street}", "restaurant", ward)
        elif r < 0.88:
            add(f"Siêu thị mini {rng.choice(V.BRAND_WORDS)} {street}", "supermarket", ward)
        else:
            add(f"Nhà thuốc {rng.choice(V.BRAND_WORDS)} {street}", "pharmacy", ward)
    return places


def _household(size: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """Members of one household as (role, age, sex)."""
    ri = rng.randint
    if size == 1:
        r = rng.random()
        age = ri(20, 34) if r < 0.45 else ri(35, 59) if r < 0.7 else ri(60, 88)
        return [(HEAD, age, rng.random() < (0.45 if age < 60 else 0.65))]
    if size == 2:
        r = rng.random()
        if r < 0.4:
            wife = ri(21, 34)
            return [(HEAD, wife + ri(0, 5), 0), (SPOUSE, wife, 1)]
        if r < 0.7:
            wife = ri(56, 80)
            return [(HEAD, wife + ri(0, 5), 0), (SPOUSE, wife, 1)]
        parent, psex = ri(25, 55), int(rng.random() < 0.75)
        return [(HEAD, parent, psex), (CHILD, ri(0, min(30, parent - 19)), int(rng.random() < 0.5))]
    wife = ri(25, 58)
    members = [(HEAD, min(95, wife + ri(0, 5)), 0), (SPOUSE, wife, 1)]
    grandparents = 0
    if size >= 5 and rng.random() < 0.7:
        grandparents = 1 if size == 5 or rng.random() < 0.3 else 2
    elif size == 4 and rng.random() < 0.15:
        grandparents = 1
    for _ in range(size - 2 - grandparents):
        members.append((CHILD, ri(0, min(30, wife - 19)), int(rng.random() < 0.49)))
    if grandparents:
        g = min(95, members[0][1] + ri(22, 32))
        members.append((GRANDPARENT, g, 1 if grandparents == 1 and rng.random() < 0.6 else 0))
        if grandparents == 2:
            members.append((GRANDPARENT, min(95, g - ri(0, 5)), 1))
    return members


def _build(n: int, rng: random.Random, start: dt.date) -> tuple[_Skeleton, list[tuple[str, str]], list[dict]]:
    n_dup = int(n * DUPLICATE_SHARE)
    n_real = n - n_dup
    units, weights = _units()
    ucum = list(accumulate(weights))
    # household sizes, then a unit for each; households are laid out unit by unit
    sizes: list[list[tuple[int, int, int]]] = []
    total = 0
    while total < n_real:
        k = _HH_SIZES[bisect_right(_HH_CUM, rng.random() * _HH_CUM[-1])]
        k = min(k, n_real - total)
        sizes.append(_household(k, rng)[:k])
        total += k
    unit_of = [bisect_right(ucum, rng.random() * ucum[-1]) for _ in sizes]
    order = sorted(range(len(sizes)), key=unit_of.__getitem__)
    hh_start, hh_unit, hh_seq = array("i", [0]), array("i"), array("i")
    unit_start = array("i", [0] * (len(units) + 1))
    age, sex, role, person_hh = array("B"), array("B"), array("B"), array("i")
    per_unit = [0] * len(units)
    for h, idx in enumerate(order):
        u = unit_of[idx]
        hh_unit.append(u)
        hh_seq.append(per_unit[u])
        per_unit[u] += 1
        for r, a, s in sizes[idx]:
            role.append(r)
            age.append(max(0, min(a, 100)))
            sex.append(int(s))
            person_hh.append(h)
        hh_start.append(len(age))
        unit_start[u + 1] = len(age)
    for u in range(1, len(units) + 1):              # empty units start where the previous ended
        unit_start[u] = max(unit_start[u], unit_start[u - 1])
    del sizes, unit_of, order
    # duplicates: adults registered a second time
    dup_of: dict[int, int] = {}
    originals: set[int] = set()
    while len(dup_of) < n_dup:
        o = rng.randrange(n_real)
        if age[o] >= 18 and o not in originals:
            originals.add(o)
            dup_of[n_real + len(dup_of)] = o
    for d, o in dup_of.items():
        age.append(age[o])
        sex.append(sex[o])
        role.append(role[o])
        person_hh.append(person_hh[o])
    places = _places(n_real, rng)
    group = _assign_work(places, units, hh_unit, person_hh, age, n_real, rng)
    group.extend([-1] * n_dup)
    team_of, team_start, team_order = _teams(places, group, n_real, rng)
    sk = _Skeleton(n=n, n_real=n_real, hh_start=hh_start, hh_unit=hh_unit, hh_seq=hh_seq,
                   unit_start=unit_start, person_hh=person_hh, age=age, sex=sex, role=role,
                   group=group, team_of=team_of, team_start=team_start, team_order=team_order,
                   dup_of=dup_of)
    return sk, units, places


def _assign_work(places, units, hh_unit, person_hh, age, n_real, rng) -> array:
    by_kind: dict[str, list[int]] = {}
    index = {p["name"]: i for i, p in enumerate(places)}
    for i, p in enumerate(places):
        by_kind.setdefault(p["kind"], []).append(i)
    high = [index[s] for s in V.HIGH_SCHOOLS]
    work_kinds = ["factory"] * 30 + ["company"] * 42 + ["market"] * 7 + ["school"] * 5 + \
                 ["hospital"] * 4 + ["venue"] * 12
    venues = [i for k in _VENUE_KINDS if k != "market" for i in by_kind.get(k, [])]
    markets = by_kind["market"]
    group = array("i")
    rnd = rng.random
    for i in range(n_real):
        a = age[i]
        ward = units[hh_unit[person_hh[i]]][0]
        g = -1
        if 3 <= a <= 5:
            g = index[f"Trường Mầm non {ward}"] if rnd() < 0.8 else -1
        elif 6 <= a <= 10:
            g = index[f"Trường Tiểu học {ward}"]
        elif 11 <= a <= 14:
            g = index[f"Trường THCS {ward}"]
        elif 15 <= a <= 17:
            g = rng.choice(high) if rnd() < 0.92 else -1
        elif a >= 18:
            r = rnd()
            works = (a <= 22 and 0.55 <= r < 0.9) or (23 <= a <= 59 and r < 0.88) or \
                    (60 <= a <= 64 and r < 0.3) or (a >= 65 and r < 0.05)
            if a <= 22 and r < 0.55:
                g = rng.choice(by_kind["university"])
            elif works:
                kind = "market" if a >= 60 else rng.choice(work_kinds)
                if kind == "venue":
                    g = rng.choice(venues)
                elif kind == "school":
                    g = index[rng.choice([f"Trường Tiểu học {ward}", f"Trường THCS {ward}"])] \
                        if rnd() < 0.7 else rng.choice(high)
                elif kind == "market":
                    local = index[f"Chợ {ward}"]
                    g = local if rnd() < 0.8 else rng.choice(markets)
                else:
                    g = rng.choice(by_kind[kind])
        group.append(g)
    return group


def _teams(places, group, n_real, rng) -> tuple[array, array, array]:
    """Split every place's people into teams (classes, shifts, desks) of 4–15."""
    members: dict[int, list[int]] = {}
    for i in range(n_real):
        g = group[i]
        if g >= 0:
            members.setdefault(g, []).append(i)
    team_of = array("i", [-1]) * len(group)
    team_start, team_order = array("i", [0]), array("i")
    for g in sorted(members):
        people = members.pop(g)
        rng.shuffle(people)
        lo, hi = (8, 15) if places[g]["kind"] in ("school", "university") else (4, 10)
        k = 0
        while k < len(people):
            size = rng.randint(lo, hi)
            if len(people) - (k + size) < 2:                 # no team of one
                size = len(people) - k
            for p in people[k:k + size]:
                team_of[p] = len(team_start) - 1
                team_order.append(p)
            k += size
            team_start.append(len(team_order))
    return team_of, team_start, team_order


# ------------------------------------------------------------------ outbreaks
def _outbreaks(sk: _Skeleton, places: list[dict], units, rng: random.Random, start: dt.date, weeks: int):
    """Seed confirmed cases that infect household, team, venue and neighbour
    contacts; every recorded source has a planted contact inside its
    infectious window (2 days before onset, or sample, until confirmation)."""
    n_days = 7 * weeks
    end = n_days - 1
    target = max(3, round(sk.n_real * CASES_PER_PERSON))
    cases: dict[int, dict] = {}        # person -> {confirmed, onset, sources, unknown}
    planted: dict[int, list] = {}
    planted_checkins: dict[int, list] = {}
    venues = [i for i, p in enumerate(places) if p["kind"] in _VENUE_KINDS]
    hs = sk.hh_start

    def household_of(p):
        h = sk.person_hh[p]
        return [q for q in range(hs[h], hs[h + 1]) if q != p]

    def team_mates(p):
        t = sk.team_of[p]
        if t < 0:
            return []
        return [q for q in sk.team_order[sk.team_start[t]:sk.team_start[t + 1]] if q != p]

    def neighbours(p):
        u = sk.hh_unit[sk.person_hh[p]]
        lo, hi = sk.unit_start[u], sk.unit_start[u + 1]
        return [rng.randrange(lo, hi) for _ in range(3)] if hi > lo else []

    def window(c):
        first = (c["onset"] if c["onset"] is not None else c["confirmed"]) - 2
        return max(0, first), c["confirmed"]

    def new_case(exposure: int) -> dict | None:
        if rng.random() < 0.25:                                   # no symptoms
            onset, confirmed = None, exposure + rng.randint(3, 7)
        else:
            onset = exposure + rng.randint(2, 6)
            confirmed = onset + rng.randint(0, 3)
        if confirmed > end:
            return None
        return {"confirmed": confirmed, "onset": onset, "sources": [], "unknown": False}

    queue: list[int] = []
    attempts = 0
    while len(cases) < target and attempts < 50 * target:
        attempts += 1
        if not queue:                                              # a new cluster
            p = rng.randrange(sk.n_real)
            if p in cases or sk.age[p] < 15:
                continue
            confirmed = rng.randint(max(0, end - 20), max(0, end - 8))
            onset = None if rng.random() < 0.2 else max(0, confirmed - rng.randint(0, 3))
            cases[p] = {"confirmed": confirmed, "onset": onset, "sources": [], "unknown": True}
            queue.append(p)
            continue
        src = queue.pop(0)
        c = cases[src]
        lo, hi = window(c)
        offspring = rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]
        if not c["sources"]:
            offspring = max(offspring, 1)
        for _ in range(offspring):
            if len(cases) >= target:
                break
            r = rng.random()
            if r < 0.5:
                route, pool = _HH, household_of(src)
            elif r < 0.8:
                route, pool = "team", team_mates(src)
            elif r < 0.93:
                route, pool = "venue", None
            else:
                route, pool = _SOCIAL, neighbours(src)
            if route == "venue":
                pool = [q for q in (rng.randrange(sk.n_real) for _ in range(3)) if sk.age[q] >= 12]
            pool = [q for q in pool if q not in cases and q < sk.n_real]
            if not pool:
                continue
            q = rng.choice(pool)
            exposure = rng.randint(lo, hi)
            case = new_case(exposure)
            if case is None:
                continue
            case["sources"].append(src)
            case["unknown"] = rng.random() < 0.15                 # source not found (yet)
            if route == "team":
                code = sk.group[src]
                if exposure < n_days and (start + dt.timedelta(days=exposure)).weekday() == 6:
                    code = _SOCIAL                                # met outside work on Sunday
            elif route == "venue":
                v = rng.choice(venues)
                hours, (a, b), _ = _VENUE_HOURS[places[v]["kind"]]
                f, t = rng.choice(hours)
                at, stay = rng.randrange(f, t - 5), rng.randint(max(a, 15), max(b, 20))
                planted_checkins.setdefault(exposure, []).extend(
                    [(src, v, at, stay), (q, v, at + rng.randint(0, 5), stay)])
                code = 1_000_000 + v * 10_000 + max(5, stay - 5)
            else:
                code = route
            planted.setdefault(exposure, []).append((src, q, code))
            # a second source: another case in the same household, infectious then
            for other in household_of(q):
                oc = cases.get(other)
                if other != src and oc and other not in case["sources"]:
                    olo, ohi = window(oc)
                    if olo <= exposure <= ohi and oc["confirmed"] < case["confirmed"]:
                        case["sources"].append(other)
                        planted.setdefault(exposure, []).append((other, q, _HH))
            cases[q] = case
            queue.append(q)
    isolated = {p: c["confirmed"] for p, c in cases.items()}
    return cases, planted, planted_checkins, isolated


# ----------------------------------------------------------------------- API
def generate(persons: int, *, seed: int = 2021, start: dt.date = dt.date(2021, 11, 1),
             weeks: int = 6) -> District:
    """A synthetic district of ``persons`` people over ``weeks`` weeks from
    ``start``. Builds the skeleton (households, teams, outbreaks) now; the
    rows stream from :class:`District`'s generators.

    >>> d = generate(2000, seed=1)
    >>> len(d.cases) >= 3 and all(c["confirmed"] <= d.end.isoformat() for c in d.cases)
    True
    """
    if not isinstance(persons, int) or persons < 10:
        raise InvalidValue(_("persons: {n} is too small (at least 10)").format(n=persons))
    if persons > 99_999_999:
        raise InvalidValue(_("persons: {n} is too large (at most {most})").format(n=persons, most=fmt_int(99_999_999)))
    if not isinstance(weeks, int) or not 1 <= weeks <= 52:
        raise InvalidValue(_("weeks: {n} is out of range (1..52)").format(n=weeks))
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise InvalidValue(_("start: {value} is not a date").format(value=repr(start)))
    rng = random.Random(f"{seed}/structure")
    sk, units, places = _build(persons, rng, start)
    cases, planted, planted_checkins, isolated = _outbreaks(
        sk, places, units, random.Random(f"{seed}/outbreaks"), start, weeks)
    district = District(size=persons, seed=seed, start=start, weeks=weeks, places=places,
                        cases=[], populations=[], units=units, _sk=sk, _planted=planted,
                        _planted_checkins=planted_checkins, _isolated=isolated)
    day = lambda k: (start + dt.timedelta(days=k)).isoformat()      # noqa: E731
    for p in sorted(cases, key=lambda p: (cases[p]["confirmed"], p)):
        c = cases[p]
        sources = c["sources"] if not c["unknown"] else []
        district.cases.append({
            "id": district.person_id(p), "confirmed": day(c["confirmed"]),
            "onset": day(c["onset"]) if c["onset"] is not None else "",
            "source": ";".join(district.person_id(s) for s in sources),
            "unknown_source": "false" if sources else "true",
        })
    district.populations = _populations(sk, units)
    return district


def _populations(sk: _Skeleton, units) -> list[dict]:
    """Residents per district, ward and unit (areas with residents only).
    A unit's area is ``"UNIT, WARD"`` (unit names repeat across wards)."""
    per_unit = [sk.unit_start[u + 1] - sk.unit_start[u] for u in range(len(units))]
    rows = [{"area": DISTRICT, "population": sk.n_real, "level": "district"}]
    wards: dict[str, int] = {}
    for (ward, _), n in zip(units, per_unit):
        wards[ward] = wards.get(ward, 0) + n
    rows += [{"area": w, "population": n, "level": "ward"} for w, n in wards.items() if n]
    rows += [{"area": f"{unit}, {ward}", "population": n, "level": "unit"}
             for (ward, unit), n in zip(units, per_unit) if n]
    return rows


def write_csv_dir(district: District, out_dir) -> dict[str, int]:
    """Write ``persons.csv``, ``contacts.csv``, ``checkins.csv``, ``cases.csv``
    and ``populations.csv`` (UTF-8, header row, ``\\n`` line ends, private
    0600 files, each whole or absent) into ``out_dir`` (created if missing);
    returns the row count of each.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     counts = write_csv_dir(generate(200, seed=3), tmp)
    >>> counts["persons"], sorted(counts)
    (200, ['cases', 'checkins', 'contacts', 'persons', 'populations'])
    """
    from .files import atomic_file, private_folder

    private_folder(out_dir)
    counts = {}
    for name, fields, rows in (
        ("persons", PERSON_FIELDS, district.persons_rows()),
        ("contacts", CONTACT_FIELDS, district.contact_rows()),
        ("checkins", CHECKIN_FIELDS, district.checkin_rows()),
        ("cases", CASE_FIELDS, iter(district.cases)),
        ("populations", POPULATION_FIELDS, iter(district.populations)),
    ):
        path = os.path.join(out_dir, f"{name}.csv")
        n = 0
        with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(fields)
            for row in rows:
                writer.writerow([row[f] for f in fields])
                n += 1
        counts[name] = n
    return counts

"""One fact entered twice: the rule that merges two records of the same
contact, or of the same QR check-in, whatever the order they came in.

Principle 2 (levels independent of the order facts were entered) and
principle 7 (nothing silently lost): the store keeps one record per
contact (its identity: both persons, the date, the setting and the place,
the ``contacts_natural`` index) and per check-in (person, place, check-in
time). When a second record of it arrives with other details, from `contact
add`, an import (also two rows of one file), `copy --merge` or `person
merge`, the stored record becomes :func:`merge_contacts` /
:func:`merge_checkins` of the two, which is commutative and associative:
the same records in any order store the same values.

**Contacts** (:func:`merge_contacts`):

* ``minutes``: the longer duration (more exposure); a blank one is filled
  from the other;
* ``masked``: unmasked beats masked (``False`` over ``True``: more exposed);
  a blank one is filled from the other;
* ``extra`` attributes: the union (:func:`merge_extra`); a key with two
  different values keeps both, in sorted order;
* ``recorded_on``: the earliest (a blank one, from a database written
  before the day was kept, means "not later than the confirmation" and is
  the earliest).

**Check-ins** (:func:`merge_checkins`): the widest stay, the earliest
check-in and the latest check-out (a blank check-out is filled from the
other); ``extra`` and ``recorded_on`` as for contacts.

>>> a = Contact("P1", "P2", "2021-05-01", None, None, 10, True, {"note": "x"}, "2021-05-03")
>>> b = Contact("P2", "P1", "2021-05-01", None, None, 30, None, {"note": "y"}, "2021-05-02")
>>> m = merge_contacts(a, b)
>>> (m.minutes, m.masked, m.extra, m.recorded_on)
(30, True, {'note': ['x', 'y']}, '2021-05-02')
>>> merge_contacts(b, a) == m
True
>>> changed_fields(a, m)
{'minutes': (10, 30), 'extra': ({'note': 'x'}, {'note': ['x', 'y']}), 'recorded_on': ('2021-05-03', '2021-05-02')}
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Contact:
    """A stored contact: ``a`` and ``b`` (ids, in any order: its identity
    sorts them), ``date``, ``setting``, ``place`` (identity), then its
    details ``minutes``, ``masked`` (None: unknown), ``extra`` (dict or
    None), ``recorded_on`` (ISO day or None)."""
    a: str
    b: str
    date: str | None
    setting: str | None
    place: str | None
    minutes: int | None = None
    masked: bool | None = None
    extra: dict | None = None
    recorded_on: str | None = None

    @property
    def key(self) -> tuple:
        """The store's identity of the contact (index ``contacts_natural``)."""
        lo, hi = sorted((self.a, self.b))
        return lo, hi, self.date or "", self.setting or "", self.place or ""

    @classmethod
    def from_row(cls, a, b, date, setting, place, minutes, masked, extra, recorded_on) -> "Contact":
        """From the columns as stored (``masked`` 0/1, ``extra`` JSON text)."""
        return cls(a, b, date, setting, place, minutes, None if masked is None else bool(masked),
                   _loads(extra), recorded_on)

    def stored(self) -> tuple:
        """``(minutes, masked, extra, recorded_on)`` as the columns hold them."""
        return (self.minutes, None if self.masked is None else int(self.masked), dumps_extra(self.extra),
                self.recorded_on)


@dataclass(frozen=True)
class Checkin:
    """A stored QR check-in: ``person``, ``place`` (its id or name), ``at``
    (identity), ``until`` (None: no check-out given), ``extra``,
    ``recorded_on``."""
    person: str
    place: object
    at: str
    until: str | None = None
    extra: dict | None = None
    recorded_on: str | None = None

    @property
    def key(self) -> tuple:
        return self.person, self.place, self.at

    @classmethod
    def from_row(cls, person, place, at, until, extra, recorded_on) -> "Checkin":
        return cls(person, place, at, until, _loads(extra), recorded_on)

    def stored(self) -> tuple:
        """``(at, until, extra, recorded_on)`` as the columns hold them."""
        return self.at, self.until, dumps_extra(self.extra), self.recorded_on


def merge_contacts(x: Contact, y: Contact) -> Contact:
    """The one record of two records of the same contact (the rule in the
    module's docstring): longer minutes, unmasked over masked, blanks
    filled, extras united, earliest recorded_on. The ends in sorted order."""
    if x.key != y.key:
        raise ValueError(f"not the same contact: {x.key} and {y.key}")
    return dataclasses.replace(
        x, a=x.key[0], b=x.key[1], minutes=_most(x.minutes, y.minutes),
        masked=None if x.masked is None and y.masked is None else
        min(m for m in (x.masked, y.masked) if m is not None),
        extra=merge_extra(x.extra, y.extra), recorded_on=earliest_recorded(x.recorded_on, y.recorded_on))


def merge_checkins(x: Checkin, y: Checkin) -> Checkin:
    """The one record of two records of the same check-in: the widest stay
    (earliest ``at``, latest ``until``, a blank ``until`` filled from the
    other), extras united, earliest recorded_on."""
    if x.key != y.key:
        raise ValueError(f"not the same check-in: {x.key} and {y.key}")
    return dataclasses.replace(x, at=min(x.at, y.at), until=_most(x.until, y.until),
                               extra=merge_extra(x.extra, y.extra),
                               recorded_on=earliest_recorded(x.recorded_on, y.recorded_on))


def merge_all(records):
    """The merge of one or more records of the same fact (contacts or check-ins)."""
    it = iter(records)
    out = next(it)
    merge = merge_contacts if isinstance(out, Contact) else merge_checkins
    for r in it:
        out = merge(out, r)
    return out


def earliest_recorded(x: str | None, y: str | None) -> str | None:
    """The earlier of two ``recorded_on`` days; None (recorded before the
    day was kept: not later than the confirmation) is the earliest."""
    return None if x is None or y is None else min(x, y)


def merge_extra(x: dict | None, y: dict | None) -> dict | None:
    """The union of two records' extra attributes, the same whatever their
    order: a key with the same value on both keeps it; with different
    values, the list of every distinct value (lists flattened) in sorted
    order; a blank (None) value is filled from the other.

    >>> merge_extra({"k": "b", "n": 1}, {"k": "a", "m": None})
    {'k': ['a', 'b'], 'm': None, 'n': 1}
    >>> merge_extra({"k": ["a", "b"]}, {"k": "c"}) == merge_extra({"k": "c"}, {"k": ["b", "a"]})
    True
    """
    if not x or not y:
        return (x or y) or None
    out = {}
    for key in sorted({*x, *y}):
        u, v = x.get(key), y.get(key)
        if u == v or v is None:
            out[key] = u
        elif u is None:
            out[key] = v
        else:
            values = {_canon(w): w for part in (u, v) for w in (part if isinstance(part, list) else [part])}
            out[key] = [values[k] for k in sorted(values)] if len(values) > 1 else next(iter(values.values()))
    return out


def changed_fields(before, after) -> dict[str, tuple]:
    """``{field: (before, after)}`` of the details a merge changed."""
    return {f.name: (getattr(before, f.name), getattr(after, f.name)) for f in dataclasses.fields(before)
            if getattr(before, f.name) != getattr(after, f.name) and f.name not in ("a", "b")}


def dumps_extra(extra: dict | None) -> str | None:
    """Extra attributes as stored (JSON text, keys sorted; None: none)."""
    return json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None


def _loads(extra):
    if isinstance(extra, str):
        return json.loads(extra) if extra else None
    return extra or None


def _most(x, y):
    return x if y is None else y if x is None else max(x, y)


def _canon(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

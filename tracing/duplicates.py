"""Likely duplicate persons: find them, mark false alarms, merge.

Two persons are listed as a likely pair when they share a national ID, a
phone number (stored normalised, so ``+84 912…`` and ``0912…`` match), or
the same name without diacritics with the same birth year and ward, or ids
that differ only by case, spaces or zero padding (``nb6``, ``NB 6``,
``NB006``: :func:`tracing.sources.similar_ids`). Pairs
marked with :func:`mark_not_duplicate` are not listed again. :func:`merge`
moves everything of one person onto the other and re-derives levels.

>>> import tempfile, os
>>> from tracing.store import Store
>>> store = Store.open(os.path.join(tempfile.mkdtemp(), "t.db"), create=True)
>>> with store.write("person add"):
...     store.insert_person({"id": "P1", "name": "Nguyễn Văn An", "phone": "0912345678"})
...     store.insert_person({"id": "P2", "name": "Nguyen Van An", "phone": "0912345678"})
>>> [(d["a"], d["b"], d["reasons"]) for d in find_duplicates(store)]
[('P1', 'P2', ['same phone 0912345678'])]
"""

from __future__ import annotations

from .i18n import N_, Msg, _
from . import checkins, levels
from .errors import InvalidValue
from .people import check_id, no_person
from .store import duplicates as sql


def find_duplicates(store) -> list[dict]:
    """Likely duplicate pairs ``{"a", "b", "a_name", "b_name", "reasons"}``, a < b, sorted."""
    from .sources import similar_ids
    from .store.sources import person_ids

    pairs: dict[tuple[str, str], dict] = {}
    skip = sql.not_duplicate_pairs(store)
    found = sql.groups(store)
    similar = similar_ids(person_ids(store))
    if similar:
        found["id"] = [list(store.persons(g).values()) for g in similar]
    for kind, groups in found.items():
        for group in groups:
            for i, x in enumerate(group):
                for y in group[i + 1:]:
                    a, b = sorted((x, y), key=lambda r: r["id"])
                    key = (a["id"], b["id"])
                    if key in skip:
                        continue
                    entry = pairs.setdefault(key, {"a": key[0], "b": key[1], "a_name": a["name"],
                                                   "b_name": b["name"], "reasons": []})
                    if kind == "national_id":
                        entry["reasons"].append(Msg(N_("same national ID {value}"), value=a["national_id"]))
                    elif kind == "phone":
                        entry["reasons"].append(Msg(N_("same phone {value}"), value=a["phone"]))
                    elif kind == "id":
                        entry["reasons"].append(Msg(N_("ids differ only by case, spaces or zero padding")))
                    else:
                        entry["reasons"].append(Msg(N_("same name, birth year {year} and ward {ward}"), year=a["birth_year"],
                                                    ward=a["ward"]))
    return [pairs[k] for k in sorted(pairs)]


def _two(store, a: str, b: str) -> tuple[str, str]:
    a, b = check_id(a, "KEEP"), check_id(b, "OTHER")
    if a == b:
        raise InvalidValue(_("{a} twice: give two different persons").format(a=a))
    missing = store.missing_persons([a, b])
    if missing:
        raise no_person(missing[0])
    return a, b


def mark_not_duplicate(store, a: str, b: str) -> dict:
    """Remember that ``a`` and ``b`` are different people."""
    a, b = _two(store, a, b)
    new = sql.mark_not_duplicate(store, a, b)
    store.note(not_duplicate=sorted((a, b)))
    return {"a": min(a, b), "b": max(a, b), "new": new}


def merge(store, keep: str, other: str) -> dict:
    """Merge ``other`` into ``keep``: contacts (self-contacts dropped; one
    that ``keep`` has too merged into it by the rule of
    :mod:`tracing.contactmerge`, ``merged_changes`` saying what changed),
    check-ins (likewise), case, case sources and follow-ups move to ``keep``,
    ``keep``'s blank fields are filled from ``other``, ``other`` is deleted,
    levels are re-derived and the merge is recorded in the audit log.
    Returns counts and the level changes."""
    from .cases import changes_json

    keep, other = _two(store, keep, other)
    had_case = store.get_case(other) is not None
    result = sql.merge_rows(store, keep, other)
    seeds = set(result.pop("seeds"))
    for merged in result["merged_changes"]:
        if merged["kind"] == "checkin" and "until" in merged["fields"]:  # a wider stay: whoever it overlaps now
            person, place, at = merged["key"]
            for until in merged["fields"]["until"]:
                seeds |= checkins.overlapping_persons(store, place, at, until, store.rules())
        merged["fields"] = {f: {"from": a, "to": b} for f, (a, b) in sorted(merged["fields"].items())}
    region: set[str] = set()
    changes = levels.rederive(store, seeds, changed_cases={keep} if had_case else (), region_out=region)
    from . import followups
    followups.after_rederive(store, changes, f"merge {other} into {keep}", region=region)
    store.note(merge={"keep": keep, "other": other, **{k: v for k, v in result.items()}})
    return {"keep": keep, "other": other, "dry_run": store.dry_run, **result,
            "changes": changes_json(changes)}

"""A person's status and the traced list, as the CLI contract shapes them."""

from __future__ import annotations

import json

from .levels import chain_root, level_name
from .people import get_person


def status(store, person_id: str) -> dict:
    """``{"id", "name", "level", "sources", "primary_source", "flags", ...,
    "care", "zones"}`` today. ``care``: a case's treatment tier
    (:func:`tracing.care.of_case`; None when none is recorded or not a case);
    ``zones``: the zones the person lives in or was checked in at
    (:func:`tracing.zones.of_person`)."""
    from . import care, zones

    person = get_person(store, person_id)
    entry = store.levels([person_id]).get(person_id)
    case = store.get_case(person_id)
    out = {
        "id": person_id, "name": person["name"],
        "level": level_name(entry["level"]) if entry else None,
        "sources": sorted(entry["sources"]) if entry else [],
        "primary_source": entry["primary_source"] if entry else None,
        "flags": entry["flags"] if entry else [],
        "exposure": entry["exposure"] if entry else None,
        "quarantine_from": entry["quarantine"] if entry and entry["level"] else None,
        "root": chain_root(_entries_of(store, {person_id: entry}), person_id) if entry else None,
        "ward": person["ward"], "unit": person["unit"],
        "case": None,
        "care": care.of_case(store, person_id) if case else None,
        "zones": zones.of_person(store, person),
    }
    if case:
        out["case"] = {"confirmed": case["confirmed"], "onset": case["onset"], "isolated": case["isolated"],
                       "unknown_source": bool(case["unknown_source"]),
                       "recorded_sources": store.case_sources([person_id]).get(person_id, []),
                       "labels": store.case_labels(person_id),
                       "level_before": level_name(case["prior_level"])}
        if entry and entry.get("exposure_level") is not None:
            out["exposure_level"] = level_name(entry["exposure_level"])
    return out


def _entries_of(store, known: dict[str, dict | None]):
    """``entry_of(id)`` for :func:`chain_root`: a stored level entry, each read
    once (``known``: those read already; on a server each read is a round trip)."""
    def entry_of(person: str) -> dict | None:
        if person not in known:
            known[person] = store.levels([person]).get(person)
        return known[person]
    return entry_of


def listing(store, *, level: int | None = None, ward: str | None = None, unit: str | None = None) -> list[dict]:
    """Traced persons: ``[{"id", "name", "level", "primary_source", "ward", "unit"}]``."""
    rows = store.list_persons(level=level, ward=ward, unit=unit)
    return [{"id": r["id"], "name": r["name"], "level": level_name(r["level"]),
             "primary_source": r["primary_source"], "ward": r["ward"], "unit": r["unit"],
             "exposure": r["exposure"], "flags": json.loads(r["flags"]) if r["flags"] else []} for r in rows]

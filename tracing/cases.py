"""Confirmed cases: confirm, unconfirm (a false positive) and link a source.

Each re-derives only the neighbourhood the case touches and returns the level
changes, the case itself included (``F1`` -> ``F0`` or ``None`` -> ``F0``).
"""

from __future__ import annotations

from . import levels
from .errors import Conflict, InvalidValue, NotFound
from .levels import level_name
from .people import check_id, ensure_persons
from .values import parse_date, today


def _day(value, field: str, *, required: bool = False):
    day = parse_date(value, field, allow_serial=True)
    if day is None:
        if required:
            raise InvalidValue(f"{field}: a date is required")
        return None
    if day > today():
        raise InvalidValue(f"{field}: {day} is in the future")
    return day


def clean_case(fields: dict) -> dict:
    """Validate ``id``, ``confirmed``, ``onset``, ``isolated``, ``sources``, ``unknown_source``."""
    cid = check_id(fields.get("id"), "id")
    confirmed = _day(fields.get("confirmed"), "--date", required=True)
    onset = _day(fields.get("onset"), "--onset")
    isolated = _day(fields.get("isolated"), "--isolated") or confirmed
    if onset and (confirmed - onset).days > 60:
        raise InvalidValue(f"--onset {onset} is more than 60 days before the sample date {confirmed}")
    sources = [check_id(s, "--source") for s in fields.get("sources") or []]
    if cid in sources:
        raise InvalidValue(f"--source: {cid} cannot be its own source")
    unknown = bool(fields.get("unknown_source"))
    if unknown and sources:
        raise InvalidValue("--unknown-source contradicts --source")
    return {"person": cid, "confirmed": confirmed.isoformat(), "onset": onset.isoformat() if onset else None,
            "isolated": isolated.isoformat(), "unknown_source": int(unknown), "sources": list(dict.fromkeys(sources))}


def changes_json(changes) -> list[dict]:
    """Level changes as ``[{"id", "from", "to"}]`` (only where the level moved)."""
    return [{"id": c.id, "from": level_name((c.old or {}).get("level")), "to": level_name((c.new or {}).get("level"))}
            for c in changes if c.level_changed]


def confirm(store, fields: dict) -> dict:
    """Make a person F0 and re-derive every level it affects."""
    row = clean_case(fields)
    cid = row["person"]
    ensure_persons(store, [cid, *row["sources"]])
    existing = store.get_case(cid)
    if existing:
        raise Conflict(f"{cid} is already a confirmed case (sample {existing['confirmed']}); "
                       "use `tracing case link` for a source or `tracing case unconfirm` to correct it")
    before = store.levels([cid]).get(cid)
    row["prior_level"] = before["level"] if before else None
    sources = row.pop("sources")
    store.upsert_case(row)
    store.add_case_sources(cid, sources)
    changes = levels.rederive(store, {cid}, changed_cases={cid})
    store.note(case=cid, confirmed=row["confirmed"], changes=len(changes))
    return {"id": cid, "dry_run": store.dry_run, "prior_level": level_name(row["prior_level"]),
            "case": row, "sources": sources, "changes": changes_json(changes), "_changes": changes}


def unconfirm(store, case_id: str) -> dict:
    """Remove a confirmation (false positive) and restore the levels."""
    case_id = check_id(case_id)
    if store.get_case(case_id) is None:
        raise NotFound(f"{case_id} is not a confirmed case")
    store.delete_case(case_id)
    changes = levels.rederive(store, {case_id}, changed_cases={case_id})
    store.note(case=case_id, changes=len(changes))
    return {"id": case_id, "dry_run": store.dry_run, "changes": changes_json(changes), "_changes": changes}


def link(store, case_id: str, sources: list[str]) -> dict:
    """Record a source found later (a PA2 case becomes linked)."""
    case_id = check_id(case_id)
    case = store.get_case(case_id)
    if case is None:
        raise NotFound(f"{case_id} is not a confirmed case")
    sources = [check_id(s, "--source") for s in sources]
    if not sources:
        raise InvalidValue("--source: give the source id")
    if case_id in sources:
        raise InvalidValue(f"--source: {case_id} cannot be its own source")
    ensure_persons(store, sources)
    store.add_case_sources(case_id, sources)
    if case["unknown_source"]:
        case["unknown_source"] = 0
        store.upsert_case(case)
    changes = levels.rederive(store, {case_id})
    store.note(case=case_id, sources=sources)
    return {"id": case_id, "dry_run": store.dry_run, "sources": store.case_sources([case_id]).get(case_id, []),
            "changes": changes_json(changes), "_changes": changes}

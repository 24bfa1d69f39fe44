"""Encounters: contacts between two people and QR check-ins at places."""

from __future__ import annotations

from . import checkins, followups, levels
from .i18n import _, fmt_date
from .errors import InvalidValue
from .people import ensure_persons, check_id
from .values import clean_text, parse_bool, parse_datetime, parse_minutes, past_date, setting_with_words, today


def clean_contact(fields: dict) -> dict:
    """Validate a contact as typed: ``a``, ``b``, ``date``, ``setting``,
    ``place``, ``minutes``, ``masked``."""
    a, b = check_id(fields.get("a"), "from"), check_id(fields.get("b"), "to")
    if a == b:
        raise InvalidValue(_("a contact needs two different persons ({a} twice)").format(a=a))
    date = past_date(fields.get("date"), "date")
    minutes = parse_minutes(fields.get("minutes"))
    masked = parse_bool(fields.get("masked"), "masked")
    place = clean_text(fields.get("place"), "place")
    setting, words = setting_with_words(fields.get("setting"))
    place, extra = keep_setting_words(words, place, fields.get("extra") or None)
    return {"a": a, "b": b, "date": date.isoformat() if date else None,
            "setting": setting, "place": place, "minutes": minutes,
            "masked": masked, "extra": extra}


def keep_setting_words(words: str | None, place: str | None, extra: dict | None) -> tuple[str | None, dict | None]:
    """``(place, extra)`` keeping the words of a setting cell that said more
    than its category (:func:`tracing.values.setting_with_words`: ``chợ``,
    ``đám cưới``): as the place when the row has none, else as the extra
    attribute ``setting_text``. Nothing a user wrote is lost."""
    if words is None:
        return place, extra
    if place is None:
        return words, extra
    return place, {**(extra or {}), "setting_text": words}


def add_contact(store, fields: dict) -> dict:
    """Record a contact and re-derive the levels it touches.

    A new exposure restarts the period (DOMAIN.md): the follow-ups of
    everyone re-derived are rescheduled as if the contact had been entered
    first. A contact already recorded (same persons, date, setting, place)
    becomes the merge of both records (:mod:`tracing.contactmerge`: the
    same whatever the order); ``merged`` lists the stored values that
    changed. Returns ``{"a", "b", "new": bool, "merged": {field: (stored,
    now)}, "changes": [Change], "schedule": [...], "followups": counts}``.
    """
    row = clean_contact(fields)
    ensure_persons(store, [row["a"], row["b"]])
    new, merged = store.insert_contact(row)
    changes, schedule, counts = _derive(store, {row["a"], row["b"]}, new or bool(merged),
                                        f"contact {row['a']}–{row['b']} on {row['date'] or 'an unknown date'}")
    store.note(contact=[row["a"], row["b"], row["date"]], changes=len(changes), followups=counts,
               **({"merged": sorted(merged)} if merged else {}))
    return {"a": row["a"], "b": row["b"], "date": row["date"], "new": new, "merged": merged, "changes": changes,
            "schedule": schedule, "followups": counts}


def _derive(store, seeds: set[str], written: bool, why: str) -> tuple[list, list, dict]:
    """Re-derive around ``seeds`` after an encounter was written (new or
    merged into the stored one) and reschedule."""
    if not written:
        return [], [], {"scheduled": 0, "cancelled": 0, "kept": 0}
    region: set[str] = set()
    changes = levels.rederive(store, seeds, region_out=region)
    schedule, counts = followups.reschedule(store, changes, why, region=region)
    return changes, schedule, counts


def add_checkin(store, person: str, place: str, at, until=None) -> dict:
    """Record a QR check-in of ``person`` at ``place`` (created when new) and
    re-derive the levels of everyone whose stay there overlaps it (an
    exposure by rule ``checkin.exposure``, :mod:`tracing.checkins`).

    A check-in already recorded (same person, place and check-in time)
    becomes the merge of both (the widest stay, :mod:`tracing.contactmerge`);
    ``merged`` lists the stored values that changed.

    Returns ``{"person", "place", "at", "until", "new", "merged", "changes": [Change]}``
    (``until``: the check-out stored)."""
    person = check_id(person, "person")
    name = clean_text(place, "place")
    if not name:
        raise InvalidValue(_("place: a place name is required"))
    start = parse_datetime(at, "--at")
    if start is None:
        raise InvalidValue(_("--at: a date-time is required"))
    end = parse_datetime(until, "--until")
    if start.date() > today():
        raise InvalidValue(_("--at: {start} is in the future").format(start=fmt_date(start.date())))
    if end is not None and end < start:
        raise InvalidValue(_("--until {end} is before --at {start}").format(end=fmt_date(end), start=fmt_date(start)))
    ensure_persons(store, [person])
    place_id = store.place_id(name)
    at_text, until_text = start.isoformat(sep=" "), end.isoformat(sep=" ") if end else None
    new, merged = store.insert_checkin(person, place_id, at_text, until_text)
    if "until" in merged:
        before, until_text = merged["until"]
        # whoever overlapped the stay as it was stored is re-derived too
        seeds = checkins.overlapping_persons(store, place_id, at_text, before, store.rules())
        end = parse_datetime(until_text, "--until")
    else:
        seeds = set()
    seeds |= checkins.overlapping_persons(store, place_id, at_text, until_text, store.rules()) | {person}
    changes, schedule, counts = _derive(store, seeds, new or bool(merged),
                                        f"check-in of {person} at {name} {at_text[:16]}")
    store.note(checkin=[person, name, start.isoformat(sep=" ")], changes=len(changes), followups=counts,
               **({"merged": sorted(merged)} if merged else {}))
    return {"person": person, "place": name, "at": start.isoformat(sep=" ", timespec="minutes"),
            "until": end.isoformat(sep=" ", timespec="minutes") if end else None, "new": new, "merged": merged,
            "changes": changes, "schedule": schedule, "followups": counts}


def person_exposures(store, person_id: str) -> list[dict]:
    """A person's recorded contacts and the exposures derived from their
    check-ins overlapping an infectious case's (DOMAIN.md 'QR check-ins':
    setting ``venue``, minutes = the overlap, mask unknown), as ``person
    show`` lists them: ``[{"id", "other", "date", "setting", "place",
    "minutes", "masked", "checkin": bool}]`` (``id`` None for a derived
    one), by date (undated first) and other."""
    out = [{**c, "checkin": False} for c in store.person_contacts(person_id)]
    out += [{"id": None, "other": e.other if e.source == person_id else e.source, "date": e.date,
             "setting": e.setting, "place": e.place, "minutes": e.minutes, "masked": None, "checkin": True}
            for e in checkins.infectious_exposures(store, store.rules(), [person_id])]
    return sorted(out, key=lambda c: (c["date"] is not None, c["date"] or "", c["other"], c["checkin"]))

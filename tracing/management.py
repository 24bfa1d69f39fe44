"""The outbreak-management figures of the supervisor's report
(:mod:`tracing.report`): zones, foci and F0 by treatment tier, each as of the
last day of the report's period.

* ``zones``: every zone active on that day or released inside the period
  (:mod:`tracing.zones`), with days without a new case and the day it may be
  released;
* ``foci``: clusters as foci (:mod:`tracing.foci`) by rule
  ``focus.over_days``: those active on the last day and those over during the
  period are listed (``active``, ``over`` count them), older ones only counted
  (``over_before``);
* ``care``: F0 by tier under treatment on that day, released, the share
  treated at home (the notices: "trên 93 % F0 đang được điều trị tại nhà")
  and the period's cases with no tier recorded (:mod:`tracing.care`).
"""

from __future__ import annotations

import datetime as dt

from . import care, foci, zones
from .i18n import NP_, Words

#: the tables' labels (msgctxt "report", translated in the catalog)
LABELS = Words({
    "zones": NP_("report", "Zones (khoanh vùng, phong tỏa)"), "zone": NP_("report", "Zone"),
    "kind": NP_("report", "Kind"), "areas": NP_("report", "Units and places"), "start": NP_("report", "From"),
    "status": NP_("report", "Status"), "days_without": NP_("report", "Days without a new case"),
    "release_from": NP_("report", "May be released from"), "released": NP_("report", "Released"),
    "foci": NP_("report", "Outbreak foci (ổ dịch)"), "focus": NP_("report", "Focus"),
    "cases": NP_("report", "Cases"), "last_isolated": NP_("report", "Last case isolated"),
    "over_from": NP_("report", "Over from"), "care": NP_("report", "F0 by treatment tier"),
    "tier": NP_("report", "Tier"), "persons": NP_("report", "F0"), "tier_1": NP_("report", "1: home care"),
    "tier_2": NP_("report", "2: field hospital"), "tier_3": NP_("report", "3: intensive care"),
    "under": NP_("report", "Under treatment"), "recovered": NP_("report", "Released from treatment in the period"),
    "recovered_to_date": NP_("report", "Released from treatment, to date"),
    "home_share": NP_("report", "Share treated at home (%)"),
    "no_tier": NP_("report", "F0 of the period with no tier recorded"), "active": NP_("report", "active"),
    "over": NP_("report", "over"), "not_started": NP_("report", "not started"),
    "zone_kind": NP_("report", "zone"), "lockdown": NP_("report", "lockdown"),
})


def figures(store, start: dt.date, end: dt.date) -> dict:
    """``{"zones": [...], "foci": {"active", "over", "over_before", "list": [...]}, "care": {...}}`` on ``end``."""
    from . import clusters

    s, e = start.isoformat(), end.isoformat()
    zone_rows = [z.as_dict() for z in zones.list_zones(store, e)
                 if z.status == "active" or (z.released and s <= z.released <= e)]
    rules = store.rules()
    found, _pending = clusters._compute(store, 2, False)
    facts = {r["id"]: r for r in clusters.sql.case_facts(store)}
    focus_rows = []
    for c in found:
        status, over_from, last = foci.status(
            rules, [(facts[x]["confirmed"], facts[x]["isolated"]) for x in c["cases"]], e)
        if last is None:
            continue
        focus_rows.append({"id": c["id"], "size": sum(1 for x in c["cases"] if (facts[x]["confirmed"] or e) <= e),
                           "last_isolated": last, "status": status, "over_from": over_from})
    # the period's foci: active on its last day, or over during it (older ones are only counted)
    listed = [f for f in focus_rows if f["status"] == "active" or s <= f["over_from"] <= e]
    return {
        "zones": zone_rows,
        "foci": {"active": sum(1 for f in focus_rows if f["status"] == "active"),
                 "over": sum(1 for f in listed if f["status"] == "over"),
                 "over_before": sum(1 for f in focus_rows if f["status"] == "over" and f["over_from"] < s),
                 "list": listed},
        "care": care.summary(store, e, s),
    }


def tables(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """The three tables in the report's language (see :func:`tracing.report.tables`)."""
    L = LABELS.get(report["lang"], LABELS["en"])
    zone_rows = [[z["id"], L["zone_kind"] if z["kind"] == "zone" else L["lockdown"],
                  "; ".join(z["units"] + z["places"]), z["start"],
                  L.get(z["status"], z["status"]) if z["status"] != "released" else L["released"],
                  z["days_without_case"], z["release_from"], z["released"]] for z in report.get("zones", [])]
    focus_rows = [[f["id"], f["size"], f["last_isolated"], L[f["status"]], f["over_from"]]
                  for f in report.get("foci", {}).get("list", [])]
    c = report.get("care") or {"tiers": {"1": 0, "2": 0, "3": 0}, "under_treatment": 0, "recovered": 0,
                               "home_share_pct": None, "no_tier": None}
    care_rows = [[L["tier_1"], c["tiers"]["1"]], [L["tier_2"], c["tiers"]["2"]], [L["tier_3"], c["tiers"]["3"]],
                 [L["under"], c["under_treatment"]], [L["home_share"], c["home_share_pct"]],
                 [L["recovered"], c["recovered"]], [L["recovered_to_date"], c.get("recovered_to_date")],
                 [L["no_tier"], c["no_tier"]]]
    return [
        (L["zones"], [L["zone"], L["kind"], L["areas"], L["start"], L["status"], L["days_without"],
                      L["release_from"], L["released"]], zone_rows),
        (L["foci"], [L["focus"], L["cases"], L["last_isolated"], L["status"], L["over_from"]], focus_rows),
        (L["care"], [L["tier"], L["persons"]], care_rows),
    ]

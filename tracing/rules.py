"""Rules are data: every threshold of the notices with the date it took effect.

The defaults below are the digest of ``shared/DOMAIN.md``; they are copied
into the ``rules`` table of a new database, where ``tracing rules set KEY VALUE
--from DATE`` adds newer ones. Code never branches on a date: it asks
:meth:`Rules.at` for the value in force on the day that matters.

>>> rules = Rules.defaults()
>>> rules.at("f1.close_contact_required", "2021-12-28")
False
>>> rules.at("f1.close_contact_required", "2021-12-29")
True
>>> rules.at("trace.max_depth", "2021-06-01")
2
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from dataclasses import dataclass

from .i18n import N_, _
from .errors import InvalidValue, NotFound
from .values import parse_date

# (key, effective from, value, source/note); the notes are messages (N_): `rules show` prints them
# translated, the database keeps the English
DEFAULT_RULES: list[tuple[str, str, object, str]] = [
    ("trace.max_depth", "2020-01-01", 2, N_("Trace to F2 by default (2020 practice went to F5: set 5).")),
    ("case.earliest_date", "2020-01-01", "2019-12-01",
     N_("No case date (sample, onset, isolation) before this: SARS-CoV-2's first cases were in December 2019 "
     "(WHO). Generic dates read back to 1500; for a historical line list set an earlier date.")),
    ("window.infectious_before_days", "2020-01-01", 2,
     N_("Infectious window starts 2 days before onset (or before the positive sample). 11042/BYT-DP")),
    ("window.incubation_days", "2020-01-01", [14, 2],
     N_("PA2 backward tracing looks 14 to 2 days before onset (or sample).")),
    ("window.source_incubation", "2020-01-01", True,
     N_("A source derived from contacts must fall in the case's incubation window "
     "(window.incubation_days before onset, else sample). shared/DOMAIN.md 'A source must fit in time'")),
    ("checkin.exposure", "2020-01-01", True,
     N_("Overlapping QR check-ins at one place, one person infectious, are an exposure (venue, minutes = "
     "overlap, mask unknown) judged like a recorded contact. shared/DOMAIN.md 'QR check-ins'")),
    ("checkin.stay_minutes", "2020-01-01", 60, N_("A check-in without an end time lasts this many minutes.")),
    ("f1.close_contact_required", "2020-01-01", False, N_("Any contact in the window makes an F1.")),
    ("f1.close_contact_required", "2021-12-29", True,
     N_("F1 needs body contact, unmasked within 2 m, masked >=15 min or same closed room, "
     "or care without protection; unknown mask/duration counts and is flagged. 11042/BYT-DP")),
    ("f1.masked_minutes", "2021-12-29", 15, N_("Masked contact counts from this many minutes.")),
    ("quarantine.plan", "2020-01-01",
     {"F1": {"days": 14, "where": "facility", "monitor_days": 0, "tests": [1, 14]},
      "F2": {"days": 14, "where": "home", "monitor_days": 0, "tests": []}},
     N_("2020: F1 14 days in a facility; F2 14 days at home.")),
    ("quarantine.plan", "2021-05-05",
     {"F1": {"days": 21, "where": "facility", "monitor_days": 7, "tests": [1, 14, 20]},
      "F2": {"days": 14, "where": "home", "monitor_days": 0, "tests": []}},
     N_("F1 21 days in a facility + 7 days home monitoring; tests on days 1, 14, 20.")),
    ("quarantine.plan", "2021-07-14",
     {"F1": {"days": 14, "where": "facility", "monitor_days": 14, "tests": [1, 7, 14]},
      "F2": {"days": 14, "where": "home", "monitor_days": 0, "tests": []}},
     N_("F1 14 days in a facility + 14 days home monitoring; tests on days 1, 7, 14.")),
    ("quarantine.plan", "2021-12-16",
     {"F1": {"days": 14, "where": "facility", "monitor_days": 14, "tests": [1, 7, 14]},
      "F1_protected": {"days": 7, "where": "home", "monitor_days": 7, "tests": [1, 7]},
      "F2": {"days": 14, "where": "home", "monitor_days": 0, "tests": []}},
     N_("Vaccinated or recovered F1: 7 days at home + 7 days self-monitoring; tests on days 1, 7.")),
    ("quarantine.plan", "2022-02-21",
     {"F1": {"days": 7, "where": "home", "monitor_days": 0, "tests": [7]},
      "F1_protected": {"days": 5, "where": "home", "monitor_days": 0, "tests": [5]},
      "F2": {"days": 0, "where": "none", "monitor_days": 0, "tests": []}},
     N_("F1 with >=2 doses: 5 days, test on day 5; others 7 days, test on day 7.")),
    ("quarantine.plan", "2022-04-15",
     {"F1": {"days": 0, "where": "none", "monitor_days": 10, "tests": []},
      "F1_protected": {"days": 0, "where": "none", "monitor_days": 10, "tests": []},
      "F2": {"days": 0, "where": "none", "monitor_days": 0, "tests": []}},
     N_("F1 no longer quarantined; 10 days of precautions.")),
    ("quarantine.protected_doses", "2021-12-16", 2, N_("Doses that make an F1 'vaccinated' for the lighter plan.")),
    ("cluster.followup_days", "2020-01-01", 14, N_("A cluster is active with a link dated within this many days.")),
    ("focus.over_days", "2020-01-01", 28, N_("A focus is over this many days after the last case was isolated.")),
    ("zone.release_days", "2020-01-01", 14, N_("A zoned unit is released after this many days without cases.")),
    ("zone.test_days", "2020-01-01", [0, 7, 14],
     N_("Mass testing of everyone in a declared zone on these days after it starts (0 = the day it is declared). "
     "(default: the notices order mass testing of the zone without fixing the rounds)")),
    # F0 care (tracing.care): when an F0 treated at home may be released.
    # day 1 = the positive sample date; a negative rapid/PCR test on day `days`
    # releases; without one (or still positive) the F0 is released on day
    # `days_if_positive`; `monitor_days` of self-monitoring at home follow.
    ("care.release", "2020-01-01",
     {"days": 14, "test": "pcr", "days_if_positive": None, "monitor_days": 14},
     N_("Before home care: 14 days of treatment and a negative PCR test, then 14 days of monitoring at home "
     "(default: hospital discharge practice of 2020)")),
    ("care.release", "2021-09-03",
     {"days": 14, "test": "pcr_or_rapid", "days_if_positive": None, "monitor_days": 7},
     N_("4109/QĐ-BYT (home care of F0): released after 14 days with a negative test, then 7 days of "
     "self-monitoring (figures and date not confirmed from the text of the decision: default)")),
    ("care.release", "2021-12-29",
     {"days": 10, "test": "rapid", "days_if_positive": 14, "monitor_days": 7},
     N_("Bộ Y tế, with the case definition of 11042/BYT-DP: home F0 released after 10 days of treatment and a "
     "negative rapid antigen test (date and the 14-day fallback: default)")),
    ("care.release", "2022-01-31",
     {"days": 7, "test": "rapid", "days_if_positive": 10, "monitor_days": 7},
     N_("261/QĐ-BYT (31/01/2022): home F0 released after 7 days of treatment and a negative rapid antigen test, "
     "else after 10 days (the 10-day fallback and 7 days of monitoring: default)")),
    # Epidemic level criteria 2 (vaccination) and 3 (treatment capacity)
    # (tracing.epilevel). Criterion 1 is level.bands.
    ("level.assessment", "2021-10-11",
     {"decision": "4800/QĐ-BYT",
      "coverage": {"vaccinated": 0.70, "elderly_vaccinated": 0.80},
      "low_coverage_raise": 1, "capacity_unmet_raise": 1, "max_level": 4,
      "defaults": ["coverage.vaccinated", "coverage.elderly_vaccinated", "low_coverage_raise"]},
     N_("Res. 128/NQ-CP, 4800/QĐ-BYT: the case-rate level is raised one level when vaccination coverage is low "
     "(adults below 70 %, or persons 50 and older below 80 %) and one more when the area cannot meet its "
     "treatment capacity plan. Coverage thresholds and the one-level raise: default (the decision's table was "
     "not found; searched again 2026-12-01: TTXVN's summary gives criterion 2 as adults 18+ with at least one "
     "dose, and the September 2021 draft raises one level below 80 % of persons over 50 fully vaccinated, "
     "except at level 4 or with no case: neither is the decision's text).")),
    ("level.assessment", "2022-01-27",
     {"decision": "218/QĐ-BYT",
      "coverage": {"vaccinated": 0.75, "elderly_vaccinated": 0.80},
      "low_coverage_raise": 1, "capacity_unmet_raise": 1, "max_level": 4,
      "defaults": ["coverage.elderly_vaccinated", "low_coverage_raise"]},
     N_("218/QĐ-BYT (27/01/2022, replaces 4800): case-rate bands of level.bands (level 4 above 600), raised one "
     "level when fewer than 75 % are fully vaccinated (or persons 50 and older below 80 %: default) and one "
     "more when treatment capacity is not met (the one-level raise: default; the decision's table was not "
     "found in a second search, 2026-12-01).")),
    ("level.bands", "2021-10-11",
     [{"level": 1, "from": 0}, {"level": 2, "from": 20}, {"level": 3, "from": 50}, {"level": 4, "from": 150}],
     N_("New community cases per 100,000 per week. Res. 128/NQ-CP, 4800/QĐ-BYT (50 cut: default).")),
    ("level.bands", "2022-01-27",
     [{"level": 1, "from": 0}, {"level": 2, "from": 20}, {"level": 3, "from": 50}, {"level": 4, "above": 600}],
     N_("218/QĐ-BYT: level 4 needs more than 600 per 100,000 per week.")),
]

#: What a value of each key must look like, so ``rules set`` refuses nonsense.
VALIDATORS = {
    "case.earliest_date": lambda v: isinstance(v, str) and _is_date(v),
    "trace.max_depth": lambda v: isinstance(v, int) and 1 <= v <= 5,
    "window.infectious_before_days": lambda v: isinstance(v, int) and 0 <= v <= 21,
    "window.incubation_days": lambda v: isinstance(v, list) and len(v) == 2
    and all(isinstance(x, int) for x in v) and v[0] >= v[1] >= 0,
    "f1.close_contact_required": lambda v: isinstance(v, bool),
    "window.source_incubation": lambda v: isinstance(v, bool),
    "checkin.exposure": lambda v: isinstance(v, bool),
    "checkin.stay_minutes": lambda v: isinstance(v, int) and 1 <= v <= 24 * 60,
    "f1.masked_minutes": lambda v: isinstance(v, int) and 0 <= v <= 24 * 60,
    "quarantine.protected_doses": lambda v: isinstance(v, int) and 0 <= v <= 10,
    "cluster.followup_days": lambda v: isinstance(v, int) and 1 <= v <= 365,
    "focus.over_days": lambda v: isinstance(v, int) and 1 <= v <= 365,
    "zone.release_days": lambda v: isinstance(v, int) and 1 <= v <= 365,
    "quarantine.plan": lambda v: isinstance(v, dict) and "F1" in v,
    "level.bands": lambda v: isinstance(v, list) and len(v) > 0,
    "zone.test_days": lambda v: isinstance(v, list) and all(isinstance(x, int) and 0 <= x <= 365 for x in v),
    "care.release": lambda v: isinstance(v, dict) and isinstance(v.get("days"), int) and 1 <= v["days"] <= 60
    and (v.get("days_if_positive") is None or isinstance(v.get("days_if_positive"), int))
    and isinstance(v.get("monitor_days", 0), int),
    "level.assessment": lambda v: isinstance(v, dict) and isinstance(v.get("coverage", {}), dict)
    and all(isinstance(x, (int, float)) and 0 <= x <= 1 for x in v.get("coverage", {}).values())
    and all(isinstance(v.get(k, 0), int) and 0 <= v.get(k, 0) <= 3 for k in ("low_coverage_raise",
                                                                            "capacity_unmet_raise")),
}


def _is_date(text: str) -> bool:
    try:
        return parse_date(text, "value") is not None
    except InvalidValue:
        return False


@dataclass(frozen=True)
class Rule:
    key: str
    effective: str
    value: object
    note: str = ""


class Rules:
    """The rule table in memory: for each key, values sorted by effective date."""

    def __init__(self, rules: list[Rule]):
        self._by_key: dict[str, list[Rule]] = {}
        for rule in sorted(rules, key=lambda r: (r.key, r.effective)):
            self._by_key.setdefault(rule.key, []).append(rule)
        self._dates = {k: [r.effective for r in v] for k, v in self._by_key.items()}

    @classmethod
    def defaults(cls) -> "Rules":
        return cls([Rule(k, e, v, n) for k, e, v, n in DEFAULT_RULES])

    def at(self, key: str, day) -> object:
        """The value of ``key`` in force on ``day`` (a date or ISO text).

        Before the first effective date the earliest value applies, so old data
        is never left without a rule.
        """
        rules = self._by_key.get(key)
        if not rules:
            raise NotFound(_("no rule named '{key}' (see `tracing rules show`)").format(key=key))
        if day is None:
            return rules[-1].value
        text = day.isoformat() if isinstance(day, dt.date) else str(day)
        i = bisect.bisect_right(self._dates[key], text) - 1
        return rules[max(i, 0)].value

    def in_force(self, day) -> list[Rule]:
        """One rule per key: the one in force on ``day``; keys whose first
        effective date is after ``day`` are left out (principle 4: a rule
        applies only from its effective date).

        >>> [r.key for r in Rules.defaults().in_force("2021-06-01") if r.key.startswith("level")]
        []
        """
        out = []
        for key in sorted(self._by_key):
            rule = self.rule_on(key, day)
            if rule is not None:
                out.append(rule)
        return out

    def rule_on(self, key: str, day) -> Rule | None:
        """The rule of ``key`` in force on ``day``, None before its first effective date.

        >>> Rules.defaults().rule_on("level.bands", "2021-10-10") is None
        True
        """
        text = day.isoformat() if isinstance(day, dt.date) else str(day)
        i = bisect.bisect_right(self._dates.get(key, []), text) - 1
        return self._by_key[key][i] if i >= 0 else None

    def first_effective(self, key: str) -> str | None:
        """The first effective date of ``key`` (None: no such rule)."""
        dates = self._dates.get(key)
        return dates[0] if dates else None

    def all(self) -> list[Rule]:
        return [r for key in sorted(self._by_key) for r in self._by_key[key]]


def parse_rule_value(key: str, text: str) -> object:
    """Parse the VALUE of ``rules set`` (JSON, or a bare word/number) and check it.

    >>> parse_rule_value("trace.max_depth", "3")
    3
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "có", "không"):
        value = value.lower() in ("true", "yes", "có")
    check = VALIDATORS.get(key)
    if check is None:
        raise NotFound(_("rule: unknown key '{key}' (known: {VALIDATORS})").format(
                           key=key, VALIDATORS=', '.join(sorted(VALIDATORS))))
    if not check(value):
        raise InvalidValue(_("rule {key}: value {text!r} is not allowed here").format(key=key, text=text))
    if key == "case.earliest_date":
        value = parse_date(value, key).isoformat()
    return value


def effective_date(text) -> str:
    day = parse_date(text, "--from")
    if day is None:
        raise InvalidValue(_("--from: a date is required"))
    return day.isoformat()

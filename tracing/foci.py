"""Foci (ổ dịch): when an outbreak focus is over.

A cluster of cases (:mod:`tracing.clusters`) is a focus with a status on a
day D: **over** when rule ``focus.over_days`` (in force on D; DOMAIN: 28 days,
default) have passed since its last case was isolated and no case of it was
confirmed since; else **active**. ``over_from`` is the first day it is over
(the last isolation plus ``focus.over_days``), also while it is still active.
Cases confirmed after D are not seen on D.

>>> from tracing.rules import Rules
>>> status(Rules.defaults(), [("2021-05-05", "2021-05-05"), ("2021-05-07", "2021-05-09")], "2021-06-06")
('over', '2021-06-06', '2021-05-09')
>>> status(Rules.defaults(), [("2021-05-05", "2021-05-05"), ("2021-05-07", "2021-05-09")], "2021-06-05")
('active', '2021-06-06', '2021-05-09')
"""

from __future__ import annotations

import datetime as dt

from .i18n import N_

STATUSES = ("active", "over")
#: The statuses as people read them, through the catalog.
STATUS_WORDS = {"active": N_("active"), "over": N_("over")}


def status(rules, cases: list[tuple[str, str | None]], day: str) -> tuple[str, str | None, str | None]:
    """``(status, over_from, last_isolated)`` of a focus whose cases are
    ``(confirmed, isolated)`` pairs (isolated defaults to confirmed), on ``day``.

    ``last_isolated`` is the latest isolation day: the stored case
    ``isolated`` that ``tracing status`` shows (an F1 found in quarantine is
    isolated from the start of that quarantine, before it is confirmed;
    11042/BYT-DP), not the confirmation day (DOMAIN.md: over 28 days after
    the last case was isolated)."""
    seen = [(c, i or c) for c, i in cases if c and c <= day]
    if not seen:
        return "active", None, None
    last = max(i for _, i in seen)  # the isolation day (``status`` shows it), not the confirmation
    days = int(rules.at("focus.over_days", day))
    over_from = (dt.date.fromisoformat(last) + dt.timedelta(days=days)).isoformat()
    return ("over" if day >= over_from else "active"), over_from, last

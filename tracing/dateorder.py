"""The date order of each column of an imported file, known, never guessed silently.

``--date-order dmy|mdy|ymd`` fixes it for every date of a file. Without it a
column written ``N/N/YYYY`` is read in the order its unambiguous values prove:
``23/01/2020`` proves day first, ``1/23/2020`` month first (see
:func:`tracing.values.date_proof`); a column whose values prove nothing is
read day first (the Vietnamese way), and the summary says so. It is an error,
naming a line of each:

* a column with values that prove both orders;
* a column with only ambiguous values in a file where another column
  proves month first (which order did the author use here?).

Values are read as the rows come; when a column turns out to be month-first
after ambiguous values were read day-first, :meth:`DateOrders.finish` raises
:class:`Reread` and the importer reads the file again with that column's
order fixed (nothing was written: one transaction).
"""

from __future__ import annotations

import datetime as dt

from .errors import TracingError
from .i18n import N_, Msg, _
from .values import DATE_ORDERS, date_proof, is_day_month, is_serial, parse_date, parse_datetime

_WORDS = {"dmy": N_("day first"), "mdy": N_("month first"), "ymd": N_("year first")}


class Reread(Exception):
    """Read the file again with ``orders`` ({column: order}) fixed."""

    def __init__(self, orders: dict[str, str]):
        super().__init__(orders)
        self.orders = orders


def check_order(order: str | None) -> str | None:
    """``dmy``, ``mdy``, ``ymd`` or None; anything else raises :class:`TracingError`."""
    if order is None or not str(order).strip():
        return None
    text = str(order).strip().lower().replace("/", "").replace("-", "")
    if text not in DATE_ORDERS:
        raise TracingError(_("--date-order: '{value}' is not one of {orders}").format(
            value=str(order)[:20], orders=", ".join(DATE_ORDERS)))
    return text


class DateOrders:
    """Reads the date cells of one file, column by column (``column`` is the
    field name), keeping what each column's values prove."""

    def __init__(self, path: str, order: str | None = None, fixed: dict[str, str] | None = None):
        self.path = path
        self.order = order
        self.fixed = dict(fixed or {})
        self.proofs: dict[str, dict[str, tuple[int, str]]] = {}
        self.ambiguous: dict[str, tuple[int, str]] = {}
        self.read_day_first: dict[str, tuple[int, str]] = {}
        self.headers: dict[str, str] = {}
        self.seen: set[str] = set()
        #: {column: [count, first line, ISO day]}: workbook date cells whose day could be a month
        self.date_cells: dict[str, list] = {}
        #: {column: [count, first line, value, ISO day]}: numbers read as Excel serial days
        self.serial_days: dict[str, list] = {}

    def _order(self, column: str, text: str, line: int) -> str | None:
        self.seen.add(column)
        if self.order:
            return self.order
        if column in self.fixed:
            self._note(column, text, line)
            return self.fixed[column]
        return self._note(column, text, line)

    def _note(self, column: str, text: str, line: int) -> str:
        proofs = self.proofs.setdefault(column, {})
        proof = date_proof(text)
        if proof is not None:
            proofs.setdefault(proof, (line, text))
            if len(proofs) > 1:
                d, m = proofs["dmy"], proofs["mdy"]
                raise TracingError(_(
                    "{path}: column '{column}' has dates written day first (line {dline}: {dtext}) and month "
                    "first (line {mline}: {mtext}); correct them, or give --date-order dmy or mdy (the other ones "
                    "are then rejected with their line)").format(
                        path=self.path, column=self.headers.get(column, column), dline=d[0], dtext=d[1],
                        mline=m[0], mtext=m[1]))
            return proof
        self.ambiguous.setdefault(column, (line, text))
        order = self.fixed.get(column) or ("mdy" if "mdy" in proofs else "dmy")
        if order == "dmy":
            self.read_day_first.setdefault(column, (line, text))
        return order

    def date(self, column: str, raw, line: int, *, allow_serial: bool = True):
        """``raw`` as a :class:`datetime.date` (None if blank); errors name
        ``column``. A bare number read as an Excel serial day (``44040``) is
        counted per column with its first line (:meth:`serials`): a guess
        the summary states (critic13 F8)."""
        if isinstance(raw, str) and is_day_month(raw):
            order = self._order(column, raw.strip(), line)
            return parse_date(raw, column, allow_serial=allow_serial, order=order)
        if isinstance(raw, dt.date):  # a workbook's date cell: Excel read it when it was typed
            day = raw.date() if isinstance(raw, dt.datetime) else raw
            if day.day <= 12 and day.day != day.month:  # typed N/N: Excel's locale chose the order
                seen = self.date_cells.get(column)
                if seen is None:
                    self.date_cells[column] = [1, line, day.isoformat()]
                else:
                    seen[0] += 1
            return day
        day = parse_date(raw, column, allow_serial=allow_serial, order=self.order)
        if allow_serial and day is not None and is_serial(raw):
            seen = self.serial_days.get(column)
            if seen is None:
                self.serial_days[column] = [1, line, str(raw).strip(), day.isoformat()]
            else:
                seen[0] += 1
        return day

    def swappable(self) -> list[dict]:
        """``[{"column", "cells", "line", "date", "order"}]``: columns of a
        workbook mixing dates typed as text (``4/13/2021``, read in ``order``)
        with date cells whose day is 12 or less (critic13 F15). Text dates in
        a date column are the ones Excel could not read in its locale, so they
        were typed in the other order; a date cell beside them typed the same
        way (``5/4/2021``) was read by Excel with day and month swapped. Said,
        never changed: which cells were swapped only their author knows."""
        out = []
        for column, (n, line, day) in sorted(self.date_cells.items()):
            proofs = self.proofs.get(column, {})
            if not proofs and column not in self.ambiguous:
                continue  # no date typed as text in the column: nothing says Excel read against the author
            order = self.order or self.fixed.get(column) or next(iter(proofs), "dmy")
            out.append({"column": self.headers.get(column, column), "cells": n, "line": line, "date": day,
                        "order": order})
        return out

    def serials(self) -> list[dict]:
        """``[{"column", "count", "line", "value", "date"}]``: the bare numbers
        of each column read as Excel serial days (1900 date system), the first
        with its line."""
        return [{"column": self.headers.get(c, c), "count": n, "line": line, "value": raw, "date": day}
                for c, (n, line, raw, day) in sorted(self.serial_days.items())]

    def datetime(self, column: str, raw, line: int):
        """``raw`` as a :class:`datetime.datetime` (a date-time or a date); errors name ``column``."""
        if isinstance(raw, str):
            head = raw.strip().replace("T", " ").split(" ", 1)[0]
            if is_day_month(head):
                return parse_datetime(raw, column, order=self._order(column, head, line))
        return parse_datetime(raw, column, order=self.order)

    def provisional(self) -> bool:
        """Were dates read in an order the file has not proven (ambiguous
        values read day first by default)? Then an error found on them may
        be the wrong one until :meth:`finish` has judged the whole file."""
        return not self.order and bool(self.ambiguous)

    def finish(self) -> None:
        """Raise :class:`Reread` or :class:`TracingError` as the module says; else nothing."""
        if self.order:
            return
        month_first = {c: p["mdy"] for c, p in self.proofs.items() if "mdy" in p and c not in self.fixed}
        again = {c: "mdy" for c in month_first if c in self.read_day_first}
        for column, (line, text) in self.ambiguous.items():
            proofs = self.proofs.get(column, {})
            if proofs or column in self.fixed:
                continue
            others = {c: p["mdy"] for c, p in self.proofs.items() if "mdy" in p}
            if others:
                other, (oline, otext) = sorted(others.items())[0]
                raise TracingError(_(
                    "{path}: column '{column}' has only dates that read both ways (line {line}: {text}) while "
                    "column '{other}' is written month first (line {oline}: {otext}); give --date-order dmy or "
                    "mdy").format(path=self.path, column=self.headers.get(column, column), line=line, text=text,
                                  other=self.headers.get(other, other), oline=oline, otext=otext))
        if again:
            raise Reread({**self.fixed, **again})

    def summary(self) -> dict[str, str]:
        """``{column: how its N/N/YYYY dates were read}`` for the import summary
        (:class:`tracing.i18n.Msg`: English in JSON, ``.shown()`` for people)."""
        out = {}
        for column in sorted(self.seen):
            name = self.headers.get(column, column)
            if self.order:
                out[name] = Msg(N_("{order} (--date-order)"), order=self.order)
                continue
            proofs = self.proofs.get(column, {})
            order = self.fixed.get(column) or next(iter(proofs), None)
            if order and order in proofs:
                line, text = proofs[order]
                out[name] = Msg(N_("{order}: {how}, proven by line {line} ({text})"), order=order,
                                how=Msg(_WORDS[order]), line=line, text=text)
            else:
                out[name] = Msg(N_("dmy: day first (default; no value proves an order, give --date-order to be sure)"))
        return out


def as_iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat()

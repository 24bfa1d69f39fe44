"""Spreadsheet files: writing CSV and XLSX safely, reading XLSX rows.

This is the only module that imports openpyxl (lazily, inside functions).

Writing is safe for the people who open the files:

* every text cell that a spreadsheet would run as a formula (it starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is neutralised, see
  :func:`neutralise`; real numbers such as ``-3`` stay numbers;
* CSV is UTF-8 **with a BOM** (``utf-8-sig``): Excel on Windows reads a CSV
  without a BOM in the ANSI code page and garbles Vietnamese, with it opens it
  right; LibreOffice, pandas and :mod:`tracing.tabular` ignore the BOM;
* XLSX is a real workbook: bold frozen header row, column widths fitted to the
  content, dates as Excel dates, one sheet per table;
* files are written to a temporary file beside the target and renamed into
  place, so a failure never leaves half a file; the same input gives the same
  bytes (fixed document dates and zip timestamps).

>>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("-3"), neutralise(-3)
('\\'=HYPERLINK("http://x")', '-3', -3)
>>> sheet_title("Ca bệnh [tuần 1/2022]: Hà Nội")
'Ca bệnh (tuần 1-2022) Hà Nội'
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
import unicodedata
import zipfile
from typing import Iterable, Iterator, Sequence

from .files import atomic_file
from .errors import TracingError
from .i18n import _, fmt_int
from .values import fold, iso

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
"""Creation and modification date written into every workbook (reproducible bytes)."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
XLSX_MAX_CHARS = 32767
"""Excel's own limit of characters in a cell: longer cells are cut when written, refused when read."""
XLSX_MAX_ROWS = 1_048_576
"""Excel's own limit of rows in a sheet: a sheet declaring or holding more is refused."""
XLSX_MAX_BYTES = 1024 ** 3
"""Largest workbook read, as the sum of its parts' uncompressed sizes (1 GiB; save bigger tables as CSV)."""
XLSX_MAX_PART_BYTES = 256 * 1024 ** 2
"""Largest part other than a worksheet (shared strings, styles…): openpyxl holds these whole in memory."""
XLSX_MAX_PARTS = 10_000
"""Most files inside one workbook."""
WIDTH_ROWS = 1000
"""Column widths are fitted to the header and the first this-many rows."""


def neutralise(value):
    """A cell value that no spreadsheet runs as a formula: text starting with
    ``= + - @``, a tab or CR gets a leading apostrophe, unless it is a plain
    number (``-3``, ``+84912345678``, ``-1.5e3``). Other values are returned
    unchanged.

    >>> neutralise("@SUM(A1)"), neutralise("\\t=1"), neutralise("Nguyễn"), neutralise("-")
    ("'@SUM(A1)", "'\\t=1", 'Nguyễn', "'-")
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        if isinstance(value, dt.datetime) and value.second:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return iso(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cells(headers: Sequence[str], row) -> list:
    if isinstance(row, dict):
        return [row.get(h) for h in headers]
    return list(row)





def write_csv(path, headers: Sequence[str], rows: Iterable, *, bom: bool = True) -> int:
    """Write a CSV table (comma-separated, CRLF line ends, UTF-8 with BOM
    unless ``bom=False``), every cell neutralised. ``rows`` are sequences in
    header order or dicts keyed by header. Returns the number of data rows.
    """
    import csv

    count = 0
    with atomic_file(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([neutralise(_text(h)) for h in headers])
        for row in rows:
            writer.writerow([neutralise(_text(v)) for v in _cells(headers, row)])
            count += 1
    return count


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name, taken: Iterable[str] = ()) -> str:
    """A valid Excel sheet name: none of ``[]:*?/\\``, no apostrophe at either
    end, at most 31 characters, not ``History``, unique among ``taken``
    (case-insensitive, a ``(2)`` suffix is added).

    >>> sheet_title("a" * 40) == "a" * 31, sheet_title("Cases", ["cases"]), sheet_title("")
    (True, 'Cases (2)', 'Sheet')
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("[", "(").replace("]", ")").replace("/", "-").replace("\\", "-")
    text = _BAD_TITLE.sub(" ", text)
    text = re.sub(r"[\x00-\x1f]", "", text)
    text = " ".join(text.split()).strip("'").strip() or "Sheet"
    if text.lower() == "history":
        text += " 1"
    text = text[:31].rstrip()
    used = {t.lower() for t in taken}
    base, n = text, 1
    while text.lower() in used:
        n += 1
        tail = f" ({n})"
        text = base[: 31 - len(tail)].rstrip() + tail
    return text


def _illegal():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = _text(value)
    return max((len(part) for part in text.splitlines()), default=0)


class _FixedZip(zipfile.ZipFile):
    """A zip whose entries carry one fixed timestamp (reproducible bytes)."""

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        info = self._info(arcname or os.path.basename(filename))
        with open(filename, "rb") as src, self.open(info, "w", force_zip64=True) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)


def write_xlsx(path, sheets: Sequence[tuple[str, Sequence[str], Iterable]], *, date_format: str = "yyyy-mm-dd",
               extra=None) -> list[str]:
    """Write a workbook with one sheet per ``(name, headers, rows)``: bold,
    frozen header row, widths fitted to the content (header and first
    :data:`WIDTH_ROWS` rows), dates and date-times as Excel dates, numbers as
    numbers, text that looks like a formula stored as text with Excel's quote
    prefix (shown as typed, never evaluated, also not after editing). Rows
    stream to disk (write-only workbook). Returns the sheet names used.
    ``date_format``: how date cells are shown (``dd/mm/yyyy`` for Vietnamese
    reports); ``extra(workbook)`` may add sheets (a chart) before saving.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    illegal = _illegal()
    bold = Font(bold=True)
    wb = Workbook(write_only=True)
    wb.properties.creator = "tracing"
    wb.properties.lastModifiedBy = "tracing"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME

    def cell(ws, value, header=False):
        if isinstance(value, dt.datetime):
            c = WriteOnlyCell(ws, value=value.replace(tzinfo=None, microsecond=0))
            c.number_format = date_format + (" hh:mm" if not value.second else " hh:mm:ss")
        elif isinstance(value, dt.date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = date_format
        elif value is None or isinstance(value, (bool, int, float)):
            c = WriteOnlyCell(ws, value=value)
        else:
            text = illegal.sub("", unicodedata.normalize("NFC", _text(value)))
            if len(text) > XLSX_MAX_CHARS:
                text = text[: XLSX_MAX_CHARS - 1] + "…"
            c = WriteOnlyCell(ws, value=text)
            if c.data_type != "s" or neutralise(text) != text:
                c.data_type = "s"
                c.quotePrefix = True
        if header:
            c.font = bold
        return c

    titles: list[str] = []
    for name, headers, rows in sheets or [("Sheet", [], [])]:
        title = sheet_title(name, titles)
        titles.append(title)
        ws = wb.create_sheet(title=title)
        it = iter(rows)
        head = [_cells(headers, r) for r in itertools.islice(it, WIDTH_ROWS)]
        ncols = max([len(headers)] + [len(r) for r in head])
        for i in range(ncols):
            longest = max([_width(headers[i]) if i < len(headers) else 0]
                          + [_width(r[i]) for r in head if i < len(r)])
            ws.column_dimensions[get_column_letter(i + 1)].width = min(60, max(8, longest + 2))
        if headers:
            ws.freeze_panes = "A2"
            ws.append([cell(ws, h, header=True) for h in headers])
        for row in itertools.chain(head, (_cells(headers, r) for r in it)):
            ws.append([cell(ws, v) for v in row])

    if extra is not None:
        extra(wb)
    try:
        with atomic_file(path, "wb") as fh:
            with _FixedZip(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                ExcelWriter(wb, archive).save()
    except BaseException:
        _abandon(wb)
        raise
    return titles


def _abandon(wb) -> None:
    """After a failed save (a full disk), stop openpyxl's row writers now and
    quietly: left to the garbage collector each prints an "Exception ignored
    in: <generator object WriteOnlyWorksheet._write_rows>" traceback after
    the one error line a user should see. Their temporary files go too."""
    import contextlib

    for ws in wb.worksheets:
        for gen in (getattr(ws, "_rows", None), getattr(getattr(ws, "_writer", None), "xf", None)):
            if gen is not None:
                with contextlib.suppress(BaseException):
                    gen.close()
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with contextlib.suppress(BaseException):
                writer.cleanup()


def _longest_text_run(archive: zipfile.ZipFile, info: zipfile.ZipInfo, stop: int) -> int:
    """The longest run of bytes without ``<`` in an XML part (a text node:
    a cell's text), read in chunks; stops early once a run exceeds ``stop``."""
    longest = run = 0
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(16 * 1024 * 1024)
            if not chunk:
                return max(longest, run)
            pieces = chunk.split(b"<")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                longest = max(longest, run + len(pieces[0]), max(map(len, pieces[1:-1]), default=0))
                run = len(pieces[-1])
            if max(longest, run) > stop:
                return max(longest, run)


def check_xlsx_bounds(path) -> None:
    """Refuse a workbook that would take more memory or time than a line list
    needs, from its zip directory and before openpyxl reads it: more than
    :data:`XLSX_MAX_PARTS` parts, more than :data:`XLSX_MAX_BYTES` unpacked,
    a part other than a worksheet over :data:`XLSX_MAX_PART_BYTES`, or a text
    run longer than 4 × :data:`XLSX_MAX_CHARS` bytes (a cell far over
    Excel's limit). Zip sizes are trustworthy here: :mod:`zipfile` never
    unpacks more than a part declares. A file that is not a zip is left to
    openpyxl's own error."""
    path = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        infos = archive.infolist()
        if len(infos) > XLSX_MAX_PARTS:
            raise TracingError(_("{path}: {n} files inside the workbook, more than {cap}; not a spreadsheet this "
                                 "tool reads").format(path=path, n=fmt_int(len(infos)), cap=fmt_int(XLSX_MAX_PARTS)))
        total = sum(i.file_size for i in infos)
        if total > XLSX_MAX_BYTES:
            raise TracingError(_("{path}: the workbook unpacks to {size} MB, more than the {cap} MB this tool reads; "
                                 "save the sheet as CSV").format(path=path, size=fmt_int(round(total / 1024 ** 2)),
                                                                 cap=fmt_int(XLSX_MAX_BYTES // 1024 ** 2)))
        for info in infos:
            if info.file_size > XLSX_MAX_PART_BYTES and not info.filename.startswith("xl/worksheets/"):
                raise TracingError(_("{path}: part {part} unpacks to {size} MB, more than {cap} MB; save the sheet as "
                                     "CSV").format(path=path, part=info.filename,
                                                   size=fmt_int(round(info.file_size / 1024 ** 2)),
                                                   cap=XLSX_MAX_PART_BYTES // 1024 ** 2))
        limit = 4 * XLSX_MAX_CHARS
        for info in infos:
            if info.file_size > limit and info.filename.endswith(".xml"):
                try:
                    run = _longest_text_run(archive, info, limit)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
                    return  # damaged: openpyxl says so
                if run > limit:
                    raise TracingError(_("{path}: part {part} holds a text of {size}+ bytes, a cell far over "
                                         "Excel's limit of {cap} characters").format(
                        path=path, part=info.filename, size=fmt_int(run), cap=fmt_int(XLSX_MAX_CHARS)))


class XlsxRows:
    """The rows of one sheet of a workbook, read lazily (openpyxl read-only).

    Iterating yields ``(row number, [values])`` from row 1; text, numbers,
    ``datetime`` for date cells and cached results for formulas, all raw.
    ``sheet`` is the sheet's name, ``sheet_names`` all of them, ``max_row``
    the row count the file declares (None if it declares none).

    The workbook is checked by :func:`check_xlsx_bounds` before it is read;
    a sheet declaring or holding more than :data:`XLSX_MAX_ROWS` rows, or a
    cell of more than :data:`XLSX_MAX_CHARS` characters, is refused.
    """

    def __init__(self, path, sheet: str | None = None):
        from openpyxl import load_workbook

        self.path = str(path)
        if os.path.isfile(self.path):
            check_xlsx_bounds(self.path)
        try:
            self._wb = load_workbook(self.path, read_only=True, data_only=True)
        except FileNotFoundError:
            raise TracingError(_("{path}: no such file").format(path=self.path)) from None
        except Exception as exc:  # zipfile, XML and openpyxl errors of a broken file
            raise TracingError(_("{path}: not a readable .xlsx workbook ({__name__}: {error})").format(
                                   path=self.path, __name__=type(exc).__name__, error=str(exc)[:80])) from None
        self.sheet_names = list(self._wb.sheetnames)
        worksheets = self._wb.worksheets
        if sheet is None:
            if not worksheets:
                self.close()
                raise TracingError(_("{path}: the workbook has no worksheet").format(path=self.path))
            ws = worksheets[0]
        else:
            ws = self._pick(sheet, worksheets)
        self.sheet = ws.title
        try:
            self.max_row = ws.max_row
        except Exception:
            self.max_row = None
        if self.max_row is not None and self.max_row > XLSX_MAX_ROWS:
            self.close()
            raise TracingError(_("{path}, sheet '{sheet}': declares {n} rows, more than Excel's {cap}; save it as "
                                 "CSV").format(path=self.path, sheet=self.sheet, n=fmt_int(self.max_row),
                                               cap=fmt_int(XLSX_MAX_ROWS)))
        ws.reset_dimensions()  # some writers declare wrong dimensions; read every row
        self._ws = ws
        # formula cells a script wrote without their computed value read as blank:
        # those are named (line, column), never taken silently for empty cells
        self.formulas_blank: list[tuple[int, int, str]] = []
        self._formulas = None
        has_formulas, merged = _scan_sheet(self.path, getattr(ws, "_worksheet_path", None))
        # merged cells (a ward or a date typed once over the rows of one ward or day): openpyxl reads
        # every cell of a range but its top-left one as blank; the value is read into each row it
        # covers, and said (merged_filled: range, column, value, lines filled)
        self._merged = _merged_columns(merged)
        self.merged_filled: list[dict] = []
        if has_formulas:
            fwb = load_workbook(self.path, read_only=True, data_only=False)
            self._fwb = fwb
            fws = fwb[ws.title]
            fws.reset_dimensions()
            self._formulas = fws.iter_rows(values_only=True)

    def _pick(self, sheet: str, worksheets):
        wanted = unicodedata.normalize("NFC", str(sheet)).strip()
        for ws in worksheets:
            if ws.title == wanted:
                return ws
        folded = [ws for ws in worksheets if fold(ws.title) == fold(wanted)]
        if len(folded) == 1:
            return folded[0]
        self.close()
        names = ", ".join(f"'{n}'" for n in self.sheet_names)
        raise TracingError(_("{path}: no sheet '{sheet}' (sheets: {names})").format(
                               path=self.path, sheet=sheet, names=names))

    def __iter__(self) -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, values in enumerate(self._ws.iter_rows(values_only=True), start=1):
                if number > XLSX_MAX_ROWS:
                    raise TracingError(_("{path}, sheet '{sheet}': more than Excel's {cap} rows; save it as CSV")
                                       .format(path=self.path, sheet=self.sheet, cap=fmt_int(XLSX_MAX_ROWS)))
                for column, value in enumerate(values, start=1):
                    if isinstance(value, str) and len(value) > XLSX_MAX_CHARS:
                        raise TracingError(_("{path}, sheet '{sheet}', row {row}, column {column}: a cell of {n} "
                                             "characters, more than Excel's {cap}").format(
                            path=self.path, sheet=self.sheet, row=number, column=column, n=fmt_int(len(value)),
                            cap=fmt_int(XLSX_MAX_CHARS)))
                if self._merged:
                    values = self._fill_merged(number, values)
                if self._formulas is not None:
                    written = next(self._formulas, ())
                    for column, (value, formula) in enumerate(zip(values, written), start=1):
                        if value is None and isinstance(formula, str) and formula.startswith("="):
                            self.formulas_blank.append((number, column, formula[:60]))
                yield number, list(values)
        except TracingError:
            raise
        except Exception as exc:
            raise TracingError(_("{path}, sheet '{sheet}', row {number}: cannot be read ({__name__}: {error})").format(
                                   path=self.path, sheet=self.sheet, number=number + 1, __name__=type(exc).__name__, error=str(exc)[:80])) from None
        finally:
            self.close()

    def _fill_merged(self, number: int, values) -> tuple:
        """``values`` of row ``number`` with the blank cells that a merged
        range covers below its top-left cell holding that cell's value (the
        first column of the range: what the sheet shows in it); each fill is
        recorded in :attr:`merged_filled`."""
        out = None
        for column, first, last, filled in self._merged:
            if number < first or number > last:
                continue
            value = values[column - 1] if column <= len(values) else None
            if number == first:
                if value is not None:
                    filled.update(value=value, lines=[])
                    self.merged_filled.append(filled)
                continue
            if value is None and filled.get("value") is not None:
                out = out if out is not None else list(values) + [None] * (column - len(values))
                out[column - 1] = filled["value"]
                filled["lines"].append(number)
        return tuple(out) if out is not None else values

    def close(self) -> None:
        wb, self._wb = getattr(self, "_wb", None), None
        if wb is not None:
            wb.close()
        fwb, self._fwb = getattr(self, "_fwb", None), None
        if fwb is not None:
            fwb.close()


_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+)\"")


def _scan_sheet(path: str, member: str | None) -> tuple[bool, list[str]]:
    """One pass over the sheet's XML (``member`` of the zip): does it hold a
    formula element (only then is the workbook read a second time for
    formulas), and the refs of its merged ranges (``C2:C4``: openpyxl's
    read-only mode does not give them)."""
    import zipfile

    if not member:
        return False, []
    formulas, merged = False, []
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member.lstrip("/")) as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                block = tail + chunk
                if not formulas and (b"<f>" in block or b"<f " in block or b"<x:f" in block):
                    formulas = True
                if b"mergeCell" in block:  # a tag cut by the chunk's end is whole in the next block (a repeat: dropped)
                    merged += [m.decode() for m in _MERGE_REF.findall(block)]
                tail = block[-200:]
    except (KeyError, OSError, zipfile.BadZipFile):
        return False, []
    return formulas, list(dict.fromkeys(merged))


def _merged_columns(refs: list[str]) -> list[tuple[int, int, int, dict]]:
    """The merged ranges that span rows: ``(first column, first row, last
    row, record)`` each, the record ``{"range", "column"}`` completed while
    the rows are read. A range one row high (a title over several columns)
    fills nothing."""
    from openpyxl.utils.cell import range_boundaries

    out = []
    for ref in refs:
        try:
            min_col, min_row, _max_col, max_row = range_boundaries(ref)
        except ValueError:
            continue
        if max_row > min_row:
            out.append((min_col, min_row, max_row, {"range": ref, "column": min_col}))
    return out


def sheet_heads(path, rows: int) -> dict[str, list[list]]:
    """The first ``rows`` non-blank rows of every worksheet of ``path``, by
    sheet name in workbook order (an empty sheet gives ``[]``): enough to
    tell which sheet holds what (:func:`tracing.tabular.open_table`)."""
    from openpyxl import load_workbook

    wb = load_workbook(str(path), read_only=True, data_only=True)
    try:
        heads: dict[str, list[list]] = {}
        for ws in wb.worksheets:
            got: list[list] = []
            for values in ws.iter_rows(values_only=True):
                if any(v is not None and str(v).strip() for v in values):
                    got.append(list(values))
                    if len(got) >= rows:
                        break
            heads[ws.title] = got
        return heads
    finally:
        wb.close()


def read_xlsx_rows(path, sheet: str | None = None) -> XlsxRows:
    """Open one sheet of ``path`` (the first, or the one named ``sheet``; a
    missing name is an error listing the sheets) for lazy reading."""
    return XlsxRows(path, sheet)

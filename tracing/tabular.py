"""Reading tables (CSV and XLSX) for bulk import, one row at a time.

:func:`open_table` opens a file, finds its encoding and delimiter (CSV) or
sheet (XLSX), reads the header row and maps each header to a field of the
kind being imported (``persons``, ``contacts``, ``cases``, ``checkins``,
``populations``). Headers match fields ignoring case, diacritics, spaces and
punctuation, in English or Vietnamese (``Họ và tên`` -> ``name``, ``SĐT`` ->
``phone``); ``columns={"confirmed": "positiveDate"}`` chooses a header
explicitly. :meth:`Table.rows` then yields ``(line, row)`` lazily: memory does
not grow with the file.

Values stay raw (text from CSV, text/number/datetime from XLSX, all text NFC
normalised); parsing and validation belong to the importer, which uses
:mod:`tracing.values`. Every problem with the file raises
:class:`~tracing.errors.TracingError` naming the file and line.

>>> match_header("Họ và tên", "persons"), match_header("SĐT", "persons")
('name', 'phone')
>>> match_header("Ngày dương tính", "cases"), match_header("gender ", "cases")
('confirmed', 'sex')
>>> match_header("Thời gian", "checkins"), match_header("Thời gian", "contacts") is None
('at', True)
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import operator
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from .errors import TracingError
from .i18n import N_, _, fmt_int
from .values import fold, refuse_controls

SAMPLE_BYTES = 64 * 1024
"""Encoding and delimiter detection look at this many bytes only."""
FIELD_SIZE_LIMIT = 2 * 1024 * 1024
"""Largest CSV cell accepted, in characters (a 1 MB note is fine; a name is
at most 200, an address 500). XLSX cells are held to Excel's own limit,
:data:`tracing.sheets.XLSX_MAX_CHARS`; a workbook's size caps are in
:func:`tracing.sheets.check_xlsx_bounds`."""
MAX_LINE_CHARS = FIELD_SIZE_LIMIT + 1024 * 1024
"""Longest physical line read; past it the file is not a table."""
MAX_COLUMNS = 1000
"""More columns than this is not a line list (Excel's own limit is 16,384)."""
MAX_JSON_BYTES = 256 * 1024 ** 2
"""Largest .json/.jsonl file read: JSON is parsed whole (save bigger tables as CSV)."""

KINDS = ("persons", "contacts", "cases", "checkins", "populations")


@dataclass(frozen=True)
class FieldSpec:
    """A field an import kind understands, with the headers that mean it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def _f(name: str, *aliases: str, required: bool = False) -> FieldSpec:
    return FieldSpec(name, (name, *aliases), required)


_PERSON = [
    _f("id", "mã", "mã bn", "mã số", "mã người", "mã bệnh nhân", "mã ca", "mã ca bệnh", "mã định danh",
       "person id", "case id", "patient id", "bn", "identifier", required=True),
    _f("name", "họ tên", "họ và tên", "tên", "tên người", "full name", "fullname", "person name"),
    _f("phone", "số điện thoại", "sđt", "số đt", "điện thoại", "điện thoại di động", "di động",
       "phone number", "mobile", "mobile phone", "tel", "telephone"),
    _f("national_id", "cccd", "cmnd", "số cccd", "số cmnd", "cccd/cmnd", "cmnd/cccd", "căn cước",
       "căn cước công dân", "số căn cước", "số định danh", "national id number", "id card",
       "id number", "citizen id"),
    _f("birth_year", "năm sinh", "birth year", "year of birth", "yob"),
    _f("age", "tuổi"),
    # the day a typed age is an age at (an export writes it; blank: the row's case date, else the import day)
    _f("age_date", "age date", "age on", "ngày ghi tuổi", "tuổi tại ngày"),
    _f("birth_date", "ngày sinh", "ngày tháng năm sinh", "dob", "date of birth", "birthday", "birthdate"),
    _f("sex", "giới tính", "giới", "gender", "nam/nữ"),
    _f("address", "địa chỉ", "địa chỉ thường trú", "địa chỉ nơi ở", "địa chỉ cư trú", "nơi ở",
       "chỗ ở", "nơi cư trú", "home address"),
    _f("unit", "tổ dân phố", "tdp", "tổ", "khu dân cư", "kdc", "thôn", "xóm", "ấp", "khu phố",
       "chung cư", "thôn/tổ dân phố", "tổ dân phố/thôn", "thôn/xóm"),
    _f("ward", "phường", "xã", "phường/xã", "xã/phường", "commune"),
    _f("district", "quận", "huyện", "quận/huyện", "huyện/quận", "thị xã"),
    _f("workplace", "nơi làm việc", "nơi công tác", "cơ quan", "đơn vị công tác", "công ty",
       "work place", "employer", "company"),
    _f("vaccinated", "doses", "vaccine doses", "số mũi", "số mũi tiêm", "số mũi vắc xin",
       "số mũi vaccine", "mũi tiêm", "tiêm chủng", "đã tiêm", "tiêm vắc xin", "tiêm vaccine",
       "tiêm vacxin", "số mũi đã tiêm", "tình trạng tiêm chủng", "tình trạng tiêm", "vaccination",
       "vaccination status", "vaccine", "vaccinated doses"),
    _f("recovered", "đã khỏi", "khỏi bệnh", "đã mắc", "từng mắc", "đã mắc covid"),
    _f("quarantine_start", "ngày cách ly", "ngày bắt đầu cách ly", "bắt đầu cách ly",
       "quarantine start", "quarantine date", "date quarantine", "quarantined"),
    # what an earlier import flagged for `check` (an export's column): kept by the round trip
    _f("import_flags", "import flags"),
]

#: The day a contact or check-in was recorded (an export's ``recorded_on``;
#: blank or absent: the import day). DOMAIN.md: no test before the day the
#: person was traced, which is that day when later than the confirmation.
RECORDED_ON = _f("recorded_on", "recorded on", "ngày ghi nhận", "ngày nhập")

FIELDS: dict[str, list[FieldSpec]] = {
    "persons": _PERSON,
    "contacts": [
        _f("from", "infector", "person a", "a", "source", "nguồn", "nguồn lây", "người lây",
           "ca bệnh", "f0", "người 1", "mã người 1", "từ", "từ người", required=True),
        _f("to", "infectee", "person b", "b", "contact", "target", "người tiếp xúc", "tiếp xúc",
           "f1", "người 2", "mã người 2", "đến", "đến người", required=True),
        _f("date", "ngày", "ngày tiếp xúc", "ngày phơi nhiễm", "contact date", "date of contact",
           "exposure date"),
        _f("setting", "bối cảnh", "loại tiếp xúc", "hình thức tiếp xúc", "môi trường tiếp xúc",
           "contact type"),
        _f("place", "địa điểm", "nơi tiếp xúc", "địa điểm tiếp xúc", "location", "venue"),
        # "Thời gian" alone is not here: it may be a time of day or a duration.
        _f("minutes", "số phút", "phút", "thời lượng", "thời gian tiếp xúc", "duration",
           "duration min", "duration minutes"),
        _f("masked", "mask", "khẩu trang", "đeo khẩu trang", "có đeo khẩu trang"),
        RECORDED_ON,
    ],
    "cases": [
        _PERSON[0],
        _f("confirmed", "ngày xét nghiệm", "ngày lấy mẫu", "ngày dương tính", "ngày xác định",
           "ngày xác nhận", "ngày có kết quả", "ngày xn", "ngày có kq", "ngày kq", "ngày kết quả",
           "ngày xn dương tính", "ngày xét nghiệm dương tính", "ngày phát hiện",
           "ngày phát hiện dương tính", "ngày có kết quả dương tính", "ngày có kq dương tính", "positive date", "date positive", "confirmed date",
           "date confirmed", "confirmation date", "date confirmation", "confirm date", "test date",
           "sample date"),
        _f("onset", "ngày khởi phát", "khởi phát", "ngày có triệu chứng", "ngày xuất hiện triệu chứng",
           "onset date", "date onset", "date of onset", "symptom onset", "date onset symptoms",
           "symptom onset date", "onset of symptom", "onset of symptoms", "date of symptom onset",
           "ngày khởi phát triệu chứng", "ngày bắt đầu triệu chứng"),
        _f("isolated", "ngày nhập viện", "ngày vào viện", "ngày cách ly điều trị", "isolation date",
           "date isolated", "date hospital", "hospitalised", "hospitalized", "admission date",
           "date admitted"),
        _f("source", "nguồn lây", "nguồn", "nguồn lây nhiễm", "lây từ", "infection source",
           "infector", "source case", "sources", "infected by"),  # infected_by: the KCDC line list
        _f("unknown_source", "unknown source", "không rõ nguồn", "không rõ nguồn lây", "chưa rõ nguồn",
           "chưa rõ nguồn lây"),
        _f("found_by", "found by", "how found", "phát hiện", "nơi phát hiện", "cách phát hiện", "hình thức phát hiện"),
        *_PERSON[1:],
    ],
    "checkins": [
        _f("person", "người", "mã người", "person id", "id", "mã", "mã bn", "mã định danh", required=True),
        _f("place", "địa điểm", "mã địa điểm", "nơi quét", "điểm quét", "location", "venue",
           required=True),
        _f("at", "thời gian", "giờ quét", "thời điểm", "thời gian quét", "thời gian vào", "giờ vào",
           "ngày giờ", "time", "datetime", "checkin", "check in", "checkin time", "scanned at",
           required=True),
        _f("until", "giờ ra", "thời gian ra", "checkout", "check out", "left at"),
        *(f for f in _PERSON if f.name == "unit"),  # unit of the place
        *(f for f in _PERSON if f.name == "ward"),  # ward of the place
        RECORDED_ON,
    ],
    "populations": [
        # a ward's own header names the area of a populations file of wards (critic13 F11)
        _f("area", "khu vực", "địa bàn", "đơn vị", "tên đơn vị", "tên", "name", "phường", "xã", "phường/xã",
           "xã/phường", "phường, xã", "ward", required=True),
        _f("population", "dân số", "số dân", "nhân khẩu", "số nhân khẩu", "pop", required=True),
        _f("level", "cấp", "cấp hành chính", "loại"),
        # a ward is (district, ward): Phường 1 of Quận 3 is not Phường 1 of Quận 10
        _f("district", "quận", "huyện", "quận/huyện", "huyện/quận"),
        # criteria 2 and 3 of the epidemic level (4800/QĐ-BYT, 218/QĐ-BYT)
        _f("vaccinated", "fully vaccinated", "vaccinated share", "share vaccinated", "vaccination coverage",
           "coverage", "tỷ lệ tiêm đủ liều", "tiêm đủ liều", "tỷ lệ tiêm chủng", "tỷ lệ bao phủ vắc xin",
           "bao phủ vắc xin", "đã tiêm đủ liều"),
        _f("elderly_vaccinated", "elderly vaccinated", "vaccinated elderly", "elderly coverage",
           "vaccinated 50", "vaccinated 50+", "vaccinated over 50", "tỷ lệ tiêm đủ liều người cao tuổi",
           "người cao tuổi tiêm đủ liều", "tiêm đủ liều từ 50 tuổi", "người từ 50 tuổi tiêm đủ liều",
           "tỷ lệ tiêm đủ liều người từ 50 tuổi trở lên"),
        _f("capacity", "treatment capacity", "capacity met", "năng lực điều trị", "năng lực thu dung",
           "đáp ứng điều trị", "đáp ứng năng lực điều trị", "năng lực thu dung điều trị"),
    ],
}


#: headers of ``confirmed`` that name the day the RESULT came, not the day of the
#: sample (CLI.md: a case's date is its positive sample): read all the same, said
RESULT_DATE_HEADERS = ("ngày có kết quả", "ngày có kq", "ngày kq", "ngày kết quả", "ngày có kết quả dương tính",
                       "ngày có kq dương tính")


def result_date_column(mapping: dict[str, str], given) -> str | None:
    """The header read as ``confirmed`` when it names a result date
    (:data:`RESULT_DATE_HEADERS`) and the user did not choose it with
    ``--column`` (``given``); else None (critic13 F12).

    >>> result_date_column({"confirmed": "Ngày có kết quả"}, {}), result_date_column({"confirmed": "Ngày lấy mẫu"}, {})
    ('Ngày có kết quả', None)
    """
    header = mapping.get("confirmed")
    if header is None or "confirmed" in (given or {}):
        return None
    return header if header_key(header) in {header_key(h) for h in RESULT_DATE_HEADERS} else None


def header_key(text) -> str:
    """What two headers must share to be the same: lower-case letters and
    digits without diacritics.

    >>> header_key(" Số_Điện-thoại "), header_key("positiveDate")
    ('sodienthoai', 'positivedate')
    """
    return re.sub(r"[^0-9a-z]", "", fold(text))


def _build_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for kind, specs in FIELDS.items():
        keys: dict[str, str] = {}
        for spec in specs:
            for alias in spec.aliases:
                key = header_key(alias)
                if keys.get(key, spec.name) != spec.name:  # pragma: no cover - guarded by a test
                    raise AssertionError(f"{kind}: alias {alias!r} means {keys[key]} and {spec.name}")
                keys[key] = spec.name
        index[kind] = keys
    return index


_INDEX = _build_index()


def match_header(header, kind: str) -> str | None:
    """The field a header means for ``kind``, or None. A note in brackets is
    ignored when the whole header is not known (``Tuổi (năm)`` -> ``age``)."""
    keys = _INDEX[kind]
    field = keys.get(header_key(header))
    if field is None:
        bare = re.sub(r"\(.*?\)|\[.*?\]", "", str(header or ""))
        field = keys.get(header_key(bare)) if header_key(bare) else None
    return field


def _kind(kind: str) -> list[FieldSpec]:
    if kind not in FIELDS:
        raise TracingError(_("unknown import kind '{kind}' (use one of {KINDS})").format(
                               kind=kind, KINDS=', '.join(KINDS)))
    return FIELDS[kind]


def _short(text, limit: int = 40) -> str:
    text = str(text).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listing(headers: list[str]) -> str:
    shown = ", ".join(f"'{_short(h, 30)}'" for h in headers[:30])
    return shown + (f", … ({len(headers)} in all)" if len(headers) > 30 else "")


class Table:
    """An opened input file: its header, how headers map to fields, and its rows.

    ``mapping`` is ``{field: header}``; ``extras`` the headers that match no
    field (their values arrive in ``row["extra"]``). ``size_hint`` is the total
    work for a progress bar, in ``size_unit`` (``"bytes"`` for CSV, ``"rows"``
    for XLSX, None when unknown) and ``position`` how far :meth:`rows` got.
    """

    def __init__(self, path, kind, *, fmt, encoding, headers, mapping, extras,
                 columns_index, extras_index, header_line, source, size_hint, size_unit,
                 sheet=None, sheet_names=None, delimiter=None, closer=None, position=None):
        self.path = str(path)
        self.kind = kind
        self.format = fmt
        self.encoding = encoding
        self.headers = headers
        self.mapping = mapping
        self.extras = extras
        self.header_line = header_line
        self.sheet = sheet
        self.sheet_names = sheet_names or []
        self.other_sheets: list[str] = []  # sheets holding data that were not read (XLSX without --sheet)
        self.formulas_blank: list = []  # (line, column, formula) of XLSX formulas without a saved value
        self.merged_filled: list = []  # XLSX merged ranges read into every row they cover (sheets.XlsxRows)
        self.delimiter = delimiter
        self.size_hint = size_hint
        self.size_unit = size_unit
        self._columns = columns_index
        self._extras = extras_index
        self._source = source
        self._closer = closer
        self._position = position
        self._last_line = header_line
        self._started = False
        self.title_rows: list[dict] = []
        self.footer_rows: list[dict] = []  # totals and signature rows (_FOOTER): skipped, listed in the summary
        self.numbers_row: dict | None = None  # {"line", "text"}: the row of column numbers under the header
        self.unguard = True  # undo the formula guard (a leading ' before = + - @ tab CR) in every file
        self.own_export = False  # a file of `tracing export`, unchanged since (its manifest)
        self.unguarded = 0  # cells whose formula guard was undone (reported in the summary)
        self.rejected_columns: list[str] = []  # `line`/`reason` of the tool's own FILE.rejected.csv: ignored
        self.raw_width: int | None = None  # header cells before trailing blanks were dropped (CSV)

    @property
    def position(self) -> int:
        """Bytes (CSV) or rows (XLSX) consumed so far."""
        if self._position is not None:
            try:
                return self._position()
            except (OSError, ValueError):
                return self.size_hint or 0
        return self._last_line

    def __len__(self) -> int:
        return self.size_hint or 0

    def rows(self) -> Iterator[tuple[int, dict]]:
        """Yield ``(line, row)`` for each non-blank data row; ``line`` counts
        from the file's first line (the header is usually line 1).
        ``row`` is ``{field: raw value, "extra": {header: raw value}}``."""
        if self._started:
            raise TracingError(_("{path}: the rows of a table can be read once").format(path=self.path))
        self._started = True
        width = len(self.headers)
        fields, pick = _picker(self._columns)  # each row's dict built in C: this runs for every row of a file
        headers, pick_extras = _picker(self._extras)
        text_cells = self.format == "csv"
        first_row = True
        try:
            for line, cells in self._source:
                self._last_line = line
                n = len(cells)
                unnamed = None
                if n > width:
                    surplus = cells[width:]
                    if any(c not in (None, "") and str(c).strip() for c in surplus):
                        if n > MAX_COLUMNS:
                            raise TracingError(_("{path}, line {line}: {value} cells, more than {MAX_COLUMNS} "
                                                 "columns").format(
                                                   path=self.path, line=line, value=n, MAX_COLUMNS=MAX_COLUMNS))
                        limit = n if self.raw_width is None else self.raw_width
                        beyond = [c for c in cells[limit:] if c not in (None, "") and str(c).strip()]
                        if beyond:
                            raise TracingError(
                                _("{path}, line {line}: {value} cells but the header has {limit} columns "
                                  "(extra value '{beyond}')").format(
                                    path=self.path, line=line, value=n, limit=limit, beyond=_short(beyond[0])))
                        # cells under blank header cells: unnamed extra columns
                        unnamed = {f"column {width + i + 1}": c for i, c in enumerate(surplus)
                                   if c not in (None, "") and str(c).strip()}
                        for name in unnamed:
                            if name not in self.extras:
                                self.extras.append(name)
                    cells = cells[:width]
                elif n < width:
                    cells = list(cells) + [self._blank] * (width - n)
                if not any(cells):
                    continue
                if text_cells:
                    joined = "".join(cells)
                    if not joined.strip():
                        continue
                    if "'" in joined and self.unguard:  # one scan of the row; most rows have no apostrophe
                        cells = self._unguard_row(cells)
                elif all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                else:  # the CSV reader bounds its cells itself; XLSX and JSON cells are held to the same cap
                    if self.unguard and any(c.__class__ is str and c[:1] == "'" for c in cells):
                        cells = self._unguard_row(cells)
                    for i, c in enumerate(cells):
                        if isinstance(c, str) and len(c) > FIELD_SIZE_LIMIT:
                            raise TracingError(_("{path}, line {line}, column '{header}': a cell of more than {cap} "
                                                 "characters; not a line list").format(
                                path=self.path, line=line, header=_short(self.headers[i], 30),
                                cap=fmt_int(FIELD_SIZE_LIMIT)))
                if first_row:
                    first_row = False
                    if column_numbers(cells):  # (1), (2), (3)… under a form's header: no record
                        self.numbers_row = {"line": line, "text": " | ".join(
                            str(c).strip() for c in cells if not _blank_cell(c))[:200]}
                        continue
                first = cells[0]
                if first.__class__ is not str or not first.strip():
                    first = next((c for c in cells if c.__class__ is str and c.strip()), None)
                if first is not None and _FOOTER.match(first):  # Tổng cộng: 3 ca / Người lập biểu: no record
                    self.footer_rows.append({"line": line, "text": " | ".join(
                        str(c).strip() for c in cells if not _blank_cell(c))[:200]})
                    continue
                row = dict(zip(fields, pick(cells)))
                row["extra"] = dict(zip(headers, pick_extras(cells)))
                if unnamed:
                    row["extra"].update(unnamed)
                yield line, row
        finally:
            self.close()

    __iter__ = rows

    def _unguard_row(self, cells):
        undone = [_unguarded(c) for c in cells]
        self.unguarded += sum(a is not b for a, b in zip(cells, undone))
        return undone

    _blank: object = ""

    def close(self) -> None:
        if self._closer is not None:
            closer, self._closer = self._closer, None
            closer()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Table({self.path!r}, kind={self.kind!r}, format={self.format!r}, "
                f"encoding={self.encoding!r}, mapping={self.mapping!r}, extras={self.extras!r})")


def _picker(columns: list[tuple[str, int]]):
    """``(names, pick)`` for ``[(name, index)]``: ``pick(cells)`` gives the
    cells at those indexes, in that order, as a tuple.

    >>> names, pick = _picker([("id", 2), ("name", 0)])
    >>> dict(zip(names, pick(["An", "x", "BN1"])))
    {'id': 'BN1', 'name': 'An'}
    """
    names = tuple(name for name, _i in columns)
    if not columns:
        return names, lambda cells: ()
    if len(columns) == 1:
        i = columns[0][1]
        return names, lambda cells: (cells[i],)
    return names, operator.itemgetter(*(i for _name, i in columns))


def open_table(path, kind: str, *, columns: dict[str, str] | None = None,
               encoding: str | None = None, sheet: str | None = None, header_row: int | None = None) -> Table:
    """Open a CSV, XLSX, JSON or JSON Lines file for import as ``kind``; read
    and map its header.

    The format comes from the content (a zip is a workbook, ``[`` or ``{`` a
    JSON array of records, an object holding one, or one record per line), not
    the name. The header is line ``header_row`` when given, else the first
    row that names the required fields within the first :data:`TITLE_SCAN`
    rows (rows above it are titles, listed in ``table.title_rows``), else the
    first non-blank row.
    ``encoding`` forces a CSV encoding; ``sheet`` picks a workbook sheet
    (default: the first). ``columns`` maps a field to a header explicitly;
    a blank header leaves the field out (the header it would match is kept
    as an extra). Raises :class:`TracingError` for an unreadable file,
    an unknown ``columns`` header, two headers meaning one field, or a
    missing required field.
    """
    specs = _kind(kind)
    encoding = check_encoding(encoding)
    name = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise TracingError(_("{name}: no such file").format(name=name)) from None
    except IsADirectoryError:
        raise TracingError(_("{name}: is a folder, not a file").format(name=name)) from None
    except OSError as exc:
        raise TracingError(_("{name}: cannot be read ({error})").format(name=name, error=exc.strerror or exc)) from None
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise TracingError(_("--header-row: {n} is not a line number (1 is the first line)").format(n=header_row))
    pick = _HeaderPicker(name, kind, specs, columns, header_row)
    if head.startswith(b"PK\x03\x04"):
        if encoding:
            pass  # a workbook has no text encoding; ignore the option
        table = _open_xlsx(name, kind, sheet, pick)
    elif _looks_json(name):
        if sheet is not None:
            raise TracingError(_("{path}: --sheet only applies to .xlsx workbooks, this is a JSON file").format(
                path=name))
        if header_row is not None:
            raise TracingError(_("{path}: --header-row applies to CSV and XLSX tables; this is a JSON file, whose "
                                 "records name their keys themselves").format(path=name))
        table = _open_json(name, pick)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TracingError(_("{name}: an old Excel .xls (or encrypted) workbook; save it as .xlsx or CSV "
                             "(UTF-8) and import that").format(name=name))
    else:
        if sheet is not None:
            raise TracingError(_("{name}: --sheet only applies to .xlsx workbooks, this is a text file").format(
                                   name=name))
        table = _open_csv(name, size, encoding, pick)
        from .exporter import written_by_export

        table.own_export = written_by_export(name)
    table.headers = [_unguarded(h) for h in table.headers]
    table.kind = kind
    table.title_rows = pick.titles
    try:
        _apply_mapping(table, kind, specs, columns)
    except BaseException:
        table.close()
        raise
    return table


def rejected_columns(headers, path=None) -> list[int]:
    """The columns ``--skip-invalid`` added to a rejected-rows file
    (``line`` first, ``reason`` last): ignored when it is imported again
    after fixing. With ``path``, only in a file whose name says it is one
    (``rejected`` in it: ``k.csv.rejected.csv``, a copy ``k.csv.rejected
    (1).csv``, the same saved from Excel as ``k.csv.rejected.xlsx``); real
    columns named ``line`` and ``reason`` (a bus line, a travel reason) of any
    other file are data. Either column may have been deleted by hand.

    >>> rejected_columns(["line", "id", "name", "reason"], "k.csv.rejected.xlsx"), rejected_columns(["id", "reason"])
    ([0, 3], [1])
    >>> rejected_columns(["line", "id", "reason"], "buses.csv")
    []
    """
    if path is not None and "rejected" not in os.path.basename(str(path)).lower():
        return []
    names = [str(h).strip().lower() for h in headers]
    out = [0] if names and names[0] == "line" else []
    if len(names) > 1 and names[-1] == "reason":
        out.append(len(names) - 1)
    return out if len(names) > len(out) else []


def _unguarded(cell):
    """A cell without the apostrophe :func:`tracing.sheets.neutralise` put before ``= + - @``."""
    if isinstance(cell, str) and len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r":
        return cell[1:]
    return cell


# -- finding the header ------------------------------------------------------

TITLE_SCAN = 30
"""Rows looked at for the header when the first rows are titles."""


#: The first cell of a row that is a report's footer or a total, not a record
#: (``Tổng cộng: 3 ca``, ``Tổng số``, ``Cộng:``, ``Người lập biểu``, ``Thủ
#: trưởng đơn vị``, ``Giám đốc``, ``Trưởng khoa``, ``Ký tên``, ``Xác nhận``,
#: ``Ngày 5 tháng 6 năm 2021``, ``Total``, ``Prepared by``): skipped wherever
#: it stands and listed with its line, like a title row (issue 13 points 6, 7).
_FOOTER = re.compile(
    r"\s*(?:t[ôoổ]ng\s*(?:c[ộo]ng(?!\s+ty\b)|s[ốo])\b|t[ổô]ng\s*:|c[ộo]ng\s*:|ng[ưu][ờo]i\s+l[ậa]p\b|"
    r"th[ủu]\s+tr[ưu][ởo]ng\b|gi[áa]m\s+[đd][ốo]c\b|tr[ưu][ởo]ng\s+(?:ph[òo]ng|khoa|tr[ạa]m|ban)\b|"
    r"k[ýy]\s+(?:t[êe]n|duy[ệe]t)\b|x[áa]c\s+nh[ậa]n\b|ng[àa]y\s+\d{1,2}\s+th[áa]ng\b|"
    r"(?:sub|grand\s+)?total\b|prepared\s+by\b|signed\b)", re.IGNORECASE)


_NUMBER_CELL = re.compile(r"\s*(?:\((\d{1,3})\)|\[(\d{1,3})\]|(\d{1,3})\.?)\s*")


def column_numbers(cells) -> bool:
    """Whether ``cells`` are a row of column numbers, as Vietnamese forms have
    under their header: ``(1), (2), (3)…`` (or ``[1]``), increasing, blanks
    allowed; bare numbers only as 1, 2, 3… in every cell of four or more (a
    record of small numbers, ``1,2,3`` from 1 to 2 for 3 minutes, is not one).

    >>> column_numbers(["(1)", "(2)", "(3)", "", "(5)"]), column_numbers([1, 2, 3, 4])
    (True, True)
    >>> column_numbers(["1", "2", "3"]), column_numbers(["1", "2", "", "4"]), column_numbers(["(2)", "(1)"])
    (False, False, False)
    """
    numbers, marked = [], False
    for c in cells:
        if _blank_cell(c):
            continue
        if isinstance(c, (int, float)) and not isinstance(c, bool) and c == int(c):
            numbers.append(int(c))
            continue
        m = _NUMBER_CELL.fullmatch(c) if isinstance(c, str) else None
        if m is None:
            return False
        marked = marked or m.group(3) is None
        numbers.append(int(next(g for g in m.groups() if g is not None)))
    if len(numbers) < 2 or any(b <= a for a, b in zip(numbers, numbers[1:])):
        return False
    return marked or numbers == list(range(1, len(cells) + 1)) and len(numbers) >= 4


def _blank_cell(c) -> bool:
    return c is None or (isinstance(c, str) and not c.strip())


class _HeaderPicker:
    """Chooses the header row of a table (see :func:`open_table`) and
    remembers the title rows above it."""

    def __init__(self, path: str, kind: str, specs: list[FieldSpec], columns, header_row: int | None):
        self.path, self.kind, self.specs = path, kind, specs
        self.columns = {f: h for f, h in (columns or {}).items() if h is not None and str(h).strip()}
        self.header_row = header_row
        self.titles: list[dict] = []

    def names_fields(self, cells) -> bool:
        """True when ``cells`` name every required field of the kind."""
        headers = ["" if c is None else unicodedata.normalize("NFC", str(c)).strip() for c in cells]
        for spec in self.specs:
            if not spec.required:
                continue
            wanted = self.columns.get(spec.name)
            if wanted is not None:
                if _find(headers, wanted) is None:
                    return False
            elif not any(match_header(h, self.kind) == spec.name for h in headers if h):
                return False
        return True

    def likeliest(self, buffer) -> int:
        """The index in ``buffer`` of the row most like a header when none
        names the required fields (a ``--column`` header that is not in the
        file): the most cells that are headers of a field or given with
        ``--column``, else the most filled cells (a title row has one); the
        first on a tie. The error that follows then names the real header
        line and its headers, not a title above it (critic13c F13)."""
        wanted = set(self.columns.values())

        def score(cells):
            headers = ["" if c is None else unicodedata.normalize("NFC", str(c)).strip() for c in cells]
            named = sum(1 for h in headers if h and (match_header(h, self.kind) is not None
                                                     or any(_find([h], w) is not None for w in wanted)))
            return named, sum(1 for h in headers if h)

        scores = [score(cells) for _line, cells in buffer]
        return scores.index(max(scores))

    def _title(self, line, cells) -> None:
        text = " | ".join(str(c).strip() for c in cells if not _blank_cell(c))
        if text:
            self.titles.append({"line": line, "text": text[:200]})

    def __call__(self, source) -> tuple[int | None, list | None, Iterator]:
        """``(header line, header cells, the rows after it)``; (None, None, …) when empty."""
        if self.header_row is not None:
            for line, cells in source:
                if line < self.header_row:
                    self._title(line, cells)
                    continue
                if all(_blank_cell(c) for c in cells):
                    raise TracingError(_("{path}, line {line}: --header-row {n} is blank").format(
                        path=self.path, line=line, n=self.header_row))
                return line, cells, source
            raise TracingError(_("{path}: --header-row {n} is past the end of the file").format(
                path=self.path, n=self.header_row))
        buffer = []
        for line, cells in source:
            if all(_blank_cell(c) for c in cells):
                continue
            buffer.append((line, cells))
            if self.names_fields(cells) or len(buffer) >= TITLE_SCAN:
                break
        if not buffer:
            return None, None, source
        at = next((i for i, (_l, cells) in enumerate(buffer) if self.names_fields(cells)), None)
        if at is None:  # no row names the required fields: the likeliest header, for the error it leads to
            at = self.likeliest(buffer)
        for line, cells in buffer[:at]:
            self._title(line, cells)
        line, cells = buffer[at]
        rest = buffer[at + 1:]
        return line, cells, itertools.chain(rest, source)


# -- header mapping ---------------------------------------------------------

def _apply_mapping(table: Table, kind: str, specs: list[FieldSpec], columns) -> None:
    headers = table.headers
    where = _("{path}, line {line}").format(path=table.path, line=table.header_line)
    # a JSON file has keys in its records, no header row: its messages say so (issue 13 leftover 6)
    js = table.format == "json"
    names = [s.name for s in specs]
    chosen: dict[str, int] = {}
    ignored: set[str] = set()
    for field, wanted in (columns or {}).items():
        if field not in names:
            raise TracingError(_("{path}: unknown field '{field}' for {kind} (fields: {names})").format(
                                   path=table.path, field=field, kind=kind, names=', '.join(names)))
        if wanted is None or not str(wanted).strip():
            if any(spec.name == field and spec.required for spec in specs):
                raise TracingError(_("{path}: {field} is required for {kind}; it cannot be left out").format(
                                       path=table.path, field=field, kind=kind))
            ignored.add(field)
            continue
        idx = _find(headers, wanted)
        if idx is None:
            raise TracingError((_("{path}: the records have no key '{wanted}' for {field} (keys: {headers})") if js else
                                _("{where}: no header '{wanted}' for {field} (headers: {headers})")).format(
                                   path=table.path, where=where, wanted=wanted, field=field, headers=_listing(headers)))
        for other, i in chosen.items():
            if i == idx:
                raise TracingError((_("{path}: key '{idx}' is given for both {other} and {field}") if js else
                                    _("{where}: header '{idx}' is given for both {other} and {field}")).format(
                                       path=table.path, where=where, idx=headers[idx], other=other, field=field))
        chosen[field] = idx
    taken = set(chosen.values())
    added = rejected_columns(headers, table.path)  # the tool's own FILE.rejected.csv: its line/reason are not data
    if added:
        taken |= set(added)
        table.rejected_columns = [headers[i] for i in added]
    # a file laid out as `export csv` writes it (its fixed columns first): a later column is an extra
    # column of the data, even when its header means a field ('Phường/xã', 'Ngày lấy mẫu'), so the
    # tool's own files import back to the same values (issue 13 point 9)
    layout = _export_layout(headers, kind)
    auto: dict[str, int] = {}
    extras: list[int] = []
    for i, header in enumerate(headers):
        if i in taken:
            continue
        field = match_header(header, kind) if layout is None or i < layout else None
        if field is None or field in chosen or field in ignored:
            extras.append(i)
        elif field in auto:
            raise TracingError(
                (_("{path}: the records' keys '{field}' and '{header}' both mean {field3}; keep one, or pick one "
                   "with --column {field3}=KEY") if js else
                 _("{where}: headers '{field}' (column {field2}) and '{header}' (column {value}) both mean "
                   "{field3}; keep one, or pick one with --column {field3}=HEADER")).format(
                    path=table.path, where=where, field=headers[auto[field]], field2=auto[field] + 1, header=header,
                    value=i + 1, field3=field))
        else:
            auto[field] = i
    chosen.update(auto)
    if not chosen:
        raise TracingError(
            (_("{path}: none of the records' keys ({headers}) names a field for {kind} ({names}); name them so, "
               "or use --column FIELD=KEY") if js else
             _("{where} is not a header row: none of {headers} names a field for {kind} ({names}); the first "
               "line must name the columns")).format(
                path=table.path, where=where, headers=_listing(headers), kind=kind, names=', '.join(names)))
    for spec in specs:
        if spec.required and spec.name not in chosen:
            raise TracingError(
                (_("{path}: no key of the records is the required field '{name}' ({kind}); keys found: {headers}; "
                   "rename one or use --column {name}=KEY") if js else
                 _("{path}: no column for required field '{name}' ({kind}); headers found: {headers}; rename "
                   "one or use --column {name}=HEADER")).format(
                    path=table.path, name=spec.name, kind=kind, headers=_listing(headers)))
    order = sorted(chosen.items(), key=lambda item: item[1])
    table.mapping = {field: headers[i] for field, i in order}
    table._columns = [(field, i) for field, i in order]
    extra_names = _unique([headers[i] for i in extras])
    table.extras = extra_names
    table._extras = list(zip(extra_names, extras))


def _export_layout(headers: list[str], kind: str) -> int | None:
    """How many leading columns of ``headers`` are the fixed columns of a
    ``tracing export csv`` file of ``kind``, or None when it is not laid out so."""
    from .exporter import export_layouts

    for fixed in export_layouts(kind):
        if headers[:len(fixed)] == fixed:
            return len(fixed)
    return None


def _find(headers: list[str], wanted) -> int | None:
    wanted = unicodedata.normalize("NFC", str(wanted)).strip()
    for i, header in enumerate(headers):
        if header == wanted:
            return i
    key = header_key(wanted)
    hits = [i for i, header in enumerate(headers) if key and header_key(header) == key]
    return hits[0] if len(hits) == 1 else None


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name} ({count})")
    return out


def _headers(cells, path: str, line: int) -> list[str]:
    if len(cells) > MAX_COLUMNS:
        raise TracingError(_("{path}, line {line}: {cells} columns in the header, more than {MAX_COLUMNS}; is "
                             "this a line list?").format(
                               path=path, line=line, cells=fmt_int(len(cells)), MAX_COLUMNS=MAX_COLUMNS))
    headers = ["" if c is None else unicodedata.normalize("NFC", str(c)).replace("\ufeff", "").strip()
               for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    for i, h in enumerate(headers):  # a header is echoed in summaries and kept as an attribute's name
        refuse_controls(h, f"{path}, line {line}, header column {i + 1}", multiline=True)
    return [h if h else f"column {i + 1}" for i, h in enumerate(headers)]


# -- CSV ------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def detect_encoding(sample: bytes) -> str:
    """The encoding of the start of a CSV file: a BOM decides; else UTF-8 when
    it decodes; else Windows-1258 (Vietnamese) when the text carries its
    combining tone marks; else what charset-normalizer finds among cp1252 and
    latin-1; latin-1 decodes anything.

    >>> detect_encoding("Họ tên".encode("utf-8-sig")), detect_encoding(b"Ho\\xf2 t\\xean")
    ('utf-8-sig', 'cp1258')
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        as_vn = sample.decode("cp1258")
    except UnicodeDecodeError:
        as_vn = None
    if as_vn is not None and any(
        ch in _TONES and i and as_vn[i - 1].isalpha() for i, ch in enumerate(as_vn)
    ):
        return "cp1258"
    from charset_normalizer import from_bytes  # lazy: only for non-UTF-8 files

    best = from_bytes(sample, cp_isolation=["cp1258", "cp1252", "latin_1"]).best()
    if best is not None:
        return best.encoding
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _looks_binary(sample: bytes, encoding: str) -> bool:
    if encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32")):
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return control > max(8, len(sample) // 100)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, equal columns.

    >>> _sniff_delimiter("a;b;c\\n1;2,5;3\\n"), _sniff_delimiter("a\\tb\\n1\\t2\\n")
    (';', '\\t')
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    lines = lines[:50]
    best, best_score = ",", (0, 0.0)
    for delim in (",", ";", "\t"):
        try:
            rows = [r for r in csv.reader(lines, delimiter=delim) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        widths = [len(r) for r in rows if len(r) >= 2]
        if not widths:
            continue
        width = max(set(widths), key=lambda w: (widths.count(w), w))  # title rows above are narrower
        same = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (1 if same >= 0.8 else 0, same * width)
        if score > best_score:
            best, best_score = delim, score
    return best


ENCODING_HINT = N_("try utf-8, cp1258, utf-16, cp1252")  # a message: shown through _()

#: what the json module says is wrong, as people read it (the rest passes as it is)
_JSON_REASONS = {
    "Expecting value": N_("a value was expected"),
    "Expecting property name enclosed in double quotes": N_("a name in double quotes was expected"),
    "Expecting ':' delimiter": N_("':' was expected"),
    "Expecting ',' delimiter": N_("',' was expected"),
    "Unterminated string starting at": N_("a text is not closed"),
    "Invalid control character at": N_("a control character inside a text"),
    "Invalid \\escape": N_("an invalid \\ escape"),
    "Extra data": N_("more data after the end"),
}


def _json_why(msg: str) -> str:
    """The json module's reason for people (:data:`_JSON_REASONS`)."""
    return _(_JSON_REASONS[msg]) if msg in _JSON_REASONS else msg


def check_encoding(encoding: str | None) -> str | None:
    """The codec name of a text encoding given with ``--encoding`` (blank:
    None, detect it). Names Python does not know, and codecs that are not
    text encodings (``rot13``, ``base64``, ``zlib``: bytes or text transforms)
    raise :class:`TracingError` naming the option.

    >>> check_encoding("UTF8"), check_encoding("CP1258"), check_encoding("")
    ('utf-8', 'cp1258', None)
    >>> check_encoding("rot13")
    Traceback (most recent call last):
    ...
    tracing.errors.TracingError: --encoding: 'rot13' is not a text encoding (try utf-8, cp1258, utf-16, cp1252)
    """
    if encoding is None or not str(encoding).strip():
        return None
    text = str(encoding).strip()
    shown = text if len(text) <= 40 else text[:39] + "…"
    try:
        info = codecs.lookup(text) if len(text) <= 100 else None
    except (LookupError, ValueError, UnicodeError):  # unknown, a NUL, a lone surrogate
        info = None
    if info is None:
        raise TracingError(_("--encoding: unknown encoding '{shown}' ({ENCODING_HINT})").format(
                               shown=shown, ENCODING_HINT=_(ENCODING_HINT)))
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        raise TracingError(_("--encoding: '{shown}' is not a text encoding ({ENCODING_HINT})").format(
                               shown=shown, ENCODING_HINT=_(ENCODING_HINT)))
    return info.name


def _open_csv(name: str, size: int, encoding: str | None, pick: _HeaderPicker) -> Table:
    fh = open(name, "rb")
    try:
        sample = fh.read(SAMPLE_BYTES)
        if not sample.strip(b" \t\r\n\x00" + codecs.BOM_UTF8) or sample in (codecs.BOM_UTF16_LE,
                                                                              codecs.BOM_UTF16_BE):
            raise TracingError(_("{name}: the file is empty").format(name=name))
        if encoding:
            encoding = check_encoding(encoding)
            if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
                encoding = "utf-8-sig"
        else:
            encoding = detect_encoding(sample)
        if _looks_binary(sample, encoding):
            raise TracingError(_("{name}, line 1: binary data, not a CSV text file (an .xlsx must be a real "
                                 "workbook; export CSV as UTF-8)").format(name=name))
        try:
            decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            text_sample = unicodedata.normalize("NFC", decoder.decode(sample, final=len(sample) < SAMPLE_BYTES))
        except (LookupError, ValueError, TypeError):  # UnicodeError: no BOM, no "replace" (idna)…
            raise TracingError(_("{name}, line 1: cannot be read as {encoding}; give the right one with "
                                 "--encoding ({ENCODING_HINT})").format(
                                   name=name, encoding=encoding, ENCODING_HINT=_(ENCODING_HINT))) from None
        fh.seek(0)
        text = io.TextIOWrapper(fh, encoding=encoding, errors="strict", newline="")
    except BaseException:
        fh.close()
        raise
    skip_lines = 0
    delimiter = None
    first = text_sample.lstrip("\ufeff").splitlines()[:1]
    m = re.fullmatch(r"\s*sep=(.)\s*", first[0]) if first else None
    if m:  # Excel's "sep=;" first line
        delimiter, skip_lines = m.group(1), 1
    if delimiter is None:
        body = text_sample.lstrip("\ufeff")
        delimiter = _sniff_delimiter(body)
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    counter = {"line": 0}

    def physical_lines():
        while True:
            line = text.readline(MAX_LINE_CHARS)
            if not line:
                return
            if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                raise TracingError(_("{name}, line {line}: a line longer than {MAX_LINE_CHARS} M characters; "
                                     "not a CSV table").format(
                                       name=name, line=counter['line'] + 1, MAX_LINE_CHARS=MAX_LINE_CHARS // (1024 * 1024)))
            counter["line"] += 1
            if "\x00" in line:
                raise TracingError(_("{name}, line {line}: not valid CSV (line contains NUL, binary data?)").format(
                                       name=name, line=counter['line']))
            # NFC per line = NFC per cell: delimiters and quotes never compose
            yield line if line.isascii() else unicodedata.normalize("NFC", line)

    lines = physical_lines()
    for _skipped in range(skip_lines):
        next(lines, None)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)

    def records():
        start = counter["line"] + 1
        try:
            for cells in reader:
                line = start
                start = counter["line"] + 1
                if not cells:
                    continue
                if len(cells) > MAX_COLUMNS:
                    raise TracingError(_("{name}, line {line}: {cells} cells, more than {MAX_COLUMNS} columns; "
                                         "is this a line list?").format(
                                           name=name, line=line, cells=fmt_int(len(cells)), MAX_COLUMNS=MAX_COLUMNS))
                yield line, cells
        except UnicodeError as exc:  # also codecs that fail without a position (punycode, utf-16 without BOM)
            bad_line = counter["line"] + 1
            if isinstance(exc, UnicodeDecodeError) and not encoding.startswith(("utf-16", "utf-32")):
                try:
                    offset = fh.tell() - len(exc.object) + exc.start
                    bad_line = max(bad_line, _line_at(name, offset))
                except (OSError, ValueError, TypeError):
                    pass
            raise TracingError(_("{name}, line {bad_line}: cannot be read as {encoding}; give the right one "
                                 "with --encoding ({ENCODING_HINT})").format(
                                   name=name, bad_line=bad_line, encoding=encoding, ENCODING_HINT=_(ENCODING_HINT))) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise TracingError(_("{path}, line {line}: a cell of more than {cap} characters; not a line list")
                                   .format(path=name, line=start, cap=fmt_int(FIELD_SIZE_LIMIT))) from None
            raise TracingError(_("{name}, line {start}: not valid CSV ({error})").format(
                                   name=name, start=start, error=exc)) from None

    def unbom():
        rows = records()
        for line, cells in rows:  # only the first row can start with a byte order mark
            if line == 1 + skip_lines and cells and cells[0].startswith("\ufeff"):
                cells[0] = cells[0][1:]
            yield line, cells
            break
        yield from rows

    try:
        header_line, cells, source = pick(unbom())
    except BaseException:
        fh.close()
        raise
    if cells is None:
        fh.close()
        raise TracingError(_("{name}: the file is empty").format(name=name))
    raw_width = len(cells)
    headers = _headers(cells, name, header_line)
    if not headers:
        fh.close()
        raise TracingError(_("{name}, line {header_line}: the header row is blank").format(
                               name=name, header_line=header_line))
    table = Table(name, None, fmt="csv", encoding=encoding, headers=headers, mapping={}, extras=[],
                  columns_index=[], extras_index=[], header_line=header_line, source=source,
                  size_hint=size, size_unit="bytes", delimiter=delimiter, closer=fh.close,
                  position=fh.tell)
    table.raw_width = raw_width
    return table


def _line_at(name: str, offset: int) -> int:
    """The line (from 1) that holds byte ``offset`` of a file, read in chunks."""
    count, done = 1, 0
    with open(name, "rb") as fh:
        while done < offset:
            chunk = fh.read(min(1024 * 1024, offset - done))
            if not chunk:
                break
            count += chunk.count(b"\n")
            done += len(chunk)
    return count


# -- XLSX -----------------------------------------------------------------

def _choose_sheet(name: str, kind: str, pick: _HeaderPicker, reader) -> tuple[str, list[str]]:
    """The sheet of a workbook of several to read as ``kind`` when no
    ``--sheet`` is given, and the other sheets holding data (said in the
    summary, never skipped silently). A sheet fits when one of its first
    rows names the kind's required fields; of those, the one naming most
    fields of the kind is read. No sheet fitting, or several fitting
    equally well (``Tháng 5``, ``Tháng 6``), is an error listing the sheets."""
    from .sheets import sheet_heads

    heads = sheet_heads(name, TITLE_SCAN)
    with_data = [t for t, rows in heads.items() if rows]
    if len(with_data) <= 1:
        return reader.sheet, []
    scores = {}
    for title in with_data:
        fitting = [cells for cells in heads[title] if pick.names_fields(cells)]
        if fitting:
            cells = ["" if c is None else unicodedata.normalize("NFC", str(c)).strip() for c in fitting[0]]
            scores[title] = sum(1 for h in cells if h and (match_header(h, kind) or h in pick.columns.values()))
    names = ", ".join(f"'{t}'" for t in reader.sheet_names)
    if not scores:
        raise TracingError(_("{path}: no sheet has the columns of a {kind} file (sheets: {names}); choose one with "
                             "--sheet").format(path=name, kind=kind, names=names))
    best = max(scores.values())
    top = [t for t in with_data if scores.get(t) == best]
    if len(top) > 1:
        raise TracingError(_("{path}: sheets {tied} all fit a {kind} file; import each with --sheet NAME "
                             "(sheets: {names})").format(path=name, tied=", ".join(f"'{t}'" for t in top),
                                                         kind=kind, names=names))
    return top[0], [t for t in with_data if t != top[0]]


def _open_xlsx(name: str, kind: str, sheet: str | None, pick: _HeaderPicker) -> Table:
    from .sheets import read_xlsx_rows

    reader = read_xlsx_rows(name, sheet)
    others: list[str] = []
    if sheet is None and len(reader.sheet_names) > 1:
        try:
            chosen, others = _choose_sheet(name, kind, pick, reader)
        except BaseException:
            reader.close()
            raise
        if chosen != reader.sheet:
            reader.close()
            reader = read_xlsx_rows(name, chosen)

    def records():
        for line, cells in reader:
            yield line, [unicodedata.normalize("NFC", c) if isinstance(c, str) else c for c in cells]

    try:
        header_line, cells, source = pick(records())
    except BaseException:
        reader.close()
        raise
    if cells is None:
        reader.close()
        raise TracingError(_("{name}: sheet '{sheet}' is empty").format(name=name, sheet=reader.sheet))
    headers = _headers(cells, name, header_line)
    table = Table(name, kind, fmt="xlsx", encoding=None, headers=headers, mapping={}, extras=[],
                  columns_index=[], extras_index=[], header_line=header_line, source=source,
                  size_hint=reader.max_row, size_unit="rows" if reader.max_row else None,
                  sheet=reader.sheet, sheet_names=reader.sheet_names, closer=reader.close)
    table.other_sheets = others
    table.formulas_blank = reader.formulas_blank  # filled while the rows are read
    table.merged_filled = reader.merged_filled
    table._blank = None
    return table


# -- JSON and JSON Lines --------------------------------------------------

def _looks_json(name: str) -> bool:
    with open(name, "rb") as fh:
        head = fh.read(4096).lstrip(codecs.BOM_UTF8).lstrip()
    return head[:1] in (b"[", b"{")


SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair: what ``"\\ud800"`` alone in JSON decodes to (no character)."""


def _json_cell(value):
    """A JSON value as a cell: text NFC, numbers as they are (a whole number
    written as a float, ``1000000001.0``, as the integer), lists joined
    with ``; `` (a list of sources), objects as JSON text."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # 1000000001.0 (pandas writes int columns with blanks as floats): the number
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return "; ".join(str(_json_cell(v)) for v in value if v is not None)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _json_records(name: str, text: str) -> tuple[list[tuple[int, dict]], list[dict]]:
    """``[(line, record)]`` of a JSON array (or of the one array of records
    inside an object) or of JSON Lines, and notes on what was left aside."""
    decoder = json.JSONDecoder()
    notes: list[dict] = []

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def array_at(pos: int) -> list[tuple[int, object]]:
        out = []
        pos += 1  # past "["
        n = len(text)
        while True:
            while pos < n and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= n:
                raise TracingError(_("{path}, line {line}: not valid JSON (the array is not closed)").format(
                    path=name, line=line_of(pos)))
            if text[pos] == "]":
                return out
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise TracingError(_("{path}, line {line}: not valid JSON ({why})").format(
                    path=name, line=exc.lineno, why=_json_why(exc.msg))) from None
            out.append((line_of(pos), value))
            pos = end

    start = len(text) - len(text.lstrip())
    if text[start:start + 1] == "[":
        items = array_at(start)
    else:
        try:
            whole, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise TracingError(_("{path}, line {line}: not valid JSON ({why})").format(
                path=name, line=exc.lineno, why=_json_why(exc.msg))) from None
        # JSON Lines: one record per line (a .jsonl file of one record is still JSON Lines)
        if text[end:].strip() or name.lower().endswith((".jsonl", ".ndjson")):
            items = []
            for i, raw in enumerate(text.splitlines(), 1):
                if not raw.strip():
                    continue
                try:
                    items.append((i, json.loads(raw)))
                except json.JSONDecodeError as exc:
                    raise TracingError(_("{path}, line {line}: not valid JSON ({why})").format(
                        path=name, line=i, why=_json_why(exc.msg))) from None
        else:
            lists = [k for k, v in whole.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
            if len(lists) != 1:
                raise TracingError(_("{name}: a JSON object must hold one array of records (found {lists}: "
                                     "{none})").format(
                                       name=name, lists=fmt_int(len(lists)), none=', '.join(lists[:5]) or 'none'))
            key = lists[0]
            m = re.search(r'"' + re.escape(key) + r'"\s*:\s*\[', text)
            items = array_at(m.end() - 1) if m else [(1, r) for r in whole[key]]
            rest = {k: v for k, v in whole.items() if k != key}
            if rest:
                # keys beside the array of records (a title, a date): listed, in JSON's terms
                notes.append({"line": 1, "outside_records": key, "text": ", ".join(
                    f"{k}={_short(_json_cell(v), 40)}" for k, v in rest.items())})
    for line, value in items:
        if not isinstance(value, dict):
            raise TracingError(_("{path}, line {line}: a record must be a JSON object, not {kind}").format(
                path=name, line=line, kind=type(value).__name__))
    return items, notes


def _open_json(name: str, pick: _HeaderPicker) -> Table:
    size = os.path.getsize(name)
    if size > MAX_JSON_BYTES:  # JSON is parsed whole: bound the memory before reading
        raise TracingError(_("{path}: {size} MB of JSON, more than the {cap} MB this tool parses; save it as CSV")
                           .format(path=name, size=fmt_int(round(size / 1024 ** 2)),
                                   cap=fmt_int(MAX_JSON_BYTES // 1024 ** 2)))
    try:
        with open(name, encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise TracingError(_("{path}: a JSON file must be UTF-8").format(path=name)) from None
    items, notes = _json_records(name, text)
    if not items:
        raise TracingError(_("{path}: no records").format(path=name))
    keys: dict[str, None] = {}
    for _line, record in items:
        keys.update(dict.fromkeys(record))
    headers_raw = list(keys)
    if len(headers_raw) > MAX_COLUMNS:
        raise TracingError(_("{name}: {headers_raw} different keys, more than {MAX_COLUMNS} columns").format(
                               name=name, headers_raw=fmt_int(len(headers_raw)), MAX_COLUMNS=MAX_COLUMNS))

    def records():
        for line, record in items:
            row = [_json_cell(record.get(k)) for k in headers_raw]
            for key, cell in zip(headers_raw, row):
                if cell.__class__ is str and not cell.isascii() and (m := SURROGATE.search(cell)):
                    # "\ud800" alone decodes to no character: nothing could store it (UTF-8)
                    raise TracingError(_("{path}, line {line}: {field} holds \\u{code} alone, half of a character "
                                         "(a UTF-16 surrogate): nothing was imported; fix the text").format(
                                             path=name, line=line, field=key, code=f"{ord(m.group()):04x}"))
            yield line, row

    headers = _headers(headers_raw, name, 1)
    pick.titles.extend(notes)
    table = Table(name, None, fmt="json", encoding="utf-8", headers=headers, mapping={}, extras=[],
                  columns_index=[], extras_index=[], header_line=items[0][0] - 1 if items[0][0] > 1 else 1,
                  source=records(), size_hint=len(items), size_unit="rows")
    table._blank = None
    return table

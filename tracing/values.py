"""Parsing and normalising the values users type.

Dates, date-times, booleans, phone numbers, national ids and Vietnamese text.
Every parser raises :class:`~tracing.errors.InvalidValue` with a message that
names the field, so callers only add the row or option.

>>> parse_date("05/06/2021")
datetime.date(2021, 6, 5)
>>> fold("Nguyễn Văn Đức")
'nguyen van duc'
>>> normalize_phone("+84 912 345 678") == normalize_phone("0912345678")
True
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata

from .errors import InvalidValue
from .i18n import N_, NP_, _, fmt_date

SETTINGS = ("household", "work", "school", "venue", "healthcare", "transport", "social", "other")
SEXES = ("m", "f")
RESULTS = ("negative", "positive", "missed")

VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    # One place for the words of every enumerated field, English and
    # Vietnamese (with or without diacritics: keys are compared folded).
    # The importer and the command line both read values through it.
    "setting": {
        "household": ("hộ gia đình", "gia đình", "hộ", "nhà", "cùng nhà", "ở cùng nhà", "hộ gđ",
                      "family", "home", "house", "hh"),
        "work": ("nơi làm việc", "làm việc", "cơ quan", "công ty", "nhà máy", "xí nghiệp", "công sở",
                 "đồng nghiệp", "workplace", "office", "colleague", "factory"),
        "school": ("trường học", "trường", "lớp học", "lớp", "nhà trẻ", "mầm non", "class", "kindergarten"),
        "venue": ("địa điểm công cộng", "nơi công cộng", "công cộng", "chợ", "siêu thị", "nhà hàng", "quán",
                  "quán ăn", "quán cà phê", "cửa hàng", "trung tâm thương mại", "public place", "market",
                  "restaurant", "shop", "mall", "church", "nhà thờ", "chùa", "karaoke", "quán karaoke",
                  "quán bar", "bar", "quán nhậu"),
        "healthcare": ("cơ sở y tế", "y tế", "bệnh viện", "phòng khám", "trạm y tế", "hospital", "clinic",
                       "health care", "health facility"),
        "transport": ("phương tiện", "phương tiện giao thông", "giao thông", "xe", "xe khách", "xe buýt",
                      "taxi", "chuyến bay", "máy bay", "tàu", "travel", "flight", "bus", "train"),
        "social": ("xã hội", "tụ tập", "tụ tập xã hội", "đám cưới", "đám tang", "đám hiếu", "đám giỗ", "liên hoan", "sinh nhật",
                   "gathering", "party", "wedding", "funeral", "friends", "bạn bè", "hàng xóm", "neighbour",
                   "neighbor"),
        "other": ("khác", "others"),
    },
    "sex": {
        "m": ("male", "nam", "nam giới", "giới nam", "trai", "con trai", "đàn ông", "man", "boy"),
        "f": ("female", "nữ", "nữ giới", "giới nữ", "gái", "con gái", "phụ nữ", "woman", "girl"),
    },
    "result": {
        "negative": ("âm tính", "âm", "neg", "-", "âm tính (-)"),
        "positive": ("dương tính", "dương", "pos", "+", "dương tính (+)"),
        "missed": ("vắng", "vắng mặt", "không đến", "bỏ lỡ", "absent", "no show", "not tested"),
    },
    "found_by": {
        # how a case was found (the notices' categories; "unknown source" is a
        # separate indicator, derived from the sources)
        "quarantine": ("in quarantine", "found in quarantine", "found in quarantine (f1/f2)", "trong khu cách ly", "phát hiện trong khu cách ly",
                       "khu cách ly", "cách ly", "đang cách ly"),
        "community": ("found in the community", "cộng đồng", "tại cộng đồng", "phát hiện tại cộng đồng",
                      "ngoài cộng đồng"),
        "screening": ("sàng lọc", "xét nghiệm sàng lọc", "tầm soát", "screened", "cơ sở y tế sàng lọc",
                      "phát hiện qua xét nghiệm sàng lọc", "phát hiện qua sàng lọc", "qua sàng lọc",
                      "found by screening"),
        "entry": ("nhập cảnh", "người nhập cảnh", "từ nước ngoài", "ngoại tỉnh", "từ tỉnh khác", "về từ vùng dịch",
                  "imported", "travel entry", "abroad", "từ tỉnh khác về", "từ nước ngoài về", "về từ tỉnh khác",
                  "nhập cảnh hoặc từ tỉnh khác về", "nhập cảnh từ nước ngoài", "người từ tỉnh khác về",
                  "entry from abroad or another province"),
    },
    "bool": {
        # "có đeo"/"không đeo": the mask column as line lists write it
        "true": ("yes", "y", "1", "có", "x", "t", "đúng", "rồi", "đã", "có đeo", "đeo", "có đeo khẩu trang"),
        "false": ("no", "n", "0", "không", "f", "sai", "chưa", "không đeo", "không đeo khẩu trang"),
    },
    # --- the command line's enumerated options (cli.output.Words) and file values ---
    "level": {  # F levels: --level F1, also "1", "tiếp xúc gần"
        "F0": ("0", "ca bệnh", "ca dương tính", "bệnh nhân", "case"),
        "F1": ("1", "tiếp xúc gần", "người tiếp xúc gần", "close contact"),
        "F2": ("2", "tiếp xúc với f1", "tiếp xúc của f1", "người tiếp xúc với f1"),
        "F3": ("3",), "F4": ("4",), "F5": ("5",),
    },
    "area": {  # report/level --by, a populations file's level column
        "district": ("quận", "huyện", "quận/huyện", "huyện/quận", "quận huyện", "thị xã", "thành phố thuộc tỉnh"),
        "ward": ("phường", "xã", "phường/xã", "xã/phường", "phường xã", "thị trấn", "commune"),
        "unit": ("tổ dân phố", "tdp", "tổ", "khu dân cư", "kdc", "thôn", "xóm", "ấp", "khu phố", "bản",
                 "thôn/tổ dân phố", "tổ dân phố/thôn"),
        "workplace": ("nơi làm việc", "doanh nghiệp", "cơ quan", "công ty", "nhà máy", "khu công nghiệp",
                      "cơ sở sản xuất", "enterprise", "company", "factory", "industrial zone"),
    },
    "format": {  # --format
        "table": ("bảng",), "text": ("văn bản", "chữ"), "json": (), "csv": (), "md": ("markdown",),
        "xlsx": ("excel", "bảng tính"), "html": ("trang web", "web"), "svg": ("hình vẽ", "hình", "ảnh"),
    },
    "layout": {  # render --layout
        "tree": ("cây", "sơ đồ cây", "sơ đồ"), "network": ("mạng", "mạng tiếp xúc", "mạng lưới"),
        "timeline": ("dòng thời gian", "thời gian", "theo thời gian", "trục thời gian"),
    },
    "import_kind": {  # import KIND
        "persons": ("người", "danh sách người", "nhân khẩu", "person", "people"),
        "contacts": ("tiếp xúc", "danh sách tiếp xúc", "contact"),
        "cases": ("ca bệnh", "ca", "danh sách ca bệnh", "linelist", "case"),
        "checkins": ("quét mã", "quét mã qr", "lượt quét mã", "check-in", "check in"),
        "populations": ("dân số", "số dân", "population"),
    },
    "export_format": {"epicontacts": (), "godata": ("go.data",), "csv": ()},
    "zone_kind": {"zone": ("khoanh vùng", "vùng"), "lockdown": ("phong tỏa", "phong toả")},
    "zone_status": {
        "not_started": ("chưa bắt đầu", "chưa hiệu lực"),
        "active": ("đang hoạt động", "đang khoanh vùng", "đang hiệu lực", "hiệu lực"),
        "released": ("đã gỡ", "gỡ", "đã dỡ bỏ", "dỡ bỏ", "đã kết thúc"),
        "cancelled": ("đã hủy", "hủy", "đã huỷ", "huỷ"),
    },
    "tier": {"1": ("tầng 1",), "2": ("tầng 2",), "3": ("tầng 3",), "all": ("tất cả", "mọi tầng", "cả ba tầng")},
    "date_order": {
        "dmy": ("ngày/tháng/năm", "ngày tháng năm", "d/m/y", "dd/mm/yyyy"),
        "mdy": ("tháng/ngày/năm", "tháng ngày năm", "m/d/y", "mm/dd/yyyy"),
        "ymd": ("năm/tháng/ngày", "năm tháng ngày", "y-m-d", "yyyy-mm-dd"),
    },
    "lang": {"vi": ("tiếng việt", "vn", "vietnamese"), "en": ("tiếng anh", "english")},
}
"""``{field: {canonical value: (other ways of writing it, ...)}}``."""


def _vocab_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for field, values in VOCABULARY.items():
        keys: dict[str, str] = {}
        for canonical, words in values.items():
            for word in (canonical, *words):
                key = _vocab_key(word)
                if keys.get(key, canonical) != canonical:  # pragma: no cover - guarded by a test
                    raise AssertionError(f"{field}: {word!r} means {keys[key]} and {canonical}")
                keys[key] = canonical
        index[field] = keys
    return index


@functools.lru_cache(maxsize=4096)
@functools.lru_cache(maxsize=4096)  # a column of sexes, settings or yes/no repeats a handful of words
def _vocab_key(text: str) -> str:
    return " ".join(_SEPARATORS.sub(" ", fold(text)).split())


_SEPARATORS = re.compile(r"[_\s]+")


def choice(value, field: str, kind: str | None = None) -> str | None:
    """The canonical value of an enumerated field written in any known way
    (English or Vietnamese, any case, with or without diacritics); blank
    gives None; anything else raises :class:`InvalidValue` naming ``field``.
    ``kind`` is the vocabulary (default ``field``).

    >>> choice("Hộ gia đình", "setting"), choice("NU", "sex"), choice("duong tinh", "result")
    ('household', 'f', 'positive')
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    index = _VOCAB[kind or field]
    found = index.get(_vocab_key(text))
    if found is None:
        known = ", ".join(VOCABULARY[kind or field])
        raise InvalidValue(_("{field}: unknown value '{text}' (use one of {known}, or in Vietnamese)").format(
                               field=field, text=_short(text), known=known))
    return found


def today() -> dt.date:
    """Today's date; ``TRACING_TODAY=YYYY-MM-DD`` pins it (drills, tests, demo)."""
    pinned = os.environ.get("TRACING_TODAY")
    if pinned:
        day = _PINNED.get(pinned)
        if day is None:  # parsed once: imports ask for every row
            day = _PINNED[pinned] = parse_date(pinned, "TRACING_TODAY")
        return day
    return dt.date.today()


_PINNED: dict[str, dt.date] = {}


DATE_ORDERS = ("dmy", "mdy", "ymd")
"""How a date with a two-digit-wide first part is read: day/month/year
(the Vietnamese default), month/day/year, or year/month/day."""
MIN_YEAR = 1500
"""Earliest year accepted (historical line lists, e.g. the 1861 measles of Hagelloch)."""
_YMD_RE = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?:[T ]00:00(?::00)?)?")
_XY_RE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})")


def date_proof(text) -> str | None:
    """The order a date text proves by itself: ``"dmy"`` when its first
    number cannot be a month (``23/01/2020``), ``"mdy"`` when its second
    cannot (``1/23/2020``); None when it is ambiguous, year-first or not a date.

    >>> date_proof("23/01/2020"), date_proof("1/23/2020"), date_proof("02/03/2020"), date_proof("2020-01-23")
    ('dmy', 'mdy', None, None)
    """
    m = _XY_RE.fullmatch(str(text).strip()) if text is not None else None
    if not m:
        return None
    first, second = int(m.group(1)), int(m.group(3))
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def is_day_month(text) -> bool:
    """True for a date written ``N/N/YYYY`` (either order), the shape whose
    reading depends on the date order."""
    return text is not None and _XY_RE.fullmatch(str(text).strip()) is not None


def parse_date(value, field: str = "date", *, allow_serial: bool = False, order: str | None = None) -> dt.date | None:
    """Parse ``YYYY-MM-DD`` (also ``YYYY/MM/DD``), ``DD/MM/YYYY`` (also
    ``D/M/YYYY``, ``-`` or ``.``; ``order="mdy"`` reads ``MM/DD/YYYY``) or,
    with ``allow_serial``, an Excel serial day number. Blank gives None.
    Years from :data:`MIN_YEAR`; an impossible date says why.

    >>> parse_date("2021-05-07"), parse_date("7/5/2021"), parse_date(" ")
    (datetime.date(2021, 5, 7), datetime.date(2021, 5, 7), None)
    >>> parse_date("1/23/2020", order="mdy"), parse_date("03/04/1861")
    (datetime.date(2020, 1, 23), datetime.date(1861, 4, 3))
    >>> parse_date("44323", allow_serial=True)
    datetime.date(2021, 5, 7)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if allow_serial and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(value, field)
    text = str(value).strip()
    if not text:
        return None
    m = _YMD_RE.fullmatch(text)
    if m:
        return _mkdate(int(m.group(1)), int(m.group(3)), int(m.group(4)), text, field, "year-month-day")
    m = _XY_RE.fullmatch(text)
    if m:
        first, second, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if order == "ymd":
            raise InvalidValue(_("{field}: '{text}' is not year-month-day (--date-order ymd)").format(
                                   field=field, text=_short(text)))
        if order == "mdy":
            return _mkdate(y, first, second, text, field, "month/day/year")
        return _mkdate(y, second, first, text, field, "day/month/year")
    if allow_serial and _SERIAL_RE.fullmatch(text):
        return _excel_serial(float(text), field)
    raise InvalidValue(_("{field}: '{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)").format(
                           field=field, text=_short(text)))


def past_date(value, field: str = "date", *, required: bool = False, allow_serial: bool = True,
              order: str | None = None) -> dt.date | None:
    """:func:`parse_date` for things that already happened: a date after today
    is refused, and with ``required`` so is a blank.

    >>> past_date("01/05/2021", "--onset")
    datetime.date(2021, 5, 1)
    """
    day = parse_date(value, field, allow_serial=allow_serial, order=order)
    if day is None:
        if required:
            raise InvalidValue(_("{field}: a date is required").format(field=field))
        return None
    if day > today():
        raise InvalidValue(_("{field}: {day} is in the future").format(field=field, day=fmt_date(day)))
    return day


_SERIAL_RE = re.compile(r"\d{4,5}(?:\.0+)?")


def is_serial(value) -> bool:
    """Is ``value`` a bare number that :func:`parse_date` with
    ``allow_serial`` reads as an Excel serial day (a number, or the text of
    4 or 5 digits)? A date cell of a workbook is a date, not a number.

    >>> is_serial(44040), is_serial("44040"), is_serial("2021-05-07"), is_serial(True)
    (True, True, False, False)
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and _SERIAL_RE.fullmatch(value.strip()) is not None


def _excel_serial(value: float, field: str) -> dt.date:
    if not 1 <= value < 2958466:
        raise InvalidValue(_("{field}: {value} is not an Excel date serial").format(field=field, value=value))
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))


#: month names in date errors (msgctxt "month": Vietnamese writes the number, "tháng 2")
_MONTHS = (NP_("month", "January"), NP_("month", "February"), NP_("month", "March"), NP_("month", "April"),
           NP_("month", "May"), NP_("month", "June"), NP_("month", "July"), NP_("month", "August"),
           NP_("month", "September"), NP_("month", "October"), NP_("month", "November"),
           NP_("month", "December"))
#: how a date was read, in date errors
_ORDER_WORDS = {"day/month/year": N_("day/month/year"), "month/day/year": N_("month/day/year"),
                "year-month-day": N_("year-month-day")}


def _mkdate(y: int, mo: int, d: int, text: str, field: str, how: str = "day/month/year") -> dt.date:
    """The date, or :class:`InvalidValue` saying what is impossible in it."""
    if y >= MIN_YEAR and 1 <= mo <= 12 and 1 <= d <= 28:
        return dt.date(y, mo, d)  # the common case, no message built
    bad = _("{field}: '{text}' is not a valid date").format(field=field, text=_short(text))
    if y < MIN_YEAR:
        raise InvalidValue(_("{bad}: year {y} is before {MIN_YEAR}").format(bad=bad, y=y, MIN_YEAR=MIN_YEAR))
    if not 1 <= mo <= 12:
        raise InvalidValue(_("{bad}: there is no month {mo} (read as {how})").format(bad=bad, mo=mo,
                                                                                     how=_(_ORDER_WORDS[how])))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        last = (dt.date(y + mo // 12, mo % 12 + 1, 1) - dt.timedelta(days=1)).day
        raise InvalidValue(_("{bad}: {mo} {y} has {last} days (read as {how})").format(
                               bad=bad, mo=_(_MONTHS[mo - 1]), y=y, last=last, how=_(_ORDER_WORDS[how]))) from None


def parse_datetime(value, field: str = "datetime", *, order: str | None = None) -> dt.datetime | None:
    """Parse ``YYYY-MM-DD HH:MM``, ``YYYY-MM-DDTHH:MM[:SS]``, ``DD/MM/YYYY HH:MM``
    or a plain date (midnight). Blank gives None.

    >>> parse_datetime("2021-05-07 18:30")
    datetime.datetime(2021, 5, 7, 18, 30)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(.+?)[T ](\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if m:
        day = parse_date(m.group(1), field, order=order)
        h, mi, s = int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
        try:
            return dt.datetime(day.year, day.month, day.day, h, mi, s)
        except ValueError:
            raise InvalidValue(_("{field}: '{text}' is not a valid time").format(field=field, text=_short(text))) from None
    day = parse_date(text, field, order=order)
    return dt.datetime(day.year, day.month, day.day)


def parse_bool(value, field: str = "value") -> bool | None:
    """``true/false``, ``yes/no``, ``1/0``, ``có/không``; blank is unknown (None).

    >>> parse_bool("Có"), parse_bool("0"), parse_bool("")
    (True, False, None)
    """
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text:
        return None
    found = _VOCAB["bool"].get(_vocab_key(text))
    if found is None:
        raise InvalidValue(_("{field}: '{lower}' is not yes/no (use true/false, yes/no, 1/0, có/không)").format(
                               field=field, lower=_short(text.lower())))
    return found == "true"


_WHOLE_FLOAT = re.compile(r"-?\d+\.0*")


def parse_int(value, field: str, *, lo: int | None = None, hi: int | None = None) -> int | None:
    """An integer within ``[lo, hi]``; blank gives None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text) if _WHOLE_FLOAT.fullmatch(text) else int(text)
        number = int(number)
    except ValueError:
        raise InvalidValue(_("{field}: '{text}' is not a whole number").format(field=field, text=_short(text))) from None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise InvalidValue(_("{field}: {number} is out of range ({lo}..{hi})").format(
                               field=field, number=number, lo=lo, hi=hi), hard=True)
    return number


_MINUTE_UNITS = {"phut": 1, "p": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "m": 1, "'": 1,
                 "gio": 60, "g": 60, "tieng": 60, "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60}
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z']*)")
MAX_MINUTES = 7 * 24 * 60
"""Longest contact accepted, in minutes (a week)."""


def parse_minutes(value, field: str = "minutes") -> int | None:
    """A contact's duration in whole minutes: a number (minutes), or a
    number with a unit as people write it, in Vietnamese or English, with or
    without diacritics (``30 phút``, ``30 phut``, ``30 min``, ``1 giờ``,
    ``1,5 tiếng``, ``1 giờ 30 phút``, ``1h30``). Blank gives None; anything
    else, or more than :data:`MAX_MINUTES`, raises :class:`InvalidValue`.

    >>> parse_minutes("30 phút"), parse_minutes("30 phut"), parse_minutes("30 min"), parse_minutes("1 giờ")
    (30, 30, 30, 60)
    >>> parse_minutes("1 giờ 30 phút"), parse_minutes("1h30"), parse_minutes("1,5 tiếng"), parse_minutes(" 45 ")
    (90, 90, 90, 45)
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or re.fullmatch(r"-?\d+(?:\.0*)?", text):
        return parse_int(value, field, lo=0, hi=MAX_MINUTES)
    folded = fold(text).lower()
    parts = _DURATION_PART.findall(folded)
    total, last_unit = 0.0, None
    if parts and _DURATION_PART.sub("", folded).strip() == "":
        for i, (number, unit) in enumerate(parts):
            if not unit and i == len(parts) - 1 and last_unit == 60:
                unit = "phut"  # 1h30, 1 giờ 30
            factor = _MINUTE_UNITS.get(unit)
            if factor is None:
                break
            total += float(number.replace(",", ".")) * factor
            last_unit = factor
        else:
            minutes = round(total)
            if minutes > MAX_MINUTES:
                raise InvalidValue(_("{field}: {number} is out of range ({lo}..{hi})").format(
                    field=field, number=minutes, lo=0, hi=MAX_MINUTES), hard=True)
            return minutes
    raise InvalidValue(_("{field}: '{text}' is not a duration (write minutes, or e.g. '30 phút', '1 giờ')")
                       .format(field=field, text=_short(text)))


def parse_setting(value, field: str = "setting") -> str | None:
    """One of :data:`SETTINGS`, also written in Vietnamese (``hộ gia đình``,
    ``nơi làm việc``, ``trường học``…, see :data:`VOCABULARY`); blank gives None.

    >>> parse_setting("Nơi làm việc"), parse_setting("truong hoc"), parse_setting("Household")
    ('work', 'school', 'household')
    """
    try:
        return choice(value, field, "setting")
    except InvalidValue:
        text = str(value).strip()
        raise InvalidValue(_("{field}: unknown setting '{text}' (use one of {SETTINGS}, or in Vietnamese: hộ "
                             "gia đình, nơi làm việc, trường học…)").format(
                               field=field, text=_short(text), SETTINGS=', '.join(SETTINGS))) from None


GENERIC_SETTING_WORDS: dict[str, tuple[str, ...]] = {
    "household": ("hộ gia đình", "gia đình", "hộ", "hh", "family"),
    "work": ("nơi làm việc", "làm việc", "workplace"),
    "school": ("trường học",),
    "venue": ("địa điểm công cộng", "nơi công cộng", "công cộng", "public place"),
    "healthcare": ("cơ sở y tế", "y tế", "health care", "health facility"),
    "transport": ("phương tiện", "phương tiện giao thông", "giao thông"),
    "social": ("xã hội", "tụ tập xã hội"),
    "other": ("khác", "others"),
}
"""Words that only name a setting's category (the tool's own labels in both
languages among them, :data:`tracing.i18n.VALUES`): reading them as the category
loses nothing. Any other word of :data:`VOCABULARY` (``chợ``, ``nhà hàng``,
``đám cưới``, ``máy bay``, ``bệnh viện``…) says more than its category, so
:func:`setting_with_words` hands it back to be kept."""

@functools.lru_cache(maxsize=1)
def _generic_setting_keys() -> frozenset:
    return frozenset(_vocab_key(w) for c, ws in GENERIC_SETTING_WORDS.items() for w in (c, *ws))


def setting_with_words(value, field: str = "setting") -> tuple[str | None, str | None]:
    """``(setting, words)``: the category (:func:`parse_setting`) and, when
    the cell said more than the category (``Chợ Long Biên`` is not just
    ``venue``), its words as written (trimmed), to be kept; else None.

    >>> setting_with_words("chợ"), setting_with_words("Hộ gia đình"), setting_with_words("venue")
    (('venue', 'chợ'), ('household', None), ('venue', None))
    """
    setting = parse_setting(value, field)
    if setting is None:
        return None, None
    text = str(value).strip()
    return setting, (None if _vocab_key(text) in _generic_setting_keys() else text)


def parse_sex(value, field: str = "sex") -> str | None:
    """``m`` or ``f`` from ``m/f``, ``male/female``, ``nam/nữ`` (also ``nu``); blank gives None.

    >>> parse_sex("Nữ"), parse_sex("nam"), parse_sex("F")
    ('f', 'm', 'f')
    """
    try:
        return choice(value, field, "sex")
    except InvalidValue:
        raise InvalidValue(_("{field}: '{strip}' is not m or f (male/female, nam/nữ)").format(
                               field=field, strip=_short(str(value).strip())[:20])) from None


def parse_result(value, field: str = "result") -> str | None:
    """A test result: ``negative``, ``positive`` or ``missed``, also
    ``âm tính`` / ``dương tính`` / ``vắng`` (with or without diacritics).

    >>> parse_result("Dương tính"), parse_result("am tinh")
    ('positive', 'negative')
    """
    try:
        return choice(value, field, "result")
    except InvalidValue:
        raise InvalidValue(_("{field}: '{strip}' is not one of {RESULTS} (âm tính, dương tính, vắng)").format(
                               field=field, strip=_short(str(value).strip()), RESULTS=', '.join(RESULTS))) from None


def fold(text) -> str:
    """Lower-case text without diacritics, for search: ``đ``/``Đ`` become ``d``
    (Unicode decomposition does not do that), spaces are collapsed.

    >>> fold("  ĐẶNG   Thị Hồng ")
    'dang thi hong'
    """
    return _fold(text) if text.__class__ is str else _fold_any(text)


@functools.lru_cache(maxsize=1 << 16)  # names, areas, sexes repeat across the rows of a file: fold each once
def _fold(text: str) -> str:
    return _fold_any(text)


def _fold_any(text) -> str:
    if not text:
        return ""
    text = str(text)
    if text.isascii():  # nothing to strip (most ids, codes, many names typed without marks)
        return " ".join(text.lower().split())
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


#: control characters refused in one-line text: C0 (tab and newline too), DEL and C1
#: (ESC starts terminal commands: ESC ] 52 writes the clipboard; U+009D is the one-byte OSC)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: the same for free text that may hold tabs and line breaks (addresses, extra attributes)
CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


AREA_PREFIXES = ("phường", "p.", "xã", "thị trấn", "tt.", "thị xã", "tx.", "quận", "q.", "huyện", "h.",
                 "tổ dân phố", "tdp", "tổ")
"""Administrative words before an area's name, dropped when areas are compared
(:func:`fold_area`): ``Phường Bồ Đề``, ``P. Bồ Đề`` and ``Bồ Đề`` are one ward,
``Quận 1`` and ``Q.1`` one district, ``Tổ dân phố 5``, ``TDP 5`` and ``Tổ 5``
one unit. Written without diacritics (``Phuong``, ``Quan``, ``To``) a word is
dropped only before a number (``Phuong 5``): ``Phuong Liet`` is the ward
Phương Liệt and ``Quan Thanh`` is Quán Thánh, not prefixed names."""

_AREA_PREFIX = re.compile(
    r"^(?:(?:phường|xã|thị trấn|thị xã|quận|huyện|tổ dân phố|tổ|tdp)\s+|(?:p|q|tt|tx|h)\.\s*|tdp(?=\d)"
    r"|(?:phuong|xa|thi tran|thi xa|quan|huyen|to dan pho|to)\s*(?=\d))(?=\S)")


def fold_area(text) -> str:
    """An area name compared as people mean it: :func:`fold` without an
    administrative prefix (:data:`AREA_PREFIXES`).

    >>> fold_area("Phường Bồ Đề") == fold_area("P. Bồ Đề") == fold_area("BỒ ĐỀ") == fold_area("Bo De")
    True
    >>> fold_area("Quận 1"), fold_area("Q.1"), fold_area("TDP 5"), fold_area("Phuong Liet")
    ('1', '1', '5', 'phuong liet')

    Zero padding of a number is dropped (``Phường 01`` is ``Phường 1``,
    ``TDP 05`` is ``TDP 5``).

    >>> fold_area("Phường 01") == fold_area("Phường 1") == fold_area("P.001"), fold_area("TDP 05")
    (True, '5')

    A number word before the number is dropped (:data:`NUMBER_WORDS`).

    >>> {fold_area(w) for w in ("Phường số 1", "P. số 01", "Phuong so 1", "Phường No. 1", "Phường #1")}
    {'1'}
    >>> fold_area("Khu phố số 3") == fold_area("Khu phố 3"), fold_area("Sở 3")
    (True, 'so 3')
    """
    if not text:
        return ""
    return _fold_area(str(text))


@functools.lru_cache(maxsize=1 << 14)
def _fold_area(text: str) -> str:
    return _ZERO_PAD.sub("", fold(_AREA_PREFIX.sub("", _area_lower(text), count=1)))


def _area_lower(text: str) -> str:
    """An area name lower-cased (NFC, spaces collapsed) with a number word
    before its number dropped (:data:`NUMBER_WORDS`): ``Phường số 1``,
    ``Phuong so 1``, ``Phường No. 1`` and ``Phường #1`` are ``phường 1``."""
    lower = " ".join(unicodedata.normalize("NFC", text).lower().split())
    return _NUMBER_WORD.sub("", lower) if _NUMBER_HINT.search(lower) else lower


NUMBER_WORDS = ("số", "so", "no.", "no", "nº", "n°", "#")
"""Words for "number" written before an area's number, dropped when areas are
compared (:func:`fold_area`): Vietnamese ``số`` (``so`` without diacritics),
``No.``, ``Nº``, ``#``. ``Phường số 1``, ``P. số 01``, ``Phuong so 1``,
``Phường No. 1`` and ``Phường #1`` are ``Phường 1``; ``Tổ dân phố số 5``,
``Khu phố số 3``, ``Ấp số 2``, ``Thôn số 4`` are ``Tổ dân phố 5``, ``Khu phố
3``, ``Ấp 2``, ``Thôn 4``. Only before a number: ``Sở``, ``Số Một`` stay."""

_NUMBER_WORD = re.compile(r"(?<!\w)(?:số|so|no\.?|nº|n°)\s*(?=\d)|#\s*(?=\d)")
_NUMBER_HINT = re.compile(r"số|so|no|nº|n°|#")
_ZERO_PAD = re.compile(r"(?<!\d)0+(?=\d)")
#: an administrative word written without diacritics before a name (not a number)
_BARE_PREFIX = re.compile(r"^(?:phuong|xa|thi tran|thi xa|quan|huyen|to dan pho|tdp)\s+(?=[^\d\s])")


def fold_area_unprefixed(text) -> str | None:
    """The :func:`fold_area` of ``text`` without an administrative word
    written without diacritics before a name (``phuong phuc dong`` ->
    ``phuc dong``), or None when it has none. Such a word is ambiguous
    (``Phuong Liet`` is the ward Phương Liệt), so this key only matches an
    area already known (:func:`tracing.store.areas.area_spelling`).

    >>> fold_area_unprefixed("phuong phuc dong"), fold_area_unprefixed("Phường Phúc Đồng")
    ('phuc dong', None)
    """
    if not text:
        return None
    key = fold_area(text)
    stripped = _BARE_PREFIX.sub("", key, count=1)
    return stripped if stripped != key else None


_KIND_WORDS = (("thi tran", ("thị trấn", "tt.")), ("thi xa", ("thị xã", "tx.")), ("phuong", ("phường", "p.")),
               ("xa", ("xã",)), ("quan", ("quận", "q.")), ("huyen", ("huyện", "h.")),
               ("to", ("tổ dân phố", "tdp", "tổ")))
_BARE_KIND = re.compile(r"^(thi tran|thi xa|phuong|xa|quan|huyen|to dan pho|tdp|to)(\s*)(?=(\S))")


def area_kind(text, bare: bool = False) -> str | None:
    """The administrative kind written before an area's name (``phuong``,
    ``xa``, ``thi tran``, ``thi xa``, ``quan``, ``huyen``, ``to``), or None
    when none is written. Without diacritics a word is a kind only before a
    number (as :data:`AREA_PREFIXES`), or before a name with ``bare`` (the
    guess :func:`fold_area_unprefixed` makes: ``Xa Bo De``).

    ``Xã Bồ Đề`` and ``Phường Bồ Đề`` fold alike but are two areas: a
    commune (xã) is not a ward (phường) (:mod:`tracing.store.areas`).

    >>> area_kind("Xã Bồ Đề"), area_kind("P. Bồ Đề"), area_kind("Bồ Đề"), area_kind("Phuong 5")
    ('xa', 'phuong', None, 'phuong')
    >>> area_kind("Xa Bo De"), area_kind("Xa Bo De", bare=True), area_kind("Phương Liệt")
    (None, 'xa', None)
    """
    if not text:
        return None
    lower = _area_lower(str(text))
    for kind, words in _KIND_WORDS:
        for w in words:
            if lower.startswith(w):
                nxt = lower[len(w):len(w) + 1]
                if w.endswith(".") or nxt == " " or (w == "tdp" and nxt.isdigit()):
                    return kind
    m = _BARE_KIND.match(fold(lower))
    if m and (m.group(3).isdigit() or (bare and m.group(2))):
        return {"to dan pho": "to", "tdp": "to"}.get(m.group(1), m.group(1))
    return None


def refuse_controls(text: str, field: str, *, multiline: bool = False) -> str:
    r"""``text`` unchanged, or :class:`InvalidValue` naming ``field`` when it
    holds a control character (:data:`CONTROL`; with ``multiline`` tabs and
    line breaks are allowed). The message shows the character's code, never
    the character.

    >>> refuse_controls("Nguyễn Văn An", "name")
    'Nguyễn Văn An'
    >>> refuse_controls("An\x1b]52;c;eA==\x07", "name")
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: name: contains the control character U+001B at character 3 (terminal codes, tabs and line breaks are not allowed here)
    """
    m = (CONTROL_MULTILINE if multiline else CONTROL).search(text)
    if m is None:
        return text
    from .i18n import N_, NP_, _, fmt_date

    if multiline:
        why = _("{field}: contains the control character U+{code} at character {n} (terminal codes are not "
                "allowed)")
    else:
        why = _("{field}: contains the control character U+{code} at character {n} (terminal codes, tabs and "
                "line breaks are not allowed here)")
    raise InvalidValue(why.format(field=field, code=f"{ord(m.group()):04X}", n=m.start() + 1), field=field)


def visible(text: str) -> str:
    r"""``text`` with every control character but tab and newline written as
    an escape (``\x1b``), so that printing it cannot drive a terminal.

    >>> visible("An\x1b]52;c;eA==\x07 \x9d\tok\n")
    'An\\x1b]52;c;eA==\\x07 \\x9d\tok\n'
    """
    return CONTROL_MULTILINE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


ONE_LINE_MAX = 500
"""Characters of a one-line text field (a place, a ward, a setting, a note …):
the same cap on both stores (PostgreSQL cannot index a value of over ~2,700 bytes)."""
MULTILINE_MAX = 10_000
"""Characters of a text field that may hold line breaks (an address, a reason)."""


def clean_text(value, field: str = "text", *, multiline: bool = False) -> str | None:
    r"""Trimmed NFC text, blank gives None (Vietnamese typed on different
    keyboards arrives composed or decomposed; store one form). Control
    characters are refused naming ``field`` (:func:`refuse_controls`); with
    ``multiline`` tabs and line breaks (``\r\n`` read as ``\n``) are kept.
    Text longer than :data:`ONE_LINE_MAX` (:data:`MULTILINE_MAX` with
    ``multiline``) characters is refused naming ``field``: one cap for both stores."""
    text = _clean_text(value, field, multiline)
    if text is not None and len(text) > (MULTILINE_MAX if multiline else ONE_LINE_MAX):
        raise InvalidValue(_("{field}: longer than {most} characters").format(
            field=field, most=MULTILINE_MAX if multiline else ONE_LINE_MAX), field)
    return text


def _clean_text(value, field: str, multiline: bool) -> str | None:
    if value is None:
        return None
    if value.__class__ is str:
        if value.isascii() and not multiline:  # ids, phones, codes: NFC changes no ASCII text
            text = value.strip()
            if CONTROL.search(text) is None:
                return text or None
        else:  # the same cell value again (wards, units, sexes...): cleaned once
            text = _clean_str(value, multiline)
            if text is not _REFUSED:
                return text
    text = unicodedata.normalize("NFC", str(value))
    if multiline:
        text = text.replace("\r\n", "\n")
    text = text.strip()
    if not text:
        return None
    return refuse_controls(text, field, multiline=multiline)


_REFUSED = object()


@functools.lru_cache(maxsize=1 << 16)
def _clean_str(value: str, multiline: bool):
    """:func:`clean_text` of a ``str`` without its error: :data:`_REFUSED`
    when it holds a control character (the caller then raises, naming the field)."""
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n")
    text = text.strip()
    if not text:
        return None
    return _REFUSED if (CONTROL_MULTILINE if multiline else CONTROL).search(text) else text


def normalize_phone(value) -> str | None:
    """A Vietnamese phone number in one form, ``0`` + national number (a
    number of another country: ``+`` and its digits):
    ``+84 912…``, ``0084 912…``, ``84912…`` and ``0912…`` are the same number
    (``00`` is the international prefix, as ``+``).

    >>> normalize_phone("+84 (91) 234-5678"), normalize_phone("84912345678"), normalize_phone("0084912000333")
    ('0912345678', '0912345678', '0912000333')
    >>> normalize_phone("+1 415 555 0100"), normalize_phone("0082 10-1234-5678")  # abroad: + and digits
    ('+14155550100', '+821012345678')
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if 9 <= len(text) <= 11 and text[0] == "0" and text.isascii() and text.isdigit():
        return text  # already the stored form (most cells of a line list): what the steps below give back
    digits = _NOT_DIGIT.sub("", text)
    if not digits or len(digits) > 15 or _NOT_PHONE_CHAR.search(text):
        raise InvalidValue(_("phone: '{text}' is not a phone number").format(text=_short(text)))
    international = text.lstrip().startswith("+")
    if digits.startswith("00") and len(digits) > 11:  # 00 is the international prefix, like +
        digits, international = digits[2:], True
    if digits.startswith("84") and (international or len(digits) >= 11):
        digits = "0" + digits[2:]
    elif international:  # another country's number keeps its + (critic13 F10: 1415… says nothing of abroad)
        return "+" + digits
    elif not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
    if len(digits) < 9:
        raise InvalidValue(_("phone: '{text}' is too short for a phone number").format(text=_short(text)))
    return digits


_NOT_DIGIT = re.compile(r"\D")
_NOT_PHONE_CHAR = re.compile(r"[^\d\s()+.\-]")
_ID_NUMBER_SEPARATORS = re.compile(r"[\s.\-]")
_ID_NUMBER = re.compile(r"[0-9A-Z]{5,20}")


def normalize_national_id(value) -> str | None:
    """CCCD (12 digits) or CMND (9 digits); other ids (passports) are kept
    as typed, upper-cased, without spaces."""
    if value is None:
        return None
    text = str(value)
    if 5 <= len(text) <= 20 and text.isascii() and text.isalnum():
        return text.upper()  # no separator to drop, only [0-9A-Za-z]: what the steps below give back
    text = _ID_NUMBER_SEPARATORS.sub("", text).upper()
    if not text:
        return None
    if not _ID_NUMBER.fullmatch(text):
        raise InvalidValue(_("national_id: '{value}' is not an id number").format(value=_short(str(value))))
    return text


def _short(text: str, limit: int = 40) -> str:
    """A typed value cut for an error message, control characters escaped."""
    text = text.replace("\n", " ")
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return visible(text)


def iso(value) -> str | None:
    """Date or date-time as ISO text (dates out are ``YYYY-MM-DD``)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


_VOCAB = _vocab_index()

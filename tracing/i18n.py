"""The language of human-readable output: gettext messages and CLDR formats.

One switch for everything a person reads (tables, text, warnings, ``Error:``
lines, ``--help``): :func:`set_language` with ``"vi"`` or ``"en"``, chosen by
the command line from ``--lang``, else ``$TRACING_LANG``, else Vietnamese when
the locale (``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG``) is
Vietnamese, else English. JSON and CSV never go through here.

Messages are English in the source, marked with :func:`_` (or :func:`ngettext`
for counts, :func:`N_` where the text is only marked and translated later),
and translated in the gettext catalog ``tracing/locale/vi/LC_MESSAGES/tracing.po``
that a translator edits without reading code. The compiled ``tracing.mo`` is
not kept in git: the build (``setup.py``) compiles it into a wheel, and a
checkout compiles it with Babel on first use when it is missing or older than
the ``.po`` (a few ms, once). English needs no catalog, so an English command
never opens a file or imports Babel; Vietnamese loads the catalog on the first
translated message (lazily, PERFORMANCE.md: start-up is most of a command).

Click's own words ("Usage:", "Options", "Error: ...", "Missing argument")
come through the same catalog: click calls the standard ``gettext.gettext``,
and :func:`set_language` points its text domain at this catalog.

Numbers, percentages and dates for people use Babel's CLDR data:

>>> set_language("vi")
>>> fmt_decimal(473 / 14), fmt_percent(473 / 783), fmt_int(1234), fmt_date(dt.date(2021, 11, 29))
('33,8', '60,4 %', '1.234', '29/11/2021')
>>> set_language("en")
>>> fmt_decimal(473 / 14), fmt_percent(473 / 783), fmt_int(1234), fmt_date(dt.date(2021, 11, 29))
('33.8', '60.4%', '1,234', '2021-11-29')
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

LANGUAGES = ("vi", "en")
DOMAIN = "tracing"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_lang = "en"
_catalog = None  # gettext.GNUTranslations for _lang, loaded on first use


def detect_language(explicit: str | None = None) -> str:
    """``explicit`` (``--lang``), else ``$TRACING_LANG``, else ``vi`` when the
    locale names Vietnamese, else ``en``. Raises ValueError on an unknown code.

    >>> detect_language("VI"), detect_language("en")
    ('vi', 'en')
    """
    for value in (explicit, os.environ.get("TRACING_LANG")):
        if value:
            code = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
            if code in ("vi", "vn", "tieng viet", "tiếng việt"):
                return "vi"
            if code == "en":
                return "en"
            from .values import VOCABULARY, fold  # other ways of naming them: "tiếng Việt", "english"
            for lang, words in VOCABULARY["lang"].items():
                if fold(value) in {fold(w) for w in (lang, *words)}:
                    return lang
            raise ValueError(_("'{value}' is not a language (use vi or en)").format(value=value))
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def set_language(lang: str) -> None:
    """Make ``lang`` (``vi`` or ``en``) the language of everything printed from now on."""
    global _lang, _catalog
    if lang not in LANGUAGES:
        raise ValueError(_("'{value}' is not a language (use vi or en)").format(value=lang))
    if lang != _lang:
        _catalog = None
    _lang = lang
    _point_click_at_catalog(lang)


class in_language:
    """``with in_language("en"): ...``: ``lang`` in force for the block (a
    page or report written in a language other than the command's), the
    previous language after it, also on error."""

    def __init__(self, lang: str):
        self.lang = lang

    def __enter__(self):
        self.saved = _lang
        set_language(self.lang)
        return self

    def __exit__(self, *exc):
        set_language(self.saved)


class Words:
    """The labels of a page, report or sheet, by name: English messages marked
    with :func:`NP_` (so the catalog has them, each with its context),
    translated like every other message. ``WORDS[lang]`` is the dict of
    labels in ``lang`` (``vi`` or ``en``), whatever language is in force.

    >>> W = Words({"title": NP_("report", "COVID-19 report")})
    >>> W["en"]["title"], "vi" in W, sorted(W)
    ('COVID-19 report', True, ['en', 'vi'])
    """

    def __init__(self, messages: dict):
        self.messages = messages
        self._made: dict[str, dict[str, str]] = {}  # per language: the catalog does not change while running

    def __getitem__(self, lang: str) -> dict[str, str]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        if lang not in self._made:
            with in_language(lang):
                self._made[lang] = {key: _(message) for key, message in self.messages.items()}
        return dict(self._made[lang])

    def __contains__(self, lang) -> bool:
        return lang in LANGUAGES

    def __iter__(self):
        return iter(sorted(LANGUAGES))

    def get(self, lang: str, default=None):
        return self[lang] if lang in LANGUAGES else default


def language() -> str:
    """The language in force: ``"vi"`` or ``"en"``."""
    return _lang


def _(message) -> str:
    """``message`` (English, the msgid) in the language in force; a
    ``(context, message)`` pair from :func:`NP_` in the sense it names."""
    if message.__class__ is tuple:
        return pgettext(*message)
    if _lang == "en" or not message:
        return message
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for count ``n`` (Vietnamese has one form).
    The catalog keeps the two English forms as two entries (``cli.catalog``
    extracts both), so each is looked up as a message of its own; gettext's
    plural lookup would look for one ``msgid_plural`` entry and fall back to
    English."""
    form = singular if n == 1 else plural
    if _lang == "en":
        return form
    return _(form)


def pgettext(context: str, message: str) -> str:
    """``message`` in the language in force, in the sense ``context`` names:
    one short English word can have several translations (``level``: the F
    level "Đối tượng", the epidemic level "Cấp độ"), each its own catalog
    entry (``msgctxt``)."""
    if _lang == "en" or not message:
        return message
    return _translations().pgettext(context, message)


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` with its ``context`` for the catalog without
    translating it yet; :func:`_` of the pair translates it in that sense."""
    return (context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (module-level
    labels, click help): call :func:`_` on it where it is shown."""
    return message


def pick(english: str, vietnamese: str) -> str:
    """For text that is not a message (data files, fixtures): the one for the language."""
    return vietnamese if _lang == "vi" else english


_compiling = False


def _translations():
    global _catalog, _compiling
    if _catalog is None:
        import gettext
        if _compiling:  # a message asked for while the catalog itself is being compiled: English
            return gettext.NullTranslations()
        _compiling = True
        try:
            path = mo_file(_lang)
        finally:
            _compiling = False
        _catalog = gettext.GNUTranslations(open(path, "rb"))
    return _catalog


def po_file(lang: str = "vi") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_file(lang: str = "vi") -> Path:
    """The compiled catalog, compiled from the ``.po`` when missing or older."""
    po = po_file(lang)
    mo = po.with_suffix(".mo")
    try:
        if mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            return mo
    except FileNotFoundError:
        pass
    try:
        compile_catalog(po, mo)
        return mo
    except OSError:  # an installed package that is not writable and had no .mo
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tracing" / "locale"
        mo = cache / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns:
            compile_catalog(po, mo)
        return mo


def compile_catalog(po: Path, mo: Path) -> None:
    """Compile ``po`` to ``mo`` with Babel (written atomically: several
    commands may start at once). Used by the build and by :func:`mo_file`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name, domain=DOMAIN)
    from .files import atomic_file  # one O_EXCL|O_NOFOLLOW descriptor, renamed into place

    mo.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(mo, "wb") as f:
        write_mo(f, catalog, use_fuzzy=False)


_saved_language_env: list = []


def _point_click_at_catalog(lang: str) -> None:
    """Click translates its own words with ``gettext.gettext`` (the global text
    domain): bind that domain to this catalog for Vietnamese, unbind for English."""
    if lang == "en" and "gettext" not in __import__("sys").modules:
        return  # nothing was ever bound; stay cheap
    import gettext
    if lang == "en":
        gettext.textdomain("messages")
        if _saved_language_env:
            value = _saved_language_env.pop()
            if value is None:
                os.environ.pop("LANGUAGE", None)
            else:
                os.environ["LANGUAGE"] = value
        return
    if not _saved_language_env:
        _saved_language_env.append(os.environ.get("LANGUAGE"))
    os.environ["LANGUAGE"] = lang  # the language gettext.gettext looks up
    gettext.bindtextdomain(DOMAIN, str(mo_file(lang).parent.parent.parent))
    gettext.textdomain(DOMAIN)


class Msg(str):
    """English text that keeps its template and values: JSON and CSV write it
    as the English string (language-neutral), tables show :meth:`shown`, the
    template translated with the values filled in (values named ``date…``
    written as the language writes dates).

    >>> m = Msg(N_("case {id} confirmed {date}"), id="BN1", date="2021-05-05")
    >>> m, m.shown()
    ('case BN1 confirmed 2021-05-05', 'case BN1 confirmed 2021-05-05')
    """

    def __new__(cls, template: str, **params):
        self = super().__new__(cls, template.format(**params))
        self.template, self.params = template, params
        return self

    def shown(self) -> str:
        if _lang == "en":
            return str(self)
        values = {k: v.shown() if isinstance(v, Msg) else
                  fmt_date(v) if k.startswith("date") and isinstance(v, str) else
                  fmt_float(v) if isinstance(v, float) else
                  label(v) if isinstance(v, str) and v in VALUES else v
                  for k, v in self.params.items()}
        return _(self.template).format(**values)


def shown(text):
    """``text`` for people: a :class:`Msg` translated, anything else as it is."""
    return text.shown() if isinstance(text, Msg) else text


# --- numbers and dates for people (Babel's CLDR data; JSON/CSV stay raw) ---

def _babel_locale() -> str:
    return "vi" if _lang == "vi" else "en"


def fmt_int(n) -> str:
    """A count with the language's thousands separator: ``1.234`` / ``1,234``."""
    if n is None:
        return "–"
    from babel.numbers import format_decimal
    return format_decimal(n, format="#,##0", locale=_babel_locale())


def fmt_decimal(x, digits: int = 1) -> str:
    """A decimal rounded to ``digits`` places: ``33,8`` / ``33.8``."""
    if x is None:
        return "–"
    from babel.numbers import format_decimal
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(x, format=pattern, locale=_babel_locale())


def fmt_float(x) -> str:
    """A float for people with the decimals it has (``75.0`` -> ``75,0`` in
    Vietnamese, ``33.75`` -> ``33,75``): tables and reports never show a
    float through ``str()``, which writes the English decimal point."""
    if x is None:
        return "–"
    text = repr(float(x))
    if "e" in text or "inf" in text or "nan" in text:
        return fmt_decimal(x, 6)
    return fmt_decimal(x, len(text.split(".")[1]) if "." in text else 0)


def fmt_percent(fraction, digits: int = 1) -> str:
    """A fraction as a percentage: ``60,4 %`` (as Vietnamese offices write
    it, with a space) / ``60.4%``."""
    if fraction is None:
        return "–"
    from babel.numbers import format_percent
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    pattern += " %" if _lang == "vi" else "%"
    return format_percent(fraction, format=pattern, locale=_babel_locale())


def fmt_date(day) -> str:
    """A date for people: ``29/11/2021`` in Vietnamese, ISO ``2021-11-29`` in
    English (CLI.md: dates out are YYYY-MM-DD). None gives ``–``; text that is
    already an ISO date is parsed first."""
    if day is None or day == "":
        return "–"
    if isinstance(day, str):
        if _lang == "en":
            return day  # already ISO: as stored
        try:
            day = dt.datetime.fromisoformat(day) if len(day) > 10 else dt.date.fromisoformat(day)
        except ValueError:
            return day
    if isinstance(day, dt.datetime):
        return day.strftime("%d/%m/%Y %H:%M") if _lang == "vi" else day.strftime("%Y-%m-%d %H:%M")  # no seconds
    if _lang == "vi":
        from babel.dates import format_date
        return format_date(day, format="dd/MM/yyyy", locale="vi")
    return day.isoformat()


#: Enumerated values shown to people (settings, results, how found, where):
#: the stored value is the English word; the label its translation (msgctxt
#: "value": the same word as a column header may mean something else, e.g.
#: the setting "other" and the header "other" [person], "vaccinated").
VALUES = {
    "household": NP_("value", "household"), "work": NP_("value", "work"), "school": NP_("value", "school"),
    "venue": NP_("value", "venue"), "healthcare": NP_("value", "healthcare"),
    "transport": NP_("value", "transport"), "social": NP_("value", "social"), "other": NP_("value", "other"),
    "negative": NP_("value", "negative"), "positive": NP_("value", "positive"),
    "missed": NP_("value", "missed"), "quarantine": NP_("value", "quarantine"),
    "community": NP_("value", "community"), "screening": NP_("value", "screening"),
    "entry": NP_("value", "entry"), "unknown": NP_("value", "unknown"), "facility": NP_("value", "facility"),
    "home": NP_("value", "home"), "test": NP_("value", "test"), "release": NP_("value", "release"),
    "overdue": NP_("value", "overdue"), "vaccinated": NP_("value", "vaccinated"),
    "elderly_vaccinated": NP_("value", "elderly_vaccinated"), "capacity": NP_("value", "capacity"),
    "active": NP_("value", "active"), "over": NP_("value", "over"), "zone": NP_("value", "zone"),
    "lockdown": NP_("value", "lockdown"), "undated": NP_("value", "undated"),
    "unverified_contact": NP_("value", "unverified_contact"),
    "unknown_source": NP_("value", "unknown_source"),
    "checkin": NP_("value", "checkin"), "undated_case": NP_("value", "undated_case"),
    # follow-ups (person show, followup): their kinds and states
    "quarantine_end": NP_("value", "quarantine_end"), "zone_test": NP_("value", "zone_test"),
    "pending": NP_("value", "pending"), "done": NP_("value", "done"), "cancelled": NP_("value", "cancelled"),
}


def label(value) -> str:
    """A stored enumerated value (``household``) as people read it (``hộ gia đình``)."""
    if value is None:
        return "–"
    return _(VALUES[value]) if value in VALUES else str(value)


def yes_no(value) -> str:
    """A boolean for people: yes/no, có/không; None gives ``–``."""
    if value is None:
        return "–"
    return _("yes") if value else _("no")

"""The epidemic curve of a report: new F0 per day stacked by how they were
found, with the 7-day average, drawn three ways from the same figures
(``report["daily"]`` of :func:`tracing.report.build`):

- :func:`svg`: inline SVG (no script, no network) for the HTML page;
- :func:`html_page`: one printable A4 page with the headline, the curve and
  every table of the report, in the report's language;
- :func:`xlsx_chart`: a native Excel chart (openpyxl's chart module) on a
  sheet of its own, reading the report's daily sheet, so Excel redraws it
  when a supervisor edits a figure.

Everything people typed (ward and unit names) is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from .i18n import fmt_date, language, set_language

#: stack order (bottom first) and colours of how cases were found
COLOURS = {"quarantine": "#4e9a06", "community": "#f57900", "screening": "#3465a4", "entry": "#75507b",
           "unknown_source": "#cc0000"}
AVERAGE_COLOUR = "#2e3436"


def _short_date(iso: str, lang: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day:02d}/{d.month:02d}" if lang == "vi" else f"{d.month:02d}-{d.day:02d}"


def svg(report: dict, labels: dict, width: int = 680, height: int = 260) -> str:
    """The curve as an ``<svg>`` element: one stacked bar per day (colours
    :data:`COLOURS`), the 7-day average as a line, dates under the bars,
    a count axis and a legend."""
    from .report import FOUND

    daily = report["daily"]
    n = max(len(daily), 1)
    left, right, top, bottom, legend = 40, 10, 10, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom - legend
    peak = max([d["new_cases"] for d in daily] + [d["avg7"] for d in daily] + [1])
    step = _nice_step(peak)
    ymax = step * -(-peak // step) if peak else step
    bar = plot_w / n

    def y(v):
        return top + plot_h - plot_h * v / ymax

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'role="img" aria-label="{escape(labels["curve"])}" font-family="sans-serif" font-size="10">']
    tick = 0
    while tick <= ymax:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 4}" y="{y(tick) + 3:.1f}" text-anchor="end">{tick}</text>')
        tick += step
    every = max(1, round(n / 14))
    for i, d in enumerate(daily):
        x = left + i * bar
        base = 0
        for k in FOUND:
            v = d["by_found"][k]
            if v:
                out.append(f'<rect x="{x + bar * 0.1:.1f}" y="{y(base + v):.1f}" width="{bar * 0.8:.1f}" '
                           f'height="{y(base) - y(base + v):.1f}" fill="{COLOURS[k]}">'
                           f'<title>{escape(fmt_date(d["date"]))}: {escape(labels[k])} {v}</title></rect>')
                base += v
        if i % every == 0:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 12}" text-anchor="middle">'
                       f'{_short_date(d["date"], report["lang"])}</text>')
    points = " ".join(f"{left + (i + 0.5) * bar:.1f},{y(d['avg7']):.1f}" for i, d in enumerate(daily))
    out.append(f'<polyline points="{points}" fill="none" stroke="{AVERAGE_COLOUR}" stroke-width="2"/>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#555"/>')
    column = (width - left - right) / 3  # legend: three entries a row
    for i, k in enumerate((*FOUND, "avg7")):
        lx, ly = left + (i % 3) * column, height - legend + 2 + (i // 3) * 15
        if k == "avg7":
            out.append(f'<line x1="{lx}" x2="{lx + 10}" y1="{ly + 5}" y2="{ly + 5}" stroke="{AVERAGE_COLOUR}" '
                       f'stroke-width="2"/>')
        else:
            out.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{COLOURS[k]}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly + 9}">{escape(labels[k])}</text>')
    out.append("</svg>")
    return "".join(out)


def _nice_step(peak: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(int(peak)))


def html_page(report: dict, labels: dict, tables: list, headline: str) -> str:
    """One self-contained HTML page (A4, printable, no network) with the
    title, the notice-style headline, the curve and the tables."""
    saved = language()
    set_language(report["lang"])
    try:
        period = f"{fmt_date(report['from'])} – {fmt_date(report['to'])}"
    finally:
        set_language(saved)
    parts = [
        "<!DOCTYPE html>", f'<html lang="{report["lang"]}"><head><meta charset="utf-8">',
        f"<title>{escape(labels['title'])}: {period}</title>",
        "<style>@page{size:A4;margin:14mm}body{font-family:sans-serif;font-size:11pt;color:#222;"
        "max-width:182mm;margin:auto}h1{font-size:16pt;margin:0 0 4pt}h2{font-size:12pt;margin:14pt 0 4pt;"
        "break-after:avoid}p.lead{font-size:11.5pt}table{border-collapse:collapse;width:100%;"
        "break-inside:auto}th,td{border:1px solid #bbb;padding:2pt 5pt;text-align:left;font-size:9.5pt}"
        "td.n{text-align:right}tr{break-inside:avoid}figure{margin:6pt 0}svg{max-height:95mm}</style>",
        "</head><body>",
        f"<h1>{escape(labels['title'])}: {period}</h1>",
        f'<p class="lead">{escape(headline)}</p>',
        f"<h2>{escape(labels['curve'])}: {escape(labels['new_per_day'])}</h2>",
        f"<figure>{svg(report, labels)}</figure>",
    ]
    for title, headers, rows in tables:
        parts.append(f"<h2>{escape(str(title))}</h2>")
        if not rows:
            parts.append(f"<p>{escape(labels['none'])}</p>")
            continue
        parts.append("<table><thead><tr>" + "".join(f"<th>{escape(str(h))}</th>" for h in headers)
                     + "</tr></thead><tbody>")
        for r in rows:
            parts.append("<tr>" + "".join(
                f'<td class="n">{escape(str(v))}</td>' if _figure(v)
                else f"<td>{escape('–' if v is None else str(v))}</td>" for v in r) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _figure(value) -> bool:
    """A number, or a number written for people (``33,8``, ``60,4 %``): right-aligned."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(re.fullmatch(r"[+-]?[\d.,]+(?: ?%)?", value))


def xlsx_chart(workbook, report: dict, labels: dict) -> None:
    """Add a chart sheet to ``workbook`` (written by :func:`tracing.sheets.write_xlsx`
    with the report's tables): stacked columns of new F0 per day by how found
    and the 7-day average as a line, reading the daily sheet (the second)."""
    from openpyxl.chart import BarChart, LineChart, Reference

    from .report import FOUND

    daily = workbook.worksheets[1]
    n = len(report["daily"])
    bars = BarChart()
    bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
    bars.title = f"{labels['curve']}: {labels['new_per_day']}"
    bars.y_axis.title = labels["new_cases"]
    bars.x_axis.number_format = "dd/mm" if report["lang"] == "vi" else "mm-dd"
    data = Reference(daily, min_col=3, max_col=2 + len(FOUND), min_row=1, max_row=n + 1)
    bars.add_data(data, titles_from_data=True)
    bars.set_categories(Reference(daily, min_col=1, min_row=2, max_row=n + 1))
    for series, key in zip(bars.series, FOUND):
        series.graphicalProperties.solidFill = COLOURS[key].lstrip("#")
        series.graphicalProperties.line.solidFill = COLOURS[key].lstrip("#")
    line = LineChart()
    avg_col = 3 + len(FOUND)
    line.add_data(Reference(daily, min_col=avg_col, max_col=avg_col, min_row=1, max_row=n + 1),
                  titles_from_data=True)
    line.series[0].graphicalProperties.line.solidFill = AVERAGE_COLOUR.lstrip("#")
    line.series[0].graphicalProperties.line.width = 28000
    line.series[0].smooth = False
    bars += line
    bars.width, bars.height = 26, 13
    sheet = workbook.create_chartsheet(title=labels["curve"][:31])
    sheet.add_chart(bars)

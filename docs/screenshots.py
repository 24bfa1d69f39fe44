"""Screenshots of the maps for the docs, as a user sees them in chromium at
1400×900: tree, timeline and network on opening, and the print preview (print media:
the whole tree's and the whole timeline's first two sheets on A4 landscape, and for
1,000 persons the tree's view on screen on A3), for a 50- and a 1,000-person cluster (the network also
at 3,000, where --max-nodes folds some).

    python docs/screenshots.py [docs/] [--only=timeline]

Needs Debian's ``chromium``; PNGs are shrunk with ``pngquant`` when it is
installed (apt-get install pngquant).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import Page, sample_map  # noqa: E402
from tracing.render import render_html, write_html  # noqa: E402

#: print preview: the paper at 96 px per inch, landscape
PAPER_PX = {"A4": (1123, 794), "A3": (1587, 1123)}


def shrink(png: Path) -> None:
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality=60-90", "--output", str(png), str(png)],
                       check=False)


def main(argv: list[str]) -> int:
    only = {a.removeprefix("--only=") for a in argv if a.startswith("--only=")}  # e.g. --only=timeline
    argv = [a for a in argv if not a.startswith("--only=")]
    out = Path(argv[0] if argv else ROOT / "docs")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, Page() as page:
        for n in (50, 1000, 3000):
            data = sample_map(n, seed=5)
            for layout in ("tree", "timeline", "network") if n <= 1000 else ("network",):
                if only and layout not in only:
                    continue
                html = Path(tmp) / f"{layout}-{n}.html"
                write_html(render_html(data, layout=layout, lang="vi"), html)
                page.open(html)
                shrink(page.screenshot(out / f"map-{layout}-{n}.png"))
                if layout in ("tree", "timeline"):
                    # the whole diagram on A4: its first two sheets at print size (tracing.printbook,
                    # tracing.printtime); a tree of 1,000 persons: also the view on screen (the roots) on A3
                    stem = "map-print" if layout == "tree" else "map-print-timeline"
                    shots = [("A4", "whole", 0, f"{stem}-{n}.png"), ("A4", "whole", 1, f"{stem}-{n}-2.png")]
                    if n > 50 and layout == "tree":
                        shots.append(("A3", "view", 0, f"map-print-{n}-view.png"))
                    for paper, what, sheet, name in shots:
                        page.open(html)
                        page.eval(f"document.getElementById('paper').value = '{paper}';"
                                  "document.getElementById('paper').dispatchEvent(new Event('change'));"
                                  f"document.getElementById('print-what').value = '{what}';"
                                  "document.getElementById('print-what').dispatchEvent(new Event('change'));"
                                  "window.dispatchEvent(new Event('beforeprint'))")
                        page.send("Emulation.setDeviceMetricsOverride", {"width": PAPER_PX[paper][0],
                                  "height": PAPER_PX[paper][1], "deviceScaleFactor": 1, "mobile": False}, session=True)
                        page.media("print")
                        if what == "whole":
                            page.eval(f"document.querySelectorAll('#book .sheet')[{sheet}].scrollIntoView(); 1")
                        shrink(page.screenshot(out / name))
                        page.media("")
    for png in sorted(out.glob("map-*.png")):
        print(f"{png}: {png.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

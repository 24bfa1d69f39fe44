"""Headless chromium for the map tests: open a file, return the rendered DOM
and the console messages, or take a screenshot. Also ``sample_map``, a
synthetic outbreak tree (fixed seed) for tests and screenshots."""

from __future__ import annotations

import html.parser
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def _run(page: Path, extra: list[str], fragment: str, budget_ms: int, timeout: int) -> subprocess.CompletedProcess:
    url = Path(page).resolve().as_uri() + (("#" + fragment) if fragment else "")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                f"--virtual-time-budget={budget_ms}", *extra, url]
        return subprocess.run(args, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=timeout, env={**os.environ, "LANG": "C.UTF-8"})


def dump_dom(page, *, fragment: str = "", budget_ms: int = 5000, timeout: int = 120) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the console lines chromium
    logged (uncaught errors show there as well)."""
    proc = _run(Path(page), ["--dump-dom"], fragment, budget_ms, timeout)
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    return proc.stdout, console


def screenshot(page, png, *, size=(1400, 900), fragment: str = "", budget_ms: int = 5000, timeout: int = 120) -> Path:
    png = Path(png)
    _run(Path(page), [f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", "--hide-scrollbars"],
         fragment, budget_ms, timeout)
    return png


class Page:
    """A headless chromium driven over the DevTools protocol on a pipe
    (``--remote-debugging-pipe``: no port, no extra package): open a file at
    a window size, run JavaScript, emulate print media, take screenshots.

        with Page() as page:
            page.open("map.html", size=(1400, 900), fragment="node=P1")
            page.eval("document.title")
    """

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self._id = 0
        self._buf = b""

    def __enter__(self):
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-")
        to_browser_r, self._w = os.pipe()
        self._r, from_browser_w = os.pipe()
        # chromium reads commands on fd 3 and writes answers on fd 4
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(to_browser_r, 3), os.dup2(from_browser_w, 4)),
            env={**os.environ, "LANG": "C.UTF-8"})
        os.close(to_browser_r)
        os.close(from_browser_w)
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        self.send("Page.enable", session=True)
        self.send("Runtime.enable", session=True)
        return self

    def __exit__(self, *exc):
        try:
            self.send("Browser.close")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._w)
        os.close(self._r)
        self._profile.cleanup()

    def _read(self) -> dict:
        import select

        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], self.timeout)
            if not ready:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: bool = False, wait_event: str | None = None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        result, seen = None, wait_event is None
        while result is None or not seen:
            answer = self._read()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result = answer.get("result", {})
            elif wait_event and answer.get("method") == wait_event:
                seen = True
        return result

    def open(self, path, *, size=(1400, 900), fragment: str = "") -> None:
        self.send("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1],
                                                         "deviceScaleFactor": 1, "mobile": False}, session=True)
        url = Path(path).resolve().as_uri() + (("#" + fragment) if fragment else "")
        self.send("Page.navigate", {"url": url}, session=True, wait_event="Page.loadEventFired")

    def choose(self, select_id: str, value: str) -> None:
        """Pick ``value`` in the page's ``<select id=select_id>`` as a user does: its change event fires."""
        self.eval(f"var s = document.getElementById({json.dumps(select_id)}); s.value = {json.dumps(value)}; "
                  "s.dispatchEvent(new Event('change')); 1")

    def eval(self, expression: str):
        """The value of a JavaScript expression (JSON-able), or raises with the page's error."""
        out = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                        session=True)
        if "exceptionDetails" in out:
            raise RuntimeError(out["exceptionDetails"].get("exception", {}).get("description") or out["exceptionDetails"])
        return out["result"].get("value")

    def media(self, media: str = "") -> None:
        """Emulate ``print`` (or ``""`` for the screen) media."""
        self.send("Emulation.setEmulatedMedia", {"media": media}, session=True)

    def screenshot(self, png) -> Path:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        Path(png).write_bytes(base64.b64decode(data))
        return Path(png)

    def print_pdf(self, pdf, *, paper=None) -> Path:
        """Print the page to ``pdf``: on the paper its own ``@page`` rule asks for (as a user's
        print dialog does), or on ``paper`` (width, height in inches)."""
        import base64

        params = {"preferCSSPageSize": True} if paper is None else {"landscape": False, "paperWidth": paper[0],
                                                                     "paperHeight": paper[1]}
        data = self.send("Page.printToPDF", {**params, "printBackground": True}, session=True)["data"]
        Path(pdf).write_bytes(base64.b64decode(data))
        return Path(pdf)


def pdf_sheets(pdf) -> list[tuple[float, float]]:
    """The sheets of a PDF file, as (width, height) in points: its /Type /Page objects and their /MediaBox
    (chromium writes one box per page)."""
    import re
    data = Path(pdf).read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)
    assert len(boxes) >= len(pages)
    return [(float(b[2]) - float(b[0]), float(b[3]) - float(b[1])) for b in boxes[:len(pages)]]


def pdf_text_sizes(pdf) -> list[list[float]]:
    """The printed height (points) of every run of text on each sheet of a PDF written by chromium: the
    font size (``Tf``) times the scale of the text matrix (``Tm``) and of every transformation in force
    (``cm``, saved and restored by ``q``/``Q``), read from its Flate-compressed content streams (chromium
    writes one operator a line). One list per content stream that draws text, in file order."""
    import math
    import re
    import zlib
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", Path(pdf).read_bytes(), re.S):
        try:
            text = zlib.decompress(raw).decode("latin-1")
        except zlib.error:
            continue
        if " Tf" not in text:
            continue
        stack, scale, size, tm, sizes = [], 1.0, 0.0, 1.0, []
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            op = parts[-1]
            if op == "q":
                stack.append(scale)
            elif op == "Q":
                scale = stack.pop() if stack else 1.0
            elif op == "cm" and len(parts) == 7:
                a, b, c, d = (float(v) for v in parts[:4])
                scale *= math.sqrt(abs(a * d - b * c))
            elif op == "Tf":
                size = float(parts[-2])
            elif op == "Tm" and len(parts) == 7:
                a, b, c, d = (float(v) for v in parts[:4])
                tm = math.sqrt(abs(a * d - b * c))
            elif op in ("Tj", "TJ") or line.endswith("Tj"):
                sizes.append(size * tm * scale)
        out.append(sizes)
    return out


def click_count(page: "Page", k: int) -> None:
    """Click count node ``k`` of an open map (its card or circle), as a user's pointer does."""
    page.eval(f"""(function () {{ var g = document.querySelector('#diagram g.n[data-c="{k}"]');
        var r = g.querySelector("rect, circle").getBoundingClientRect(), o = {{clientX: r.left + r.width / 2,
        clientY: r.top + r.height / 2, bubbles: true, pointerId: 1}};
        document.getElementById("diagram").dispatchEvent(new PointerEvent("pointerdown", o));
        document.getElementById("diagram").dispatchEvent(new PointerEvent("pointerup", o)); }})()""")


def box_overlaps(boxes, *, other_nodes_only: bool = False) -> list[tuple]:
    """Pairs of on-screen boxes ``[left, top, right, bottom, _, node, ...]`` that overlap by more than a
    pixel each way (a sweep along x); with ``other_nodes_only``, two boxes of one node never count."""
    bad = []
    ordered = sorted(boxes, key=lambda b: b[0])
    for k, a in enumerate(ordered):
        for b in ordered[k + 1:]:
            if b[0] >= a[2] - 1:
                break
            if other_nodes_only and a[5] == b[5]:
                continue
            if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[2], b[2]) - max(a[0], b[0]) > 1:
                bad.append((a[5], b[5]))
    return bad


class _Elements(html.parser.HTMLParser):
    """Every start tag with its attributes (script/style bodies are text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.texts: dict[str, list[str]] = {}
        self._stack: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append((tag, d))
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._stack.append(d.get("id"))

    def handle_endtag(self, tag):
        if self._stack and tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._stack.pop()

    def handle_data(self, data):
        for ident in self._stack:
            if ident:
                self.texts.setdefault(ident, []).append(data)


def parse(dom: str) -> _Elements:
    p = _Elements()
    p.feed(dom)
    p.close()
    return p


def element(dom: str, ident: str) -> dict | None:
    """Attributes of the element with that id."""
    for tag, attrs in parse(dom).tags:
        if attrs.get("id") == ident:
            return attrs
    return None


def text_of(dom: str, ident: str) -> str:
    """All text inside the element with that id."""
    return "".join(parse(dom).texts.get(ident, []))


# ---------------------------------------------------------------- sample data

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Gia"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đào", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Khánh", "Lan", "Linh",
         "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Đạt"]
WARDS = ["Bến Nghé", "Đa Kao", "Tân Định", "Cầu Kho", "Phạm Ngũ Lão"]


def sample_map(n: int, seed: int = 1, *, roots: int = 3, title: str = "Chùm ca bệnh Quận 1"):
    """A synthetic outbreak of ``n`` persons: ``roots`` F0 (one of unknown
    source), chains down to F3, some secondary cases, some not infected,
    a few second sources (dashed). Same seed, same data."""
    from tracing.render import MapData, MapEdge, MapNode
    import datetime as dt

    rnd = random.Random(seed)
    start = dt.date(2021, 5, 1)
    nodes: list = []
    edges: list = []
    day: dict[str, dt.date] = {}
    for i in range(min(roots, n)):
        pid = f"P{i:05d}"
        d = start + dt.timedelta(days=rnd.randint(0, 3))
        day[pid] = d
        nodes.append(MapNode(pid, f"{rnd.choice(FAMILY)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}", 0, is_case=True,
                             unknown_source=(i == 0), ward=rnd.choice(WARDS), unit=f"Tổ {rnd.randint(1, 30)}",
                             onset=(d - dt.timedelta(days=2)).isoformat(), confirmed=d.isoformat(),
                             phone=f"09{rnd.randint(10**7, 10**8 - 1)}", national_id=f"0792{rnd.randint(10**7, 10**8 - 1)}",
                             address=f"{rnd.randint(1, 200)} Lê Lợi"))
    spreaders = [x for x in nodes]
    for i in range(len(nodes), n):
        pid = f"P{i:05d}"
        parent = rnd.choice(spreaders[-200:]) if rnd.random() < 0.7 else rnd.choice(spreaders)
        exp = day[parent.id] + dt.timedelta(days=rnd.randint(-2, 2))
        case = parent.level is not None and parent.level <= 1 and rnd.random() < 0.12
        if case:
            level, conf = 0, (exp + dt.timedelta(days=rnd.randint(2, 5)))
        elif rnd.random() < 0.06:
            level, conf = None, None
        else:
            level, conf = (parent.level or 0) + 1, None
        day[pid] = conf or exp
        node = MapNode(pid, f"{rnd.choice(FAMILY)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}", level, is_case=case,
                       ward=rnd.choice(WARDS), unit=f"Tổ {rnd.randint(1, 30)}", exposure=exp.isoformat(),
                       confirmed=conf.isoformat() if conf else None, sources=[parent.id], primary_source=parent.id)
        nodes.append(node)
        edges.append(MapEdge(parent.id, pid, True, exp.isoformat(), rnd.choice(["household", "work", "venue"])))
        if level is not None and level < 3:
            spreaders.append(node)
        if rnd.random() < 0.04 and len(spreaders) > 5:
            other = rnd.choice(spreaders)
            if other.id not in (pid, parent.id) and other.level is not None and (level is None or other.level < level):
                node.sources.append(other.id)
                edges.append(MapEdge(other.id, pid, False, exp.isoformat(), "social"))
    return MapData(nodes, edges, title, [x.id for x in nodes[:roots]])


class PageTags(__import__("html.parser").parser.HTMLParser):
    """The tags (with attributes) and inline styles of a generated page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.styles, self._in_style = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def page_tags(page: str) -> PageTags:
    parsed = PageTags()
    parsed.feed(page)
    return parsed

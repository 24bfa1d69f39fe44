"""The sơ đồ cây on paper: the tree cut into sheets that print readable.

A tree of 50 persons drawn whole on one A4 sheet comes out at 2-3 pt text,
and one of 1,000 at a fraction of a point. Offices' paper diagrams (boxed
case code, age and key dates, one box per person) are instead drawn at a
fixed, readable size and continued on further sheets, as multi-page org
charts are. This module does that:

- **Fixed size.** Every sheet is drawn in CSS pixels at 96 per inch and
  printed at 100 %: a card's text is :data:`FS` px = 7.5 pt (never under
  :data:`FS_MIN` px = 6.75 pt, long names are cut with "…" below that).
- **Compact cards.** 112 × 44 px (30 × 14 mm): level and case code (age
  beside it when the dates need the room), name, key dates; the
  level is a border style too (as on screen: :mod:`tracing.diagram`).
- **A tighter tree.** Generations as bands of rows, each labelled in the
  margin ("Thế hệ 2"); a family of two or more childless persons is stacked
  in columns under its parent (org-chart style, a line down their left
  side), as tall as keeps the sheet's width, and its generation's band grows
  to hold it: no card stands beside another generation's label.
- **Cut into sheets.** Bottom-up, each person's branch is kept whole when it
  fits a sheet; otherwise its widest (or, when too deep, deepest) child
  branches are cut off, biggest first, until it fits. A cut branch goes on
  with its first person repeated on top ("from page 1"), and where it was
  cut that person's card says "continued on page 3". A family too big for
  one sheet even then is split across several sheets ("continued on pages
  3–5"). Each root's branch and each cut branch is then one item, packed
  first fit in reading order (the roots' branches, then the branches cut
  from them): side by side on a shelf, shelves one under another, an item
  that does not fit what is left of a sheet waiting for the next one while
  the items after it that fit fill this one.
- **Every sheet** repeats the title, the page number ("Page 2/5"), where it
  continues from, and the legend (levels as border styles, the abbreviations).

Other-source edges (dashed) are drawn when both persons are on one sheet;
the record of each person (HTML page) lists all of them.

>>> from tracing.render import MapData, MapNode, MapEdge
>>> kids = [MapNode(f"K{i:02d}", None, 1) for i in range(30)]
>>> d = MapData([MapNode("R", "An", 0)] + kids, [MapEdge("R", k.id) for k in kids], "t", ["R"])
>>> book = paginate(d, "A4")
>>> len(book.sheets), sorted(c.id for c in book.sheets[0].cards) == sorted(n.id for n in d.nodes)
(1, True)
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from . import diagram as _diagram
from . import layout as _layout

#: px per mm at 96 px per inch (CSS): sheets are drawn in px and printed at 100 %
PX_MM = 96 / 25.4
#: printable area (mm) of each sheet, landscape: A4/A3 less 8 mm margins; WORD: the text area of an
#: A4 landscape page in Word with the margins of official documents (Nghị định 30/2020: 30 mm left,
#: 15-20 mm right, 20-25 mm top and bottom), so a pasted sheet at 100 % (page width) keeps its size
AREAS = {"A4": (281.0, 194.0), "A3": (404.0, 281.0), "WORD": (247.0, 160.0)}
#: card text (px): 10 px = 7.5 pt on paper; never smaller than FS_MIN (6.75 pt)
FS = 10.0
FS_MIN = 9.0
#: a card (px), the free space between two columns, a generation's step, a stacked card's step
CARD_W = 112
CARD_H = 52
GAP_X = 10
COL = CARD_W + GAP_X
ROW = 34
STACK_STEP = CARD_H + 7
#: the indent of stacked cards from the line down their left side
STACK_IN = 8
#: a continuation mark's height under a card ("continued on page 3")
MARK_H = 13
#: the left margin that holds the generation labels ("Thế hệ 3") beside their rows (54 px clipped
#: "Generation 1" to "eneration 1"); a label wider than it is drawn on two lines (:func:`_row_label`).
#: The same columns fit a sheet as with 54 px (7 WORD, 8 A4, 12 A3, a stacked card's indent included)
GUTTER = 62
#: the space between two shelves of branches on a sheet (room for a "from page 1" mark)
SHELF_GAP = 30
#: the header: title, subtitle with the page number, legend (px)
HEAD_H = 84
#: a family of this many childless persons or more is stacked in columns, at least STACK_ROWS tall
STACK_MIN = 2
STACK_ROWS = 2


@dataclass
class Card:
    """One person (or count node) on a sheet: its centre ``(x, y)`` in px from
    the sheet's drawing area; ``more``: the sheets its children continue on;
    ``came_from``: the sheet it is repeated from (the top of a continued branch)."""

    id: str
    x: float
    y: float
    more: list[int] = field(default_factory=list)
    came_from: int | None = None
    stacked: bool = False
    first: bool = False  # the first (top) card of a stacked column, on its generation's row


@dataclass
class Sheet:
    """One sheet: its number (1-based), its cards, its tree lines as polylines
    ``[(x, y), ...]`` (px), the dashed other-source lines, the sheet it continues from."""

    number: int
    cards: list[Card]
    lines: list[list[tuple[float, float]]]
    dashed: list[list[tuple[float, float]]]
    continues: int | None = None
    from_sheets: list[int] = field(default_factory=list)
    #: the rows' generations, ``[(y, generation)]`` (0 for the roots)
    rows: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class Book:
    """A tree cut into sheets for ``paper`` (a key of :data:`AREAS`); sizes in px."""

    paper: str
    width: float
    height: float
    sheets: list[Sheet]
    notes: int = 0


def _head_h(notes: int) -> float:
    return HEAD_H + 12 * notes


def _area(paper: str) -> tuple[float, float]:
    w, h = AREAS[paper]
    return w * PX_MM, h * PX_MM


def paginate(data, paper: str = "A4", notes: int = 0) -> Book:
    """Cut the tree of ``data`` (a :class:`tracing.render.MapData`, nodes in
    their final order) into sheets of ``paper`` (:data:`AREAS`), as the
    module says. Every node is on exactly one sheet, a cut branch's first
    person on two (where it hangs, and on top of its own sheet). ``notes``:
    lines of notices every sheet's header carries (redaction, folding)."""
    width, height = _area(paper)
    cols = max(1, int((width - GUTTER + GAP_X) // COL))
    room = height - _head_h(notes)  # the drawing's height on a sheet
    parent = _layout.tree_parents(data)
    kids = _layout._children(data, parent)  # date order, the roots under None
    gens = _layout.generations(data)
    # post-order without recursion (a long chain of generations)
    order: list = []
    stack: list = [None]
    while stack:
        v = stack.pop()
        order.append(v)
        stack.extend(kids.get(v, ()))
    order.reverse()
    size: dict = {}  # kept node -> (columns, its bands' heights px per generation from its own) of its branch
    cut: set = set()  # branches that start sheets of their own
    split: dict = {}  # a family cut across sheets: node -> [children per sheet]
    plan: dict = {}  # node -> (inner children, leaf children, stack rows)

    def leaf(c) -> bool:
        return not kids.get(c)

    def measure(v, inner: list, leaves: list) -> tuple[int, list[float], int]:
        w, below = 0, []
        for c in inner:
            cw, bands = (1, [CARD_H + MARK_H]) if c in cut else size[c]
            w += cw
            below = _merge(below, bands)
        rows = 0
        if leaves:
            rows = _stack_rows(len(leaves), cols - w, room)
            w += math.ceil(len(leaves) / rows)
            below = _merge(below, [(rows - 1) * STACK_STEP + CARD_H])
        return max(w, 1), [CARD_H] + below, rows

    for v in order:
        if v is None:  # the roots: each root's branch is an item of its own, packed on sheets below
            continue
        children = kids.get(v, [])
        many = [c for c in children if leaf(c)]
        leaves = many if len(many) >= STACK_MIN else []
        inner = [c for c in children if c not in leaves]
        while True:
            w, bands, rows = measure(v, inner, leaves)
            h = _height(bands)
            if w <= cols and h <= room:
                break
            kept = [c for c in inner if c not in cut and not leaf(c)]
            if not kept:
                split[v] = _chunks(children, cols, room, leaf)
                break
            worst = max(kept, key=(lambda c: (_height(size[c][1]), size[c][0])) if h > room else
                        (lambda c: (size[c][0], _height(size[c][1]))))
            if h <= room:  # too wide: cut the narrowest branch below whose cut is enough, keeping the top whole
                excess = w - cols
                deeper = [(size[u][0], -depth, k, u) for k, (u, depth) in enumerate(_kept_below(v, kids, cut, leaf))
                          if size[u][0] - 1 >= excess]
                if deeper:
                    worst = min(deeper)[3]
                else:  # no one cut is enough: the widest branch a generation lower, so the children stay
                    lower = [(size[u][0], -depth, k, u) for k, (u, depth) in enumerate(_kept_below(v, kids, cut, leaf))
                             if depth >= 2 and size[u][0] >= 2]
                    if lower:
                        worst = max(lower)[3]
            cut.add(worst)
            a = parent.get(worst)
            while a is not None and a != v:  # the branches between it and v are narrower now
                inner_a, leaves_a, _rows = plan[a]
                wa, ha, rows_a = measure(a, inner_a, leaves_a)
                size[a] = (wa, ha)
                plan[a] = (inner_a, leaves_a, rows_a)
                a = parent.get(a)
        if v in split:
            cut.add(v)
            size[v] = (1, [CARD_H + MARK_H])
        else:
            size[v] = (w, bands)
            plan[v] = (inner, leaves, rows)
    # the sheets in reading order: the roots' branches (each as kept: whole when it fits a sheet), then
    # the branches cut from them, then theirs; branches side by side on a sheet while they fit its width,
    # shelves of them one under another while they fit its height, each cut branch with its first person
    # on top. (The roots were once a "sheet of roots" of their own: seven root cards, each "continued on
    # page 3", a branch that fits a sheet cut from its root: critic16b F1.)
    queue: list = []
    marks: list = []  # (sheet, card of a cut person, where its branch's parts are in the queue)
    root_parts: dict = {}  # queue position of a split root's first part -> the positions of its other parts
    for r in kids.get(None, []):
        parts = split.get(r) or [None]
        first = len(queue)
        queue += [(r, part, None if k == 0 else ("root", first)) for k, part in enumerate(parts)]
        if len(parts) > 1:
            root_parts[first] = (first + 1, len(queue))
    sheets: list[Sheet] = []
    starts: dict = {}  # queue position -> sheet number
    head = 0
    placed: set = set()  # queue positions drawn
    while head < len(queue):
        sheet = Sheet(len(sheets) + 1, [], [], [], None)
        sheets.append(sheet)
        # branches side by side on a shelf, shelves one under another; a shelf's branches start at one
        # generation, so each band of it is one generation (labelled in the margin), as tall as the
        # tallest of its branches' bands there: the shelf is drawn when it is closed
        col, top, shelf, shelf_gen, items = 0, 0.0, [], 0, []

        def close_shelf():
            tops = [top]
            for band in shelf[:-1]:
                tops.append(tops[-1] + band + ROW)
            for k, v, part, at, came in items:
                pending: list = []
                before = len(sheet.cards)
                _place(v, part, at, tops, sheet, pending, plan, cut, leaf, cols, room, came)
                if k in root_parts:  # a root whose family is split: its card names the sheets of the rest
                    card = next(x for x in sheet.cards[before:] if x.id == v)
                    marks.append((card, *root_parts[k]))
                for c in pending:
                    card = next(x for x in sheet.cards[before:] if x.id == c and x.came_from is None)
                    first = len(queue)
                    for p in split.get(c) or [None]:
                        queue.append((c, p, sheet.number))
                    marks.append((card, first, len(queue)))
            items.clear()

        k = head
        # first fit: a branch that does not fit what is left of this sheet waits for the next one while the
        # branches after it that fit are drawn here (a sheet is filled before the next is started)
        while True:
            while k < len(queue):
                if top + _height(shelf) + SHELF_GAP + CARD_H > room and col >= cols:
                    break  # full
                v, part, came = queue[k]
                if k in placed or (isinstance(came, tuple) and k - 1 not in placed):
                    k += 1  # drawn, or a root family's part whose part before is not drawn yet
                    continue
                whole = part is None and v not in split
                w = size[v][0] if whole else _part_width(part, cols, room, leaf)
                bands = size[v][1] if whole else _part_bands(part, cols, room, leaf)
                gen = gens.get(v, 0)
                if col and (col + w > cols or top + _height(_merge(shelf, bands)) > room or gen != shelf_gen):
                    # a new shelf under this one, when there is room
                    if top + _height(shelf) + SHELF_GAP + _height(bands) > room:
                        k += 1
                        continue
                    close_shelf()
                    col, top, shelf = 0, top + _height(shelf) + SHELF_GAP, []
                if isinstance(came, tuple):  # a further part of a root's family: from the sheet of its first part
                    came = starts[came[1]]
                items.append((k, v, part, col, came))
                col += w
                shelf, shelf_gen = _merge(shelf, bands), gen
                starts[k] = sheet.number
                placed.add(k)
                k += 1
            waiting = len(queue)
            close_shelf()  # its cut branches join the queue: they may fit this sheet too, on a shelf of their own
            if len(queue) == waiting or (top + _height(shelf) + SHELF_GAP + CARD_H > room and col >= cols):
                break
            col = cols  # the next branch starts a new shelf
        while head in placed:
            head += 1
        froms = sorted({c.came_from for c in sheet.cards if c.came_from and c.came_from != sheet.number})
        sheet.continues = froms[0] if froms else None
        sheet.from_sheets = froms
    for card, first, end in marks:
        card.more = sorted({starts[k] for k in range(first, end)})
    for sheet in sheets:  # the generation of each row where a person of it sits (not a stacked card's)
        rows = {}
        for card in sheet.cards:
            if not card.stacked or card.first:
                rows.setdefault(round(card.y, 1), gens[card.id])
        sheet.rows = sorted(rows.items())
    # other-source lines between two cards of one sheet
    where = {}
    for sheet in sheets:
        for card in sheet.cards:
            where.setdefault((sheet.number, card.id), card)
    for e in data.edges:
        if e.kind != "source":
            continue
        for sheet in sheets:
            a, b = where.get((sheet.number, e.source)), where.get((sheet.number, e.target))
            if a and b:  # in a lane of its own, never along a bar (tracing.layout.other_route)
                sheet.dashed += _layout.other_route((a.x, a.y + CARD_H / 2), (b.x, b.y + CARD_H / 2), (CARD_W, CARD_H),
                                                    (STACK_STEP - CARD_H) // 2)
    return Book(paper, width, height, sheets, notes)


def _kept_below(v, kids: dict, cut: set, leaf) -> list:
    """The persons with children in ``v``'s branch as kept (not cut, not ``v``), with their depth."""
    out, stack = [], [(c, 1) for c in kids.get(v, ())]
    while stack:
        u, depth = stack.pop()
        if u in cut or leaf(u):
            continue
        out.append((u, depth))
        stack.extend((c, depth + 1) for c in kids.get(u, ()))
    return out


def _chunks(children: list, cols: int, room: float, leaf) -> list[list]:
    """A family too big for one sheet, cut into parts that each fit: every
    child with children of its own a card of its own (continued further),
    the childless ones stacked as tall as the sheet allows."""
    rows = _stack_rows(len(children), 1, room)
    inner = [c for c in children if not leaf(c)]
    leaves = [c for c in children if leaf(c)]
    parts: list[list] = []
    while inner:
        parts.append(inner[:cols])
        inner = inner[cols:]
    per = cols * rows
    if parts and len(parts[-1]) < cols and leaves:  # fill the last part's free columns first
        free = (cols - len(parts[-1])) * rows
        parts[-1] = parts[-1] + leaves[:free]
        leaves = leaves[free:]
    while leaves:
        parts.append(leaves[:per])
        leaves = leaves[per:]
    return parts


def _merge(a: list, b: list) -> list:
    """Two branches' bands side by side (px per generation from their first): the taller of each."""
    return [max(x, y) for x, y in zip(a, b)] + (a[len(b):] if len(a) > len(b) else b[len(a):])


def _height(bands: list) -> float:
    """How tall bands (px per generation) are drawn, a row's gap between two."""
    return sum(bands) + ROW * max(0, len(bands) - 1)


def _place(top, part, col0: int, tops: list, sheet: Sheet, pending: list, plan: dict, cut: set, leaf, cols: int,
           room: float, came: int | None) -> int:
    """Lay out the branch under ``top`` on ``sheet``: its kept plan, or ``part`` of its children (a
    family split across sheets). Columns left to right, a parent centred over its children, childless
    siblings stacked in columns with a line down their left side; ``tops``: the ``y`` of each band's top
    row, from ``top``'s generation down."""

    def place(v, col: int, depth: int, children, first: bool) -> int:
        """Place ``v``'s card in band ``depth`` over columns from ``col``; returns the columns it takes."""
        y = tops[depth]
        if v is not None and ((v in cut and not first) or leaf(v)):
            sheet.cards.append(Card(v, (col + 0.5) * COL - GAP_X / 2, y + CARD_H / 2))
            if v in cut and not first:
                pending.append(v)
            return 1
        if children is None:
            inner, leaves, rows = plan[v]
        else:  # a part of a split family: the ones with children are cut, the childless stacked
            inner = [c for c in children if not leaf(c)]
            leaves = [c for c in children if leaf(c)]
            rows = _stack_rows(len(leaves), cols - len(inner), room) if leaves else 0
        cy = tops[depth + 1]
        c = col
        heads: list[float] = []
        for kid in inner:
            at = len(sheet.cards)
            c += place(kid, c, depth + 1, None, False)
            heads.append(next(card.x for card in sheet.cards[at:] if card.id == kid))
        stacks: list[tuple[float, list[float]]] = []
        for k in range(0, len(leaves), rows or 1):
            left = c * COL
            ys = []
            for j, kid in enumerate(leaves[k:k + rows]):
                sheet.cards.append(Card(kid, left + STACK_IN + CARD_W / 2, cy + j * STACK_STEP + CARD_H / 2,
                                        stacked=True, first=j == 0))
                ys.append(cy + j * STACK_STEP + CARD_H / 2)
            stacks.append((left + 2, ys))
            c += 1
        used = max(1, c - col)
        x = (col + used / 2) * COL - GAP_X / 2
        sheet.cards.append(Card(v, x, y + CARD_H / 2, came_from=came if first else None))
        bus = cy - ROW / 2  # in the gap above the children's band
        xs = heads + [bx for bx, _ys in stacks]
        if xs:
            sheet.lines.append([(x, y + CARD_H), (x, bus)])
            sheet.lines.append([(min(xs + [x]), bus), (max(xs + [x]), bus)])
            for tx in heads:
                sheet.lines.append([(tx, bus), (tx, cy)])
            for bx, ys in stacks:
                sheet.lines.append([(bx, bus), (bx, ys[-1])])
                for yy in ys:
                    sheet.lines.append([(bx, yy), (bx + STACK_IN - 2, yy)])
        return used

    return place(top, col0, 0, part, True)


def _part_width(part: list, cols: int, room: float, leaf) -> int:
    """The columns a part of a split family takes (see :func:`_chunks`)."""
    inner = [c for c in part if not leaf(c)]
    leaves = len(part) - len(inner)
    return max(1, len(inner) + (math.ceil(leaves / _stack_rows(leaves, cols - len(inner), room)) if leaves else 0))


def _part_bands(part: list, cols: int, room: float, leaf) -> list[float]:
    """The bands (px) of a part of a split family, its repeated parent's and its children's."""
    inner = [c for c in part if not leaf(c)]
    leaves = len(part) - len(inner)
    below = CARD_H + MARK_H if inner else 0.0
    if leaves:
        below = max(below, (_stack_rows(leaves, cols - len(inner), room) - 1) * STACK_STEP + CARD_H)
    return [CARD_H, below]


def _stack_rows(leaves: int, free_cols: int, room: float) -> int:
    """How tall a stack of ``leaves`` childless siblings is: at least
    :data:`STACK_ROWS`, taller when the free columns would not hold them,
    never taller than the sheet."""
    most = max(1, int((room - CARD_H - ROW - CARD_H) // STACK_STEP) + 1)
    return max(1, min(leaves, max(STACK_ROWS, math.ceil(leaves / max(1, free_cols))), most))


# ---------------------------------------------------------------- drawing

def _card(node, card: Card, text: dict, here: int = 0, k: int = -1) -> str:
    """A person's (or count node's) box at print size: level and code, name, age and key dates; the
    marks of a continued branch under it ("continued on page 3") or above it ("from page 1")."""
    esc = _diagram.esc
    key = "count" if node.collapsed else _diagram.level_key(node.level)
    a, b, c = _diagram._card_lines(node, text)
    w, h = CARD_W, CARD_H
    group = _diagram._node_attrs(k, node, 0, 0, text).replace(' transform="translate(0 0)"',
                                                              f' transform="translate({card.x:.1f} {card.y:.1f})"')
    if card.came_from:  # the top of a continued branch, repeated: not a person of its own on the sheet
        group = group.replace('<g class="', '<g class="rep ', 1)
    out = [group,
           _diagram._box(-w / 2, -h / 2, w, h, key, rx=9 if node.collapsed else 4,
                         unknown=node.unknown_source and not node.collapsed)]
    inner = w - 10
    spans = []
    lines = _card_text(node, a, b, c, text)
    top, step = (11.5, 12) if len(lines) <= 4 else (9.5, 9.6)  # a fifth line: closer, all at FS_MIN
    for j, (line, size, weight) in enumerate(lines):
        room = inner - (10 if j == 0 and node.unknown_source else 0)
        fit = _diagram.fit_name if j == 1 and not node.collapsed else _diagram.fit  # the tên stays
        spans.append(f'<tspan x="{-w / 2 + 5}" y="{-h / 2 + top + j * step:g}" font-size="{size:g}" '
                     f'font-weight="{weight}">{esc(fit(line, size, room))}</tspan>')
    out.append(f'<text fill="#1f2328">{"".join(spans)}</text>')
    if node.unknown_source and not node.collapsed:
        out.append(f'<text x="{w / 2 - 8}" y="{-h / 2 + 12.5}" font-size="{FS:g}" font-weight="700" '
                   f'text-anchor="middle" fill="#1b1b1b">{esc(text["unknown_mark"])}</text>')
    if card.more:
        words = (text["print_below"] if card.more == [here] else
                 text["print_more"].format(n=card.more[0]) if len(card.more) == 1
                 else text["print_more_many"].format(a=card.more[0], b=card.more[-1]))
        out.append(f'<text class="more" x="0" y="{h / 2 + 10.5}" font-size="{FS_MIN:g}" font-weight="700" '
                   f'text-anchor="middle" fill="#0b3d91">{esc(words)}</text>')
    if card.came_from:
        words = text["print_above"] if card.came_from == here else text["print_from"].format(n=card.came_from)
        out.append(f'<text class="from" x="{-w / 2}" y="{-h / 2 - 4}" font-size="{FS_MIN:g}" font-weight="700" '
                   f'fill="#0b3d91">{esc(words)}</text>')
    out.append("</g>")
    return "".join(out)


def _card_text(node, head: str, name: str, dates: str, text: dict) -> list[tuple[str, float, str]]:
    """A card's lines ``(text, px, weight)``: level and code, the name, the age and key dates. A line too
    wide at :data:`FS` gets smaller down to :data:`FS_MIN`; the dates then go on two lines (split at
    " · "); when they would need three (an age with its year, a confirmation and an onset) the age goes
    up beside the code, or else the card holds a fifth, closer line: no date and no age is ever dropped
    or cut. A name is cut with "…" only when nothing else helps."""
    inner = CARD_W - 10 - (10 if node.unknown_source else 0)

    def size(line: str) -> float:
        s = FS
        while s > FS_MIN and _diagram.text_width(line, s) > inner:
            s -= 0.5
        return s

    def pack(parts: list[str]) -> list[str]:
        lines = [""]
        for part in parts:
            joined = f"{lines[-1]} · {part}" if lines[-1] else part
            if lines[-1] and _diagram.text_width(joined, FS_MIN) > inner:
                lines.append(part)
            else:
                lines[-1] = joined
        return lines

    parts = dates.split(" · ") if dates else []
    age = _diagram.age_label(node, text) if node.age is not None and not node.collapsed else None
    if age and head.endswith(f" · {age}") and _diagram.text_width(head, FS_MIN) > inner:  # the age back down
        head, parts = head[:-len(f" · {age}")], [age, *parts]
    lines = pack(parts)
    if len(lines) > 2 and age and parts[0] == age and \
            _diagram.text_width(f"{head} · {parts[0]}", FS_MIN) <= inner:
        head, lines = f"{head} · {parts[0]}", pack(parts[1:])
    out = [(head, size(head), "700"), (name, size(name), "400")] + [(line, size(line), "400") for line in lines if line]
    return out if len(out) <= 4 else [(line, FS_MIN, weight) for line, _size, weight in out]


def _legend(text: dict, width: float, counted: bool, abbrev: bool = True) -> list[str]:
    """The legend in one row (levels as border styles, the lines), the abbreviations under it (the cards'
    words: ``abbrev``)."""
    esc = _diagram.esc
    items = [(k, text[k]) for k in ("f0", "f1", "f2", "f3", "none", "unknown")]
    if counted:
        items.append(("count", text["count"]))
    items += [("primary", text["edge_primary"]), ("source", text["edge_other"])]
    out, y = _diagram.legend(items, width, 40.0, FS_MIN, FS_MIN)
    if abbrev:
        out.append(f'<text x="0" y="{y + 16}" font-size="{FS_MIN:g}" fill="#57606a">{esc(text["abbrev"])}</text>')
    return out


def head_markup(width: float, number: int, total: int, from_sheets: list[int], text: dict, title: str,
                subtitle: str, notices: list[str] = (), notes: int = 0, counted: bool = False,
                abbrev: bool = True) -> str:
    """A sheet's header, ``width`` px wide and :func:`head_height` tall: the title, the page number
    ("Page 2/5") and where the sheet continues from, the legend, ``notes`` lines of ``notices``. Every
    printed sheet has it (the tree's here, the timeline's in :mod:`tracing.printtime`)."""
    esc = _diagram.esc
    page = text["print_page"].format(n=number, total=total)
    under = page + (" · " + text["print_continues"].format(n=", ".join(str(k) for k in from_sheets))
                    if from_sheets else "")
    head = [f'<text x="0" y="13" font-size="14" font-weight="700" fill="#1f2328">{esc(title)}</text>',
            f'<text x="{width:.1f}" y="13" font-size="12" font-weight="700" text-anchor="end" '
            f'fill="#1f2328">{esc(page)}</text>',
            f'<text x="0" y="28" font-size="{FS_MIN:g}" fill="#57606a">{esc(subtitle + " · " + under)}</text>']
    head += _legend(text, width, counted, abbrev)
    for k, notice in enumerate(notices[:notes]):
        head.append(f'<text x="0" y="{HEAD_H - 12 + 12 * k:.0f}" font-size="{FS_MIN:g}" fill="#6f4e00">'
                    f'{esc(_diagram.fit(notice, FS_MIN, width))}</text>')
    markup = f'<g class="head">{"".join(head)}</g>'
    return markup


def head_height(notes: int) -> float:
    """The header's height (px) with ``notes`` lines of notices."""
    return _head_h(notes)


def _row_label(words: str, y: float) -> str:
    """A row's generation label in the margin, right-aligned to it, never wider than it: on two lines
    (split at its last space) when one is too wide, each line then fitted ("…")."""
    esc = _diagram.esc
    room = GUTTER - 4
    lines = [words]
    if _diagram.text_width(words, FS_MIN) > room and " " in words.strip():
        head, _sp, tail = words.strip().rpartition(" ")
        lines = [head, tail]
    top = y + 3 - 5.5 * (len(lines) - 1)
    spans = "".join(f'<tspan x="-4" y="{top + 11 * k:.1f}">{esc(_diagram.fit(line, FS_MIN, room))}</tspan>'
                    for k, line in enumerate(lines))
    markup = (f'<text class="row" font-size="{FS_MIN:g}" font-weight="700" text-anchor="end" '
              f'fill="#57606a">{spans}</text>')
    return markup


def sheet_markup(book: Book, sheet: Sheet, nodes: dict, text: dict, title: str, subtitle: str,
                 notices: list[str] = ()) -> str:
    """One sheet's drawing (no ``<svg>`` around it), ``book.width`` × ``book.height`` px: the title,
    the subtitle with the page number and where it continues from, the legend, then the tree."""
    esc = _diagram.esc
    counted = any(nodes[c.id].collapsed for c in sheet.cards)
    index = {node_id: k for k, node_id in enumerate(nodes)}
    head = head_markup(book.width, sheet.number, len(book.sheets), sheet.from_sheets, text, title, subtitle,
                       notices, book.notes, counted)
    body = []
    for line in sheet.lines:
        body.append(f'<path d="M{" L".join(f"{x:.1f},{y:.1f}" for x, y in line)}" fill="none" '
                    f'stroke="{_diagram.EDGE_STYLE["primary"][0]}" stroke-width="1"/>')
    colour, lw, dash = _diagram.EDGE_STYLE["source"]
    for line in sheet.dashed:
        body.append(f'<path d="M{" L".join(f"{x:.1f},{y:.1f}" for x, y in line)}" fill="none" stroke="{colour}" '
                    f'stroke-width="1" stroke-dasharray="{dash}"/>')
    for y, gen in sheet.rows:
        body.append(_row_label(text["generation"].format(n=gen + 1), y))
    for card in sheet.cards:
        body.append(_card(nodes[card.id], card, text, sheet.number, index.get(card.id, -1)))
    svg = (f'<rect width="{book.width:.1f}" height="{book.height:.1f}" fill="#ffffff"/>'
           f'{head}'
           f'<g class="tree" transform="translate({GUTTER} {_head_h(book.notes)})">{"".join(body)}</g>')
    return svg


def sheet_svgs(book: Book, data, text: dict, title: str, subtitle: str, notices: list[str] = ()) -> list[str]:
    """Each sheet as a whole SVG document, ``AREAS[paper]`` mm wide and high (printed or pasted at
    100 %, its text is :data:`FS` px = 7.5 pt)."""
    nodes = {n.id: n for n in data.nodes}
    return svgs_of(book.paper, title, [sheet_markup(book, sheet, nodes, text, title, subtitle, notices)
                                       for sheet in book.sheets])


def document(book: Book, data, text: dict, title: str, subtitle: str, notices: list[str] = ()) -> str:
    """All sheets in one SVG document, one under another (a thin grey line between them): the file
    ``tracing render --format svg`` writes for a tree. Each sheet is :data:`AREAS` mm wide and high."""
    nodes = {n.id: n for n in data.nodes}
    return document_of(book.paper, title, [sheet_markup(book, sheet, nodes, text, title, subtitle, notices)
                                           for sheet in book.sheets])


def _svg_open(width_mm: str, height_mm: str, width: float, height: float, title: str) -> str:
    markup = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
              f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
              f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{_diagram.esc(_diagram.FONT)}">\n'
              f'<title>{_diagram.esc(title)}</title>\n')
    return markup


def svgs_of(paper: str, title: str, markups: list[str]) -> list[str]:
    """Sheets' drawings (:func:`sheet_markup`, or a timeline's) as SVG documents of ``paper``."""
    mm_w, mm_h = AREAS[paper]
    width, height = _area(paper)
    return [_svg_open(f"{mm_w:g}", f"{mm_h:g}", width, height, title) + f"{markup}\n</svg>\n" for markup in markups]


def document_of(paper: str, title: str, markups: list[str]) -> str:
    """Sheets' drawings in one SVG document, one under another with a dashed line between them."""
    mm_w, _mm_h = AREAS[paper]
    width, height = _area(paper)
    gap = 8 * PX_MM
    n = len(markups)
    total_h = n * height + (n - 1) * gap
    parts = []
    for k, markup in enumerate(markups):
        y = k * (height + gap)
        if k:
            parts.append(f'<line x1="0" y1="{y - gap / 2:.1f}" x2="{width:.1f}" y2="{y - gap / 2:.1f}" '
                         f'stroke="#d0d7de" stroke-dasharray="4 4"/>')
        parts.append(f'<g class="sheet" transform="translate(0 {y:.1f})">{markup}</g>')
    return _svg_open(f"{mm_w:g}", f"{total_h / PX_MM:.1f}", width, total_h, title) + "\n".join(parts) + "\n</svg>\n"


def printed_pt(size_px: float = FS) -> float:
    """A sheet's text printed at 100 %: ``size_px`` CSS px in points (72 per inch, 96 px per inch).

    >>> printed_pt(), printed_pt(FS_MIN)
    (7.5, 6.75)
    """
    return size_px * 72 / 96

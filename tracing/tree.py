"""The sơ đồ cây: the tree of who exposed whom, following primary sources.

Children of a node are the persons whose primary source it is. Other sources
are listed on the node (``sources``) but not followed, so a person with many
sources appears once, and a cycle in recorded sources cannot loop.
"""

from __future__ import annotations

from .i18n import _, fmt_date

from .errors import InvalidValue
from .levels import level_name
from .people import get_person


def build(store, root: str, depth: int | None = None) -> dict:
    """Nested ``{"id", "name", "level", "date", "sources", "children"}``, and a
    case's ``onset`` when it has one.

    ``date`` is the root's confirmation date (or its exposure when it is not a
    case) and each child's exposure date to its parent (None: undated, e.g. a
    linked case with no recorded contact before its onset; ``confirmed``
    carries a case's confirmation date). ``depth`` limits the
    generations below the root (None: all).
    """
    if depth is not None and depth < 0:
        raise InvalidValue(_("--depth must be 0 or more"))
    person = get_person(store, root)
    entry = store.levels([root]).get(root)
    case = store.get_case(root)
    node = {"id": root, "name": person["name"], "level": level_name(entry["level"]) if entry else None,
            "date": case["confirmed"] if case else (entry or {}).get("exposure"),
            "sources": sorted(entry["sources"]) if entry else [], "children": []}
    if case and case["onset"]:
        node["onset"] = case["onset"]
    seen = {root}
    frontier = [node]
    generation = 0
    while frontier and (depth is None or generation < depth):
        kids = store.children([n["id"] for n in frontier])
        ids = [k["id"] for n in frontier for k in kids.get(n["id"], []) if k["id"] not in seen]
        entries = store.levels(ids)
        cases = store.cases(ids)
        nxt = []
        for parent in frontier:
            for kid in kids.get(parent["id"], []):
                if kid["id"] in seen:
                    continue
                seen.add(kid["id"])
                e = entries[kid["id"]]
                # the exposure between the child and this parent (for a linked case:
                # its last qualifying contact with it before onset), never the child's
                # confirmation date nor its first exposure to another source
                child = {"id": kid["id"], "name": kid["name"], "level": level_name(kid["level"]),
                         "date": kid["exposure"],
                         "sources": sorted(e["sources"]), "children": []}
                if kid["id"] in cases:
                    child["confirmed"] = cases[kid["id"]]["confirmed"]
                    if cases[kid["id"]]["onset"]:
                        child["onset"] = cases[kid["id"]]["onset"]
                parent["children"].append(child)
                nxt.append(child)
        frontier = nxt
        generation += 1
    return node


def size(node: dict) -> int:
    return 1 + sum(size(c) for c in node["children"])


def render_text(node: dict) -> str:
    """The tree as indented text with box-drawing lines.

    >>> print(render_text({"id": "BN1", "name": "An", "level": "F0", "date": "2021-05-05", "sources": [],
    ...   "children": [{"id": "P2", "name": "Bình", "level": "F1", "date": "2021-05-04",
    ...                 "sources": ["BN1", "BN9"], "children": []}]}))
    BN1 An · F0 · 2021-05-05
    └── P2 Bình · F1 · 2021-05-04  (also from BN9)
    >>> print(render_text({"id": "184", "name": "", "level": "F0", "date": None, "onset": "1861-10-30",
    ...   "sources": [], "children": []}))
    184 · F0 · onset 1861-10-30
    """
    lines = [_label(node, None)]

    def walk(n, prefix):
        kids = n["children"]
        for i, kid in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(prefix + ("└── " if last else "├── ") + _label(kid, n["id"]))
            walk(kid, prefix + ("    " if last else "│   "))

    walk(node, "")
    return "\n".join(lines)


def _label(node: dict, parent: str | None) -> str:
    if node["date"]:
        day = fmt_date(node["date"])
    elif node.get("onset"):  # a case dated by its onset only (historical line lists): the onset dates it
        day = _("onset {date}").format(date=fmt_date(node["onset"]))
    else:
        day = _("undated")
    parts = [f"{node['id']} {node['name']}" if node.get("name") else node["id"], node["level"] or "–", day]
    text = " · ".join(parts)
    others = [s for s in node["sources"] if s != parent]
    if parent is not None and others:
        text += "  " + _("(also from {ids})").format(ids=", ".join(others))
    return text

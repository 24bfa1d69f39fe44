"""The sơ đồ cây, built from the store."""

from tracing import cases, encounters, people, tree


def test_tree_follows_primary_sources_and_dates(store):
    with store.write("setup"):
        for pid in ("A", "B", "C", "D"):
            people.add_person(store, {"id": pid, "name": f"Người {pid}"})
        encounters.add_contact(store, {"a": "A", "b": "B", "date": "2021-05-03"})
        encounters.add_contact(store, {"a": "A", "b": "C", "date": "2021-05-04"})
        encounters.add_contact(store, {"a": "B", "b": "D", "date": "2021-05-04"})
        cases.confirm(store, {"id": "A", "confirmed": "2021-05-05"})
    node = tree.build(store, "A")
    assert (node["id"], node["level"], node["date"]) == ("A", "F0", "2021-05-05")
    assert [(c["id"], c["date"]) for c in node["children"]] == [("B", "2021-05-03"), ("C", "2021-05-04")]
    assert node["children"][0]["children"][0]["id"] == "D"
    assert tree.size(node) == 4
    assert tree.size(tree.build(store, "A", depth=1)) == 3
    lines = tree.render_text(node).splitlines()
    assert lines[1].startswith("├── B ") and lines[2].startswith("│   └── D ") and lines[3].startswith("└── C ")

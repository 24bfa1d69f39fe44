"""People: validation, ids, duplicates warnings."""

import pytest

from tracing import people
from tracing.errors import InvalidValue


def test_clean_person_normalises_fields():
    row = people.clean_person({"id": "BN7", "name": "  Lê  Thị Hoa ", "phone": "+84 987 654 321", "age": "36",
                               "sex": "Nữ", "vaccinated": "2"})
    assert row["phone"] == "0987654321" and row["sex"] == "f" and row["vaccinated"] == 2
    assert isinstance(row["birth_year"], int)


@pytest.mark.parametrize("fields, words", [
    ({"id": "bad  id with two spaces", "name": "A"}, "not a valid id"),
    ({"id": "X", "name": ""}, "name"),
    ({"id": "X", "name": "A", "sex": "x"}, "sex"),
    ({"id": "X", "name": "A", "birth_year": "1450"}, "birth_year"),
    ({"id": "X", "name": "A", "age": "40", "birth_year": "1950"}, "contradicts"),
])
def test_bad_person_fields(fields, words):
    with pytest.raises(InvalidValue, match=words):
        people.clean_person(fields, require_name=True)


def test_generated_ids_and_duplicate_warnings(store):
    with store.write("add"):
        first, _ = people.add_person(store, {"name": "Nguyễn Văn An", "national_id": "001085012345"})
        second, warnings = people.add_person(store, {"name": "Nguyen Van An", "national_id": "001085012345"})
    assert (first, second) == ("P00001", "P00002")
    assert warnings and "national ID 001085012345 is already on P00001" in warnings[0]

"""The synthetic district generator: realistic, deterministic, internally consistent."""

import csv
import datetime as dt
import hashlib
import itertools
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tracing.errors import TracingError
from tracing.synthetic import (CASE_FIELDS, CHECKIN_FIELDS, CONTACT_FIELDS, PERSON_FIELDS,
                               POPULATION_FIELDS, generate, write_csv_dir)
from tracing.values import fold, normalize_national_id, normalize_phone, parse_datetime

N = 2000
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def district():
    return generate(N, seed=11)


@pytest.fixture(scope="module")
def persons(district):
    return list(district.persons)


@pytest.fixture(scope="module")
def contacts(district):
    return list(district.contacts)


@pytest.fixture(scope="module")
def checkins(district):
    return list(district.checkins)


def test_same_seed_same_rows_and_different_seed_different_rows(district, persons, contacts):
    again = generate(N, seed=11)
    assert list(again.persons) == persons
    assert list(again.contacts) == contacts
    assert again.cases == district.cases
    other = generate(N, seed=12)
    assert list(other.persons) != persons
    assert list(other.contacts) != contacts


def test_rows_are_rerunnable_iterators(district, persons):
    assert list(district.persons) == persons
    first = list(itertools.islice(district.contacts, 50))
    assert list(itertools.islice(district.contacts, 50)) == first


def test_written_files_are_byte_identical_for_the_same_seed(tmp_path):
    def digest(out):
        counts = write_csv_dir(generate(500, seed=5), out)
        return counts, {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_person_count_ids_and_fields(persons):
    assert len(persons) == N
    ids = [p["id"] for p in persons]
    assert ids == sorted(ids) and len(set(ids)) == N
    assert ids[0] == "P000001" and ids[-1] == f"P{N:06d}"
    assert all(list(p) == PERSON_FIELDS for p in persons)
    assert {p["district"] for p in persons} == {"Long Biên"}
    assert {p["sex"] for p in persons} == {"m", "f"}
    assert {p["vaccinated"] for p in persons} <= {"", "0", "1", "2", "3"}


def test_wards_units_and_vietnamese_names(persons):
    wards = {p["ward"] for p in persons}
    assert {"Bồ Đề", "Đức Giang", "Thạch Bàn", "Việt Hưng", "Sài Đồng"} <= wards
    assert len(wards) == 14
    units = Counter(p["unit"] for p in persons)
    assert any(u.startswith("TDP ") for u in units) and any(u.startswith("Chung cư") for u in units)
    assert all(u.startswith(("TDP ", "Chung cư")) for u in units)
    families = Counter(p["name"].split()[0] for p in persons)
    assert families.most_common(1)[0][0] == "Nguyễn"
    assert 0.30 < families["Nguyễn"] / N < 0.46
    with_diacritics = sum(p["name"] != fold(p["name"]).title() for p in persons)
    assert with_diacritics > 0.95 * N
    assert all(len(p["name"].split()) >= 3 for p in persons)
    assert any("Thị" in p["name"].split() for p in persons if p["sex"] == "f")
    assert not any("Thị" in p["name"].split()[1:2] for p in persons if p["sex"] == "m")


def test_household_sizes_and_shared_addresses(district, persons):
    households = list(district.households())
    sizes = Counter(len(h) for h in households)
    assert set(sizes) <= set(range(1, 8)) and len(sizes) == 7
    mean = sum(len(h) for h in households) / len(households)
    assert 3.1 < mean < 3.9
    by_id = {p["id"]: p for p in persons}
    for h in households:
        assert len({(by_id[i]["address"], by_id[i]["unit"], by_id[i]["ward"]) for i in h}) == 1
    # the address is the household: no two households share one
    keys = [(by_id[h[0]]["address"], by_id[h[0]]["unit"], by_id[h[0]]["ward"]) for h in households]
    assert len(set(keys)) == len(keys)


def test_age_pyramid_has_children_adults_and_elderly(district, persons):
    year = district.start.year
    ages = [year - int(p["birth_year"]) for p in persons if p["birth_year"]]
    assert len(ages) > 0.97 * N
    share = lambda lo, hi: sum(lo <= a <= hi for a in ages) / len(ages)   # noqa: E731
    assert 0.1 < share(0, 14) < 0.35
    assert 0.45 < share(15, 64) < 0.8
    assert 0.03 < share(65, 110)
    # young children have no workplace; school-age children go to school
    for p in persons:
        if p["birth_year"] and year - int(p["birth_year"]) <= 2:
            assert p["workplace"] == ""
    assert any(p["workplace"].startswith("Trường Tiểu học") for p in persons)
    assert any("KCN Sài Đồng" in p["workplace"] for p in persons)


def test_phones_normalise_and_some_are_written_as_plus84(persons):
    phones = [p["phone"] for p in persons if p["phone"]]
    assert len(phones) > 0.6 * N
    normalized = [normalize_phone(x) for x in phones]
    assert all(len(x) == 10 and x[:2] in ("03", "08", "09") for x in normalized)
    variants = [x for x in phones if not (len(x) == 10 and x.isdigit())]
    assert 0 < len(variants) < 0.15 * len(phones)
    assert any(x.startswith("+84") for x in phones)
    assert len(set(normalized)) < len(normalized)      # shared / duplicated numbers exist


def test_national_ids(district, persons):
    year = district.start.year
    adults = [p for p in persons if p["birth_year"] and year - int(p["birth_year"]) >= 18]
    with_id = [p for p in adults if p["national_id"]]
    assert 0.8 * len(adults) < len(with_id) < len(adults)          # some missing
    assert all(normalize_national_id(p["national_id"]) == p["national_id"] for p in with_id)
    cccd = [p for p in with_id if len(p["national_id"]) == 12]
    assert len(cccd) > 0.85 * len(with_id)
    # CCCD digits 5-6 are the birth year, digit 4 the century and sex
    for p in cccd:
        nid, by = p["national_id"], int(p["birth_year"])
        assert nid[4:6] == f"{by % 100:02d}"
        assert int(nid[3]) == (0 if by < 2000 else 2) + (p["sex"] == "f")
    children = [p for p in persons if p["birth_year"] and year - int(p["birth_year"]) < 14]
    assert all(not p["national_id"] for p in children)


def test_some_persons_are_registered_twice(persons):
    by_key = Counter((fold(p["name"]), normalize_phone(p["phone"])) for p in persons if p["phone"])
    assert any(n >= 2 for n in by_key.values())


def test_about_ten_contacts_per_person_and_all_settings(contacts):
    assert 9 * N <= len(contacts) <= 11 * N
    settings = Counter(c["setting"] for c in contacts)
    assert set(settings) == {"household", "work", "school", "venue", "healthcare", "transport", "social"}
    assert all(list(c) == CONTACT_FIELDS for c in contacts)


def test_contacts_are_consistent(district, persons, contacts):
    ids = {p["id"] for p in persons}
    first, last = district.start.isoformat(), district.end.isoformat()
    assert district.end == district.start + dt.timedelta(days=41)
    assert all(c["from"] in ids and c["to"] in ids for c in contacts)
    assert not [c for c in contacts if c["from"] == c["to"]]
    assert all(first <= c["date"] <= last for c in contacts)
    assert [c["date"] for c in contacts] == sorted(c["date"] for c in contacts)
    keys = [(min(c["from"], c["to"]), max(c["from"], c["to"]), c["date"], c["setting"], c["place"])
            for c in contacts]
    assert len(set(keys)) == len(keys)
    assert {c["masked"] for c in contacts} == {"true", "false", ""}
    assert "" in {c["minutes"] for c in contacts}
    assert all(c["minutes"] == "" or int(c["minutes"]) > 0 for c in contacts)


def test_household_and_work_contacts_follow_the_structure(district, persons, contacts):
    household = {}
    for k, h in enumerate(district.households()):
        for i in h:
            household[i] = k
    hh = [c for c in contacts if c["setting"] == "household"]
    same = sum(household.get(c["from"]) == household.get(c["to"]) for c in hh)
    assert same > 0.99 * len(hh)
    workplace = {p["id"]: p["workplace"] for p in persons}
    work = [c for c in contacts if c["setting"] in ("work", "school")]
    assert all(workplace[c["from"]] == c["place"] or workplace[c["to"]] == c["place"] for c in work)


def test_checkins_and_venue_encounters(district, persons, checkins, contacts):
    ids = {p["id"] for p in persons}
    assert len(checkins) > N
    assert all(list(c) == CHECKIN_FIELDS for c in checkins)
    first, last = district.start, district.end
    for c in checkins:
        at, until = parse_datetime(c["at"]), parse_datetime(c["until"])
        assert c["person"] in ids and at < until and first <= at.date() <= last
    venues = {p["name"] for p in district.places if p["kind"] in ("market", "cafe", "restaurant",
                                                                   "supermarket", "pharmacy")}
    assert {c["place"] for c in checkins} <= venues
    visits = {(c["person"], c["place"], c["at"][:10]) for c in checkins}
    for c in contacts:
        if c["setting"] == "venue":
            assert (c["from"], c["place"], c["date"]) in visits
            assert (c["to"], c["place"], c["date"]) in visits


def test_cases_sources_are_earlier_cases_with_a_contact(district, contacts):
    cases = district.cases
    assert len(cases) >= max(3, N // 1000)
    assert all(list(c) == CASE_FIELDS for c in cases)
    by_id = {c["id"]: c for c in cases}
    assert len(by_id) == len(cases)
    met = {}
    for c in contacts:
        met.setdefault(frozenset((c["from"], c["to"])), []).append(c["date"])
    three_weeks_before_end = (district.end - dt.timedelta(days=20)).isoformat()
    linked = 0
    for case in cases:
        assert three_weeks_before_end <= case["confirmed"] <= district.end.isoformat()
        assert case["onset"] == "" or case["onset"] <= case["confirmed"]
        sources = [s for s in case["source"].split(";") if s]
        assert case["unknown_source"] == ("false" if sources else "true")
        for s in sources:
            linked += 1
            assert by_id[s]["confirmed"] < case["confirmed"]
            dates = met.get(frozenset((s, case["id"])), [])
            assert any(d <= by_id[s]["confirmed"] for d in dates), (case, s)
    assert linked >= 1
    assert any(c["unknown_source"] == "true" for c in cases)


def test_cases_scale_with_the_district():
    assert len(generate(20_000, seed=3).cases) in range(16, 25)


def test_populations_count_residents(district, persons):
    pops = district.populations
    assert all(list(p) == POPULATION_FIELDS for p in pops)
    levels = Counter(p["level"] for p in pops)
    assert levels["district"] == 1 and levels["ward"] == 14 and levels["unit"] > 14
    total = next(p["population"] for p in pops if p["level"] == "district")
    assert sum(p["population"] for p in pops if p["level"] == "ward") == total
    assert sum(p["population"] for p in pops if p["level"] == "unit") == total
    # every person row counts except the few registered twice
    assert 0 < N - total <= 0.01 * N
    residents = Counter(p["ward"] for p in persons)
    extra = [residents[p["area"]] - p["population"] for p in pops if p["level"] == "ward"]
    assert min(extra) >= 0 and sum(extra) == N - total
    assert len({(p["level"], p["area"]) for p in pops}) == len(pops)
    # a unit's area is "UNIT, WARD": unit names repeat across wards
    assert {p["area"] for p in pops if p["level"] == "unit"} == {
        f"{p['unit']}, {p['ward']}" for p in persons}


def test_csv_files_are_written_and_readable(tmp_path, district, persons):
    counts = write_csv_dir(district, tmp_path / "out")
    names = {"persons", "contacts", "checkins", "cases", "populations"}
    assert set(counts) == names
    for name in names:
        with open(tmp_path / "out" / f"{name}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == counts[name] > 0
    with open(tmp_path / "out" / "persons.csv", encoding="utf-8", newline="") as fh:
        assert list(csv.DictReader(fh)) == persons


def test_bad_arguments_are_refused():
    with pytest.raises(TracingError, match="persons"):
        generate(0)
    with pytest.raises(TracingError, match="weeks"):
        generate(100, weeks=0)


def test_other_start_and_length(tmp_path):
    d = generate(300, seed=2, start=dt.date(2022, 1, 10), weeks=3)
    dates = [c["date"] for c in d.contacts]
    assert min(dates) >= "2022-01-10" and max(dates) <= "2022-01-30"
    assert all(c["confirmed"] <= "2022-01-30" for c in d.cases)


def test_benchmark_script_writes_importable_files(tmp_path):
    out = tmp_path / "bench"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), "--persons", "400", "--seed", "9",
         "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "cases.csv", "checkins.csv", "contacts.csv", "persons.csv", "populations.csv"]
    with open(out / "persons.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 400
    assert "contacts" in result.stdout

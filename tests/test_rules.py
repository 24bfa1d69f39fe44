"""Rules are data with effective dates."""

import pytest

from tracing.errors import InvalidValue, NotFound
from tracing.rules import DEFAULT_RULES, Rule, Rules, parse_rule_value


def test_each_quarantine_plan_of_the_domain_table_takes_effect_on_its_day():
    rules = Rules.defaults()
    assert rules.at("quarantine.plan", "2021-05-04")["F1"]["days"] == 14
    assert rules.at("quarantine.plan", "2021-05-05")["F1"]["tests"] == [1, 14, 20]
    assert rules.at("quarantine.plan", "2021-07-14")["F1"]["monitor_days"] == 14
    assert rules.at("quarantine.plan", "2021-12-16")["F1_protected"]["days"] == 7
    assert rules.at("quarantine.plan", "2022-02-21")["F1_protected"]["tests"] == [5]
    assert rules.at("quarantine.plan", "2022-04-15")["F1"]["days"] == 0


def test_before_the_first_rule_the_earliest_applies_and_newer_rules_win():
    rules = Rules([*(Rule(k, e, v) for k, e, v, _ in DEFAULT_RULES), Rule("trace.max_depth", "2021-06-01", 4)])
    assert rules.at("trace.max_depth", "2019-01-01") == 2
    assert rules.at("trace.max_depth", "2021-05-31") == 2
    assert rules.at("trace.max_depth", "2021-06-01") == 4
    # principle 4: listing what is in force leaves out rules not yet effective
    assert {r.key for r in rules.in_force("2021-06-02")} == {k for k, e, *_ in DEFAULT_RULES if e <= "2021-06-02"}
    assert rules.rule_on("level.bands", "2021-06-02") is None


def test_rule_values_are_checked():
    assert parse_rule_value("f1.close_contact_required", "có") is True
    assert parse_rule_value("window.incubation_days", "[10, 2]") == [10, 2]
    with pytest.raises(InvalidValue):
        parse_rule_value("trace.max_depth", "0")
    with pytest.raises(NotFound):
        parse_rule_value("no.such.rule", "1")

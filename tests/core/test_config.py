"""Settings and policy (core.config): every DOMAIN.md number in POLICY_DEFAULTS, read by name,
overridden per deployment."""

from __future__ import annotations

import pytest

from core.config import POLICY_DEFAULTS, policy


def test_every_policy_number_is_read_by_its_domain_name(app):
    for name, default in POLICY_DEFAULTS.items():
        assert policy(name) == default


def test_an_unknown_policy_name_is_a_bug_not_a_silent_default(app):
    with pytest.raises(KeyError):
        policy("max_dayly_hours")


def test_a_deployment_overrides_a_policy_with_json_from_the_environment(monkeypatch):
    from core.config import Config

    monkeypatch.setenv("POLICY_MATCHING_URGENCY_WEIGHTS", "[1, 3, 9, 27]")
    monkeypatch.setenv("POLICY_OBJECTION_DAYS", "15")
    config = Config().as_dict()
    assert config["POLICY_MATCHING_URGENCY_WEIGHTS"] == [1, 3, 9, 27]
    assert config["POLICY_OBJECTION_DAYS"] == 15

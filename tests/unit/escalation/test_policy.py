"""The tier policy, rule by rule and in order of precedence (a table of cases)."""

import pytest

from chief_of_staff.escalation.escalate import estimate_cost
from chief_of_staff.escalation.policy import Decision, PolicyInputs, Tier, decide
from chief_of_staff.escalation.prices import load_prices

MODELS = {Tier.SONNET: "claude-sonnet-5-5", Tier.OPUS: "claude-opus-5-5"}
COST = {Tier.SONNET: 0.01, Tier.OPUS: 0.02}
PLENTY = {Tier.SONNET: 5.0, Tier.OPUS: 5.0}


def inputs(**overrides) -> PolicyInputs:
    base = dict(allowed_tiers=frozenset({1, 2, 3, 4}), confidence_threshold=0.5, confidence=0.9, sensitive_kinds=(),
                critical_reasons=(), models=MODELS, estimated_cost_usd=COST, budget_left_usd=PLENTY)
    return PolicyInputs(**{**base, **overrides})


CASES = [
    # (name, overrides, expected tier)
    ("confident stays local", {}, Tier.LOCAL),
    ("confidence equal to the threshold stays local", {"confidence": 0.5}, Tier.LOCAL),
    ("unsure goes to Sonnet", {"confidence": 0.2}, Tier.SONNET),
    ("unsure but Sonnet not allowed stays local", {"confidence": 0.2, "allowed_tiers": frozenset({1, 3})},
     Tier.LOCAL),
    ("unsure with a zero budget stays local", {"confidence": 0.2, "budget_left_usd": {Tier.SONNET: 0.0}},
     Tier.LOCAL),
    ("unsure with too little budget stays local", {"confidence": 0.2, "budget_left_usd": {Tier.SONNET: 0.005}},
     Tier.LOCAL),
    ("no confidence signal stays local", {"confidence": None}, Tier.LOCAL),
    ("critical goes to Opus even when confident", {"critical_reasons": ("a security incident",)}, Tier.OPUS),
    ("critical without Opus allowed goes to Sonnet",
     {"critical_reasons": ("x",), "allowed_tiers": frozenset({1, 2, 4})}, Tier.SONNET),
    ("critical with Opus unaffordable goes to Sonnet",
     {"critical_reasons": ("x",), "budget_left_usd": {Tier.SONNET: 1.0, Tier.OPUS: 0.0}}, Tier.SONNET),
    ("critical with no cloud budget stays local",
     {"critical_reasons": ("x",), "budget_left_usd": {}}, Tier.LOCAL),
    ("critical without a model configured skips that tier",
     {"critical_reasons": ("x",), "models": {Tier.SONNET: "claude-sonnet-5-5"}}, Tier.SONNET),
    ("sensitive stays on the machine", {"sensitive_kinds": ("payment_card",)}, Tier.SENSITIVE_LOCAL),
    ("sensitive beats critical", {"sensitive_kinds": ("health_record",), "critical_reasons": ("x",)},
     Tier.SENSITIVE_LOCAL),
    ("sensitive beats low confidence", {"sensitive_kinds": ("bank_account",), "confidence": 0.0}, Tier.SENSITIVE_LOCAL),
]


@pytest.mark.parametrize("name, overrides, expected", CASES, ids=[c[0] for c in CASES])
def test_decide_follows_the_rules_in_order(name, overrides, expected):
    decision = decide(inputs(**overrides))
    assert decision.tier == expected
    assert decision.reasons, "every decision gives its reasons in words"
    assert (decision.model is not None) == expected.is_cloud


def test_cloud_decision_names_the_model_and_the_estimate():
    decision = decide(inputs(confidence=0.1))
    assert decision.model == "claude-sonnet-5-5"
    assert any("0.1000 < threshold" in r or "0.10 < threshold 0.50" in r for r in decision.reasons)
    assert any("$0.0100" in r for r in decision.reasons)


def test_critical_task_kept_local_carries_a_visible_warning():
    decision = decide(inputs(critical_reasons=("a sum of 50,000 is above the 1,000 limit",), budget_left_usd={}))
    assert decision.tier == Tier.LOCAL and decision.warning
    assert any("budget is used up" in r for r in decision.reasons)


def test_sensitive_decision_names_the_kinds():
    decision = decide(inputs(sensitive_kinds=("payment_card", "government_id")))
    assert "payment_card, government_id" in decision.reasons[0]


def test_decision_takes_no_model_text():
    """Nothing a model writes is an input: the policy's fields are numbers, flags and the department's policy."""
    assert not any("text" in name or "answer" in name for name in PolicyInputs.__dataclass_fields__)
    assert isinstance(decide(inputs()), Decision)


def test_cost_estimate_is_an_upper_bound_of_what_the_api_can_charge():
    sonnet = load_prices().sonnet
    prompt = "x" * 4000  # at most ~2,000 Claude tokens (Claude averages 3-4 characters a token)
    worst_actual = sonnet.cost_usd(cache_write_tokens=2016, output_tokens=1024)
    assert estimate_cost(sonnet, len(prompt), 1024) >= worst_actual


def test_the_deferred_claude_client_bounds_a_call_as_the_real_one_does():
    from chief_of_staff.escalation.escalate import DeferredClaudeClient
    from chief_of_staff.models.claude import ClaudeClient

    options = {"timeout_s": 30.0, "max_retries": 3, "max_wait_s": 20.0}
    assert DeferredClaudeClient(**options).longest_call_s == ClaudeClient(**options).longest_call_s
    assert DeferredClaudeClient(**options).available is ClaudeClient(**options).available is False  # no key


def test_the_deferred_claude_client_sees_a_key_as_the_real_one_does(monkeypatch):
    from chief_of_staff.escalation.escalate import DeferredClaudeClient
    from chief_of_staff.models.claude import ClaudeClient

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    deferred = DeferredClaudeClient(timeout_s=1.0, max_retries=0, max_wait_s=1.0)
    assert deferred.available is ClaudeClient().available is True
    assert deferred.timeout_s == 1.0, "other attributes come from the real client, built on first use"

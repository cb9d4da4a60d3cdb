"""The tier policy as one pure function: `decide(PolicyInputs) -> Decision`.

    Tier 1  local model, $0                       the local answer is confident enough
    Tier 2  Claude Sonnet                         the local answer is not confident enough
    Tier 3  Claude Opus                           the task is critical
    Tier 4  local model, the thread is sensitive  sensitive data, an always-local department or the user's flag

Precedence, first match wins: sensitive -> tier 4; critical -> Opus, else Sonnet, else local with a warning;
confident -> tier 1; not confident -> Sonnet, else local. A cloud tier is used only when the department allows
it and its estimated cost fits the budget left; a budget of zero therefore never escalates.

No I/O and no model text among the inputs: what the local model wrote can never change the tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum


class Tier(IntEnum):
    LOCAL = 1
    SONNET = 2
    OPUS = 3
    SENSITIVE_LOCAL = 4

    @property
    def is_cloud(self) -> bool:
        return self in (Tier.SONNET, Tier.OPUS)

    @property
    def label(self) -> str:
        return {1: "local", 2: "Claude Sonnet", 3: "Claude Opus", 4: "local (sensitive)"}[self.value]


@dataclass(frozen=True)
class PolicyInputs:
    allowed_tiers: frozenset[int]  # the department's [tiers] allowed_tiers
    confidence_threshold: float  # the department's threshold (calibrated or from its manifest)
    confidence: float | None  # the local answer's confidence, 0..1; None when the backend gave no log-probs
    sensitive_kinds: tuple[str, ...] = ()  # why the thread is sensitive; empty when it is not
    critical_reasons: tuple[str, ...] = ()  # why the task is critical; empty when it is not
    models: Mapping[Tier, str] = field(default_factory=dict)  # model id per cloud tier
    estimated_cost_usd: Mapping[Tier, float] = field(default_factory=dict)  # per cloud tier, for this task
    budget_left_usd: Mapping[Tier, float] = field(default_factory=dict)  # the smallest cap left, per cloud tier


@dataclass(frozen=True)
class Decision:
    tier: Tier
    model: str | None  # the Claude model for a cloud tier, None for a local one
    reasons: tuple[str, ...]  # in words, for the trace and /why
    warning: str | None = None  # shown to the user: e.g. a critical task that stays local

    @property
    def is_cloud(self) -> bool:
        return self.tier.is_cloud


def _blocker(tier: Tier, inputs: PolicyInputs) -> str | None:
    """Why `tier` cannot be used for this task, or None when it can."""
    if tier.value not in inputs.allowed_tiers:
        return f"{tier.label} is not among the department's allowed tiers"
    if not inputs.models.get(tier):
        return f"no model is configured for {tier.label}"
    cost = inputs.estimated_cost_usd.get(tier, 0.0)
    left = inputs.budget_left_usd.get(tier, 0.0)
    if left <= 0:
        return f"the {tier.label} budget is used up"
    if cost > left:
        return f"the {tier.label} estimate (${cost:.4f}) is over the budget left (${left:.4f})"
    return None


def _cloud(tier: Tier, inputs: PolicyInputs, reasons: list[str]) -> Decision:
    reasons.append(f"estimated cost ${inputs.estimated_cost_usd.get(tier, 0.0):.4f}, within budget")
    return Decision(tier=tier, model=inputs.models[tier], reasons=tuple(reasons))


def decide(inputs: PolicyInputs) -> Decision:
    if inputs.sensitive_kinds:
        return Decision(Tier.SENSITIVE_LOCAL, None, (
            f"sensitive ({', '.join(inputs.sensitive_kinds)}): this thread never leaves the machine",))

    if inputs.critical_reasons:
        reasons = [f"critical: {'; '.join(inputs.critical_reasons)}"]
        for tier in (Tier.OPUS, Tier.SONNET):
            blocker = _blocker(tier, inputs)
            if blocker is None:
                return _cloud(tier, inputs, reasons)
            reasons.append(blocker)
        return Decision(Tier.LOCAL, None, tuple(reasons),
                        warning="critical task answered by the local model only: check it before acting on it")

    if inputs.confidence is None:
        return Decision(Tier.LOCAL, None, ("no confidence signal from the local backend: kept local",))
    if inputs.confidence >= inputs.confidence_threshold:
        return Decision(Tier.LOCAL, None, (
            f"confident: {inputs.confidence:.2f} >= threshold {inputs.confidence_threshold:.2f}",))

    reasons = [f"not confident: {inputs.confidence:.2f} < threshold {inputs.confidence_threshold:.2f}"]
    blocker = _blocker(Tier.SONNET, inputs)
    if blocker is None:
        return _cloud(Tier.SONNET, inputs, reasons)
    reasons.append(blocker)
    return Decision(Tier.LOCAL, None, tuple(reasons))

"""The escalation step of a turn, between the local answer and the reply: measure, decide, call Claude or not.

`Escalation` bundles what the step needs at run time (price table, ledger, Claude client, settings). The graph
calls `assess` before the local answer (sensitivity and criticality, from the user's task only), `decide_tier`
after it (the pure policy of policy.py fed with the confidence, the estimate and the budget left), and
`escalate` when the decision is a cloud tier. Every failure of the cloud call (offline, no key, budget, 429,
5xx, timeout, a bad body, a dropped stream) ends in the local answer, marked with what would have happened; the
ledger charges only what the API reported.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chief_of_staff.errors import ChiefOfStaffError, CloudError, SensitiveDataBlockedError, TurnCancelled
from chief_of_staff.escalation.calibration import load_calibrations
from chief_of_staff.escalation.confidence import agreement, confidence_from_logprobs
from chief_of_staff.escalation.criticality import assess_criticality
from chief_of_staff.escalation.ledger import BudgetExceededError, Ledger
from chief_of_staff.escalation.policy import Decision, PolicyInputs, Tier, decide
from chief_of_staff.escalation.prices import ModelPrice, PriceTable, load_prices
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.sensitive import detect_sensitive
from chief_of_staff.settings import Settings
from chief_of_staff.tools.claude_agent import complete_with_tools, definitions_bytes
from chief_of_staff.tools.runner import ToolRunner

log = logging.getLogger(__name__)

FRAMING_TOKENS = 64  # role markers and message framing the API adds around the prompt


@dataclass
class Escalation:
    settings: Settings
    prices: PriceTable
    ledger: Ledger | None  # None: nothing is recorded (tests of the local path)
    client: Any | None  # models.claude.ClaudeClient, or None when the cloud is off
    thresholds: dict[str, float] = field(default_factory=dict)  # calibrated thresholds per department

    @property
    def models(self) -> dict[Tier, str]:
        return {Tier.SONNET: self.prices.sonnet.model, Tier.OPUS: self.prices.opus.model}

    def price(self, tier: Tier) -> ModelPrice:
        return self.prices.opus if tier == Tier.OPUS else self.prices.sonnet

    def threshold(self, department: Department) -> float:
        return self.thresholds.get(department.name, department.manifest.tiers.confidence_threshold)


class DeferredClaudeClient:
    """The Claude client (models/claude.py), built on first use. Importing the anthropic SDK costs about 1.4 s of
    every start on 2 cores, and most turns never escalate; attribute lookups go to the real client."""

    def __init__(self, timeout_s: float, max_retries: int, max_wait_s: float) -> None:
        self._options = {"timeout_s": timeout_s, "max_retries": max_retries, "max_wait_s": max_wait_s}
        self._client = None
        self._lock = threading.Lock()

    @property
    def longest_call_s(self) -> float:
        """ClaudeClient.longest_call_s without building it: every attempt timing out, every wait at its longest."""
        o = self._options
        return (o["max_retries"] + 1) * o["timeout_s"] + o["max_retries"] * o["max_wait_s"]

    @property
    def available(self) -> bool:
        """ClaudeClient's rule (a key in ANTHROPIC_API_KEY) without importing the SDK to learn there is none."""
        return bool(os.environ.get("ANTHROPIC_API_KEY")) if self._client is None else self._client.available

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                from chief_of_staff.models.claude import ClaudeClient

                self._client = ClaudeClient(**self._options)
        return getattr(self._client, name)


def load_escalation(settings: Settings, departments: Sequence[Department] = ()) -> Escalation:
    """Price table, ledger, calibrated thresholds and (unless offline) the Claude client, built on first use."""
    client = None if settings.offline else DeferredClaudeClient(timeout_s=settings.claude_timeout_s,
                                                                max_retries=settings.claude_max_retries,
                                                                max_wait_s=settings.claude_timeout_s)
    calibrations = load_calibrations(settings.calibration_store, [d.name for d in departments])
    thresholds = {name: calibration.threshold for name, calibration in calibrations.items()}
    longest_call = dt.timedelta(seconds=client.longest_call_s if client else 0)
    ledger = Ledger(settings.ledger_store, settings.budgets, stale_after=longest_call + dt.timedelta(minutes=10))
    return Escalation(settings=settings, prices=load_prices(settings.prices_file), ledger=ledger, client=client,
                      thresholds=thresholds)


# -- before the local answer --------------------------------------------------------------------------------------

def assess(task: str, department: Department, earlier_kinds: Sequence[str], user_private: bool,
           user_critical: bool, critical_amount: float) -> tuple[list[str], list[str]]:
    """(sensitive kinds, critical reasons) of this turn. A thread once sensitive stays sensitive."""
    kinds = set(earlier_kinds) | set(detect_sensitive(task).kinds)
    if department.manifest.tiers.always_local:
        kinds.add(f"department {department.name} is always local")
    if user_private:
        kinds.add("marked private by the user")
    criticality = assess_criticality(task, department.manifest.tiers.critical_keywords, critical_amount,
                                     user_critical)
    return sorted(kinds), list(criticality.reasons)


# -- after the local answer ---------------------------------------------------------------------------------------

def answer_confidence(logprobs: Sequence[dict[str, Any]], settings: Settings) -> float | None:
    values = [lp.get("logprob") for lp in logprobs if isinstance(lp, dict)]
    return confidence_from_logprobs([v for v in values if isinstance(v, (int, float))],
                                    settings.confidence_method, settings.confidence_quantile)


def sampled_agreement(chat_model: Any, messages: list[Any], first_answer: str, samples: int,
                      **call_options: Any) -> float | None:
    """Agreement of the greedy answer with `samples` sampled ones (temperature 0.7, seeds 1..k), not streamed.
    `call_options` are the first answer's own (its department, so the same adapter; token limit; cancel flag)."""
    from langgraph.constants import TAG_NOSTREAM

    answers = [first_answer]
    for seed in range(1, samples + 1):
        sampler = chat_model.model_copy(update={"temperature": 0.7, "seed": seed})
        answers.append(sampler.invoke(messages, config={"tags": [TAG_NOSTREAM]}, **call_options).text)
    return agreement(answers)


def estimate_cost(price: ModelPrice, prompt_bytes: int, max_tokens: int) -> float:
    """An upper bound in dollars for one request: every prompt token at the dearer of input and cache-write, every
    output token.

    A token is at least one byte of UTF-8, whatever the language (English averages 3-4 characters a token, CJK
    text or emoji can be a token per character), so the prompt's byte count bounds its token count. A department's
    tool definitions go with every request, so they count as prompt (`first_request_bytes`)."""
    prompt_tokens = prompt_bytes + FRAMING_TOKENS
    per_prompt_token = max(price.input, price.cache_write)
    return (prompt_tokens * per_prompt_token + max_tokens * price.output) * 1e-6


def first_request_bytes(department: Department, prompt_bytes: int) -> int:
    """The prompt and the department's tool definitions: what the first request of an escalated turn sends."""
    return prompt_bytes + definitions_bytes(department.tools)


def threshold_for(escalation: Escalation | None, department: Department) -> float:
    """The department's calibrated threshold, else its manifest's."""
    return escalation.threshold(department) if escalation else department.manifest.tiers.confidence_threshold


def decide_tier(escalation: Escalation | None, department: Department, confidence: float | None,
                sensitive_kinds: Sequence[str], critical_reasons: Sequence[str], prompt_bytes: int) -> Decision:
    cloud: dict[str, Any] = {}  # local-only run (no cloud configured at all): no models, no budget
    if escalation is not None:
        max_tokens = escalation.settings.cloud_max_tokens
        sent = first_request_bytes(department, prompt_bytes)
        estimates = {t: estimate_cost(escalation.price(t), sent, max_tokens) for t in (Tier.SONNET, Tier.OPUS)}
        left = ({t: escalation.ledger.budget_left(t, department.name) for t in estimates}
                if escalation.ledger else {t: math.inf for t in estimates})
        cloud = {"models": escalation.models, "estimated_cost_usd": estimates, "budget_left_usd": left}
    return decide(PolicyInputs(
        allowed_tiers=frozenset(department.manifest.tiers.allowed_tiers),
        confidence_threshold=threshold_for(escalation, department), confidence=confidence,
        sensitive_kinds=tuple(sensitive_kinds), critical_reasons=tuple(critical_reasons), **cloud,
    ))


# -- the cloud call -----------------------------------------------------------------------------------------------

@dataclass
class CloudOutcome:
    text: str | None  # Claude's answer, or None when the local answer stands
    cost_usd: float = 0.0
    usage: dict[str, int] = field(default_factory=dict)
    note: str = ""  # why the local answer stands, shown to the user
    model: str = ""  # the model id the API reported (an alias resolves to a dated id)
    blocked_kinds: tuple[str, ...] = ()  # set when the client's guard refused the payload


def escalate(escalation: Escalation, decision: Decision, department: Department, system: str,
             messages: list[dict[str, str]], prompt_bytes: int, sensitive_thread: bool,
             on_text: Callable[[str], None] | None = None,
             on_start: Callable[[], None] | None = None, runner: ToolRunner | None = None) -> CloudOutcome:
    """Call Claude for a cloud decision within budget; any failure returns the reason and keeps the local answer.
    `on_start` runs once the call is really going to be made (key present, budget reserved). Claude may call the
    department's tools, run by `runner` (a fresh one by default); the calls are in `runner.runs`."""
    model = decision.model or ""
    would = f"would escalate to {model}: {decision.reasons[0]}"
    client = escalation.client
    if client is None:
        return CloudOutcome(None, note=f"offline; {would}")
    if not client.available:
        return CloudOutcome(None, note=f"no ANTHROPIC_API_KEY; {would}")
    price, sonnet = escalation.price(decision.tier), escalation.prices.sonnet
    max_tokens = escalation.settings.cloud_max_tokens
    estimate = estimate_cost(price, first_request_bytes(department, prompt_bytes), max_tokens)
    runner = runner or ToolRunner(department.tools, sensitive=sensitive_thread)
    ledger = escalation.ledger
    reservation = None
    if ledger is not None:
        try:
            reservation = ledger.reserve(decision.tier, department.name, model, estimate)
        except BudgetExceededError as exc:
            return CloudOutcome(None, note=f"{exc}; {would}")
        except (sqlite3.Error, ChiefOfStaffError) as exc:  # the ledger is unusable: no budget check, no cloud call
            log.error("spend ledger %s unusable (%s): not escalating", ledger.where, type(exc).__name__)
            return CloudOutcome(None, note=f"the spend ledger cannot be written ({exc}); {would}")

    def reserve_follow_up(payload_bytes: int) -> None:
        """Before each request after a tool call: hold its estimate too (BudgetExceededError stops the turn)."""
        nonlocal reservation, estimate
        more = estimate_cost(price, payload_bytes, max_tokens)
        if reservation is not None and ledger is not None:
            reservation = ledger.extend(reservation, more)
        estimate += more

    def settle(usage: Any, answered: bool, note: str = "", charge: float | None = None) -> None:
        if reservation is not None and ledger is not None:
            ledger.settle(reservation, actual_usd=_cost(price, usage) if charge is None else charge,
                          input_tokens=getattr(usage, "input_tokens", 0),
                          output_tokens=getattr(usage, "output_tokens", 0),
                          sonnet_equivalent_usd=_cost(sonnet, usage), note=note, answered=answered)

    try:
        if on_start:
            on_start()
        reply = complete_with_tools(client, runner, department.tools, model=model, system=system,
                                    messages=messages, max_tokens=max_tokens, sensitive_thread=sensitive_thread,
                                    on_text=on_text, before_follow_up=reserve_follow_up)
        settle(reply.usage, answered=True)
        return CloudOutcome(reply.text, cost_usd=_cost(price, reply.usage), usage=_usage_dict(reply.usage),
                            model=reply.model)
    except SensitiveDataBlockedError as exc:  # usage: what requests before a tool result was blocked used
        settle(getattr(exc, "usage", None), answered=False, note="blocked by the sensitive-data guard")
        return CloudOutcome(None, cost_usd=_cost(price, getattr(exc, "usage", None)),
                            note=f"blocked before sending: sensitive data ({', '.join(exc.kinds)})",
                            blocked_kinds=tuple(exc.kinds))
    except BudgetExceededError as exc:  # the budget ran out between the requests of a tool-use turn
        settle(getattr(exc, "usage", None), answered=False, note="budget reached after a tool call")
        return CloudOutcome(None, cost_usd=_cost(price, getattr(exc, "usage", None)),
                            usage=_usage_dict(getattr(exc, "usage", None)), note=f"{exc}; the local answer stands")
    except TurnCancelled:  # the user's Ctrl-C, seen between two streamed pieces: usage so far is unknown
        settle(None, answered=False, note="stopped by the user: charged the estimate", charge=estimate)
        return CloudOutcome(None, note="stopped by the user while Claude was answering; the local answer stands")
    except CloudError as exc:
        settle(exc.usage, answered=False, note=type(exc).__name__)
        log.warning("Claude call failed: %s", exc)
        return CloudOutcome(None, cost_usd=_cost(price, exc.usage), usage=_usage_dict(exc.usage),
                            note=f"Claude failed ({exc}); the local answer stands")
    except Exception as exc:  # a bug or an unforeseen failure: the user still gets the local answer
        log.error("Claude call failed unexpectedly (%s)", type(exc).__name__)  # never the payload
        settle(None, answered=False, note=f"unexpected {type(exc).__name__}: charged the estimate", charge=estimate)
        return CloudOutcome(None, note=f"Claude failed ({type(exc).__name__}); the local answer stands")
    except BaseException:  # Ctrl-C mid-call: what was billed is unknown, so the budget keeps the upper bound
        settle(None, answered=False, note="interrupted: charged the estimate", charge=estimate)
        raise


def _cost(price: ModelPrice, usage: Any) -> float:
    if usage is None:
        return 0.0
    return price.cost_usd(usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens,
                          usage.cache_creation_input_tokens)


def _usage_dict(usage: Any) -> dict[str, int]:
    if usage is None:
        return {}
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "cache_read_input_tokens": usage.cache_read_input_tokens,
            "cache_creation_input_tokens": usage.cache_creation_input_tokens}


def sonnet_equivalent(escalation: Escalation | None, input_tokens: int, output_tokens: int) -> float:
    """What Sonnet would have charged for an answer of this size (local token counts as the proxy)."""
    if escalation is None:
        return 0.0
    return escalation.prices.sonnet.cost_usd(input_tokens=input_tokens, output_tokens=output_tokens)

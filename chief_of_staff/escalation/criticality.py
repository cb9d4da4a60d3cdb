"""Is a task critical? Critical tasks go to Claude Opus when allowed and affordable (see policy.py).

A task is critical when the user says so (`--critical`), when it names a sum of money above the configured
amount, when it matches one of the department's `critical_keywords`, or one of the framework-wide categories
below: contracts and legal commitments, security incidents, irreversible actions. Only the user's task is read,
never the model's answer, so model output cannot make a task critical or not.

Amounts in any currency symbol ($, £, €) are compared with the same threshold: no exchange rates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CATEGORIES: dict[str, tuple[str, ...]] = {
    "a contract or legal commitment": (
        "contract", "contracts", "sign the", "signing", "lease", "agreement", "nda", "legally binding",
        "liability", "lawsuit", "sue", "terms and conditions",
    ),
    "a security incident": (
        "breach", "breached", "ransomware", "hacked", "compromised", "security incident", "data leak", "stolen",
    ),
    "an irreversible action": (
        "delete all", "permanently delete", "wipe", "terminate", "fire an employee", "fire our", "lay off", "layoff",
        "dismiss", "close the account",
        "cancel the contract", "wire transfer", "irreversible", "cannot be undone", "can't be undone",
    ),
}

_AMOUNT = re.compile(
    r"(?:[$£€]\s?(?P<a>\d[\d,]*(?:\.\d+)?)\s*(?P<ua>k|m|bn|thousand|million|billion)?\b)"
    r"|(?:\b(?P<b>\d[\d,]*(?:\.\d+)?)\s*(?P<ub>k|m|thousand|million)?\s*(?:dollars|usd|eur|euros|gbp|pounds)\b)",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


@dataclass(frozen=True)
class Criticality:
    reasons: tuple[str, ...] = ()

    @property
    def critical(self) -> bool:
        return bool(self.reasons)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(phrase.lower()) + r"(?![a-z0-9])")


_CATEGORY_PATTERNS = {name: [_phrase_pattern(p) for p in phrases] for name, phrases in CATEGORIES.items()}


def amounts(task: str) -> list[float]:
    """Every sum of money written in the task, in its own currency's units."""
    found = []
    for match in _AMOUNT.finditer(task):
        digits = (match.group("a") or match.group("b")).replace(",", "")
        unit = (match.group("ua") or match.group("ub") or "").lower()
        try:
            found.append(float(digits) * _SCALE.get(unit, 1.0))
        except ValueError:
            continue
    return found


def assess_criticality(task: str, keywords: Sequence[str] = (), money_threshold: float = 1000.0,
                       user_flag: bool = False) -> Criticality:
    lowered = task.lower()
    reasons = []
    if user_flag:
        reasons.append("marked critical by the user")
    largest = max(amounts(task), default=0.0)
    if largest > money_threshold:
        reasons.append(f"a sum of {largest:,.0f} is above the {money_threshold:,.0f} limit")
    department_hits = sorted({k for k in keywords if k.strip() and _phrase_pattern(k.strip()).search(lowered)})
    if department_hits:
        reasons.append(f"department keyword: {', '.join(department_hits)}")
    for name, patterns in _CATEGORY_PATTERNS.items():
        if any(p.search(lowered) for p in patterns):
            reasons.append(name)
    return Criticality(tuple(reasons))

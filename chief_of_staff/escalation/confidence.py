"""How sure the local model is of its answer, from 0 to 1.

From the answer's token log-probabilities: exp of a low quantile (default the 10th percentile) of the per-token
log-probs. The mean is biased by length (a long answer full of easy tokens hides the one token the model
guessed); the minimum is the extreme case of the quantile and is noisy on a single odd token. Where configured,
agreement across k sampled answers (the share that match the most common one) is combined by taking the lower
of the two: either signal alone is enough to call an answer unsure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

Method = Literal["quantile", "min", "mean"]


def _quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile with linear interpolation (numpy's default)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def confidence_from_logprobs(logprobs: Sequence[float], method: Method = "quantile",
                             quantile: float = 0.1) -> float | None:
    """exp(statistic of the token log-probs), in (0, 1]; None when there are none (nothing to judge)."""
    values = [lp for lp in logprobs if lp is not None and not math.isnan(lp)]
    if not values:
        return None
    if method == "min":
        statistic = min(values)
    elif method == "mean":
        statistic = sum(values) / len(values)
    else:
        statistic = _quantile(values, quantile)
    return math.exp(min(statistic, 0.0))


def _normalised(answer: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", " ".join(answer.lower().split()))[:200]


def agreement(answers: Sequence[str]) -> float | None:
    """Share of the answers equal (after normalising case, spacing and punctuation) to the most common one."""
    if not answers:
        return None
    _, count = Counter(_normalised(a) for a in answers).most_common(1)[0]
    return count / len(answers)


def combined_confidence(logprob_confidence: float | None, sample_agreement: float | None) -> float | None:
    """The lower of the two signals that are present."""
    present = [c for c in (logprob_confidence, sample_agreement) if c is not None]
    return min(present) if present else None

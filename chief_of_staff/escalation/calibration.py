"""Per-department calibration of the escalation threshold, the way RouteLLM calibrates by quantile.

Given the local model's confidence and whether it was right on each held-out task, choose the lowest threshold
at which the tasks kept local (confidence >= threshold) still reach the target accuracy: the most tasks stay
local while the local answers stay good enough. AUROC says how well confidence separates right from wrong
answers at all (0.5: not at all).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Calibration:
    department: str
    threshold: float  # keep a task local when its confidence >= threshold
    target_accuracy: float
    local_share: float  # share of held-out tasks kept local at this threshold
    local_accuracy: float | None  # accuracy of those tasks (None when none stay local)
    base_accuracy: float  # accuracy of the local model on every task
    auroc: float | None  # None when every answer was right, or every one wrong
    n: int
    metric: str = ""
    calibrated_at: str = ""


def auroc(scores: Sequence[float], correct: Sequence[bool]) -> float | None:
    """Probability that a right answer has higher confidence than a wrong one (ties count half)."""
    right = [s for s, c in zip(scores, correct) if c]
    wrong = [s for s, c in zip(scores, correct) if not c]
    if not right or not wrong:
        return None
    wins = sum(1.0 if r > w else 0.5 if r == w else 0.0 for r in right for w in wrong)
    return wins / (len(right) * len(wrong))


def choose_threshold(scores: Sequence[float], correct: Sequence[bool],
                     target_accuracy: float = 0.9) -> tuple[float, float, float | None]:
    """(threshold, local share, local accuracy) keeping the most tasks local at >= target accuracy.

    Candidates are the observed scores (all tasks at or above one stay local). When no candidate reaches the
    target, the threshold sits just above the highest score: nothing stays local."""
    if len(scores) != len(correct) or not scores:
        raise ValueError("need one correctness flag per score, and at least one task")
    best: tuple[float, float, float | None] = (math.nextafter(max(scores), math.inf), 0.0, None)
    for candidate in sorted(set(scores), reverse=True):
        kept = [c for s, c in zip(scores, correct) if s >= candidate]
        accuracy = sum(kept) / len(kept)
        if accuracy >= target_accuracy:
            best = (candidate, len(kept) / len(scores), accuracy)
    return best


def calibrate(department: str, scores: Sequence[float], correct: Sequence[bool], target_accuracy: float = 0.9,
              metric: str = "", calibrated_at: str = "") -> Calibration:
    threshold, share, accuracy = choose_threshold(scores, correct, target_accuracy)
    return Calibration(
        department=department, threshold=threshold, target_accuracy=target_accuracy, local_share=share,
        local_accuracy=accuracy, base_accuracy=sum(correct) / len(correct), auroc=auroc(scores, correct),
        n=len(scores), metric=metric, calibrated_at=calibrated_at,
    )


def calibration_file(data_dir: Path, department: str) -> Path:
    return data_dir / "calibration" / f"{department}.json"


def save_calibration(data_dir: Path, calibration: Calibration) -> Path:
    path = calibration_file(data_dir, calibration.department)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(calibration), indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def load_calibration(data_dir: Path, department: str) -> Calibration | None:
    """The stored calibration, or None when there is none or it cannot be read (the manifest's threshold then)."""
    path = calibration_file(data_dir, department)
    if not path.is_file():
        return None
    try:
        calibration = Calibration(**json.loads(path.read_text(encoding="utf-8")))
        if not 0.0 <= float(calibration.threshold) <= 1.0 + 1e-9:  # confidences are probabilities
            raise ValueError(f"threshold {calibration.threshold!r} is outside 0..1")
        return calibration
    except (OSError, ValueError, TypeError) as exc:
        logging.getLogger(__name__).warning(
            "ignoring the unreadable calibration %s (%s); run `cos escalation calibrate %s` again",
            path, exc, department)
        return None

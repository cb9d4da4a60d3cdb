"""Per-department calibration of the escalation threshold, the way RouteLLM calibrates by quantile.

Given the local model's confidence and whether it was right on each held-out task, choose the lowest threshold
at which the tasks kept local (confidence >= threshold) still reach the target accuracy: the most tasks stay
local while the local answers stay good enough. AUROC says how well confidence separates right from wrong
answers at all (0.5: not at all).

Calibrations live as JSON files in the data directory (calibration/<department>.json), or, with COS_DATABASE_URL,
in PostgreSQL (schema cos_calibrations), so that every replica escalates at the thresholds one of them measured.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chief_of_staff.postgres import PostgresSchema, apply_migrations, postgres_connection

POSTGRES_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS calibration (department TEXT PRIMARY KEY, data JSONB NOT NULL, "
    "saved_at TIMESTAMPTZ NOT NULL DEFAULT now())",
)


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


def save_calibration(where: Path | PostgresSchema, calibration: Calibration) -> str:
    """Store `calibration` (replacing the department's last one) in a data directory or PostgreSQL; returns where."""
    data = json.dumps(asdict(calibration), indent=2)
    if isinstance(where, PostgresSchema):
        with postgres_connection(where, create_schema=True) as conn:
            apply_migrations(conn, "calibrations", POSTGRES_MIGRATIONS)
            conn.execute("INSERT INTO calibration (department, data) VALUES (%s, %s) ON CONFLICT (department) "
                         "DO UPDATE SET data = EXCLUDED.data, saved_at = now()", (calibration.department, data))
        return f"PostgreSQL {where.describe()}"
    path = calibration_file(where, calibration.department)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)
    return str(path)


def load_calibrations(where: Path | PostgresSchema, departments: Sequence[str]) -> dict[str, Calibration]:
    """The stored calibrations of `departments` that exist and can be read (the others use their manifest's
    threshold, with a warning when one is unreadable)."""
    if isinstance(where, PostgresSchema):
        with postgres_connection(where, create_schema=True) as conn:
            apply_migrations(conn, "calibrations", POSTGRES_MIGRATIONS)
            rows = conn.execute("SELECT department, data FROM calibration WHERE department = ANY(%s)",
                                (list(departments),)).fetchall()
        found = {name: (data, f"{where.describe()} row {name}") for name, data in rows}
    else:
        found = {}
        for name in departments:
            path = calibration_file(where, name)
            if path.is_file():
                try:
                    found[name] = (json.loads(path.read_text(encoding="utf-8")), str(path))
                except (OSError, ValueError) as exc:
                    _unreadable(str(path), exc, name)
    return {name: calibration for name, (data, source) in found.items()
            if (calibration := _checked(data, source, name)) is not None}


def load_calibration(where: Path | PostgresSchema, department: str) -> Calibration | None:
    """The stored calibration, or None when there is none or it cannot be read (the manifest's threshold then)."""
    return load_calibrations(where, [department]).get(department)


def _checked(data: Any, source: str, department: str) -> Calibration | None:
    try:
        calibration = Calibration(**data)
        if not 0.0 <= float(calibration.threshold) <= 1.0 + 1e-9:  # confidences are probabilities
            raise ValueError(f"threshold {calibration.threshold!r} is outside 0..1")
        return calibration
    except (ValueError, TypeError) as exc:
        _unreadable(source, exc, department)
        return None


def _unreadable(source: str, exc: Exception, department: str) -> None:
    logging.getLogger(__name__).warning(
        "ignoring the unreadable calibration %s (%s); run `cos escalation calibrate %s` again", source, exc, department)

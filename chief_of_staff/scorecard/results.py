"""What the owner gets: the scores and recommendations as one JSON-serialisable model, and how it is computed.

`compute_results` is plain code, no model call: validated answers -> profile -> scores and recommendations. It
reads each department's calibration (a small JSON file, or a PostgreSQL row) for its measured local share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel

from chief_of_staff.escalation.calibration import load_calibrations
from chief_of_staff.postgres import PostgresSchema
from chief_of_staff.scorecard.context import ScorecardContext
from chief_of_staff.scorecard.profile import business_profile
from chief_of_staff.scorecard.questions import validate_answers
from chief_of_staff.scorecard.recommend import Recommendations, recommend
from chief_of_staff.scorecard.scoring import AreaScores, area_scores


class ScorecardResult(BaseModel):
    answers: dict[str, str]  # question id -> choice id
    scores: AreaScores
    recommendations: Recommendations


def measured_local_shares(where: Path | PostgresSchema, departments: Iterable[str]) -> dict[str, float]:
    """Local share per department that has a calibration; the others are left out (the projection assumes)."""
    return {name: calibration.local_share for name, calibration in load_calibrations(where, list(departments)).items()}


def compute_results(answers: Mapping[str, str], context: ScorecardContext) -> ScorecardResult:
    answers = validate_answers(answers)
    profile = business_profile(answers)
    recommendations = recommend(
        answers, profile, context.departments, measured_local_shares(context.calibrations, context.departments),
        context.prices.sonnet, context.prices.effective_date, context.with_task_sets,
    )
    return ScorecardResult(answers=answers, scores=area_scores(profile), recommendations=recommendations)

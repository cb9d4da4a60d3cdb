"""Scorecard fixtures: the installed departments and prices as the CLI loads them, and one complete answer set."""

from __future__ import annotations

import pytest

from chief_of_staff.scorecard.context import ScorecardContext, load_scorecard_context
from chief_of_staff.settings import load_settings

# A 13-person clinic-like business; test_scorecard_scoring.py computes its scores by hand.
CLINIC_ANSWERS = {
    "team_size": "6_to_20", "ai_spend": "50_to_200", "routine_share": "50_to_75", "data_sensitivity": "health",
    "ai_functions": "marketing", "models_today": "cloud_only", "hardware": "gpu_workstation",
}


@pytest.fixture()
def answers() -> dict[str, str]:
    return dict(CLINIC_ANSWERS)


@pytest.fixture()
def context() -> ScorecardContext:
    return load_scorecard_context(load_settings())

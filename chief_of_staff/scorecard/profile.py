"""What each answer means in numbers: the assumptions behind the scores and the cost projection, in one place.

A range answer becomes its midpoint (the open-ended top range a round figure above its lower bound); a kind
answer becomes a weight between 0 and 1. Every table is keyed by the choice ids of questions.py, and a test
checks that every choice has an entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PEOPLE = {"just_me": 1, "2_to_5": 3.5, "6_to_20": 13, "21_to_50": 35, "over_50": 75}
MONTHLY_SPEND_USD = {"nothing": 0, "under_50": 25, "50_to_200": 125, "200_to_1000": 600, "over_1000": 1500}
ROUTINE_SHARE = {"under_25": 0.125, "25_to_50": 0.375, "50_to_75": 0.625, "over_75": 0.875}
# How much harm a leak of the data would do, 0 (none) to 1 (health records).
SENSITIVITY = {"none": 0.0, "financial": 0.7, "legal": 0.8, "health": 1.0}
# How widely AI is used: nowhere, in one function, in several.
AI_ADOPTION = {"none": 0.0, "marketing": 0.7, "finance": 0.7, "admin": 0.7, "security": 0.7, "legal": 0.7,
               "several": 1.0}
# Share of today's AI work that leaves the building.
CLOUD_EXPOSURE = {"none": 0.0, "cloud_only": 1.0, "local_only": 0.0, "both": 0.6}
# Experience with running models yourself (what customisation builds on).
LOCAL_EXPERIENCE = {"none": 0.0, "cloud_only": 0.2, "local_only": 1.0, "both": 0.8}
# Experience with AI models at all, wherever they run.
MODELS_MATURITY = {"none": 0.0, "cloud_only": 0.6, "local_only": 0.8, "both": 1.0}
# What the hardware can run: the 135M default only, a 7-8B model, a 14-32B model.
HARDWARE_CAPACITY = {"laptop": 0.3, "gpu_workstation": 0.8, "gpu_server": 1.0}

TABLES_BY_QUESTION: dict[str, tuple[Mapping[str, float], ...]] = {
    "team_size": (PEOPLE,),
    "ai_spend": (MONTHLY_SPEND_USD,),
    "routine_share": (ROUTINE_SHARE,),
    "data_sensitivity": (SENSITIVITY,),
    "ai_functions": (AI_ADOPTION,),
    "models_today": (CLOUD_EXPOSURE, LOCAL_EXPERIENCE, MODELS_MATURITY),
    "hardware": (HARDWARE_CAPACITY,),
}


@dataclass(frozen=True)
class BusinessProfile:
    """The answers as numbers; weights are 0..1."""

    people: float
    monthly_spend_usd: float
    routine_share: float
    sensitivity: float
    ai_adoption: float
    cloud_exposure: float
    local_experience: float
    models_maturity: float
    hardware_capacity: float

    @property
    def spend_per_person_usd(self) -> float:
        return self.monthly_spend_usd / self.people


def business_profile(answers: Mapping[str, str]) -> BusinessProfile:
    """The profile of a complete, validated answer set (questions.validate_answers)."""
    models = answers["models_today"]
    return BusinessProfile(
        people=PEOPLE[answers["team_size"]],
        monthly_spend_usd=MONTHLY_SPEND_USD[answers["ai_spend"]],
        routine_share=ROUTINE_SHARE[answers["routine_share"]],
        sensitivity=SENSITIVITY[answers["data_sensitivity"]],
        ai_adoption=AI_ADOPTION[answers["ai_functions"]],
        cloud_exposure=CLOUD_EXPOSURE[models],
        local_experience=LOCAL_EXPERIENCE[models],
        models_maturity=MODELS_MATURITY[models],
        hardware_capacity=HARDWARE_CAPACITY[answers["hardware"]],
    )

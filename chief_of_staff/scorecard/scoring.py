"""The four area scores and the overall score, 0-100 each, as pure functions of the business profile.

Higher is better: how well the business stands today in that area. With the profile's weights (profile.py,
all 0..1) and `routine` the routine share:

    cost          = 100 - 50 * min(1, spend_per_person / $100) - 50 * routine * cloud_exposure
    privacy       = 100 - cloud_exposure * (30 + 70 * sensitivity)
    customisation = 50 * hardware_capacity + 30 * local_experience + 20 * routine
    readiness     = 35 * ai_adoption + 25 * models_maturity + 25 * hardware_capacity + 15 * routine
    overall       = (cost + privacy + customisation + readiness) / 4

Cost loses up to half for spending $100 or more a person a month, and up to half for routine work sent to the
cloud (work a local model could do for $0). Privacy loses up to 30 for any work in the cloud, up to 70 more for
sensitive client data there. Customisation rewards hardware that runs a bigger local model, experience running
models yourself, and repeated tasks (what an adapter learns). Readiness rewards AI already in use, experience
with models, capable hardware and routine work to hand over.

Each score is rounded to the nearest whole number and clamped to 0..100, so no answer set can leave that range.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from chief_of_staff.scorecard.profile import BusinessProfile

FORMULA = "\n".join(line.strip() for line in __doc__.splitlines() if line.startswith("    "))  # the equations
AREAS = ("cost", "privacy", "customisation", "readiness")
SPEND_PER_PERSON_CEILING_USD = 100.0  # a month; at or above it the spend term takes its full 50 points


class AreaScores(BaseModel):
    """0-100 per area and overall; higher is better."""

    cost: int = Field(ge=0, le=100, description="Value for money of today's AI spend.")
    privacy: int = Field(ge=0, le=100, description="How well client data stays in the building.")
    customisation: int = Field(ge=0, le=100, description="How far the models can be fitted to the business.")
    readiness: int = Field(ge=0, le=100, description="How ready the business is to run a tiered Chief of Staff.")
    overall: int = Field(ge=0, le=100, description="Mean of the four areas.")


def clamp_score(value: float) -> int:
    """Nearest whole number (halves up), within 0..100."""
    return max(0, min(100, math.floor(value + 0.5)))


def cost_score(p: BusinessProfile) -> float:
    spend = min(1.0, p.spend_per_person_usd / SPEND_PER_PERSON_CEILING_USD)
    return 100 - 50 * spend - 50 * p.routine_share * p.cloud_exposure


def privacy_score(p: BusinessProfile) -> float:
    return 100 - p.cloud_exposure * (30 + 70 * p.sensitivity)


def customisation_score(p: BusinessProfile) -> float:
    return 50 * p.hardware_capacity + 30 * p.local_experience + 20 * p.routine_share


def readiness_score(p: BusinessProfile) -> float:
    return 35 * p.ai_adoption + 25 * p.models_maturity + 25 * p.hardware_capacity + 15 * p.routine_share


def area_scores(profile: BusinessProfile) -> AreaScores:
    raw = {
        "cost": cost_score(profile),
        "privacy": privacy_score(profile),
        "customisation": customisation_score(profile),
        "readiness": readiness_score(profile),
    }
    clamped = {area: clamp_score(value) for area, value in raw.items()}
    return AreaScores(**clamped, overall=clamp_score(sum(clamped.values()) / len(clamped)))

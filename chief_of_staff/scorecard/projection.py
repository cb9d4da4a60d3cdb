"""The projected monthly cloud bill: every task on Claude Sonnet (all-cloud) against the tier policy (tiered).

    tasks a month      = people * 21 workdays * 10 desk tasks a workday * routine share
    cost per task      = Sonnet's price (the tier price table) for 1,500 input and 400 output tokens
    all-cloud          = tasks a month * cost per task
    tiered             = sum over enabled departments of tasks_d * (1 - local_share_d) * cost per task

Tasks are split evenly among the enabled departments. A department's local share is its measured one
(calibration) where it exists, 1 for an always-local department (tier 4 never reaches the cloud), otherwise the
seed's 60-70% estimate taken as 65% and labelled as an assumption. Escalations are priced at Sonnet (tier 2);
Opus (tier 3, critical tasks) costs more and is not modelled. Pure: prices and measured shares come in as data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from chief_of_staff.escalation.prices import ModelPrice
from chief_of_staff.scorecard.profile import BusinessProfile

WORKDAYS_PER_MONTH = 21
TASKS_PER_PERSON_PER_WORKDAY = 10
TYPICAL_INPUT_TOKENS = 1_500  # a department's system prompt, a few turns of history and the task
TYPICAL_OUTPUT_TOKENS = 400  # a reply of about 300 words
ASSUMED_LOCAL_SHARE = 0.65  # the seed's "60-70% of tasks stay local", at its midpoint

LocalShareSource = Literal["measured", "always local", "assumption"]


class DepartmentCost(BaseModel):
    department: str
    tasks_per_month: float = Field(ge=0)
    local_share: float = Field(ge=0, le=1, description="Share of its tasks answered locally (tiers 1 and 4).")
    local_share_source: LocalShareSource
    local_share_note: str = Field(description="Where the local share comes from, in words.")
    all_cloud_usd: float = Field(ge=0)
    tiered_usd: float = Field(ge=0)


class CostProjection(BaseModel):
    """Monthly US dollars; `assumptions` states every number that was not measured."""

    tasks_per_month: int = Field(ge=0)
    cost_per_task_usd: float = Field(ge=0)
    model: str = Field(description="The Claude model of tier 2 whose price is used.")
    prices_effective_date: dt.date
    today_usd: float = Field(ge=0, description="What the owner said they spend today (range midpoint).")
    all_cloud_usd: float = Field(ge=0)
    tiered_usd: float = Field(ge=0)
    saving_usd: float = Field(ge=0)
    departments: list[DepartmentCost]
    assumptions: list[str]


def tasks_per_month(profile: BusinessProfile) -> int:
    return round(profile.people * WORKDAYS_PER_MONTH * TASKS_PER_PERSON_PER_WORKDAY * profile.routine_share)


def cost_per_task(sonnet: ModelPrice) -> float:
    return sonnet.cost_usd(input_tokens=TYPICAL_INPUT_TOKENS, output_tokens=TYPICAL_OUTPUT_TOKENS)


def local_share_of(department: str, always_local: Collection[str],
                   measured: Mapping[str, float]) -> tuple[float, LocalShareSource, str]:
    """(share, source, note): always-local first (it overrides any measurement), then measured, then assumed."""
    if department in always_local:
        return 1.0, "always local", "always local (tier 4): never sent to the cloud"
    if department in measured:
        return measured[department], "measured", "measured by `cos escalation calibrate`"
    return (ASSUMED_LOCAL_SHARE, "assumption",
            f"assumption: the seed's 60-70% estimate; run `cos escalation calibrate {department}` to measure it")


def project_costs(profile: BusinessProfile, departments: Sequence[str], always_local: Collection[str],
                  measured_local_shares: Mapping[str, float], sonnet: ModelPrice,
                  prices_effective_date: dt.date) -> CostProjection:
    tasks = tasks_per_month(profile)
    per_task = cost_per_task(sonnet)
    per_department = tasks / len(departments) if departments else 0.0
    rows = []
    for name in departments:
        share, source, note = local_share_of(name, always_local, measured_local_shares)
        rows.append(DepartmentCost(
            department=name, tasks_per_month=round(per_department, 1), local_share=share, local_share_source=source,
            local_share_note=note, all_cloud_usd=round(per_department * per_task, 2),
            tiered_usd=round(per_department * (1 - share) * per_task, 2),
        ))
    all_cloud = tasks * per_task
    tiered = sum(per_department * (1 - row.local_share) * per_task for row in rows)
    assumed = [row.department for row in rows if row.local_share_source == "assumption"]
    assumptions = [
        f"{tasks} tasks a month: {profile.people:g} people x {WORKDAYS_PER_MONTH} workdays x "
        f"{TASKS_PER_PERSON_PER_WORKDAY} desk tasks a day x {profile.routine_share:.1%} routine (range midpoints)",
        f"${per_task:.4f} a task: {TYPICAL_INPUT_TOKENS:,} input and {TYPICAL_OUTPUT_TOKENS} output tokens on "
        f"{sonnet.model} at ${sonnet.input:.2f} / ${sonnet.output:.2f} per million (prices of {prices_effective_date})",
        "tasks split evenly among the enabled departments; escalations priced at Sonnet (Opus, for critical "
        "tasks, costs more and is not counted)",
    ]
    if assumed:
        assumptions.append(f"local share {ASSUMED_LOCAL_SHARE:.0%} is an assumption (the seed's 60-70%) for "
                           f"{', '.join(assumed)}: no calibration measured yet")
    return CostProjection(
        tasks_per_month=tasks, cost_per_task_usd=round(per_task, 4), model=sonnet.model,
        prices_effective_date=prices_effective_date, today_usd=profile.monthly_spend_usd,
        all_cloud_usd=round(all_cloud, 2), tiered_usd=round(tiered, 2),
        saving_usd=max(0.0, round(round(all_cloud, 2) - round(tiered, 2), 2)), departments=rows,
        assumptions=assumptions,
    )

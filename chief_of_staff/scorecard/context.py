"""What the scoring node reads besides the answers: the installed departments, the tier prices, where calibrations
live.

Loaded once per process (department discovery imports plugin hooks), passed to every run of the flow as its
LangGraph run-time context. Calibrations are read at scoring time instead, so a fresh one counts at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chief_of_staff.escalation.prices import PriceTable, load_prices
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.postgres import PostgresSchema
from chief_of_staff.settings import Settings
from chief_of_staff.training.tasks import TASKS_FILE


@dataclass(frozen=True)
class ScorecardContext:
    departments: Mapping[str, Department]  # every installed department, built-in and plugin, by name
    prices: PriceTable  # the tier price table (Sonnet prices the projection)
    calibrations: Path | PostgresSchema  # where calibrations live (settings.calibration_store)
    with_task_sets: frozenset[str] = field(default_factory=frozenset)  # departments that can calibrate and train


def load_scorecard_context(settings: Settings) -> ScorecardContext:
    departments = discover_departments(settings).departments
    return ScorecardContext(
        departments=departments,
        prices=load_prices(settings.prices_file),
        calibrations=settings.calibration_store,
        with_task_sets=frozenset(n for n, d in departments.items() if (d.folder / TASKS_FILE).is_file()),
    )

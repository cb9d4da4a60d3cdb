"""Scorecard: time from the last answer to the results, in milliseconds (goal: under 100 ms).

Measured per run: resuming the final interrupt (question 7) through the `score` node (scores, recommendations,
cost projection, calibration reads) to the ScorecardResult, on the SQLite checkpointer the CLI uses; and the same
plus rendering the results as `cos scorecard` prints them. Excluded: process start, imports, department
discovery and the first-time graph compile (all done once before timing), and answering questions 1-6.

    .venv/bin/python bench/scorecard.py [--runs 200]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from chief_of_staff.cli.scorecard import render_results
from chief_of_staff.scorecard.context import load_scorecard_context
from chief_of_staff.scorecard.flow import build_scorecard_graph
from chief_of_staff.scorecard.questions import QUESTIONS
from chief_of_staff.scorecard.session import answer_question, current_step
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import open_checkpointer

GOAL_MS = 100.0
ANSWERS = {"team_size": "6_to_20", "ai_spend": "50_to_200", "routine_share": "50_to_75",
           "data_sensitivity": "health", "ai_functions": "several", "models_today": "cloud_only",
           "hardware": "gpu_workstation"}
WARMUP_RUNS = 5


def last_answer_ms(graph, context, thread_id: str, render: bool) -> float:
    """Answer questions 1-6 untimed, then time the 7th answer to results (and, if asked, to rendered text)."""
    current_step(graph, thread_id, context)
    for question in QUESTIONS[:-1]:
        answer_question(graph, thread_id, ANSWERS[question.id], context)
    started = time.perf_counter()
    step = answer_question(graph, thread_id, ANSWERS[QUESTIONS[-1].id], context)
    if render:
        render_results(step.result, Console(file=io.StringIO(), width=120))
    elapsed = (time.perf_counter() - started) * 1000
    assert step.result is not None
    return elapsed


def median_of(graph, context, runs: int, render: bool, prefix: str) -> float:
    for i in range(WARMUP_RUNS):
        last_answer_ms(graph, context, f"{prefix}-warm-{i}", render)
    return statistics.median(last_answer_ms(graph, context, f"{prefix}-{i}", render) for i in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp))
        context = load_scorecard_context(settings)
        with open_checkpointer(Path(tmp) / "scorecard.sqlite") as saver:
            graph = build_scorecard_graph(saver)
            to_results = median_of(graph, context, args.runs, render=False, prefix="results")
            to_screen = median_of(graph, context, args.runs, render=True, prefix="screen")
    print(f"scorecard, last answer to results, median of {args.runs} runs, SQLite checkpointer "
          f"({len(context.departments)} departments)")
    print(f"  resume of question 7 -> results:           {to_results:7.2f} ms")
    print(f"  resume of question 7 -> results rendered:  {to_screen:7.2f} ms  (goal < {GOAL_MS:.0f} ms: "
          f"{'met' if to_screen < GOAL_MS else 'NOT met'})")


if __name__ == "__main__":
    main()

"""Escalation benchmark: for each built-in department, on its held-out tasks answered by the embedded model the
way `cos chat` answers (the department's tools first, when one fits, with the embedder's score as confidence; else
the department's prompt, 192 new tokens, its adapter when one is installed): how well
confidence predicts a right answer (AUROC, three confidence statistics side by side), the share of tasks that can
stay local at the target accuracy, and the projected cost of 1,000 such tasks, tiered against all-Sonnet.

    .venv/bin/python bench/escalation.py [--target 0.9] [--departments security finance content]

Cost per task is the shipped Sonnet price applied to the measured prompt tokens (the local tokenizer's count, a
proxy for Claude's) plus `max_new_tokens` (192) output tokens, a full-length chat answer. A department whose
policy is always-local (finance) keeps every task local whatever its confidence: its tiered cost is $0. Critical
tasks (Opus) are not modelled: the held-out tasks are routine.
"""

from __future__ import annotations

import argparse
import time

from chief_of_staff.context import load_adapters, load_router
from chief_of_staff.escalation.calibration import auroc, choose_threshold
from chief_of_staff.escalation.confidence import confidence_from_logprobs
from chief_of_staff.escalation.measure import measure
from chief_of_staff.escalation.prices import load_prices
from chief_of_staff.models.factory import load_chat_model
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.tools.selection import ToolSelector
from chief_of_staff.training.reward_functions import load_rewards
from chief_of_staff.training.tasks import load_task_set

METHODS = {"quantile 0.1": ("quantile", 0.1), "min": ("min", 0.0), "mean": ("mean", 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("--departments", nargs="+", default=["security", "finance", "content"])
    args = parser.parse_args()
    settings = load_settings()
    registry = discover_departments(settings)
    chat_model = load_chat_model(settings)
    bank = load_adapters(settings, chat_model, registry)
    selector = ToolSelector(registry.departments.values(), load_router(settings, registry).embed)
    sonnet = load_prices(settings.prices_file).sonnet
    print(f"target accuracy {args.target:.0%}; Sonnet {sonnet.model} ${sonnet.input}/${sonnet.output} per MTok")
    print("| department | n | local right | confidence | AUROC | threshold | local share | local accuracy "
          "| all-Sonnet $/1k | tiered $/1k |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.departments:
        department = registry.require(name)
        if bank is not None:
            bank.activate(name if name in bank.adapters else None)
        tasks = load_task_set(department.folder).heldout
        started = time.perf_counter()
        metric = load_rewards(department.folder, name, department.manifest.style)[0]
        measured = measure(chat_model, department, tasks, metric, settings, tool_selector=selector)
        if not measured.correct:
            print(f"| {name} | 0 | - | - | - | - | - | - | - | - |")
            continue
        n, right, tooled = len(measured.correct), sum(measured.correct), sum(measured.by_tool)
        prompt_tokens = round(sum(measured.input_tokens) / n)
        per_task = sonnet.cost_usd(input_tokens=prompt_tokens, output_tokens=settings.max_new_tokens)
        for label, (method, q) in METHODS.items():
            confidences = [tool_score if by_tool else confidence_from_logprobs(lps, method, q) or 0.0
                           for tool_score, by_tool, lps in zip(measured.confidences, measured.by_tool,
                                                               measured.logprobs)]
            threshold, share, accuracy = choose_threshold(confidences, measured.correct, args.target)
            area = auroc(confidences, measured.correct)
            if department.manifest.tiers.always_local:  # tier 4 by policy: nothing is ever sent
                share = 1.0
            print(f"| {name} | {n} | {right / n:.1%} | {label} | {'n/a' if area is None else f'{area:.3f}'} | "
                  f"{'none local' if accuracy is None else f'{threshold:.3f}'} | {share:.1%} | "
                  f"{'-' if accuracy is None else f'{accuracy:.1%}'} | ${1000 * per_task:.2f} | "
                  f"${1000 * per_task * (1 - share):.2f} |")
        print(f"<!-- {name}: {len(tasks)} answers in {time.perf_counter() - started:.0f} s, {tooled} of the {n} "
              "scored by a tool -->")


if __name__ == "__main__":
    main()
